"""Records as JSON: the text for the corpus and the text feeds, the data for the schema check."""

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


def as_json_data(value: Any) -> Any:
    """``value`` as its JSON text would read back (dicts, lists, strings, numbers), without writing the text.

    The schema check reads a record so: the record is serialized once, for
    the corpus line, not a second time to be checked.
    """
    if isinstance(value, dict):
        return {str(key): as_json_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json_data(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return as_json_data(_plain(value))


def _plain(value: Any) -> dict[str, Any]:
    return vars(value) if dataclasses.is_dataclass(value) else ItemAdapter(value).asdict()
