"""Counts as a person says them: ``1 error``, ``2 errors``.

The log lines, the summary and the probe's table name counts in words; one
helper spells them, so that no line says "1 errors".
"""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun``, in the plural (``plural``, else ``noun + "s"``) unless ``count`` is 1."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
