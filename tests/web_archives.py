"""Web archives on loopback: captures of the samples' pages in WARC files, and pywb serving them.

The archive road reads the site as the web's archives kept it: an index of
captures (the CDX API) and the captures themselves. The tests serve both
with the real engines, on 127.0.0.1 only:

- :func:`archive_captures` is what the archive holds: captures of the
  samples' pages (``samples/site``, their links moved to the host captured,
  as ``vok_crawler.tools.sample_site`` moves them to its own), taken at chosen
  times around one period of postings (:data:`PERIOD`, Korea days): the
  period's Voice of Korea articles, some in other spellings and on the
  site's second name; articles made for the archive only, which the served
  samples do not have (gone from the site), four of them posted at the
  period's first and last second and the seconds either side of it; one
  article whose newest capture is the NK Pro gate, with an older whole
  capture, one whose newest capture is the gate's redirect, one held only
  behind the gate; one changed since its capture (the archive keeps the
  earlier version); the KCNA articles of the same days.
- :func:`write_warcs` writes them as WARC files, one gzip member a record.
- :func:`pywb_environment`, :func:`build_collections` and :func:`running_pywb`:
  pywb 2.10 (``wb-manager``, ``wayback``) in an environment of its own
  (``requirements/pywb.txt``), holding the files in two collections:
  ``plain``, indexed by ``wb-manager add`` (a CDXJ file, which pywb answers
  whole), and ``paged``, the same index as ZipNum blocks of
  :data:`BLOCK_LINES` lines (Common Crawl's kind, which pywb answers in
  pages). Both answer the CDX API in NDJSON (``/<collection>/cdx``) and the
  raw captures (``/<collection>/<timestamp>id_/<URL>``).
- The WARC files themselves, served by ``twisted.web.static.File`` (which
  answers ``Range`` with 206), are Common Crawl's way of serving records.

The Wayback Machine's own answer style is a saved answer,
``tests/fixtures/wayback-cdx-answer.json``.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from io import BytesIO
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import ROOT, SAMPLE_ORIGIN, SAMPLE_SITE, free_port
from vok_crawler.site.processors import KOREA
from vok_crawler.tools.sample_site import site_links_to

PERIOD = (date(2026, 2, 21), date(2026, 3, 5))  # the Korea days whose postings the tests ask the archive for
PYWB_REQUIREMENTS = ROOT / "requirements" / "pywb.txt"
PLAIN, PAGED = "plain", "paged"  # pywb's collections: wb-manager's CDXJ index; the same index as ZipNum blocks
BLOCK_LINES = 2  # CDX lines a block of the paged collection: small, so that some prefixes span two blocks
SECOND_NAME = "kcnawatch.xyz"  # the site's other host name (docs/site.md, "One site, several host names")
VOK_META = "Source: Voice of Korea (EN)"  # the meta line of the source's article pages
Kind = Literal["whole", "changed", "gated", "redirect", "other_source"]


@dataclass(frozen=True)
class Captured:
    """One capture the tests' archive holds: what was asked, when, and what the site answered.

    ``article`` is the article's canonical URL as the samples spell it
    (``https://kcnawatch.org/newstream/.../``); ``record`` the Voice of
    Korea record its page gives (URLs on ``https://kcnawatch.org``,
    without ``crawled_at``), ``None`` for a gate, a redirect or another
    source.
    """

    url: str
    timestamp: str  # YYYYMMDDhhmmss, UTC
    kind: Kind
    article: str
    body: bytes
    record: dict[str, Any] | None = None
    status: int = 200
    location: str | None = None  # a redirect's target

    @property
    def posted(self) -> date:
        """The Korea day of the article's epoch."""
        epoch = int(self.article.split("/newstream/", 1)[1].split("-", 1)[0])
        return datetime.fromtimestamp(epoch, KOREA).date()

    @property
    def in_period(self) -> bool:
        return PERIOD[0] <= self.posted <= PERIOD[1]


def sample_url(path: str) -> str:
    return f"{SAMPLE_ORIGIN}/{path}/"


def sample_page(path: str, name: str = "index.html") -> bytes:
    return (SAMPLE_SITE / path / name).read_bytes()


def sample_record(path: str) -> dict[str, Any]:
    """The samples' ``expected.json`` of the article at ``path``, without ``crawled_at``."""
    record = json.loads((SAMPLE_SITE / path / "expected.json").read_text(encoding="utf-8"))
    return {name: value for name, value in record.items() if name != "crawled_at"}


def on_host(body: bytes, host: str, scheme: str = "https") -> bytes:
    """A page of the samples as captured on ``host``: its links to ``kcnawatch.org`` on that name."""
    return site_links_to(body, f"{scheme}://{host}".encode())


def whole(path: str, timestamp: str, url: str | None = None, body: bytes | None = None) -> Captured:
    """A whole capture of the sample article at ``path`` (at ``url``, another spelling, when given)."""
    return Captured(
        url or sample_url(path),
        timestamp,
        "whole",
        sample_url(path),
        body if body is not None else sample_page(path),
        sample_record(path),
    )


def replaced_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, (old, text.count(old))
    return text.replace(old, new)


def made_article(base: str, epoch: int, number: int, slug: str, title: str, timestamp: str) -> Captured:
    """An article of the archive alone, made from the sample at ``base``: posted at ``epoch``, as ``title``.

    ``base`` must be an article that is not among the "More From" teasers of
    its own page, so that the copy's related teasers are the base's; a
    Voice of Korea one gives the base's record with the copy's URL, title
    and posting time.
    """
    path = f"newstream/{epoch}-{number}/{slug}"
    url = sample_url(path)
    html = sample_page(base).decode()
    heading = re.search(r'<h1 class="article-title">(.*?)</h1>', html)
    assert heading is not None, base
    html = replaced_once(html, f"/{base}/", f"/{path}/").replace(heading[1], escape(title))
    if VOK_META not in html:
        return Captured(url, timestamp, "other_source", url, html.encode())
    posted = datetime.fromtimestamp(epoch, KOREA)
    record = {**sample_record(base), "url": url, "title": title, "posted": posted.date().isoformat()}
    record["posted_at"] = posted.isoformat()
    return Captured(url, timestamp, "whole", url, html.encode(), record)


def changed_since(path: str, timestamp: str, title: str, old_text: str, new_text: str) -> Captured:
    """A capture of an earlier version of the article at ``path``: another title, and one sentence other."""
    record = sample_record(path)
    html = sample_page(path).decode()
    heading = '<h1 class="article-title">{}</h1>'
    html = replaced_once(html, heading.format(escape(record["title"])), heading.format(escape(title)))
    html = replaced_once(html, f"<title>{escape(record['title'])} |", f"<title>{escape(title)} |")
    head, content = html.split('<div class="article-content">', 1)
    html = head + '<div class="article-content">' + replaced_once(content, escape(old_text), escape(new_text))
    earlier = {**record, "title": title, "body": replaced_once(record["body"], old_text, new_text)}
    return Captured(sample_url(path), timestamp, "changed", sample_url(path), html.encode(), earlier)


def behind_the_gate(path: str, timestamp: str) -> Captured:
    """A capture of the article at ``path`` as a reader without a subscription saw it: the preview and the form.

    The samples' ``gated.html`` where there is one, else the page with its
    body cut to the first paragraph and NK Pro's form after it, as
    ``samples/build_samples.py`` writes ``gated.html``.
    """
    if (SAMPLE_SITE / path / "gated.html").is_file():
        body = sample_page(path, "gated.html")
    else:
        sys.path.insert(0, str(SAMPLE_SITE.parent))
        try:
            from sitegen import PAYWALL  # samples/sitegen.py: the gate's markup of the samples
        finally:
            sys.path.remove(str(SAMPLE_SITE.parent))
        html = sample_page(path).decode()
        first = sample_record(path)["body"].split("\n\n", 1)[0]
        head, content = html.split('<div class="article-content">', 1)
        tail = content.split("</div>", 1)[1]  # the content's end: its paragraphs hold no div
        body = f'{head}<div class="article-content">\n<p>{escape(first)}</p>\n{PAYWALL}\n  </div>{tail}'.encode()
    return Captured(sample_url(path), timestamp, "gated", sample_url(path), body)


def gate_redirect(path: str, timestamp: str) -> Captured:
    """A capture of the redirect to the site's ``free-member-form`` that the gate answers instead of the article."""
    target = f"{SAMPLE_ORIGIN}/free-member-form/?redirect_to={quote(sample_url(path), safe='')}"
    return Captured(sample_url(path), timestamp, "redirect", sample_url(path), b"", status=302, location=target)


# The samples' articles the archive holds captures of (samples/README.md lists them).
PRESS_STATEMENT = "newstream/1771625600-381500829/press-statement-of-spokesperson-for-dprk-foreign-ministry"
SPEECH = "newstream/1771712000-381500830/respected-comrade-kim-jong-uns-speech-at-sangwon-cement-complex"
FISHERMEN = "newstream/1772240400-381500815/fishermen-bring-in-big-catch"
SOWING = "newstream/1772330400-381500831/spring-sowing-preparations-in-full-swing"
ENLARGED_MEETING = "newstream/1772409900-381500832/report-on-enlarged-meeting-of-wpk-central-military-commission"
SPORTS = "newstream/1772467200-381500833/national-sports-festival-opens"
SCIENCE = "newstream/1772500800-381500836/science-and-technology-dissemination-network-expanded"
LETTER = "newstream/1772553600-381500834/letter-of-thanks-sent-to-kim-jong-un"
GREENHOUSE = "newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm"
BIRTHDAY = "newstream/1771539200-381500828/birthday-spread-sent-to-centenarian"  # posted the day before the period
DRILLS = "newstream/1770889980-381500813/dprk-foreign-ministry-spokesperson-slams-joint-military-drills"
KCNA_COMMENTARY = "newstream/1772300000-990010/kcna-commentary-on-sanctions"
MINING = "newstream/1769215080-381500707/mining-complex-raises-ore-output"  # among no "More From": a base to copy


def period_epochs() -> tuple[int, int]:
    """The period's first second and the second after its last: the postings of its Korea days."""
    first = datetime.combine(PERIOD[0], datetime.min.time(), KOREA)
    after = datetime.combine(PERIOD[1] + timedelta(days=1), datetime.min.time(), KOREA)
    return int(first.timestamp()), int(after.timestamp())


def archive_captures() -> tuple[Captured, ...]:
    """What the tests' archive holds, in the order the WARC files are written."""
    start, end = period_epochs()
    return (
        # The period's Voice of Korea articles, whole, some in other spellings of their URL.
        whole(PRESS_STATEMENT, "20260222093000"),
        behind_the_gate(PRESS_STATEMENT, "20260305120000"),  # newer than its whole capture
        whole(
            SPEECH,
            "20260223101500",
            url=f"https://www.{SECOND_NAME}/{SPEECH}",  # the second name, www., no trailing slash
            body=on_host(sample_page(SPEECH), f"www.{SECOND_NAME}"),
        ),
        whole(FISHERMEN, "20260301080000"),
        whole(FISHERMEN, "20260315080000"),  # the same bytes again (the same digest)
        whole(SOWING, "20260302120000", url=f"{sample_url(SOWING)}?utm_source=twitter"),
        whole(ENLARGED_MEETING, "20260302230000"),
        gate_redirect(ENLARGED_MEETING, "20260310120000"),  # newer; status 302, which the index's filter leaves out
        whole(SPORTS, "20260304000000", url=sample_url(SPORTS).replace("https://", "http://")),
        changed_since(
            SCIENCE,
            "20260303220000",
            title="Science and technology dissemination network being expanded",
            old_text="to factories and farms across the country",
            new_text="to factories across the country",
        ),
        whole(LETTER, "20260305010000"),
        whole(GREENHOUSE, "20260306090000"),
        # Made for the archive alone: the served samples do not have them. Posted at the period's edges.
        made_article(MINING, start - 1, 381500901, "ore-output-reported-before-the-period", "Ore output before", "20260401000000"),
        made_article(MINING, start, 381500902, "ore-output-reported-at-the-first-second", "Ore output first", "20260401000100"),
        made_article(MINING, end - 1, 381500903, "ore-output-reported-at-the-last-second", "Ore output last", "20260401000200"),
        made_article(MINING, end, 381500904, "ore-output-reported-after-the-period", "Ore output after", "20260401000300"),
        whole(BIRTHDAY, "20260221120000"),  # posted the day before the period
        behind_the_gate(DRILLS, "20260213120000"),  # held only behind the gate
        # Another source's articles of the same days.
        Captured(sample_url(KCNA_COMMENTARY), "20260302060000", "other_source", sample_url(KCNA_COMMENTARY), sample_page(KCNA_COMMENTARY)),
        made_article(KCNA_COMMENTARY, 1772593200, 990011, "kcna-commentary-on-the-drills", "KCNA commentary on the drills", "20260405000000"),
    )  # fmt: skip


def warc_name(capture: Captured) -> str:
    """Two files: the captures of March 2026 and before, and those after (a capture's file is in its index)."""
    return "kcnawatch-2026-03.warc.gz" if capture.timestamp < "20260401" else "kcnawatch-2026-04.warc.gz"


def write_warcs(captures: Iterable[Captured], folder: Path) -> list[Path]:
    """The captures as response records of WARC 1.1, one gzip member each, in the files :func:`warc_name` names."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, BytesIO] = {}
    for capture in captures:
        buffer = files.setdefault(warc_name(capture), BytesIO())
        headers = [("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", str(len(capture.body)))]
        if capture.location:
            headers.append(("Location", capture.location))
        status = "200 OK" if capture.status == 200 else f"{capture.status} Found"
        writer = WARCWriter(buffer, gzip=True, warc_version="1.1")
        moment = datetime.strptime(capture.timestamp, "%Y%m%d%H%M%S").strftime("%Y-%m-%dT%H:%M:%SZ")
        record = writer.create_warc_record(
            capture.url,
            "response",
            payload=BytesIO(capture.body),
            length=len(capture.body),
            http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": moment},
        )
        writer.write_record(record)
    paths = []
    for name, buffer in sorted(files.items()):
        (folder / name).write_bytes(buffer.getvalue())
        paths.append(folder / name)
    return paths


def pywb_environment(venv: Path) -> Path:
    """A virtual environment holding ``requirements/pywb.txt``; its ``bin`` folder.

    Not the tests' own: pywb's dependency brotlipy installs a ``brotli``
    module over Google's Brotli, without the decoder Scrapy reads ``br``
    answers with, and pywb pins pyOpenSSL below what Scrapy's environment holds.
    """
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    installed = subprocess.run(
        [venv / "bin" / "pip", "install", "--quiet", "-r", PYWB_REQUIREMENTS], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv / "bin"


def build_collections(pywb_bin: Path, root: Path, warcs: list[Path]) -> None:
    """The two collections under ``root/collections``, each with every WARC file, by ``wb-manager``."""
    for collection in (PLAIN, PAGED):
        for command in (["init", collection], ["add", collection, *map(str, warcs)]):
            done = subprocess.run([pywb_bin / "wb-manager", *command], cwd=root, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr[-3000:]
    zipnum(root / "collections" / PAGED / "indexes", BLOCK_LINES)


def zipnum(indexes: Path, lines: int) -> None:
    """The folder's ``index.cdxj`` as a ZipNum index, which pywb pages: ``captures.cdx.gz``, ``.idx``, ``.loc``.

    The CDXJ lines, in their order, gzipped ``lines`` at a time, one member
    a block, concatenated; the ``.idx`` gives each block's first key, file,
    offset, length and number; the ``.loc`` where the file is. The CDXJ file
    goes (two indexes of one collection would each answer).
    """
    cdxj = indexes / "index.cdxj"
    entries = cdxj.read_bytes().splitlines(keepends=True)
    cdxj.unlink()
    blocks, summary, offset = [], [], 0
    for number, first in enumerate(range(0, len(entries), lines)):
        block = gzip.compress(b"".join(entries[first : first + lines]))
        key = b" ".join(entries[first].split(b" ", 2)[:2])
        summary.append(b"\t".join([key, b"captures", b"%d" % offset, b"%d" % len(block), b"%d" % number]) + b"\n")
        blocks.append(block)
        offset += len(block)
    (indexes / "captures.cdx.gz").write_bytes(b"".join(blocks))
    (indexes / "captures.idx").write_bytes(b"".join(summary))
    (indexes / "captures.loc").write_text("captures\tcaptures.cdx.gz\n")


@dataclass(frozen=True)
class Pywb:
    """A running pywb: its origin, the folder it serves, and each collection's endpoints."""

    origin: str
    root: Path

    def cdx(self, collection: str) -> str:
        """The collection's CDX API (``VOK_ARCHIVE_CDX``)."""
        return f"{self.origin}/{collection}/cdx"

    def replay(self, collection: str) -> str:
        """The prefix of the collection's captures (``VOK_ARCHIVE_REPLAY``): ``{prefix}{timestamp}id_/{URL}``."""
        return f"{self.origin}/{collection}/"

    @property
    def warc_folder(self) -> Path:
        """The WARC files, as ``wb-manager add`` copied them (those of the ``plain`` collection)."""
        return self.root / "collections" / PLAIN / "archive"


@contextmanager
def running_pywb(pywb_bin: Path, root: Path, timeout: float = 60) -> Iterator[Pywb]:
    """``wayback`` bound to 127.0.0.1 on a free port, serving ``root/collections``, until the block ends.

    Ready when it answers (its collections' list), within ``timeout``
    seconds; a pywb that exits before is a failure showing its output.
    """
    port = free_port()
    log = (root / "wayback.log").open("wb")
    process = subprocess.Popen(
        [pywb_bin / "wayback", "-b", "127.0.0.1", "-p", str(port)], cwd=root, stdout=log, stderr=subprocess.STDOUT
    )
    server = Pywb(f"http://127.0.0.1:{port}", root)
    try:
        deadline = time.monotonic() + timeout
        while not answers(f"{server.origin}/collinfo.json"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((root / "wayback.log").read_text()[-3000:])
            time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class _Unfollowed(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to look at (the gate's, captured), not one to follow."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# Straight to 127.0.0.1: no proxy of the environment, no redirect followed.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}), _Unfollowed)


def answers(url: str) -> bool:
    try:
        with LOOPBACK.open(url, timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError):
        return False


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET ``url`` on loopback: status, headers and body, of an error or a redirect too."""
    try:
        with LOOPBACK.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()
