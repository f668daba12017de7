"""Write the bundled sample site and the record each article must give.

Run ``python samples/build_samples.py`` from the project root after changing
it. The site follows ``docs/site.md``: the source's ordered list of teaser
blocks (``LIST``, newest first: the listing's 12, then the rest, served in
slices by ``vok_crawler/tools/sample_site.py``), the seed's article ("Normalized
production and quality improvement promoted"), and articles that exercise
every rule of the anatomy (the ``QUIRKS`` notes below; ``samples/README.md``
maps them). A second source, KCNA (EN), has its own listing, slice id and
list (``KCNA_LIST``), with one article of each source filed in the other's
list. The expected records are written from the facts below, never by the
crawler.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sitegen import (
    CALLS_TO_SUBSCRIBE,
    PAGE,
    PAYWALL,
    SITE,
    SOURCE_ID,
    VOK,
    VOK_LISTING,
    ArticleMarkup,
    Teaser,
    blocks,
    date_html,
    listing_page,
    member_form_page,
    more_control,
    posted_at,
    search_page,
)

HERE = Path(__file__).parent
SITE_DIR = HERE / "site"
VIEWED = date(2026, 11, 23)  # the site's "today", printed in every article's header
CRAWLED_AT = "2026-11-23T12:00:00Z"  # a placeholder: tests compare records without it
GATES_FILE = "nkpro-gates.json"  # path -> gate form, read by the sample server
SLICE_LIST = f"wp-admin/admin-ajax/{SOURCE_ID}.html"  # the source's whole ordered list of blocks
SEARCH_INDEX = "search-index.json"  # what the search finds (read by the sample server)
SEARCH_PAGE_FILE = "search/index.html"  # the search page, filled in by the sample server
RESULTS_MARK, MORE_MARK = "<!--results-->", "<!--more-->"
KCNA = "KCNA (EN)"  # the second source


@dataclass(frozen=True)
class Listing:
    """A source's listing: its URL, its id in slice URLs, and how many teasers it (and a "More From" block) shows."""

    url: str
    source_id: int
    page: int

    def control(self, form: str) -> str:
        """The "More Articles" control of a page of this source, in ``form``, for its first slice."""
        return more_control(form, start=self.page, to=self.page, source_id=self.source_id)


LISTINGS = {VOK: Listing(VOK_LISTING, SOURCE_ID, PAGE), KCNA: Listing(f"{SITE}/article/6/", 990010, 4)}


@dataclass
class Sample:
    """The facts of one article, and how its page and its teasers spell them."""

    path: str  # newstream/<epoch>-<id>/<slug>
    title: str
    published: str | None  # the Date: line (the original source's date), ISO
    teaser: str
    body: list[str]
    source_url: str | None = None
    source: str = VOK
    date_form: str = "glued"  # how its teasers print its posting date (sitegen.date_html)
    printed_date: str | None = None  # a date its teasers print instead, one that does not exist
    date_line: str | None = None  # default: published, day first
    title_html: str | None = None
    teaser_html: str | None = None
    content_html: str | None = None  # default: one <p> a paragraph
    meta_html: str | None = None
    canonical: bool = True
    header_form: str = "glued"  # how the header prints the day the page is viewed
    control: str = "href"  # the "More Articles" control after its "More From" block
    more_from: list[str] | None = None  # default: the source's latest 12
    gate: str | None = None  # NK Pro gate without the subscriber cookie: paywall, member-form, offsite
    back_catalogue: bool = False  # imported years after it was published: its teasers show published
    block: dict | None = None  # the shape of its every teaser block (sitegen.Teaser's options)
    subscribe: str | None = None  # its teasers end with a call to subscribe (sitegen.CALLS_TO_SUBSCRIBE)

    @property
    def url(self) -> str:
        return f"{SITE}/{self.path}/"

    @property
    def listing(self) -> Listing:
        return LISTINGS[self.source]

    @property
    def epoch(self) -> int:
        return int(self.path.split("/")[1].split("-")[0])

    @property
    def posted_at(self) -> datetime:
        return posted_at(self.epoch)

    @property
    def posted(self) -> str:
        return self.posted_at.date().isoformat()

    @property
    def shown_date(self) -> date:
        """The date its teasers show: the posting day, or the source's own for the back catalogue."""
        return date.fromisoformat(self.published) if self.back_catalogue and self.published else self.posted_at.date()

    @property
    def teaser_text(self) -> str:
        """What a teaser's text reads as: cut short with "…" before a call to subscribe, which is no part of it."""
        return f"{self.teaser}…" if self.subscribe else self.teaser

    @property
    def teaser_date(self) -> str | None:
        """What a teaser's date reads as: null where the printed date does not exist."""
        return None if self.printed_date else self.shown_date.isoformat()

    def teaser_block(self, href: str | None = None, form: str | None = None, **options) -> Teaser:
        return Teaser(
            href=href or self.url,
            title=self.title,
            date_html=date_html(self.printed_date or self.shown_date, form or self.date_form),
            teaser_html=(self.teaser_html or escape(self.teaser)) + CALLS_TO_SUBSCRIBE.get(self.subscribe or "", ""),
            **{**(self.block or {}), **options},
        )

    def markup(self, related: list[Teaser], gated: bool = False) -> ArticleMarkup:
        content = self.content_html or "\n".join(f"<p>{escape(p)}</p>" for p in self.body)
        if gated:  # the preview: the body cut to its first fragment, then the form
            content = f"\n<p>{escape(self.teaser)}</p>\n{PAYWALL}"
        return ArticleMarkup(
            title=self.title,
            title_html=self.title_html or escape(self.title),
            canonical=self.url if self.canonical else None,
            date_html=date_html(VIEWED, self.header_form),
            meta_html=self.meta_html or self.meta_line(),
            content_html=content,
            source=self.source,
            related=related,
            control=self.listing.control(self.control),
            listing=self.listing.url,
        )

    def meta_line(self) -> str:
        day_first = self.date_line or date.fromisoformat(self.published).strftime("%d/%m/%Y")
        source_link = (
            f' | <a href="{self.source_url}" target="_blank" rel="nofollow noopener">Read original version at source</a>'
            if self.source_url
            else ""
        )
        return f"Date: {day_first} | Source: {escape(self.source)}{source_link}"


