"""Side by side, one command: the vok crawler, the framework's ceiling and the baseline users replace.

    python benchmarks/run.py [--articles 20000] [--out benchmarks/results]

On one synthetic site (``synthetic_site.py``) served by nginx on 127.0.0.1:

(a) ``scrapy crawl vok`` writing its corpus and its WARC archive (the
default), again with the archive off and replaying that archive (the
archive's cost in time and bytes); (b) a Scrapy spider that follows
the same links and extracts nothing (``minimal_spider.py``); (c) a
sequential requests + BeautifulSoup scraper (``requests_bs4.py``, capped at
``--baseline-pages``); (d) the same three with the sample server answering
after 100 ms, as a distant site would (capped at ``--latency-pages``). Each
runs as its own process; pages/s is wall-clock, CPU ms/page and peak RSS come
from that process's rusage. Then: peak RSS of (a) at a quarter of the site,
the incremental cost of 50 new articles at the head, and a micro-benchmark of
the extraction against a bare lxml parse (with its profile), the start of a
crawl with large corpora (``--scale``), and ``scrapy report`` and ``scrapy
export --sqlite`` on large corpora (``--explore-scale``, ``explore.py``). Results go to
``OUT/results.json`` and ``OUT/results.md``. The speed target is the median of five
side-by-side pairs of (a) and (b); the others are ratios or differences of one run.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import json
import os
import platform
import pstats
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import explore  # noqa: E402
from synthetic_site import generate, path  # noqa: E402

CONCURRENCY = 16
# Side-by-side pairs of (a) and (b): the ratio's target is their median. On a shared machine one run's
# CPU per page swings by a third (10 to 15 ms a page for the same crawl): five pairs, not three.
PAIRS = 5
SCRAPY_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": CONCURRENCY,
    "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
    "LOG_LEVEL": "INFO",
    "LOGSTATS_INTERVAL": 0,
}
NGINX_CONF = """daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log {tmp}/access.log;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  types {{ text/html html; text/plain txt; }}
  charset utf-8;
  sub_filter 'https://kcnawatch.org' 'http://127.0.0.1:{port}';
  sub_filter_once off;
  server {{
    listen 127.0.0.1:{port};
    root {site};
    absolute_redirect off;
    location = /wp-admin/admin-ajax.php {{
      try_files /wp-admin/admin-ajax/${{arg_id}}-${{arg_from}}-${{arg_to}}.html /empty.html;
    }}
    location / {{ index index.html; }}
  }}
}}
"""


@dataclass
class Run:
    name: str
    pages: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    note: str = ""

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / self.pages if self.pages else 0.0

    def row(self) -> dict:
        return {
            **asdict(self),
            "pages_per_second": round(self.pages_per_second, 1),
            "cpu_ms_per_page": round(self.cpu_ms_per_page, 2),
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def measure(name: str, args: list[str], cwd: Path, note: str = "", stopped: bool = False) -> tuple[Run, str]:
    """Run one scraper process; its wall time, its own CPU time and peak RSS (from wait4).

    ``stopped``: the run is cut short on purpose (CLOSESPIDER_*), which ``scrapy crawl vok``
    reports with exit 1; its log must still say the spider closed.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0 and not (stopped and "Spider closed (closespider_" in stderr):
        raise RuntimeError(f"{name} failed ({process.returncode}):\n{stderr[-3000:]}")
    run = Run(name, pages_of(stdout, stderr), seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, note)
    print(f"{name}: {run.pages} pages in {seconds:.1f} s", file=sys.stderr, flush=True)
    return run, stderr


