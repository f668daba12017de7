"""The record's fields as a page declares them: each one method marked ``@page_field``, found by its rules in order.

:class:`Finding` says how a field was found (by which rule, and whether it
was a fallback's); :func:`first` tries a field's rules in order;
:func:`findings_problems` turns fields found by no rule, or by a fallback,
into problems for the crawl to report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from vok_crawler import stats
from vok_crawler.site.problems import Problem


@dataclass(frozen=True)
class PageField:
    """One field of the record as the article page declares it: the method that finds it, by its rules.

    ``also`` names the record's fields read from the same finding
    (``posted_at`` from ``posted``); ``covered`` fields count in the health
    report's coverage; a ``required`` field found by no rule is a problem.
    The record's fields, the loader's order, the probe's table and the
    health report's coverage all come from :data:`PAGE_FIELDS`.
    """

    name: str
    read: Callable[[Any], Finding]
    also: tuple[str, ...] = ()
    covered: bool = False
    required: bool = True

    @property
    def record_fields(self) -> tuple[str, ...]:
        return (self.name, *self.also)


PAGE_FIELDS: list[PageField] = []  # in the record's order, as ArticlePage declares them
FIELDS_BY_NAME: dict[str, PageField] = {}
FieldReader = TypeVar("FieldReader", bound=Callable[[Any], "Finding"])


def page_field(
    name: str, also: tuple[str, ...] = (), covered: bool = False, required: bool = True
) -> Callable[[FieldReader], FieldReader]:
    """Declare the method it decorates as the one reading of the record's field ``name``."""

    def declare(method: FieldReader) -> FieldReader:
        declared = PageField(name, method, also, covered, required)
        PAGE_FIELDS.append(declared)
        FIELDS_BY_NAME[name] = declared
        return method

    return declare


def record_fields() -> list[str]:
    """Every field of the record, in its order: the page's, then when it was fetched."""
    return [name for declared in PAGE_FIELDS for name in declared.record_fields] + ["crawled_at"]


def covered_fields() -> tuple[str, ...]:
    """The fields whose share of records the health report shows."""
    return tuple(declared.name for declared in PAGE_FIELDS if declared.covered)


def finding_for(record_field: str) -> str:
    """The declared field whose finding gives ``record_field`` (``posted`` for ``posted_at``)."""
    return next(declared.name for declared in PAGE_FIELDS if record_field in declared.record_fields)


@dataclass(frozen=True)
class Finding:
    """How one field of an article was found: by which rule (``None``: by none), and its raw value.

    ``fallback`` is true when a rule other than the anatomy's own place found it.
    """

    rule: str | None
    value: Any = None
    fallback: bool = False


def findings_problems(findings: dict[str, Finding], url: str) -> list[Problem]:
    """Fields found by no rule, or only by a fallback, as problems: the crawl says what it missed."""
    problems = []
    for name, finding in findings.items():
        if finding.rule is None and FIELDS_BY_NAME[name].required:
            problems.append(Problem(stats.field_missing(name), f"No {name} found on {url}", logging.INFO))
        elif finding.fallback:
            message = f"The {name} of {url} was found by its fallback rule {finding.rule}"
            problems.append(Problem(stats.field_fallback(name, finding.rule or ""), message, logging.DEBUG))
    return problems


def first(*rules: tuple[str, Callable[[], Any]]) -> Finding:
    """The first rule whose value has text; ``Finding(None)`` when none has."""
    for number, (name, rule) in enumerate(rules):
        value = rule()
        if value and (not isinstance(value, str) or value.strip()):
            return Finding(name, value, fallback=number > 0)
    return Finding(None)
