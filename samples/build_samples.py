"""Write the bundled sample site and the record each article must give.

Run ``python samples/build_samples.py`` from the project root after changing it. The
site follows ``shared/site/README.md`` and holds the seed's article
("Normalized production and quality improvement promoted") with its twelve
"More From" neighbours, plus articles that exercise every rule of the
anatomy (the ``QUIRKS`` notes below; ``samples/README.md`` maps them). The
expected records are written from the facts below, not by the crawler.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path

from sitegen import SITE, VOK, ArticleMarkup, Teaser, listing_page, slice_fragment, slice_href

HERE = Path(__file__).parent
SITE_DIR = HERE / "site"


def long_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day:%B} {day.day:02d}, {day.year}"


def short_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day:%b} {day.day:02d}, {day.year}"


def glued_pair(iso: str) -> str:
    return f'<span class="date-long">{long_date(iso)}</span><span class="date-short">{short_date(iso)}</span>'


@dataclass
class Sample:
    """The facts of one article, and how its page spells them."""

    path: str  # newstream/<epoch>-<id>/<slug>
    title: str
    posted: str | None  # ISO; None where the page's date does not exist
    published: str | None
    teaser: str
    body: list[str]
    source_url: str | None = None
    source: str = VOK
    posted_html: str | None = None  # default: the glued pair
    date_line: str | None = None  # default: published, day first
    title_html: str | None = None
    teaser_html: str | None = None
    teaser_date_html: str | None = None  # default: the long form of posted
    content_html: str | None = None  # default: one <p> a paragraph
    meta_html: str | None = None
    canonical: bool = True
    related: list[str] = field(default_factory=list)  # keys, in page order, repeats and self included

    @property
    def url(self) -> str:
        return f"{SITE}/{self.path}/"

    def teaser_block(self, href: str | None = None, date_html: str | None = None, **options) -> Teaser:
        return Teaser(
            href=href or self.url,
            title=self.title,
            date_html=date_html or self.teaser_date_html or f"<span>{long_date(self.posted)}</span>",
            teaser_html=self.teaser_html or escape(self.teaser),
            **options,
        )

    def markup(self, related: list[Teaser]) -> ArticleMarkup:
        return ArticleMarkup(
            title=self.title,
            title_html=self.title_html or escape(self.title),
            canonical=self.url if self.canonical else None,
            date_html=self.posted_html or glued_pair(self.posted),
            meta_html=self.meta_html or self.meta_line(),
            content_html=self.content_html or "\n".join(f"<p>{escape(p)}</p>" for p in self.body),
            source=self.source,
            related=related,
            more_href=slice_href(12, 24),
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


def plain(path: str, title: str, posted: str, published: str, teaser: str, more: str) -> Sample:
    """An article with nothing odd about it: its teaser opens its body."""
    return Sample(
        path=path, title=title, posted=posted, published=published, teaser=teaser,
        body=[f"{teaser} {more}", "This report was carried by Voice of Korea."],
        source_url=vok_detail(published, int(path.split("/")[1][-4:])),
    )


SEED_NEIGHBOURS = ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12"]

ARTICLES: dict[str, Sample] = {
    "seed": Sample(
        path="newstream/1770848000-381500820/normalized-production-and-quality-improvement-promoted",
        title="Normalized production and quality improvement promoted",
        posted="2026-03-01",
        published="2025-03-14",
        teaser="The production is normalized and the quality of goods improved at the daily necessities and garment",
        body=[
            "The production is normalized and the quality of goods improved at the daily necessities and garment factories in 20 cities and counties, the first creations in the efforts to implement the regional development policy of the Workers' Party of Korea.",
            "The teachers and researchers selected in the scientific and educational fields of the capital city and provinces and the highly-skilled workers from industrial establishments are intensifying technical guidance and assistance.",
            "The daily necessities and garment factories in Songchon, Kujang, Jaeryong and Humju counties improve the quality of soap and plastic goods and turn out smart clothes according to the demands of the residents while solving in time technical problems arising in the course of production in close contact with scientists and technicians of relevant sectors.",
            "Those in the city of Kusong and Tongsin, Ichon, Kumya, Kyongsong and Orang counties also increase the production of consumer goods of different kinds while making collective discussions and efforts to normalize the production and raise the quality of products.",
        ],
        source_url="http://www.vok.rep.kp/index.php/detail/2025-03-14-0820",
        related=SEED_NEIGHBOURS,
    ),
    "r1": plain("newstream/1771712000-381500830/respected-comrade-kim-jong-uns-speech-at-sangwon-cement-complex",
                "Respected Comrade Kim Jong Un's speech at Sangwon Cement Complex", "2026-03-02", "2026-02-27",
                "The respected Comrade Kim Jong Un made a meaningful speech of encouragement at the Sangwon Cement Complex. Saying his real",
                "intention was to see the workers, he praised their feats."),
    "r2": plain("newstream/1771625600-381500829/press-statement-of-spokesperson-for-dprk-foreign-ministry",
                "Press Statement of Spokesperson for DPRK Foreign Ministry", "2026-03-02", "2026-02-27",
                "A spokesperson for the Foreign Ministry of the Democratic People's Republic of Korea released the press statement on March the",
                "first."),
    "r3": plain("newstream/1771539200-381500828/birthday-spread-sent-to-centenarian",
                "Birthday spread sent to centenarian", "2026-03-01", "2026-02-26",
                "The respected Comrade Kim Jong Un sent a kind spread to Pang Kum Sun living in Hungun-ri, Yonggwang County of South Hamgyong",
                "Province, on her 100th birthday."),
    "r4": plain("newstream/1771452800-381500827/construction-of-hospitals-and-leisure-complexes-carried-on",
                "Construction of hospitals and leisure complexes carried on", "2026-03-01", "2026-02-26",
                "Officers and soldiers of the People's Army, who have dynamically turned out in the third-year struggle for implementing the",
                "regional development policy, are speeding up the construction."),
    "r5": plain("newstream/1771366400-381500826/successes-registered-in-salt-production",
                "Successes registered in salt production", "2026-03-01", "2026-02-25",
                "Officials and workers in the field of salt industry are expanding successes in the salt production for the new year. The",
                "Kwisong Salt Works is in the van."),
    "r6": plain("newstream/1771280000-381500825/ceramic-tea-set",
                "Ceramic Tea Set", "2026-03-01", "2026-02-25",
                "This is the gift--Ceramic Tea Set--presented to the respected Comrade Kim Jong Un by Nguyen Phu Trong, General Secretary of the",
                "Central Committee of the Communist Party of Viet Nam."),
    "r7": plain("newstream/1771193600-381500824/congratulatory-group-of-koreans-in-japan-tours-different-places",
                "Congratulatory group of Koreans in Japan tours different places", "2026-03-01", "2026-02-24",
                "The congratulatory group of Koreans in Japan led by Ko Tok U, Chairman of the Tokyo Metropolitan Headquarters of the General",
                "Association of Korean Residents in Japan, toured different places."),
    "r8": plain("newstream/1771107200-381500823/2026-national-winter-games-close",
                "2026 National Winter Games close", "2026-02-28", "2026-02-23",
                "The 2026 National Winter Games came to a close. The closing ceremony was held at the Ice Hockey Gymnasium of the Paektusan Area",
                "in Samjiyon City."),
    "r9": plain("newstream/1771020800-381500822/workshop-for-participants-in-ninth-congress-of-wpk-held",
                "Workshop for participants in Ninth Congress of WPK held", "2026-02-28", "2026-02-23",
                "A workshop for the participants in the Ninth Congress of the Workers' Party of Korea was held in the capital city of Pyongyang on",
                "the 26th."),
    "r10": plain("newstream/1770934400-381500821/39th-sci-tech-festival-of-kim-il-sung-university-held",
                 "39th Sci-Tech Festival of Kim Il Sung University held", "2026-02-28", "2026-02-22",
                 "The 39th Sci-Tech Festival of Kim Il Sung University took place between February 25 and 27. Presented to the festival on the theme",
                 "of science were many research papers."),
    "r11": plain("newstream/1770848000-381500820/birth-anniversary-of-chairman-kim-jong-il-celebrated-abroad",
                 "Birth anniversary of Chairman Kim Jong Il celebrated abroad", "2026-02-28", "2026-02-20",
                 "Meetings were held in Norway, Denmark, Sweden, Austria, Iceland and Finland between the 13th and the 16th to celebrate the 84th",
                 "birth anniversary of Chairman Kim Jong Il."),
    "r12": plain("newstream/1770761600-381500819/evening-gala-of-youth-and-students-held",
                 "Evening gala of youth and students held", "2026-02-28", "2026-02-20",
                 "An evening gala of youth and students took place at Kim Il Sung Square in the capital city of Pyongyang on the 27th, adding to the",
                 "festive mood."),
    # QUIRKS: <br> in the title and body, entities, no-break spaces, Korean and curly quotes,
    # widgets and scripts inside the content, a short date without its leading zero, a dead
    # related link, the article itself and a repeated teaser among its related ones.
    "greenhouse": Sample(
        path="newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm",
        title="Kim Jong Un inspects new greenhouse farm",
        title_html="Kim Jong Un<br>inspects new greenhouse farm",
        posted="2026-03-05",
        posted_html='<span class="date-short">Mar 5, 2026</span>',
        published="2026-03-04",
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
        related=["dead", "letter", "greenhouse", "letter", "r1"],
    ),
    # QUIRKS: no link[rel=canonical]; no source link; a day-first date that reads wrong month first;
    # the paired date spaced.
    "letter": Sample(
        path="newstream/1772553600-381500834/letter-of-thanks-sent-to-kim-jong-un",
        title="Letter of thanks sent to Kim Jong Un",
        posted="2026-03-04",
        posted_html='<span class="date-long">March 04, 2026</span> <span class="date-short">Mar 04, 2026</span>',
        published="2025-04-03",
        date_line="03/04/2025",
        teaser="A letter of thanks was sent to the respected Comrade Kim Jong Un by the builders of the Hwasong District.",
        body=[
            "A letter of thanks was sent to the respected Comrade Kim Jong Un by the builders of the Hwasong District.",
            "The letter said that the builders would repay his trust with loyalty.",
        ],
        canonical=False,
        related=["greenhouse", "feb30", "r2"],
    ),
    # QUIRKS: a Date: line that does not exist; the meta line without "Source:" (the header's
    # a.source-name says it).
    "feb31": Sample(
        path="newstream/1772467200-381500833/national-sports-festival-opens",
        title="National sports festival opens",
        posted="2026-03-04",
        published=None,
        teaser="A national sports festival opened in Pyongyang with the participation of athletes from all provinces.",
        body=["A national sports festival opened in Pyongyang with the participation of athletes from all provinces."],
        meta_html='Date: 31/02/2026 | <a href="http://www.vok.rep.kp/index.php/detail/2026-02-31-0833">Read original version at source</a>',
        source_url="http://www.vok.rep.kp/index.php/detail/2026-02-31-0833",
        related=["r3", "pinned"],
    ),
    # QUIRKS: pinned at the top of the listing though older, then listed again in its place,
    # there linked protocol-relative.
    "pinned": Sample(
        path="newstream/1770675200-381500818/party-policy-explained-to-working-people",
        title="Party policy explained to working people",
        posted="2026-02-27",
        published="2026-02-19",
        teaser="Lectures explaining the Party's policy are given to working people across the country.",
        body=["Lectures explaining the Party's policy are given to working people across the country.",
              "Officials of the Party took part."],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-02-19-0818",
        related=["r12", "tracked"],
    ),
    # QUIRKS: linked only with tracking parameters and a fragment.
    "tracked": Sample(
        path="newstream/1770588800-381500817/rural-schools-built",
        title="Rural schools built",
        posted="2026-02-27",
        published="2026-02-18",
        teaser="New schools were built in rural areas across the country.",
        body=["New schools were built in rural areas across the country."],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-02-18-0817",
        related=["pinned"],
    ),
    # QUIRKS: linked only without its trailing slash (the server answers 301).
    "unslashed": Sample(
        path="newstream/1770502400-381500816/spring-tree-planting-begins",
        title="Spring tree planting begins",
        posted="2026-02-26",
        published="2026-02-17",
        teaser="Tree planting began across the country.",
        body=["Tree planting began across the country."],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-02-17-0816",
        related=["other"],
    ),
    # QUIRKS: a posted date that does not exist, also in its teasers.
    "feb30": Sample(
        path="newstream/1770416000-381500815/fishermen-bring-in-big-catch",
        title="Fishermen bring in big catch",
        posted=None,
        posted_html='<span class="date-long">February 30, 2026</span><span class="date-short">Feb 30, 2026</span>',
        teaser_date_html="<span>February 30, 2026</span>",
        published="2026-02-16",
        teaser="Fishermen of the east coast brought in a big catch.",
        body=["Fishermen of the east coast brought in a big catch."],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-02-16-0815",
        related=["unslashed"],
    ),
    # QUIRKS: another source; reached from a slice, skipped, but kept as related data.
    "other": Sample(
        path="newstream/1772300000-990010/kcna-commentary-on-sanctions",
        title="KCNA commentary on sanctions",
        posted="2026-02-26",
        published="2026-02-26",
        teaser="KCNA released a commentary.",
        body=["KCNA released a commentary."],
        source="KCNA (EN)",
        source_url="http://www.kcna.kp/en/article/q/990010",
    ),
    # QUIRKS: a VoK page linked from the sidebar only: never crawled.
    "sidebar": Sample(
        path="newstream/1772700000-381500840/sidebar-only-report",
        title="Sidebar only report",
        posted="2026-03-05",
        published="2026-03-05",
        teaser="Only the Trending sidebar links here.",
        body=["Only the Trending sidebar links here."],
        source_url="http://www.vok.rep.kp/index.php/detail/2026-03-05-0840",
    ),
}

ARTICLES["r1"].teaser_html = escape(ARTICLES["r1"].teaser).replace("The respected", "The<br>respected", 1)

# A related link whose page is gone (404): kept in "related", never a record.
DEAD = Sample(
    path="newstream/1770000000-381500800/withdrawn-report", title="Withdrawn report", posted="2026-02-15",
    published="2026-02-15", teaser="This report is no longer online.", body=[],
)
ALL = {**ARTICLES, "dead": DEAD}
NOT_RECORDS = {"other", "sidebar"}
TRENDING = [(ARTICLES["sidebar"].url, ARTICLES["sidebar"].title)]


def teaser_item(sample: Sample) -> dict:
    return {"url": sample.url, "title": sample.title, "date": sample.posted, "teaser": sample.teaser}


def related_items(key: str) -> list[dict]:
    """The anatomy's rule: page order, each article once, never the article itself."""
    keys = [k for k in dict.fromkeys(ARTICLES[key].related) if k != key]
    return [teaser_item(ALL[k]) for k in keys]