def vok_detail(day: str, number: int) -> str:
    return f"http://www.vok.rep.kp/index.php/detail/{day}-{number:04d}"


def kcna_article(number: str) -> str:
    return f"http://www.kcna.kp/en/article/q/{number}"


def original(source: str, path: str, published: str) -> str:
    """The "Read original version at source" link of an article: its source's own site, by its number."""
    number = path.split("/")[1].partition("-")[2]
    return vok_detail(published, int(number[-4:])) if source == VOK else kcna_article(number)


CARRIED_BY = {VOK: "Voice of Korea", KCNA: "KCNA"}


def plain(path: str, title: str, published: str, teaser: str, more: str, source: str = VOK, **options) -> Sample:
    """An article with nothing odd about it: its teaser opens its body, its source's site has the original."""
    return Sample(
        path=path,
        title=title,
        published=published,
        teaser=teaser,
        body=[f"{teaser} {more}", f"This report was carried by {CARRIED_BY[source]}."],
        source=source,
        source_url=original(source, path, published),
        **options,
    )


ARTICLES: dict[str, Sample] = {
    # The seed's article: the body as a reader's browser saw it. Its URL shares <epoch>-<id>
    # with r11's (the number is not unique on the site; the key is the whole URL).
    "seed": Sample(
        path="newstream/1770848000-381500820/normalized-production-and-quality-improvement-promoted",
        title="Normalized production and quality improvement promoted",
        published="2025-03-14",
        teaser="The production is normalized and the quality of goods improved at the daily necessities and garment",
        body=[
            "The production is normalized and the quality of goods improved at the daily necessities and garment factories in 20 cities and counties, the first creations in the efforts to implement the regional development policy of the Workers' Party of Korea.",
            "The teachers and researchers selected in the scientific and educational fields of the capital city and provinces and the highly-skilled workers from industrial establishments are intensifying technical guidance and assistance.",
            "The daily necessities and garment factories in Songchon, Kujang, Jaeryong and Humju counties improve the quality of soap and plastic goods and turn out smart clothes according to the demands of the residents while solving in time technical problems arising in the course of production in close contact with scientists and technicians of relevant sectors.",
            "Those in the city of Kusong and Tongsin, Ichon, Kumya, Kyongsong and Orang counties also increase the production of consumer goods of different kinds while making collective discussions and efforts to normalize the production and raise the quality of products.",
        ],
        source_url="http://www.vok.rep.kp/index.php/detail/2025-03-14-0820",
    ),
    "r1": plain(
        "newstream/1771712000-381500830/respected-comrade-kim-jong-uns-speech-at-sangwon-cement-complex",
        "Respected Comrade Kim Jong Un's speech at Sangwon Cement Complex",
        "2026-02-21",
        "The respected Comrade Kim Jong Un made a meaningful speech of encouragement at the Sangwon Cement Complex. Saying his real",
        "intention was to see the workers, he praised their feats.",
    ),
    # QUIRKS: gate (a), the paywall markup inside the content, the body cut to its first fragment.
    # Its blocks: an img[alt] in the h4, the teaser in a layout p with its copy, both ending with a call to subscribe.
    "r2": plain(
        "newstream/1771625600-381500829/press-statement-of-spokesperson-for-dprk-foreign-ministry",
        "Press Statement of Spokesperson for DPRK Foreign Ministry",
        "2026-02-20",
        "A spokesperson for the Foreign Ministry of the Democratic People's Republic of Korea released the press statement on March the",
        "first.",
        gate="paywall",
        block={"img_in_h4": True, "teaser_class": "col-md-12 visible-md"},
        subscribe="link",
    ),
    # QUIRKS: its blocks have no h4 (the title from the thumbnail's img[alt]); a call to subscribe ends its teasers.
    "r3": plain(
        "newstream/1771539200-381500828/birthday-spread-sent-to-centenarian",
        "Birthday spread sent to centenarian",
        "2026-02-19",
        "The respected Comrade Kim Jong Un sent a kind spread to Pang Kum Sun living in Hungun-ri, Yonggwang County of South Hamgyong",
        "Province, on her 100th birthday.",
        date_form="text",
        control="button",
        block={"with_h4": False},
        subscribe="link",
    ),
    # QUIRKS: its teasers end with the call to subscribe's words in no link.
    "r4": plain(
        "newstream/1771452800-381500827/construction-of-hospitals-and-leisure-complexes-carried-on",
        "Construction of hospitals and leisure complexes carried on",
        "2026-02-18",
        "Officers and soldiers of the People's Army, who have dynamically turned out in the third-year struggle for implementing the",
        "regional development policy, are speeding up the construction.",
        subscribe="words",
    ),
    # QUIRKS: its blocks are the 2026 shape: the thumbnail beside the block in an article.clearfix, the
    # teaser text only in a p of layout classes (no copy), ending with a call to subscribe.
    "r5": plain(
        "newstream/1771366400-381500826/successes-registered-in-salt-production",
        "Successes registered in salt production",
        "2026-02-17",
        "Officials and workers in the field of salt industry are expanding successes in the salt production for the new year. The",
        "Kwisong Salt Works is in the van.",
        date_form="spaced",
        block={"thumb_outside": True, "teaser_class": "col-sm-12 col-xs-12 hidden-lg", "hover_copy": False},
        subscribe="link",
    ),
    "r6": plain(
        "newstream/1771280000-381500825/ceramic-tea-set",
        "Ceramic Tea Set",
        "2026-02-16",
        "This is the gift--Ceramic Tea Set--presented to the respected Comrade Kim Jong Un by Nguyen Phu Trong, General Secretary of the",
        "Central Committee of the Communist Party of Viet Nam.",
        control="button",
    ),
    # QUIRKS: an img[alt] inside the h4 beside the link; the teaser in a p of layout classes, with its copy.
    "r7": plain(
        "newstream/1771193600-381500824/congratulatory-group-of-koreans-in-japan-tours-different-places",
        "Congratulatory group of Koreans in Japan tours different places",
        "2026-02-15",
        "The congratulatory group of Koreans in Japan led by Ko Tok U, Chairman of the Tokyo Metropolitan Headquarters of the General",
        "Association of Korean Residents in Japan, toured different places.",
        block={"img_in_h4": True, "teaser_class": "col-md-12 visible-md"},
    ),
    "r8": plain(
        "newstream/1771107200-381500823/2026-national-winter-games-close",
        "2026 National Winter Games close",
        "2026-02-14",
        "The 2026 National Winter Games came to a close. The closing ceremony was held at the Ice Hockey Gymnasium of the Paektusan Area",
        "in Samjiyon City.",
        date_form="spaced",
    ),
    "r9": plain(
        "newstream/1771020800-381500822/workshop-for-participants-in-ninth-congress-of-wpk-held",
        "Workshop for participants in Ninth Congress of WPK held",
        "2026-02-13",
        "A workshop for the participants in the Ninth Congress of the Workers' Party of Korea was held in the capital city of Pyongyang on",
        "the 26th.",
        control="button",
    ),
    "r10": plain(
        "newstream/1770934400-381500821/39th-sci-tech-festival-of-kim-il-sung-university-held",
        "39th Sci-Tech Festival of Kim Il Sung University held",
        "2026-02-12",
        "The 39th Sci-Tech Festival of Kim Il Sung University took place between February 25 and 27. Presented to the festival on the theme",
        "of science were many research papers.",
        date_form="span-short",
    ),
    "r11": plain(
        "newstream/1770848000-381500820/birth-anniversary-of-chairman-kim-jong-il-celebrated-abroad",
        "Birth anniversary of Chairman Kim Jong Il celebrated abroad",
        "2026-02-11",
        "Meetings were held in Norway, Denmark, Sweden, Austria, Iceland and Finland between the 13th and the 16th to celebrate the 84th",
        "birth anniversary of Chairman Kim Jong Il.",
    ),
    # QUIRKS: a date to check: its Date: line is the day after KCNA Watch posted it (11 February in Korea).
    "r12": plain(
        "newstream/1770761600-381500819/evening-gala-of-youth-and-students-held",
        "Evening gala of youth and students held",
        "2026-02-12",
        "An evening gala of youth and students took place at Kim Il Sung Square in the capital city of Pyongyang on the 27th, adding to the",
        "festive mood.",
        control="button",
    ),
    # QUIRKS: <br> in the title and body, entities, no-break spaces, Korean and curly quotes,
    # widgets and scripts inside the content, teasers with a short date without its leading zero
    # and a title cut short, a "More From" block with a dead link, a repeated block and itself.
    "greenhouse": Sample(
        path="newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm",
        title="Kim Jong Un inspects new greenhouse farm",
        title_html="Kim Jong Un<br>inspects new greenhouse farm",
        published="2026-03-04",
        date_form="short",
        teaser="The respected Comrade Kim Jong Un inspected the newly built Ryonpho Greenhouse Farm & its vegetable fields.",
        teaser_html="The<br>respected Comrade Kim Jong Un inspected the newly built Ryonpho Greenhouse Farm &amp; its vegetable fields.",
        body=[
            "The respected Comrade Kim Jong Un inspected the newly built Ryonpho Greenhouse Farm & its vegetable fields.",
            "He said:\n“This farm is a treasure house of the people.”",
            "Farm hands sang “김정은 장군 찬가” in his honour.",
            "He set tasks for the farm",
            "to grow more vegetables",
            "to supply them to the people",
            "Ryonpho greenhouses at a glance",
            "The farm covers 280 hectares.",
        ],
        content_html="""<p>The&nbsp;respected Comrade <strong>Kim</strong> Jong <a href="https://kcnawatch.org/tag/kim-jong-un/">Un</a> inspected
  the newly built Ryonpho Greenhouse Farm &amp; its vegetable fields.</p>
<p>He said:<br>
“This farm is a treasure house of the people.”</p>
<p>   </p>
<blockquote><p>Farm hands sang “김정은 장군 찬가” in his&nbsp;&nbsp;honour.</p></blockquote>
<p>He set tasks for the farm</p><ul><li>to grow more vegetables</li><li>to supply them to the people</li></ul>
<h3>Ryonpho greenhouses at a glance</h3>
<p>The farm covers <em>280</em> hectares.</p>
<style>.article-content p { margin: 0 }</style>
<noscript><img src="https://kcnawatch.org/pixel.gif" alt="tracking pixel"></noscript>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3><p>Rodong Sinmun editorial</p></div>
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul><li><a href="https://twitter.com/share">Twitter</a></li><li><a href="https://www.facebook.com/sharer.php">Facebook</a></li></ul></div>
<script>var nkpro_gate = false; document.write("<p>not body</p>");</script>""",
        source_url="http://www.vok.rep.kp/index.php/detail/2026-03-04-0835",
    ),
    # QUIRKS: no link[rel=canonical]; no source link; a day-first Date: that reads wrong month
    # first; the header's date spaced; a script-driven control with no URL.
    "letter": Sample(
        path="newstream/1772553600-381500834/letter-of-thanks-sent-to-kim-jong-un",
        title="Letter of thanks sent to Kim Jong Un",
        published="2025-04-03",
        date_line="03/04/2025",
        teaser="A letter of thanks was sent to the respected Comrade Kim Jong Un by the builders of the Hwasong District.",
        body=[
            "A letter of thanks was sent to the respected Comrade Kim Jong Un by the builders of the Hwasong District.",
            "The letter said that the builders would repay his trust with loyalty.",
        ],
        canonical=False,
        header_form="spaced",
        control="button",
    ),
    # QUIRKS: the trap: teasers that end with the gate's words (a call to subscribe, no part of the
    # teaser), on an article that is not gated.
    "trap": Sample(
        path="newstream/1772500800-381500836/science-and-technology-dissemination-network-expanded",
        title="Science and technology dissemination network expanded",
        published="2026-03-02",
        teaser="The network for disseminating science and technology was expanded to factories and farms across",
        subscribe="link",
        body=[
            "The network for disseminating science and technology was expanded to factories and farms across the country.",
            "Workers and farmers can now read the latest research papers and take distance courses at their workplaces.",
        ],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-03-02-0836",
    ),
    # QUIRKS: a Date: line that does not exist; the meta line without "Source:" (the header's
    # a.source-name says it); a teaser with the long date alone.
    "feb31": Sample(
        path="newstream/1772467200-381500833/national-sports-festival-opens",
        title="National sports festival opens",
        published=None,
        date_form="long",
        teaser="A national sports festival opened in Pyongyang with the participation of athletes from all provinces.",
        body=["A national sports festival opened in Pyongyang with the participation of athletes from all provinces."],
        meta_html='Date: 31/02/2026 | <a href="http://www.vok.rep.kp/index.php/detail/2026-02-31-0833">Read original version at source</a>',
        source_url="http://www.vok.rep.kp/index.php/detail/2026-02-31-0833",
    ),
    # QUIRKS: gate (b), a 302 to the site's own /free-member-form/; a call to subscribe ends its teasers.
    "gate_form": plain(
        "newstream/1772409900-381500832/report-on-enlarged-meeting-of-wpk-central-military-commission",
        "Report on enlarged meeting of WPK Central Military Commission",
        "2026-03-01",
        "An enlarged meeting of the Central Military Commission of the Workers' Party of Korea was held. It discussed",
        "the tasks for bolstering the defence capabilities.",
        date_form="spaced",
        gate="member-form",
        subscribe="link",
    ),
    # QUIRKS: its blocks hold the teaser in div.hover-excerpt only (no p.excerpt), then a call to subscribe.
    "mar1": plain(
        "newstream/1772330400-381500831/spring-sowing-preparations-in-full-swing",
        "Spring sowing preparations in full swing",
        "2026-02-28",
        "Farms across the country are busy preparing for spring sowing. Seed selection and the",
        "production of humus are making progress.",
        date_form="span-short",
        block={"with_excerpt": False},
        subscribe="link",
    ),
    # QUIRKS: its teasers print a date that does not exist; its posting date is in its URL.
    "feb30": Sample(
        path="newstream/1772240400-381500815/fishermen-bring-in-big-catch",
        title="Fishermen bring in big catch",
        printed_date="February 30, 2026",
        published="2026-02-27",
        teaser="Fishermen of the east coast brought in a big catch.",
        body=["Fishermen of the east coast brought in a big catch."],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-02-27-0815",
    ),
    # QUIRKS: gate (c), a 302 off the site, to nknews.org's member form.
    "gate_offsite": plain(
        "newstream/1770889980-381500813/dprk-foreign-ministry-spokesperson-slams-joint-military-drills",
        "DPRK Foreign Ministry spokesperson slams joint military drills",
        "2026-02-11",
        "A spokesperson for the DPRK Foreign Ministry issued a statement denouncing the joint military drills",
        "staged by the United States and its followers.",
        gate="offsite",
    ),
    # QUIRKS: pinned at the top of the listing though older, then listed again in its place,
    # there linked protocol-relative.
    "pinned": Sample(
        path="newstream/1770675200-381500818/party-policy-explained-to-working-people",
        title="Party policy explained to working people",
        published="2026-02-19",
        teaser="Lectures explaining the Party's policy are given to working people across the country.",
        body=[
            "Lectures explaining the Party's policy are given to working people across the country.",
            "Officials of the Party took part.",
        ],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-02-19-0818",
    ),
    # QUIRKS: linked only with tracking parameters and a fragment; no "More Articles" control.
    "tracked": Sample(
        path="newstream/1770588800-381500817/rural-schools-built",
        title="Rural schools built",
        published="2026-02-18",
        teaser="New schools were built in rural areas across the country.",
        body=["New schools were built in rural areas across the country."],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-02-18-0817",
        control="none",
    ),
    # QUIRKS: linked only without its trailing slash (the server answers 301).
    "unslashed": Sample(
        path="newstream/1770502400-381500816/spring-tree-planting-begins",
        title="Spring tree planting begins",
        published="2026-02-17",
        teaser="Tree planting began across the country.",
        body=["Tree planting began across the country."],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-02-17-0816",
    ),
    # QUIRKS: another source's (KCNA's); mis-filed in the source's list (a slice), skipped, never written by a
    # crawl of Voice of Korea; in KCNA's own list too, whose crawl writes it. No "More Articles" control.
    "other": Sample(
        path="newstream/1772300000-990010/kcna-commentary-on-sanctions",
        title="KCNA commentary on sanctions",
        published="2026-02-26",
        teaser="KCNA released a commentary.",
        body=["KCNA released a commentary."],
        source=KCNA,
        source_url=kcna_article("990010"),
        control="none",
    ),
    # QUIRKS: a VoK page linked from the sidebar only: never crawled.
    "sidebar": Sample(
        path="newstream/1772700000-381500840/sidebar-only-report",
        title="Sidebar only report",
        published="2026-03-05",
        teaser="Only the Trending sidebar links here.",
        body=["Only the Trending sidebar links here."],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-03-05-0840",
    ),
}

