"""The import rule of docs/architecture.md: pure libraries stay pure, layers import downwards, no cycles."""

from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "crawler"
# Pure package -> the packages of ours it may import (besides itself).
PURE = {
    "web": set(),
    "workers": {"web"},
    "extract": {"web", "discovery", "workers"},  # the analysis task applies discovery's requisite rules
    "archive": {"web"},
    "discovery": {"web"},
    "jobs": {"web", "archive"},
    "fixtures": {"web", "extract", "jobs"},  # a fixture check shows its differences as article versions do
    "report": {"web", "archive", "extract", "jobs"},
    "demo": set(),
}
COMMANDS = {"commands", "cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@functools.cache  # four tests read every module's imports: parse each file once
def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported crawler module, at module level?) for every import of ours in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name == "crawler" or name.startswith("crawler."):
                found.append((name, id(node) in top_level))
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def resolve(name: str, known: dict[str, Path]) -> str | None:
    """The module an import name refers to (a `from pkg import name` may name a module or an attribute)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def test_pure_packages_import_only_what_the_rule_allows():
    known = modules()
    wrong = []
    for module, path in known.items():
        here = layer(module)
        if here not in PURE:
            continue
        for name, _ in imports(path):
            target = resolve(name, known)
            there = layer(target) if target else ""
            if target and target != "crawler" and there != here and there not in PURE[here]:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_scrapy_layer_never_imports_commands():
    known = modules()
    wrong = [
        f"{module} imports {name}"
        for module, path in known.items()
        if layer(module) not in PURE and layer(module) not in COMMANDS
        for name, _ in imports(path)
        if layer(name) in COMMANDS
    ]
    assert wrong == []


def test_no_import_of_ours_inside_a_function():
    wrong = [
        f"{module} imports {name} inside a function"
        for module, path in modules().items()
        for name, top in imports(path)
        if not top
    ]
    assert wrong == []


def test_no_import_cycles():
    known = modules()
    graph = {m: {t for n, top in imports(p) if top and (t := resolve(n, known)) and t != m} for m, p in known.items()}
    # A package's modules import its __init__ implicitly; that edge is not a cycle of ours.
    for module in graph:
        graph[module] = {t for t in graph[module] if not module.startswith(t + ".")}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target) :] + [target]))
            elif target not in state:
                visit(target, stack + [target])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


# Lowest first, each after the pure packages it may import: scrapy or twisted pulled in by a module is seen
# when that module's own package is imported.
LOAD_ORDER = ["web", "workers", "demo", "discovery", "archive", "extract", "jobs", "fixtures", "report"]
assert sorted(LOAD_ORDER) == sorted(PURE)

# One interpreter imports the pure packages in turn: after each, the scrapy and twisted modules it loaded
# (or its import error); those are then dropped from sys.modules, so a later package importing them
# loads them again and is seen too. One interpreter's start-up and shared imports instead of eight.
LOAD_CHECK = """\
import importlib, json, sys
found = {}
for package, names in json.loads(sys.argv[1]):
    try:
        for name in names:
            importlib.import_module(name)
    except Exception as exc:
        found[package] = f"{name}: {type(exc).__name__}: {exc}"
        continue
    bad = sorted(m for m in sys.modules if m.split(".")[0] in ("scrapy", "twisted"))
    found[package] = sorted({m.split(".")[0] for m in bad})
    for name in bad:
        del sys.modules[name]
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def loaded_without_scrapy():
    known = modules()
    plan = [(package, [m for m in known if layer(m) == package]) for package in LOAD_ORDER]
    result = subprocess.run(
        [sys.executable, "-c", LOAD_CHECK, json.dumps(plan)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("package", sorted(PURE))
def test_pure_package_loads_without_scrapy_or_twisted(package, loaded_without_scrapy):
    assert loaded_without_scrapy[package] == []


def test_reextract_never_imports_the_indexer():
    """Reextract's processes only read: cdxj-indexer (and its pkg_resources) cost each of them 0.15 s of start-up."""
    code = (
        "import sys, crawler.commands.reextract\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'cdxj_indexer', 'surt', 'pyamf'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


# Imported by the layers that need them only: browser mode (scrapy-playwright), WACZ packaging (py-wacz),
# and the extraction library with what it imports, which only the crawl's analysis workers need.
OPTIONAL_LAYERS = {"scrapy_playwright", "playwright", "wacz", "frictionless", "trafilatura", "htmldate", "bs4"}


@pytest.mark.e2e  # runs a crawl in a subprocess
def test_a_plain_crawl_never_imports_browser_mode_wacz_packaging_or_extraction(demo_server, tmp_path):
    code = (
        "import sys\n"
        "from crawler.cli import main\n"
        "code = main(sys.argv[1:])\n"
        f"top = {{m.split('.')[0] for m in sys.modules}} & {OPTIONAL_LAYERS!r}\n"
        "ours = {m for m in sys.modules if m == 'crawler.extract' or m.startswith('crawler.extract.')}\n"
        "print('imported:', sorted(top | ours))\n"
        "sys.exit(code)\n"
    )
    args = ["crawl", demo_server.url + "/", "--job", "plain", "--output", str(tmp_path), "--max-pages", "5"]
    result = subprocess.run(
        [sys.executable, "-c", code, *args, "--log-level", "WARNING"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert list((tmp_path / "plain").glob("*.warc.gz")) and (tmp_path / "plain" / "index.cdxj").exists()
    records = (tmp_path / "plain" / "records.jsonl").read_text().splitlines()
    assert records and all('"title"' in line for line in records)  # extracted, in the workers
    assert result.stdout.splitlines()[-1] == "imported: []"
