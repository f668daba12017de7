"""The baseline users replace: a sequential requests + BeautifulSoup scraper of the kind
published for KCNA Watch. It follows the same links, one page at a time, and writes
title, date and body of each article as JSON Lines.

``python requests_bs4.py START_URL OUT.jsonl [--max-pages N]``; prints ``{"pages": N}``.
"""

import argparse
import json
from urllib.parse import urldefrag, urljoin

import requests
from bs4 import BeautifulSoup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("start_url")
    parser.add_argument("out")
    parser.add_argument("--max-pages", type=int, default=10**9)
    args = parser.parse_args()
    session = requests.Session()
    queue, seen, pages = [args.start_url], {args.start_url}, 0
    with open(args.out, "w", encoding="utf-8") as out:
        while queue and pages < args.max_pages:
            url = queue.pop(0)
            response = session.get(url, timeout=30)
            pages += 1
            soup = BeautifulSoup(response.text, "html.parser")
            title = soup.select_one("h1.article-title")
            if title:
                body = soup.select_one("div.article-content")
                date = soup.select_one("p.articled-date")
                record = {
                    "url": url,
                    "title": title.get_text(" ", strip=True),
                    "date": date.get_text(" ", strip=True) if date else None,
                    "body": "\n\n".join(p.get_text(" ", strip=True) for p in body.find_all("p")) if body else "",
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            for link in soup.select(".article-desc h4 a, a.more-articles"):
                target = urldefrag(urljoin(url, link.get("href", "")))[0]
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
    print(json.dumps({"pages": pages}))


if __name__ == "__main__":
    main()