# QUIRKS: capitals in the slug, kept; linked only as http://www.kcnawatch.xyz/..., without the slash.
ARTICLES["capitals"] = plain(
    "newstream/1712095526-381500950/Talks-Held-between-DPRK-and-Russian-Officials",
    "Talks held between DPRK and Russian officials",
    "2024-04-02",
    "Talks were held between officials of the DPRK and Russia in Pyongyang.",
    "They discussed cooperation in the fields of economy and culture.",
)
# QUIRKS: the back catalogue, imported years after the source published it (ids of 6 to 8 digits):
# posted in 2017-2022, published in July 2011, and its teasers show the source's date. Three on one
# day, more than a search page of the samples holds (a full day).
BACK_CATALOGUE = [
    ("newstream/1650000000-381499001/irrigation-channel-completed", "Irrigation channel completed", "2011-07-16"),
    (
        "newstream/1600000000-98765432/flood-prevention-work-stepped-up",
        "Flood prevention work stepped up",
        "2011-07-15",
    ),
    (
        "newstream/1530000000-1234567/pyongyang-textile-exhibition-opens",
        "Pyongyang textile exhibition opens",
        "2011-07-15",
    ),
    (
        "newstream/1489370400-952301/delegation-of-war-veterans-visits-china",
        "Delegation of war veterans visits China",
        "2011-07-15",
    ),
]
for _n, (_path, _title, _published) in enumerate(BACK_CATALOGUE, start=1):
    ARTICLES[f"back{_n}"] = Sample(
        path=_path,
        title=_title,
        published=_published,
        teaser=f"{_title}, Voice of Korea reported.",
        body=[f"{_title}, Voice of Korea reported.", "The report was carried in July 2011."],
        source_url=vok_detail(_published, 900 + _n),
        date_form="text" if _n == 1 else "glued",
        back_catalogue=True,
        control="button",
    )

