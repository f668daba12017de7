"""The record's fields as a page declares them: each one method marked ``@page_field``, found by its rules in order.

Collected per class (:class:`DeclaresFields`): a subclass adds or overrides a
field without changing its base. :class:`Finding` says how a field was found (by which rule, and whether it
was a fallback's); :func:`first` tries a field's rules in order;
:func:`findings_problems` turns fields found by no rule, or by a fallback,
into problems for the crawl to report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from vok_crawler import stats
from vok_crawler.site.problems import Problem


@dataclass(frozen=True)
class PageField:
    """One field of the record as a page declares it: the method that finds it (by name), by its rules.

    ``also`` names the record's fields read from the same finding
    (``posted_at`` from ``posted``); ``covered`` fields count in the health
    report's coverage; a ``required`` field found by no rule is a problem.
    The method is looked up on the page, so a subclass that overrides it
    reads the field by its own rules.
    """

    name: str
    method: str
    also: tuple[str, ...] = ()
    covered: bool = False
    required: bool = True

    @property
    def record_fields(self) -> tuple[str, ...]:
        return (self.name, *self.also)


DECLARED = "__page_field__"  # the mark @page_field leaves on a method, collected by its class
FieldReader = TypeVar("FieldReader", bound=Callable[[Any], "Finding"])


def page_field(
    name: str, also: tuple[str, ...] = (), covered: bool = False, required: bool = True
) -> Callable[[FieldReader], FieldReader]:
    """Declare the method it decorates as its class's one reading of the record's field ``name``."""

    def declare(method: FieldReader) -> FieldReader:
        setattr(method, DECLARED, PageField(name, method.__name__, also, covered, required))
        return method

    return declare


# The record's fields of the fetch, not of the page, after the page's: when it was fetched, and the web
# archive's capture it was read from (null for the live site). Whoever fetched the page gives them (to_item).
FETCH_FIELDS = ("crawled_at", "capture")


class DeclaresFields:
    """A page whose record fields are its methods marked ``@page_field``, collected per class.

    As web-poet's ``@field`` and fundus's ``@attribute``: each class has its
    own fields (:attr:`page_fields`), its base's in their order and then its
    own, so that a subclass, or a dated version of a page, adds a field or
    reads one by other rules without touching its base. A field declared
    again under its name keeps its place; a new one comes after the base's
    (the record ends with the fields of the fetch, :data:`FETCH_FIELDS`).
    """

    page_fields: ClassVar[tuple[PageField, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = {declared.name: declared for declared in cls.page_fields}
        for attribute in vars(cls).values():
            declared = getattr(attribute, DECLARED, None)
            if isinstance(declared, PageField):
                fields[declared.name] = declared
        cls.page_fields = tuple(fields.values())

    @classmethod
    def record_fields(cls) -> list[str]:
        """Every field of the record, in its order: the page's, then the fetch's (:data:`FETCH_FIELDS`)."""
        return [name for declared in cls.page_fields for name in declared.record_fields] + list(FETCH_FIELDS)

    @classmethod
    def covered_fields(cls) -> tuple[str, ...]:
        """The fields whose share of records the health report shows."""
        return tuple(declared.name for declared in cls.page_fields if declared.covered)

    @classmethod
    def finding_for(cls, record_field: str) -> str:
        """The declared field whose finding gives ``record_field`` (``posted`` for ``posted_at``); a field of
        the fetch (``capture``) is its own name, which no finding of the page gives."""
        return next(
            (declared.name for declared in cls.page_fields if record_field in declared.record_fields), record_field
        )

    def find_fields(self) -> dict[str, Finding]:
        """Each declared field's finding, in the record's order, by the page's own method for it."""
        return {declared.name: getattr(self, declared.method)() for declared in self.page_fields}


@dataclass(frozen=True)
class Finding:
    """How one field of an article was found: by which rule (``None``: by none), and its raw value.

    ``fallback`` is true when a rule other than the anatomy's own place found it.
    """

    rule: str | None
    value: Any = None
    fallback: bool = False


def findings_problems(findings: dict[str, Finding], fields: tuple[PageField, ...], url: str) -> list[Problem]:
    """Fields found by no rule, or only by a fallback, as problems: the crawl says what it missed."""
    required = {declared.name for declared in fields if declared.required}
    problems = []
    for name, finding in findings.items():
        if finding.rule is None and name in required:
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
