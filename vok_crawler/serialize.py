"""Records as JSON text: one helper for the corpus, the schema check and the text feeds."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from itemadapter import ItemAdapter


def json_text(value: Any) -> str:
    """``value`` (an item, a list of items, ...) as JSON, fields in their declared order.

    Dataclass items (ours) are serialized by ``json`` itself through
    ``vars()``: ``ItemAdapter.asdict()`` checks every nested value against
    every item type, and ``dataclasses.asdict()`` deep-copies them, each
    costing more per article than parsing its page.
    """
    return json.dumps(value, default=_plain, ensure_ascii=False)


def json_line(item: Any) -> str:
    """The item as one line of JSON Lines."""
    return json_text(item) + "\n"


def _plain(value: Any) -> dict[str, Any]:
    return vars(value) if dataclasses.is_dataclass(value) else ItemAdapter(value).asdict()
