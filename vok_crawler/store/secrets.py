"""Secrets kept out of everything the crawler writes or prints: one scrubber, one list of headers.

A subscriber's cookies are secrets (``docs/site.md``, "Gated pages"). Headers
that carry them or other credentials are never written (the archive's WARC
records, the probe's saved pages); any value of the cookies file that a page
or a header repeats is replaced wherever text leaves the process (the probe's
saved pages, its draft record, its table).
"""

from __future__ import annotations

from collections.abc import Iterable

# Headers never written anywhere: the cookies sent and received, and credentials.
SECRET_HEADERS = frozenset({"cookie", "set-cookie", "set-cookie2", "authorization", "proxy-authorization"})
REMOVED = "[cookie value removed]"
MIN_SECRET = 6  # shorter cookie values ("1", "en") are no secret, and would garble every page


class Scrubber:
    """Replaces every secret value in text or bytes, and counts what it replaced.

    The longest secrets first, so that one that holds another is replaced whole.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        self.removed = 0

    def text(self, text: str) -> str:
        for secret in self.secrets:
            self.removed += text.count(secret)
            text = text.replace(secret, REMOVED)
        return text

    def bytes(self, body: bytes) -> bytes:
        for secret in self.secrets:
            self.removed += body.count(secret.encode())
            body = body.replace(secret.encode(), REMOVED.encode())
        return body


def is_secret_header(name: str | bytes) -> bool:
    """Whether a header is one never written (any case)."""
    text = name.decode("latin-1") if isinstance(name, bytes) else name
    return text.lower() in SECRET_HEADERS
