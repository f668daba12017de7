"""The JSON Schemas of what a corpus holds: its records (``article.schema.json``) and its changes (``change.schema.json``).

The files in ``vok_crawler/schema/`` are the one definition (read from the
package, so from Scrapyd's egg too): the corpus pipeline checks each record
against the first before it is written, the changes log each line against
the second, and ``scrapy export`` describes the columns from them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any, cast

import fastjsonschema
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

ARTICLE = "article.schema.json"
CHANGE = "change.schema.json"


def package_schema(name: str) -> dict[str, Any]:
    """A schema file of the package, as it is written."""
    return cast(
        dict[str, Any], json.loads(files("vok_crawler").joinpath("schema").joinpath(name).read_text(encoding="utf-8"))
    )


@cache
def record_schema() -> dict[str, Any]:
    """The record's JSON Schema, read from the package: the file is the one definition.

    Its local ``$ref``s are inlined once, here, rather than resolved for
    every field of every record.
    """
    schema = package_schema(ARTICLE)
    return cast(dict[str, Any], inline_local_refs(schema, schema.get("$defs", {})))


@cache
def record_validator() -> Draft202012Validator:
    """The schema's reference validator: every error of a record, for the warning and the counts."""
    return Draft202012Validator(record_schema())


@cache
def record_check() -> Callable[[Any], Any]:
    """The same schema compiled to Python code: a record passes in a tenth of the reference's time.

    Checking each record was a sixth of a page's CPU with ``jsonschema``
    alone. The schema uses only keywords that draft 7 (fastjsonschema's) and
    2020-12 read alike (type, required, properties, items, pattern, not);
    a test checks that both judge the samples and their faults alike.
    """
    return cast(Callable[[Any], Any], fastjsonschema.compile(record_schema()))


def passes(check: Callable[[Any], Any], data: Any) -> bool:
    """Whether ``data`` passes a compiled check, which raises at its first error."""
    try:
        check(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def inline_local_refs(node: Any, definitions: dict[str, Any]) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/NAME", ...}`` replaced by that definition (and its siblings)."""
    if isinstance(node, list):
        return [inline_local_refs(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref", "")
    inlined = {key: inline_local_refs(value, definitions) for key, value in node.items() if key != "$ref"}
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return {**inline_local_refs(definitions[ref.removeprefix("#/$defs/")], definitions), **inlined}
    return {**inlined, "$ref": ref} if ref else inlined


def failing_fields(error: ValidationError) -> list[str]:
    """The top-level fields a schema error is about (a missing one included)."""
    if error.absolute_path:
        return [str(error.absolute_path[0])]
    if error.validator == "required" and isinstance(error.validator_value, list) and isinstance(error.instance, dict):
        return [name for name in error.validator_value if name not in error.instance]
    return ["(record)"]


@cache
def change_validator() -> Draft202012Validator:
    """``change.schema.json``, with the article schema it refers to for its records."""
    article = package_schema(ARTICLE)
    return Draft202012Validator(
        package_schema(CHANGE), registry=Registry().with_resource(article["$id"], Resource.from_contents(article))
    )
