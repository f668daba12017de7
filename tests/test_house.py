"""Habits that keep the house small: checked on every run of the tests, not left to a reviewer."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

MOST_METHODS = 15  # a class with more does more than one job: split it by concern


def classes_with_too_many_methods() -> list[str]:
    found = []
    for path in sorted((ROOT / "vok_crawler").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                methods = [m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
                if len(methods) > MOST_METHODS:
                    found.append(f"{path.relative_to(ROOT)}: {node.name} has {len(methods)} methods")
    return found


def test_no_class_has_more_than_15_methods():
    assert classes_with_too_many_methods() == []