def tree_rss_mb(pid: int) -> float:
    """The resident memory of a process and all its descendants (a browser is a dozen processes), in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat_file.parent.name)
        children.setdefault(int(fields[1]), []).append(child)
        rss[child] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack += children.get(current, [])
    return total / 2**20


def measure_tree(name: str, args: list[str], cwd: Path, note: str, stopped: bool) -> Run:
    """As :func:`measure`, the peak RSS being that of the whole process tree (sampled every 0.2 s)."""
    with tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, text=True)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, tree_rss_mb(process.pid))
            time.sleep(0.2)
        seconds = time.monotonic() - started
        err.seek(0)
        stderr = err.read()
    if process.returncode != 0 and not (stopped and "Spider closed (closespider_" in stderr):
        raise RuntimeError(f"{name} failed ({process.returncode}):\n{stderr[-3000:]}")
    return Run(name, pages_of("", stderr), seconds, 0.0, peak, note + " (CPU not measured)")


def browser_roads(origin: str, work: Path, pages: int) -> dict:
    """The browser road beside the plain one on the same site and pages: pages/s and the memory of each tree."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if importlib.util.find_spec("scrapy_playwright") is None or browser is None:
        return {"skipped": "no scrapy-playwright (pip install -e '.[browser]') or no chromium on PATH"}
    profile = work / "profile"
    profile.mkdir()
    runs = {}
    for road, settings in (
        ("plain", {}),
        ("browser", {"VOK_BROWSER_PROFILE": profile, "VOK_BROWSER_EXECUTABLE": browser}),
    ):
        command = ["crawl", "vok", "-a", f"start_url={origin}/article/163/"]
        one_at_a_time = {"CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}  # as the live crawl asks
        args = scrapy_args(
            command,
            {"VOK_CORPUS": work / road / "vok.jsonl", "CLOSESPIDER_PAGECOUNT": pages, **one_at_a_time, **settings},
        )
        run = measure_tree(
            f"(e) vok crawler, {road} road", args, ROOT, f"first {pages} pages; RSS of the process tree", True
        )
        runs[road] = run
        print(f"{run.name}: {run.pages} pages in {run.seconds:.1f} s", file=sys.stderr, flush=True)
    plain, browser_run = runs["plain"], runs["browser"]
    return {
        "runs": [run.row() for run in runs.values()],
        "browser_vs_plain_pages_per_second": round(browser_run.pages_per_second / plain.pages_per_second, 3),
        "browser_seconds_per_page": round(browser_run.seconds / browser_run.pages, 3),
        "browser_tree_rss_mb": round(browser_run.peak_rss_mb, 1),
    }


def pages_of(out: str, err: str) -> int:
    found = re.search(r"'response_received_count': (\d+)", err)
    if found:
        return int(found[1])
    return json.loads(out.strip().splitlines()[-1])["pages"]


def stat(err: str, name: str) -> float:
    found = re.search(rf"'{re.escape(name)}': ([\d.]+)", err)
    return float(found[1]) if found else 0.0


def scrapy_args(command: list[str], settings: dict) -> list[str]:
    args = [sys.executable, "-m", "scrapy", *command]
    for key, value in {**SCRAPY_SETTINGS, **settings}.items():
        args += ["-s", f"{key}={value}"]
    return args


def vok(
    origin: str, corpus: Path, name: str, note: str = "", replay: Path | None = None, **settings
) -> tuple[Run, str]:
    command = [
        "crawl",
        "vok",
        "-a",
        f"start_url={origin}/article/163/",
        *(["-a", f"replay={replay}"] if replay else []),
    ]
    stopped = any(key.startswith("CLOSESPIDER_") for key in settings)
    return measure(name, scrapy_args(command, {"VOK_CORPUS": corpus, **settings}), ROOT, note, stopped)


def minimal(origin: str, work: Path, name: str, note: str = "", **settings) -> tuple[Run, str]:
    command = ["runspider", str(HERE / "minimal_spider.py"), "-a", f"start_url={origin}/article/163/"]
    return measure(name, scrapy_args(command, settings), work, note)  # outside the project: no settings of ours


def baseline(origin: str, work: Path, name: str, max_pages: int) -> tuple[Run, str]:
    args = [
        sys.executable,
        str(HERE / "requests_bs4.py"),
        f"{origin}/article/163/",
        str(work / "bs4.jsonl"),
        "--max-pages",
        str(max_pages),
    ]
    return measure(name, args, work, f"first {max_pages} pages")


def side_by_side(origin: str, work: Path, count: int) -> list[tuple[tuple[Run, str], tuple[Run, str]]]:
    """``count`` pairs of (a) the vok crawler, archive on, and (b) the fetch-only spider, each pair run back to back.

    One pair says little on a machine that other work shares: the target is
    the median of the pairs' ratios. Every other pair runs (b) first, so
    that neither crawler always runs in the other's wake. The first pair's
    (a) run is the one whose corpus and archive the later measurements read.
    """
    return [one_pair(origin, work, n) for n in range(count)]


def one_pair(origin: str, work: Path, n: int) -> tuple[tuple[Run, str], tuple[Run, str]]:
    """Pair ``n`` (from 0): (a) then (b), or (b) then (a) when ``n`` is odd."""
    suffix = "" if n == 0 else f", pair {n + 1}"
    runs = {
        "a": lambda: vok(
            origin, work / f"a{n or ''}" / "vok.jsonl", f"(a) vok crawler{suffix}", "archive on (the default)"
        ),
        "b": lambda: minimal(origin, work, f"(b) minimal Scrapy spider{suffix}"),
    }
    done = {name: runs[name]() for name in ("ba" if n % 2 else "ab")}
    return done["a"], done["b"]


def corpus_of(records: int, file: Path) -> Path:
    """A corpus of ``records`` lines of an article's usual size (about 1.3 kB)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    body = "The production is normalized and the quality of goods improved at the factories. " * 14
    with file.open("w", encoding="utf-8") as corpus:
        for n in range(records):
            url = f"https://kcnawatch.org/newstream/{1500000000 + 600 * n}-{n}/report-number-{n}/"
            corpus.write(json.dumps({"url": url, "title": f"Report {n}", "body": body}) + "\n")
    return file


def start_once(args: list[str]) -> tuple[float, float, float]:
    """One start of a crawl: its wall seconds, its CPU seconds and its peak RSS in MB (from wait4)."""
    started = time.monotonic()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return time.monotonic() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def startup_with_corpus(work: Path, sizes: list[int]) -> list[dict]:
    """Start-up cost of a crawl's memory: a run that can fetch nothing, with corpora of each size.

    The start URL is a closed port on loopback, so the run is the start-up
    (lock, torn-tail repair, the corpus's URLs, state), one refused request
    and the close; it ends ``nothing_fetched`` (exit 1) by design. Each size
    is measured twice, the better of two tries each (the first may pay for
    cold imports): the first start on the corpus (``first_*``: no index
    beside it, every line read, the index saved at the close) and the daily
    start (the index beside it: the corpus's crc32 checked, no line read).
    """
    rows = []
    for records in [0, *sizes]:
        corpus = corpus_of(records, work / f"scale-{records}" / "vok.jsonl")
        args = scrapy_args(
            ["crawl", "vok", "-a", f"start_url=http://127.0.0.1:{free_port()}/article/163/"],
            {"VOK_CORPUS": corpus, "RETRY_TIMES": 0, "ROBOTSTXT_OBEY": False},
        )
        first = []
        for _ in range(2):
            corpus.with_name("vok.index").unlink(missing_ok=True)
            first.append(start_once(args))
        daily = [start_once(args) for _ in range(2)]
        row: dict = {"records": records}
        for prefix, tries in (("", daily), ("first_", first)):
            seconds, cpu, rss = (min(values) for values in zip(*tries, strict=True))
            row |= {f"{prefix}seconds": round(seconds, 2), f"{prefix}cpu_seconds": round(cpu, 2)}
            row |= {f"{prefix}peak_rss_mb": round(rss, 1)}
        rows.append(row)
        print(f"start-up with {records} records: {row}", file=sys.stderr, flush=True)
        shutil.rmtree(corpus.parent)
    base = rows[0]
    for row in rows[1:]:
        per_million = 1_000_000 / row["records"]
        for key in ("cpu_seconds", "peak_rss_mb", "first_cpu_seconds", "first_peak_rss_mb"):
            row[f"{key}_per_million"] = round((row[key] - base[key]) * per_million, 2)
    return rows


def startup_targets(scale: list[dict]) -> dict[str, tuple]:
    """What the largest corpus adds to the start against none: in CPU seconds and MB, the daily start and the first."""
    if len(scale) < 2:
        return {}
    big, empty = scale[-1], scale[0]
    targets = {}
    for prefix, goal in (("", "<= (2 s, 100 MB)"), ("first_", "reported (once a corpus, or after its edit)")):
        extra = tuple(round(big[prefix + key] - empty[prefix + key], 2) for key in ("cpu_seconds", "peak_rss_mb"))
        index = "no index" if prefix else "the index beside"
        targets[f"startup_{prefix}extra_cpu_seconds_and_mb"] = (extra, f"{goal} at {big['records']} records, {index}")
    return targets


def archive_cost(corpus_dir: Path, articles: int, on: Run, off: Run) -> dict:
    """The archive's cost: its bytes per 1,000 articles (beside the corpus's), and the time it adds."""
    warc = sum(path.stat().st_size for path in (corpus_dir / "archive").glob("*.warc.gz"))
    corpus = (corpus_dir / "vok.jsonl").stat().st_size
    per_1000 = 1000 / articles if articles else 0.0
    return {
        "articles": articles,
        "warc_files": len(list((corpus_dir / "archive").glob("*.warc.gz"))),
        "warc_mb_per_1000_articles": round(warc * per_1000 / 1e6, 2),
        "corpus_mb_per_1000_articles": round(corpus * per_1000 / 1e6, 2),
        "seconds_on_off": [round(on.seconds, 1), round(off.seconds, 1)],
        "time_on_vs_off": round(on.seconds / off.seconds, 3) if off.seconds else None,
        "cpu_ms_per_page_on_off": [round(on.cpu_ms_per_page, 2), round(off.cpu_ms_per_page, 2)],
    }


def extraction_benchmark(site: Path, origin: str, repeat: int) -> dict:
    """CPU per article page: the vok extraction (parse + page object + loaders) against a bare lxml parse."""
    import lxml.html
    from scrapy.http import HtmlResponse

    from vok_crawler.site.pages.article import ArticlePage
    from vok_crawler.site.parsing import page_selector

    serial = max(13, len(list((site / "newstream").iterdir())) // 2)  # a page with a full "More From" block
    body = (site / path(serial) / "index.html").read_bytes()
    url = f"{origin}/{path(serial)}/"

    def extract() -> None:
        response = HtmlResponse(url, body=body, encoding="utf-8")
        ArticlePage(page_selector(response), url, origin).to_item("2026-01-01T00:00:00Z")

    def bare() -> None:
        lxml.html.fromstring(body)

    timings = {}
    for name, work in (("lxml_parse", bare), ("vok_extraction", extract)):
        work()
        started = time.process_time()
        for _ in range(repeat):
            work()
        timings[name] = 1000 * (time.process_time() - started) / repeat
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat // 4 or 1):
        extract()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(12)
    return {
        "page_bytes": len(body),
        "lxml_parse_ms": round(timings["lxml_parse"], 3),
        "vok_extraction_ms": round(timings["vok_extraction"], 3),
        "ratio": round(timings["vok_extraction"] / timings["lxml_parse"], 2),
        "profile_top": text.getvalue().strip().splitlines()[-16:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--baseline-pages", type=int, default=2_000, help="cap of (c) on loopback")
    parser.add_argument("--latency-pages", type=int, default=2_000, help="cap of (a) and (b) with latency")
    parser.add_argument("--latency-baseline-pages", type=int, default=200, help="cap of (c) with latency")
    parser.add_argument("--new", type=int, default=50, help="articles added at the head for the incremental run")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--scale", default="100000,1000000", help="corpus sizes for the start-up measurement")
    parser.add_argument("--browser-pages", type=int, default=300, help="cap of (e), the browser road; 0: skip it")
    parser.add_argument("--explore-scale", default="100000,1000000", help="corpus sizes for scrapy report and export")
    args = parser.parse_args()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        sys.exit("nginx is needed: apt-get install nginx")

    work = Path(tempfile.mkdtemp(prefix="vok-bench-"))
    work.chmod(0o755)  # nginx workers run as another user
    site = work / "site"
    started = time.monotonic()
    generate(site, args.articles)
    (site / "empty.html").write_text("")
    generated = time.monotonic() - started
    port = free_port()
    (work / "nginx.conf").write_text(NGINX_CONF.format(tmp=work, port=port, site=site))
    server = subprocess.Popen([nginx, "-c", str(work / "nginx.conf"), "-p", str(work)], stderr=subprocess.DEVNULL)
    slow_port = free_port()
    slow = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vok_crawler.tools.sample_site",
            "--root",
            str(site),
            "--port",
            str(slow_port),
            "--delay",
            "0.1",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        wait_for_port(slow_port)
        origin, slow_origin = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{slow_port}"
        runs: list[Run] = []
        pairs = side_by_side(origin, work, PAIRS)
        (full, full_err), (fetch_only, _) = pairs[0]
        runs.append(full)
        no_archive, _ = vok(
            origin, work / "n" / "vok.jsonl", "(a) vok crawler, archive off", "VOK_ARCHIVE empty", VOK_ARCHIVE=""
        )
        runs.append(no_archive)
        replayed, _ = vok(
            origin,
            work / "r" / "vok.jsonl",
            "(a) vok crawler, replay of its archive",
            "-a replay=DIR",
            replay=work / "a" / "archive",
        )
        runs.append(replayed)
        archive = archive_cost(work / "a", int(stat(full_err, "vok/corpus/written")), full, no_archive)
        runs.append(fetch_only)
        runs += [run for pair in pairs[1:] for run, _ in pair]
        runs.append(baseline(origin, work, "(c) requests + BeautifulSoup", args.baseline_pages)[0])
        quarter = max(1, args.articles // 4)
        part, _ = vok(
            origin,
            work / "q" / "vok.jsonl",
            "(a) vok crawler, first quarter",
            f"first {quarter} articles",
            CLOSESPIDER_ITEMCOUNT=quarter,
        )
        runs.append(part)
        cap = {"CLOSESPIDER_PAGECOUNT": args.latency_pages}
        note = f"100 ms a response; first {args.latency_pages} pages"
        latency = [
            vok(slow_origin, work / "d" / "vok.jsonl", "(d) vok crawler, 100 ms", note, **cap)[0],
            minimal(slow_origin, work, "(d) minimal Scrapy spider, 100 ms", note, **cap)[0],
            baseline(slow_origin, work, "(d) requests + BeautifulSoup, 100 ms", args.latency_baseline_pages)[0],
        ]
        latency[2].note = f"100 ms a response; first {args.latency_baseline_pages} pages"
        runs += latency

        known_before = {json.loads(line)["url"] for line in (work / "a" / "vok.jsonl").open()}
        generate(site, args.articles + args.new, first_new=args.articles + 1)
        log_offset = (work / "access.log").stat().st_size
        again, err = vok(
            origin, work / "a" / "vok.jsonl", "(a) vok crawler, incremental", f"{args.new} new at the head"
        )
        runs.append(again)
        asked = re.findall(r'"GET (\S+) HTTP', (work / "access.log").read_text()[log_offset:])
        refetched = sum(1 for uri in asked if origin + uri in known_before)
        new = stat(err, "vok/corpus/written")
        incremental = {
            "new_articles": int(new),
            "requests": int(stat(err, "downloader/request_count")),
            "requests_per_new_article": round(stat(err, "downloader/request_count") / new, 3) if new else None,
            # the walk rule: each new article, the ceil(n/12) pages that hold them, the one page
            # that shows nothing new (the stop), and robots.txt
            "walk_rule_requests": int(new + -(-new // 12) + 1 + 1),
            "articles_refetched": refetched,
        }
        micro = extraction_benchmark(site, origin, repeat=400)
        roads = (
            browser_roads(origin, work, args.browser_pages) if args.browser_pages else {"skipped": "--browser-pages 0"}
        )
        scale = startup_with_corpus(work, [int(size) for size in args.scale.split(",") if size])
        explored = explore.measure(work, [int(size) for size in args.explore_scale.split(",") if size])
    finally:
        server.terminate()
        slow.terminate()
        server.wait()
        slow.wait()
        shutil.rmtree(work, ignore_errors=True)

    ratios = [round(a.pages_per_second / b.pages_per_second, 3) for (a, _), (b, _) in pairs]
    da, dc = latency[0], latency[2]
    targets = {
        "a_vs_b_pages_per_second": (
            round(statistics.median(ratios), 3),  # three places: 0.795 is not read as 0.8
            f">= 0.8 (median of {PAIRS} side-by-side pairs, archive on: {ratios})",
        ),
        "extraction_vs_lxml_parse": (micro["ratio"], "reported, no target: the live crawl is bound by politeness"),
        "a_peak_rss_mb": (round(full.peak_rss_mb, 1), "<= 140"),
        "a_rss_growth_quarter_to_full_mb": (round(full.peak_rss_mb - part.peak_rss_mb, 1), "< 20"),
        "latency_a_vs_c_pages_per_second": (round(da.pages_per_second / dc.pages_per_second, 1), ">= 10"),
        "incremental_requests": (
            incremental["requests"],
            f"== {incremental['walk_rule_requests']} (n + ceil(n/12) + 1 + robots.txt)",
        ),
        "incremental_articles_refetched": (incremental["articles_refetched"], "== 0"),
        **{
            f"report_seconds_{row['records']}_records": (row["report_seconds"], "<= 60")
            for row in explored
            if row["records"] >= 1_000_000
        },
    }
    targets |= startup_targets(scale)
    results = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}",
        "command": " ".join(["python", "benchmarks/run.py", *sys.argv[1:]]),
        "articles": args.articles,
        "site_generation_seconds": round(generated, 1),
        "concurrency": CONCURRENCY,
        "runs": [run.row() for run in runs],
        "incremental": incremental,
        "archive": archive,
        "extraction": micro,
        "startup_with_corpus": scale,
        "browser_road": roads,
        "report_and_export": explored,
        "targets": {name: {"value": value, "target": goal} for name, (value, goal) in targets.items()},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(markdown(results))
    print(markdown(results))


def markdown(results: dict) -> str:
    lines = [
        f"Run of {results['date']} on {results['machine']}: `{results['command']}` ({results['articles']} articles, concurrency {results['concurrency']})",
        "",
        "| run | pages | pages/s | CPU ms/page | peak RSS MB | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for run in results["runs"]:
        lines.append(
            f"| {run['name']} | {run['pages']} | {run['pages_per_second']} | {run['cpu_ms_per_page']} | {run['peak_rss_mb']:.1f} | {run['note']} |"
        )
    micro = results["extraction"]
    lines += [
        "",
        (
            f"Extraction of one article page ({micro['page_bytes']} bytes): vok {micro['vok_extraction_ms']} ms, "
            f"bare lxml parse {micro['lxml_parse_ms']} ms, ratio {micro['ratio']}."
        ),
        f"Incremental run: {results['incremental']}",
        f"Archive: {results['archive']}",
        f"Browser road (e): {results['browser_road']}",
        "",
        "| corpus records | index | start-up s | CPU s | peak RSS MB | CPU s per million | MB per million |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['records']} | {index} | {r[p + 'seconds']} | {r[p + 'cpu_seconds']} | {r[p + 'peak_rss_mb']} "
        f"| {r.get(p + 'cpu_seconds_per_million', '')} | {r.get(p + 'peak_rss_mb_per_million', '')} |"
        for r in results["startup_with_corpus"]
        for p, index in (("first_", "none (first start)"), ("", "beside (daily start)"))
    ]
    lines += [
        "",
        "| corpus records | report s | report peak RSS MB | export s | export peak RSS MB | export again s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['records']} | {r['report_seconds']} | {r['report_peak_rss_mb']} | {r['export_seconds']} | {r['export_peak_rss_mb']} | {r['export_again_seconds']} |"
        for r in results["report_and_export"]
    ]
    lines += [
        "",
        "| target | value | goal |",
        "|---|---:|---|",
    ]
    lines += [f"| {name} | {t['value']} | {t['target']} |" for name, t in results["targets"].items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
