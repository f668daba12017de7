"""Habits that keep the house small and its floors visible: checked on every run of the tests, not left to a reviewer."""

from __future__ import annotations

import ast
import shutil
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

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


# The layers, each importing only downward; the top level (settings, the item, stats keys, errors, finish
# reasons) is shared by all and imports no layer. tools/ reads a corpus offline: never the crawl.
MAY_IMPORT = {
    "top": {"top"},
    "site": {"top", "site"},
    "store": {"top", "site", "store"},
    "crawl": {"top", "site", "store", "crawl"},
    "tools": {"top", "site", "store", "tools"},
    "commands": {"top", "site", "store", "crawl", "tools", "commands"},
}
# What a layer below the crawl must not import at all: the Scrapy run (and what drives it), and for site/,
# the means of opening files (what KCNA Watch is, read from markup alone).
SCRAPY_RUN = ("scrapy", "twisted", "scrapy_playwright", "playwright")
FILES = ("os", "io", "pathlib", "shutil", "tempfile", "fcntl")
NEVER_IMPORTS = {"top": SCRAPY_RUN, "site": SCRAPY_RUN + FILES, "store": SCRAPY_RUN}


def layer_of(module: str) -> str:
    """``vok_crawler.site.pages.article`` is in ``site``; a module of the package's top level is in ``top``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else "top"


def imports_of(root: Path, path: Path, module: str) -> list[tuple[int, str]]:
    """Every module ``path`` imports (in functions and ``TYPE_CHECKING`` blocks too), with its line.

    ``from PACKAGE import NAME`` names the module ``PACKAGE.NAME`` when ``PACKAGE`` is a package of ``root``.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package up
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], *filter(None, [base])]
                )
            is_package = (root / base.replace(".", "/")).is_dir()
            found += [(node.lineno, f"{base}.{alias.name}" if is_package else base) for alias in node.names]
    return list(dict.fromkeys(found))


def layer_problems(root: Path) -> list[str]:
    """Each import that goes up or sideways where it must not, and each the layer never makes."""
    problems = []
    for path in sorted((root / "vok_crawler").rglob("*.py")):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        layer = layer_of(module)
        for line, imported in imports_of(root, path, module):
            where = f"{path.relative_to(root)}:{line}"
            if imported.split(".")[0] == "vok_crawler":
                if layer_of(imported) not in MAY_IMPORT[layer]:
                    problems.append(f"{where}: {layer} imports {imported} ({layer_of(imported)})")
            elif imported.split(".")[0] in NEVER_IMPORTS.get(layer, ()):
                problems.append(f"{where}: {layer} imports {imported}")
        if layer == "site":
            problems += [
                f"{path.relative_to(root)}:{node.lineno}: site opens a file"
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open"
            ]
    return problems


def test_the_layers_import_only_downward():
    assert layer_problems(ROOT) == []


def test_the_layer_check_sees_an_upward_import_a_sideways_one_and_scrapy_below_the_crawl(tmp_path):
    """The check itself, on a copy of the package with three wrong imports added: it names each."""
    shutil.copytree(ROOT / "vok_crawler", tmp_path / "vok_crawler", ignore=shutil.ignore_patterns("__pycache__"))
    wrong = {
        "site/urls.py": "from vok_crawler.store.paths import CorpusFiles\n",
        "tools/coverage.py": "from ..crawl import memory\n",
        "store/lines.py": "def later():\n    from scrapy.http import Response\n",
    }
    for name, line in wrong.items():
        with (tmp_path / "vok_crawler" / name).open("a", encoding="utf-8") as module:
            module.write(line)
    assert [problem.split(": ", 1)[1] for problem in layer_problems(tmp_path)] == [
        "site imports vok_crawler.store.paths (store)",
        "store imports scrapy.http",
        "tools imports vok_crawler.crawl.memory (crawl)",
    ]


SIBLING_SUFFIXES = (".lock", ".index", ".state.json", ".health.json", ".health.jsonl", ".changes.jsonl", ".report.html")


def is_constant(node: ast.AST, values: Collection[object]) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in values


