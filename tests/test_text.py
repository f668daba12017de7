"""Text of markup: breaks where a browser shows them, none where it does not."""

import pytest
from parsel import Selector

from vok_crawler.site.processors import normalize_space, paragraphs
from vok_crawler.site.text import LINE_BREAK, PARAGRAPH_BREAK, markup_text


def root(html: str, css: str = "div"):
    return Selector(text=html).css(css)[0].root


def test_br_is_a_line_break_and_blocks_are_paragraph_breaks():
    text = markup_text(root("<div><p>The<br>respected</p><p>next</p></div>"))
    assert text == f"{PARAGRAPH_BREAK}The{LINE_BREAK}respected{PARAGRAPH_BREAK}{PARAGRAPH_BREAK}next{PARAGRAPH_BREAK}"


def test_inline_markup_adds_no_space():
    assert (
        markup_text(root("<div><b>bo</b>ld Kim Jong <a href='x'>Un</a>'s <em>speech</em>.</div>"))
        == "bold Kim Jong Un's speech."
    )


def test_entities_are_decoded_and_characters_kept():
    assert markup_text(root("<div>&amp; &#x27;x&#x27; “김정은”\xa0&nbsp;</div>")) == "& 'x' “김정은”\xa0\xa0"


def test_scripts_styles_noscript_and_comments_are_not_text_but_their_tails_are():
    html = "<div>a<script>var x = '<p>no</p>';</script>b<style>p{}</style>c<noscript>no</noscript>d<!-- no -->e</div>"
    assert markup_text(root(html)) == "abcde"


def test_skipped_elements_keep_their_tail_and_still_part_words():
    selector = Selector(text="<div>kept<div class='sharedaddy'>Share this</div>tail <span class='w'>no</span>end</div>")
    content = selector.css("div")[0]
    skip = {content.css(".sharedaddy")[0].root, content.css(".w")[0].root}
    assert paragraphs(markup_text(content.root, skip)) == ["kept", "tail end"]


def test_the_elements_own_tail_is_not_its_text():
    assert markup_text(root("<div><h1>Title</h1> after</div>", "h1")) == "Title"


def test_one_line_fields_and_paragraphs_read_as_a_browser_shows_them():
    text = markup_text(
        root("<div><h4>The<br>respected\n  Comrade</h4><ul><li>one</li><li>two<br><br>three</li></ul></div>")
    )
    assert normalize_space(text) == "The respected Comrade one two three"
    assert paragraphs(text) == ["The\nrespected Comrade", "one", "two\nthree"]


@pytest.mark.parametrize("depth", [1_500, 10_000])
def test_deeply_nested_tags_are_read_without_recursion(depth):
    """Deeper than Python's recursion limit; libxml2 itself keeps about 2,000 levels of the 10,000."""
    html = (
        "<div class='article-content'>" + "<span>" * depth + "deep<br>text" + "</span>" * depth + "<p>after</p></div>"
    )
    text = markup_text(root(html))
    if depth < 2_000:
        assert text == f"deep{LINE_BREAK}text{PARAGRAPH_BREAK}after{PARAGRAPH_BREAK}"