# Older articles, deeper than the first slice: reachable only through slices.
# (epoch, title, teaser); jan25's epoch is 15:37 UTC, already the next day in Korea.
OLDER = [
    (
        1769733120,
        "Ice sculpture festival opens in Pyongyang",
        "An ice sculpture festival opened on the bank of the Taedong River in Pyongyang.",
    ),
    (
        1769646780,
        "New varieties of rice developed",
        "Scientists of the Academy of Agricultural Science developed new high-yielding varieties of rice.",
    ),
    (
        1769560440,
        "Pyongyang Maternity Hospital introduces new treatment",
        "The Pyongyang Maternity Hospital introduced a new treatment for premature babies.",
    ),
    (
        1769474100,
        "Children's Union members hold joint meeting",
        "Members of the Korean Children's Union held a joint meeting in Pyongyang.",
    ),
    (
        1769387760,
        "Foreign Ministry delegation leaves for visit",
        "A delegation of the DPRK Foreign Ministry left Pyongyang for a visit abroad.",
    ),
    (
        1769355420,
        "Tideland reclamation project progresses",
        "The builders of a tideland reclamation project on the west coast are making progress.",
    ),
    (1769215080, "Mining complex raises ore output", "Miners of the Komdok Mining Complex raised the output of ore."),
    (
        1769128740,
        "Theatrical performance given by art troupe",
        "An art troupe gave a theatrical performance at the Mansudae Art Theatre.",
    ),
    (
        1769042400,
        "Power stations boost electricity generation",
        "Thermal power stations across the country boosted electricity generation.",
    ),
    (
        1768956060,
        "Orchard management improved in North Hwanghae",
        "Orchards in North Hwanghae Province improved their management for a bumper crop.",
    ),
    (
        1768869720,
        "Books on Korean history published",
        "New books on Korean history were published by the Social Science Publishing House.",
    ),
    (
        1768783380,
        "Railway modernization advances",
        "The modernization of railways is advancing in the northern region.",
    ),
    (
        1768697040,
        "Fish farming expanded in coastal areas",
        "Fish farming was expanded in coastal areas of South Hwanghae Province.",
    ),
    (
        1768610700,
        "Children's Palace performers give concert",
        "Young performers of the Mangyongdae Schoolchildren's Palace gave a concert.",
    ),
    (
        1768524360,
        "Textile mill introduces automated looms",
        "The Kim Jong Suk Pyongyang Textile Mill introduced automated looms.",
    ),
    (
        1768438020,
        "Forest restoration campaign reviewed",
        "The results of the forest restoration campaign of last year were reviewed.",
    ),
    (1768351680, "National chess tournament held", "A national chess tournament took place in Pyongyang."),
    (
        1768265340,
        "Youth league delegation returns home",
        "A delegation of the Socialist Patriotic Youth League returned home.",
    ),
]
for _n, (_epoch, _title, _teaser) in enumerate(OLDER, start=1):
    _slug = _title.lower().replace("'", "").replace(" ", "-")
    _day = posted_at(_epoch).date()
    ARTICLES[f"older{_n}"] = plain(
        f"newstream/{_epoch}-3815007{_n:02d}/{_slug}",
        _title,
        (date.fromordinal(_day.toordinal() - 1)).isoformat(),
        _teaser,
        "The event was reported by Voice of Korea.",
        date_form=["glued", "long", "spaced", "span-short"][_n % 4],
        control=["href", "button"][_n % 2],
    )