def is_attribute(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == name


def is_spider(node: ast.AST) -> bool:
    """``spider``, ``crawler.spider``, ``crawler.spidercls``: the spider, or its class."""
    return (isinstance(node, ast.Name) and node.id == "spider") or (
        isinstance(node, ast.Attribute) and node.attr in ("spider", "spidercls")
    )


def imports_module(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name == name for alias in node.names)
    return isinstance(node, ast.ImportFrom) and node.module == name


# What spells a rule that has one definition: a name, a path, a call.
SPELLINGS: list[tuple[str, Callable[[ast.AST], bool]]] = [
    (
        "the name of a file beside the corpus",
        lambda node: (
            is_constant(node, SIBLING_SUFFIXES)
            or (isinstance(node, ast.BinOp) and is_constant(node.right, {"archive"}))
        ),
    ),
    ("robots.txt's path", lambda node: is_constant(node, {"/robots.txt"})),
    ("the gate's URL", lambda node: is_constant(node, {"free-member-form"})),
    ("stopping a crawl", lambda node: is_attribute(node, "close_spider_async")),
    (
        "parsing a page",
        lambda node: (
            is_attribute(node, "fromstring")
            or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Selector")
        ),
    ),
    ("a hook at the process's exit", lambda node: imports_module(node, "atexit")),
    # What a crawl is, the spider publishes once (crawl/context.py): no component asks the spider for a value
    # by its name, knows the crawl by the spider's name, or finds a callback by the method's name.
    (
        "a spider's attribute read by getattr",
        lambda node: (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and bool(node.args)
            and is_spider(node.args[0])
        ),
    ),
    (
        "a crawl known by its spider's name",
        lambda node: (
            isinstance(node, ast.Compare)
            and any(is_attribute(part, "name") and is_spider(part.value) for part in [node.left, *node.comparators])
        ),
    ),
    ("a callback found by its name", lambda node: is_constant(node, {"parse_article", "parse_listing", "road_page"})),
    # What becomes of an article met behind the gate (gated, or pending when a session ran out) has one owner.
    (
        "an article told gated",
        lambda node: (
            isinstance(node, ast.Call)
            and is_attribute(node.func, "tell")
            and any(is_constant(arg, {"gated"}) for arg in node.args)
        ),
    ),
]


def spellings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """What in a module spells a rule that has one definition: each with its line."""
    for node in ast.walk(tree):
        for rule, spells in SPELLINGS:
            if spells(node):
                yield getattr(node, "lineno", 0), rule


# Where each may be spelled: its one definition (and the sample site, a server, answers robots.txt and the gate).
ONE_PLACE = {
    "the name of a file beside the corpus": {"vok_crawler/store/paths.py"},
    "robots.txt's path": {"vok_crawler/crawl/request_urls.py", "vok_crawler/tools/sample_site.py"},
    "the gate's URL": {"vok_crawler/site/urls.py"},
    "stopping a crawl": {"vok_crawler/crawl/stopping.py"},
    "parsing a page": {"vok_crawler/site/parsing.py"},
    "a hook at the process's exit": {"vok_crawler/crawl/extensions.py"},
    "a spider's attribute read by getattr": set(),  # nowhere: what the crawl is, its CrawlContext says
    "a crawl known by its spider's name": set(),  # nowhere: a spider says it reads the site by its class
    "a callback found by its name": set(),  # nowhere: the memory asks the ledger what is an article in flight
    "an article told gated": {"vok_crawler/crawl/session.py"},  # Gates
}


def spelled_twice(root: Path) -> list[str]:
    found = []
    for path in sorted((root / "vok_crawler").rglob("*.py")):
        name = path.relative_to(root).as_posix()
        for line, rule in spellings(ast.parse(path.read_text(encoding="utf-8"))):
            if name not in ONE_PLACE[rule]:
                owner = f"which is {' or '.join(sorted(ONE_PLACE[rule]))}'s" if ONE_PLACE[rule] else "which none does"
                found.append(f"{name}:{line}: {rule}, {owner}")
    return found


def test_each_rule_with_one_definition_is_spelled_there_alone():
    assert spelled_twice(ROOT) == []


def spider_imports(root: Path) -> list[str]:
    """Each import of the spider's package by a component of the crawl (its spiders, and the probe's, aside)."""
    found = []
    for path in sorted((root / "vok_crawler" / "crawl").rglob("*.py")):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        if module.startswith(("vok_crawler.crawl.spiders", "vok_crawler.crawl.probe")):
            continue
        found += [
            f"{path.relative_to(root)}:{line}: imports {imported}"
            for line, imported in imports_of(root, path, module)
            if imported.startswith("vok_crawler.crawl.spiders")
        ]
    return found


def test_no_component_of_the_crawl_imports_its_spider():
    """The spider knows its components, not the other way round: they read what it publishes (``crawl/context.py``)."""
    assert spider_imports(ROOT) == []