def record(key: str) -> dict:
    sample = ARTICLES[key]
    return {
        "url": sample.url,
        "title": sample.title,
        "published": sample.published,
        "posted": sample.posted,
        "source": sample.source,
        "source_url": sample.source_url,
        "body": "\n\n".join(sample.body),
        "related": related_items(key),
        "crawled_at": "2026-11-23T12:00:00Z",
    }


def listing_blocks() -> list[Teaser]:
    order = ["pinned", "greenhouse", "letter", "feb31", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "seed"]
    blocks = [ALL[k].teaser_block(date_html=glued_pair(ALL[k].posted)) for k in order]
    blocks[1].thumb_title = "Kim Jong Un inspects new greenh…"
    return blocks


def first_slice_blocks() -> list[Teaser]:
    """Overlaps the listing (seed again), and spells links every way the site does."""
    a = ALL
    return [
        a["seed"].teaser_block(),
        a["r8"].teaser_block(date_html=f'<span class="date-long">{long_date("2026-02-28")}</span> <span class="date-short">{short_date("2026-02-28")}</span>'),
        a["r9"].teaser_block(with_excerpt=False),
        a["r10"].teaser_block(with_h4=False, date_html="<span>Feb 28, 2026</span>"),
        a["r11"].teaser_block(),
        a["r12"].teaser_block(),
        a["pinned"].teaser_block(href=a["pinned"].url.replace("https:", "")),
        a["tracked"].teaser_block(href=a["tracked"].url + "?utm_source=twitter&amp;utm_medium=social#respond"),
        a["unslashed"].teaser_block(href=a["unslashed"].url.rstrip("/")),
        a["other"].teaser_block(),
        a["feb30"].teaser_block(),
    ]