# QUIRKS: a page whose "More From" block also links the page itself.
ARTICLES["older4"].more_from = ["latest", "older4"]

ARTICLES["r1"].teaser_html = escape(ARTICLES["r1"].teaser).replace("The respected", "The<br>respected", 1)

# A related link whose page is gone (404): kept in "related", never a record.
DEAD = Sample(
    path="newstream/1770000000-381500800/withdrawn-report",
    title="Withdrawn report",
    published="2026-02-01",
    teaser="This report is no longer online.",
    body=[],
)
ARTICLES["greenhouse"].more_from = ["latest:3", "dead", "latest:3:", "letter"]


# The second source's articles (with "other", the KCNA page in Voice of Korea's list), newest first.
ARTICLES.update(
    {
        "kcna1": plain(
            "newstream/1772900000-990031/supreme-peoples-assembly-to-convene",
            "Supreme People's Assembly to convene",
            "2026-03-07",
            "The Standing Committee of the Supreme People's Assembly decided to convene its session.",
            "Deputies will discuss the state budget.",
            source=KCNA,
        ),
        "kcna2": plain(
            "newstream/1772800000-990030/spring-ploughing-starts-on-cooperative-farms",
            "Spring ploughing starts on cooperative farms",
            "2026-03-06",
            "Farmers of cooperative farms across the country started spring ploughing.",
            "Tractors were sent to the fields of the western plains.",
            source=KCNA,
        ),
        "kcna3": plain(
            "newstream/1772650000-990029/new-apartment-houses-completed-in-hamhung",
            "New apartment houses completed in Hamhung",
            "2026-03-05",
            "New apartment houses for workers were completed in Hamhung City.",
            "Families moved into them with the new month.",
            source=KCNA,
        ),
        "kcna4": plain(
            "newstream/1772500000-990028/symposium-on-energy-held",
            "Symposium on energy held",
            "2026-03-03",
            "A national symposium on renewable energy was held at Kim Il Sung University.",
            "Papers on solar and wind power were presented.",
            source=KCNA,
        ),
        "kcna5": plain(
            "newstream/1772400000-990027/delegation-leaves-for-laos",
            "Delegation leaves for Laos",
            "2026-03-01",
            "A delegation of the Ministry of Culture left Pyongyang for a visit to Laos.",
            "It was seen off at the airport by officials.",
            source=KCNA,
        ),
        "kcna6": plain(
            "newstream/1772200000-990026/hydropower-station-completed",
            "Hydropower station completed",
            "2026-02-27",
            "A medium-sized hydropower station was completed in Jagang Province.",
            "It will supply electricity to local factories.",
            source=KCNA,
        ),
        "kcna7": plain(
            "newstream/1772100000-990025/book-exhibition-held",
            "Book exhibition held",
            "2026-02-26",
            "An exhibition of new books opened at the Grand People's Study House.",
            "More than a thousand titles are on show.",
            source=KCNA,
        ),
    }
)
ALL = {**ARTICLES, "dead": DEAD}
NOT_RECORDS = {"sidebar"}
TRENDING = [(ARTICLES["sidebar"].url, ARTICLES["sidebar"].title)]

