"""The anatomy's URL rule: every spelling of a site link is one URL."""

import pytest

from vok_crawler.urls import canonical_url, is_on_site

ORIGIN = "http://127.0.0.1:8080/article/163/"
PAGE = "http://127.0.0.1:8080/article/163/"
CANONICAL = "http://127.0.0.1:8080/newstream/1-2/slug/"


@pytest.mark.parametrize(
    "href",
    [
        "http://127.0.0.1:8080/newstream/1-2/slug/",
        "http://127.0.0.1:8080/newstream/1-2/slug",  # no trailing slash
        "//127.0.0.1:8080/newstream/1-2/slug/",  # protocol-relative
        "https://127.0.0.1:8080/newstream/1-2/slug/",  # the other scheme
        "/newstream/1-2/slug/",  # relative to the page
        "../../newstream/1-2/slug",
        "http://127.0.0.1:8080/newstream/1-2/slug/#respond",
        "http://127.0.0.1:8080/newstream/1-2/slug/?utm_source=twitter&utm_medium=social",
        "http://127.0.0.1:8080/newstream/1-2/slug?fbclid=abc&gclid=def#top",
        "  http://127.0.0.1:8080/newstream/1-2/slug/\n",
        "http://WWW.127.0.0.1:8080/newstream/1-2/slug/",
    ],
)
def test_every_spelling_of_a_site_link_is_one_url(href):
    assert canonical_url(href, PAGE, ORIGIN) == CANONICAL


def test_slice_links_keep_their_file_path_and_real_parameters():
    href = "http://127.0.0.1:8080/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&to=24&sort=&id=163"
    reordered = "//127.0.0.1:8080/wp-admin/admin-ajax.php?id=163&to=24&sort=&from=12&die=true&action=get_cat_by_source&utm_source=x"
    url = canonical_url(href, PAGE, ORIGIN)
    assert url.startswith("http://127.0.0.1:8080/wp-admin/admin-ajax.php?")
    assert "sort=&" in url and "from=12" in url and "utm" not in url
    assert canonical_url(reordered, PAGE, ORIGIN) == url


def test_links_off_the_site_are_only_resolved():
    source = "http://www.vok.rep.kp/index.php/detail/2025-03-14-0820"
    assert canonical_url(source, PAGE, ORIGIN) == source
    assert (
        canonical_url("https://kcnawatch.org/newstream/1-2/slug", PAGE, ORIGIN)
        == "https://kcnawatch.org/newstream/1-2/slug"
    )


def test_a_live_crawl_folds_www_and_http_into_its_origin():
    origin = "https://kcnawatch.org/article/163/"
    assert canonical_url("http://www.kcnawatch.org/newstream/1-2/slug?utm_campaign=x", origin, origin) == (
        "https://kcnawatch.org/newstream/1-2/slug/"
    )


@pytest.mark.parametrize("href", ["", "   ", "javascript:void(0)", "mailto:info@kcnawatch.org", "tel:123"])
def test_what_is_not_a_web_link_is_none(href):
    assert canonical_url(href, PAGE, ORIGIN) is None


def test_a_bare_fragment_is_the_page_itself():
    assert canonical_url("#respond", CANONICAL, ORIGIN) == CANONICAL


def test_is_on_site_compares_hosts_with_their_ports():
    assert is_on_site(CANONICAL, ORIGIN)
    assert not is_on_site("http://127.0.0.1:9090/newstream/1-2/slug/", ORIGIN)
    assert not is_on_site("https://kcnawatch.org/newstream/1-2/slug/", ORIGIN)


def test_a_relative_link_that_carries_a_url_is_still_relative():
    assert canonical_url("/go?to=http://x.org/", PAGE, ORIGIN) == "http://127.0.0.1:8080/go/?to=http%3A%2F%2Fx.org%2F"


def test_a_link_too_malformed_to_parse_is_no_web_link():
    assert canonical_url("http://[oops/x", "http://127.0.0.1:8163/article/163/", "http://127.0.0.1:8163/") is None
    assert canonical_url("//[::1/x", "http://127.0.0.1:8163/article/163/", "http://127.0.0.1:8163/") is None
