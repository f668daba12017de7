"""``scrapy report`` and ``scrapy export --sqlite`` on large synthetic corpora: time and peak memory.

    python benchmarks/explore.py [--sizes 100000,1000000] [--out DIR]

``benchmarks/run.py`` runs it too (``--explore-scale``). Each size gets a
corpus of records shaped as the crawler writes them (about 1.9 kB: a body
of fourteen sentences, two "More From" teasers), a hundred articles a day
with a day without one every tenth day, one article in fifty from the back
catalogue and one in two hundred dated after its posting. Each command runs
as its own process; its wall time and peak RSS come from ``wait4``. Both
stream the corpus, so peak RSS must not grow with the records.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BODY = "The production is normalized and the quality of goods improved at the factories. " * 14
FIRST_DAY = date(2000, 1, 1)


def record(n: int) -> dict:
    """The ``n``-th article: a hundred a day (10^6 records span 27 years), none on every tenth day."""
    posted = FIRST_DAY + timedelta(days=(n // 100) * 10 // 9)
    lag = 45 if n % 50 == 0 else (-2 if n % 200 == 1 else 1)
    url = f"https://kcnawatch.org/newstream/{946684800 + 864 * n}-{n}/report-number-{n}/"
    teaser = {"url": url.replace(f"-{n}/", f"-{n + 1}/"), "title": f"Report {n + 1}", "date": str(posted)}
    return {
        "url": url,
        "title": f"Report {n}",
        "published": str(posted - timedelta(days=lag)),
        "posted": str(posted),
        "posted_at": f"{posted}T09:00:00+09:00",
        "source": "Voice of Korea (EN)",
        "source_url": f"http://www.vok.rep.kp/index.php/detail/{posted}-{n}",
        "body": BODY,
        "related": [{**teaser, "teaser": BODY[:120]}, {**teaser, "teaser": BODY[:120]}],
        "crawled_at": "2026-12-01T00:00:00Z",
    }


def write_corpus(records: int, file: Path) -> Path:
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("w", encoding="utf-8") as corpus:
        for n in range(records):
            corpus.write(json.dumps(record(n)) + "\n")
    return file


def timed(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one process, which must exit 0."""
    started = time.monotonic()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    assert process.stderr is not None
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{errors[-3000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(work: Path, sizes: list[int]) -> list[dict]:
    """One row per size: report and export (first and again), seconds and peak RSS."""
    rows = []
    scrapy = [sys.executable, "-m", "scrapy"]
    for records in sizes:
        corpus = write_corpus(records, work / f"explore-{records}" / "vok.jsonl")
        database = corpus.with_name("vok.db")
        report = timed([*scrapy, "report", str(corpus)])
        export = timed([*scrapy, "export", str(corpus), "--sqlite", str(database)])
        again = timed([*scrapy, "export", str(corpus), "--sqlite", str(database)])
        row = {
            "records": records,
            "corpus_mb": round(corpus.stat().st_size / 1e6, 1),
            "report_seconds": round(report[0], 1),
            "report_cpu_seconds": round(report[1], 1),
            "report_peak_rss_mb": round(report[2], 1),
            "export_seconds": round(export[0], 1),
            "export_cpu_seconds": round(export[1], 1),
            "export_peak_rss_mb": round(export[2], 1),
            "export_again_seconds": round(again[0], 1),
            "database_mb": round(database.stat().st_size / 1e6, 1),
        }
        rows.append(row)
        print(f"report and export of {records} records: {row}", file=sys.stderr, flush=True)
        for path in corpus.parent.iterdir():
            path.unlink()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="corpus sizes, in records")
    parser.add_argument("--out", type=Path, help="write explore.json here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vok-explore-") as work:
        rows = measure(Path(work), [int(size) for size in args.sizes.split(",") if size])
    text = json.dumps(rows, indent=2) + "\n"
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "explore.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