# How the older articles' blocks spell their links: one with a fragment, one on the site's second
# host name (kcnawatch.xyz, in no other block: reachable by that name only).
OLDER_LINKS = {
    9: {"href": ARTICLES["older9"].url + "#respond"},
    2: {"href": ARTICLES["older2"].url.replace("kcnawatch.org", "kcnawatch.xyz")},
}

# The source's whole list, newest first, as its slices give it: (key, how the block spells it).
# The first 12 are the listing's. The pin comes first; r4 ends the listing and opens the first
# slice again (an overlap); the KCNA page is mis-filed in it.
LIST: list[tuple[str, dict]] = [
    ("pinned", {}),
    ("greenhouse", {"thumb_title": "Kim Jong Un inspects new greenh…"}),
    ("letter", {}),
    ("trap", {}),
    ("feb31", {}),
    ("gate_form", {}),
    ("mar1", {}),
    ("feb30", {}),
    ("r1", {}),
    ("r2", {}),
    ("r3", {}),
    ("r4", {}),
    ("r4", {"form": "span-short"}),
    ("r5", {}),
    ("r6", {}),
    ("r7", {"form": "text"}),
    ("r8", {}),
    ("r9", {"with_excerpt": False}),
    ("other", {}),
    ("r10", {"with_h4": False}),
    ("gate_offsite", {}),
    ("seed", {}),
    ("r11", {}),
    ("r12", {}),
    ("pinned", {"href": ARTICLES["pinned"].url.replace("https:", "")}),
    ("tracked", {"href": ARTICLES["tracked"].url + "?utm_source=twitter&amp;utm_medium=social#respond"}),
    ("unslashed", {"href": ARTICLES["unslashed"].url.rstrip("/")}),
    *[(f"older{n}", OLDER_LINKS.get(n, {})) for n in range(1, len(OLDER) + 1)],
    (
        "capitals",
        {"href": ARTICLES["capitals"].url.replace("https://", "http://www.").replace(".org", ".xyz").rstrip("/")},
    ),
    *[(f"back{n}", {}) for n in range(1, len(BACK_CATALOGUE) + 1)],
]