def last_slice_blocks() -> list[Teaser]:
    """The end of the list: one repeat, then a link back to the first slice."""
    return [ALL["unslashed"].teaser_block(href=ALL["unslashed"].url + "#respond")]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(site_dir: Path = SITE_DIR) -> None:
    shutil.rmtree(site_dir, ignore_errors=True)
    write(site_dir / "robots.txt", "User-agent: *\nDisallow: /wp-login.php\n")
    write(site_dir / "article/163/index.html", listing_page(VOK, listing_blocks(), slice_href(12, 24), TRENDING))
    write(site_dir / "wp-admin/admin-ajax/163-12-24.html", slice_fragment(first_slice_blocks(), slice_href(24, 36)))
    back = slice_href(12, 24).replace("action=get_cat_by_source&amp;die=true", "die=true&amp;action=get_cat_by_source")
    write(site_dir / "wp-admin/admin-ajax/163-24-36.html", slice_fragment(last_slice_blocks(), back + "&amp;utm_source=loop"))
    for key, sample in ARTICLES.items():
        related = [ALL[k].teaser_block() for k in sample.related]
        write(site_dir / sample.path / "index.html", sample.markup(related).render(TRENDING))
        if key not in NOT_RECORDS:
            write(site_dir / sample.path / "expected.json", json.dumps(record(key), ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