# The second source's whole list, newest first: its listing's 4, then its slices, with Voice of Korea's
# "trap" article filed in it (a crawl of KCNA skips it).
KCNA_LIST: list[tuple[str, dict]] = [
    *[(f"kcna{n}", {}) for n in range(1, 5)],
    ("kcna5", {}),
    ("trap", {}),
    ("other", {}),
    ("kcna6", {}),
    ("kcna7", {}),
]
LISTS = {VOK: LIST, KCNA: KCNA_LIST}
PINNED = {"pinned"}  # first in its list, though older: no "latest" article


def latest(source: str = VOK) -> list[str]:
    """The source's latest articles (12 of Voice of Korea's), as every "More From" block of it shows them."""
    keys = list(dict.fromkeys(k for k, _ in LISTS[source] if ALL[k].source == source and k not in PINNED))
    return keys[: LISTINGS[source].page]


def more_from(key: str) -> list[str]:
    """The keys of an article's "More From" teasers, in page order, repeats and self included."""
    source = ARTICLES[key].source
    plan = ARTICLES[key].more_from
    if plan is None:
        return latest(source)
    keys = []
    for part in plan:
        if part.startswith("latest"):
            bounds = [int(b) if b else None for b in part.split(":")[1:]]
            keys += latest(source)[slice(*bounds)] if bounds else latest(source)
        else:
            keys.append(part)
    return keys


def teaser_item(sample: Sample) -> dict:
    return {"url": sample.url, "title": sample.title, "date": sample.teaser_date, "teaser": sample.teaser_text}


def related_items(key: str) -> list[dict]:
    """The anatomy's rule: page order, each article once, never the article itself."""
    keys = [k for k in dict.fromkeys(more_from(key)) if k != key]
    return [teaser_item(ALL[k]) for k in keys]


def record(key: str) -> dict:
    sample = ARTICLES[key]
    return {
        "url": sample.url,
        "title": sample.title,
        "published": sample.published,
        "posted": sample.posted,
        "posted_at": sample.posted_at.isoformat(),
        "source": sample.source,
        "source_url": sample.source_url,
        "body": "\n\n".join(sample.body),
        "related": related_items(key),
        "crawled_at": CRAWLED_AT,
        "capture": None,
    }


def list_blocks(source: str = VOK) -> list[Teaser]:
    return [ALL[key].teaser_block(**options) for key, options in LISTS[source]]


def search_index() -> list[dict]:
    """What the site's search finds: each article of the list once, by the source's date, newest first.

    The source's date is the ``Date:`` line's (``published``); where it does
    not exist, the date the teasers show.
    """
    keys = list(dict.fromkeys(key for key, _ in [*LIST, *KCNA_LIST]))
    entries = [
        {
            "date": ALL[key].published or ALL[key].shown_date.isoformat(),
            "source": str(ALL[key].listing.source_id),
            "block": ALL[key].teaser_block().render(),
        }
        for key in keys
    ]
    return sorted(entries, key=lambda entry: entry["date"], reverse=True)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(site_dir: Path = SITE_DIR) -> None:
    shutil.rmtree(site_dir, ignore_errors=True)
    write(site_dir / "robots.txt", "User-agent: *\nDisallow: /wp-login.php\n")
    listing = list_blocks()
    listing_control = more_control("self", href=VOK_LISTING)  # its href is the page itself
    write(site_dir / "article/163/index.html", listing_page(VOK, listing[:PAGE], listing_control, TRENDING))
    write(site_dir / SEARCH_PAGE_FILE, search_page(RESULTS_MARK, MORE_MARK, TRENDING))
    write(site_dir / SEARCH_INDEX, json.dumps(search_index(), ensure_ascii=False, indent=1) + "\n")
    write(site_dir / SLICE_LIST, blocks(listing))
    # The second source: its listing (a script-driven control, no link) and its whole list, for its slices.
    kcna, second = list_blocks(KCNA), LISTINGS[KCNA]
    page = listing_page(KCNA, kcna[: second.page], second.control("button"), TRENDING, second.url)
    write(site_dir / second.url.removeprefix(SITE).strip("/") / "index.html", page)
    write(site_dir / f"wp-admin/admin-ajax/{second.source_id}.html", blocks(kcna))
    write(site_dir / "free-member-form/index.html", member_form_page(TRENDING))
    gates = {f"/{s.path}/": s.gate for s in ARTICLES.values() if s.gate}
    write(site_dir / GATES_FILE, json.dumps(gates, indent=2) + "\n")
    for key, sample in ARTICLES.items():
        related = [ALL[k].teaser_block() for k in more_from(key)]
        write(site_dir / sample.path / "index.html", sample.markup(related).render(TRENDING))
        if sample.gate == "paywall":
            write(site_dir / sample.path / "gated.html", sample.markup(related, gated=True).render(TRENDING))
        if key not in NOT_RECORDS:
            write(
                site_dir / sample.path / "expected.json", json.dumps(record(key), ensure_ascii=False, indent=2) + "\n"
            )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SITE_DIR)
