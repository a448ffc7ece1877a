"""The structure the code promises (ARCHITECTURE.md), checked on the source itself:

- no import circle between modules of app, core and training;
- core never imports app, training or PySide6; app never imports torch or training;
  core.search never imports core.library; nothing in core imports torch outside
  core/model (the engine loads the network through core.model, lazily) but the indexing
  job's thread budget;
- SQL is written only in core/store;
- no file in app/, core/ or training/ over 400 lines, no function over 60;
- no work item's number in the code, tests, tools or docs.

Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "core", "training")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
SQL = re.compile(r"\b(SELECT\s+\S.*\bFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|"
                 r"CREATE\s+(TABLE|INDEX)|PRAGMA\s+\w+)\b", re.S)


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for p in (ROOT / pkg).rglob("*.py"):
            parts = list(p.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = p
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str, hints: bool = False) -> set[str]:
    """Every module ``name`` imports (absolute names; ``from pkg import sub`` means pkg.sub
    when sub is a module), from any level of the file except ``if TYPE_CHECKING:`` (unless
    ``hints``)."""
    tree = ast.parse(MODULES[name].read_text())
    out: set[str] = set()
    skip: set[int] = set()
    for node in ast.walk(tree):
        if (not hints and isinstance(node, ast.If)
                and "TYPE_CHECKING" in ast.unparse(node.test)):
            skip |= {id(n) for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if _is_package(name) else name.split(".")[:-1]
                here = here[:len(here) - node.level + 1]
                base = ".".join(here + ([base] if base else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.add(sub if sub in MODULES else base)
    return out


GRAPH = {m: {i for i in _imports(m) if i in MODULES and i != m} for m in MODULES}


def _cycles(graph: dict[str, set[str]] = GRAPH) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _importers(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for m in MODULES:
        if m == prefix or m.startswith(prefix + "."):
            for i in _imports(m):
                if any(i == f or i.startswith(f + ".") for f in forbidden):
                    bad.append(f"{m} imports {i}")
    return sorted(bad)


def test_no_import_circles_in_app_and_core() -> None:
    assert [c for c in _cycles() if not c[0].startswith("training")] == []


def test_no_import_circles_in_the_window_even_through_type_hints() -> None:
    """The window's parts (controllers, services, widgets, dialogs) do not refer to each
    other in a circle, not even through the imports type hints need; and none of them
    knows the main window: it wires them, they never reach back into it."""
    gui = [m for m in MODULES if m.startswith("app.gui")]
    graph = {m: {i for i in _imports(m, hints=True) if i in gui and i != m} for m in gui}
    assert _cycles(graph) == []
    knows_window = sorted(m for m in gui if "app.gui.main_window" in graph[m]
                          and m not in ("app.gui", "app.gui.main_window"))
    assert knows_window == []


def test_the_main_window_only_wires() -> None:
    """main_window.py builds the parts and connects them: every method short, no state of
    its own beyond the parts (no model, view or result kept by the window itself)."""
    tree = ast.parse(MODULES["app.gui.main_window"].read_text())
    long = [f"{n.name}: {n.end_lineno - n.lineno + 1}" for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef) and n.end_lineno - n.lineno + 1 > 45
            and n.name not in ("__init__", "_connect")]
    assert long == []
    owned = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert not owned & {"ResultsModel", "ResultsView", "ResultsSections", "ResultsSummary",
                         "TileDelegate"}


def test_no_import_circles_in_training() -> None:
    assert [c for c in _cycles() if c[0].startswith("training")] == []


@pytest.mark.parametrize("layer,forbidden", [
    ("core", ("app", "training", "PySide6")),
    ("app", ("torch", "torchaudio", "training")),
    ("core.search", ("core.library",)),
    ("core.store", ("core.library", "core.search", "core.tagging", "core.model")),
    ("core.media", ("core.library", "core.search", "core.tagging", "core.store", "torch")),
])
def test_layers(layer: str, forbidden: tuple[str, ...]) -> None:
    assert _importers(layer, forbidden) == []


def test_torch_only_in_core_model() -> None:
    """The network is the only part of core that needs torch; the indexing job's thread
    budget (core/library/threads.py) sets torch's thread count for its own thread."""
    bad = [b for b in _importers("core", ("torch", "torchaudio"))
           if not b.startswith(("core.model", "core.library.threads "))]
    assert bad == []


def test_sql_only_in_core_store() -> None:
    bad = []
    for m, p in MODULES.items():
        if m.startswith(("core.store", "training")):
            continue
        for node in ast.walk(ast.parse(p.read_text())):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and SQL.search(node.value)):
                bad.append(f"{p.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


def test_files_and_functions_are_short() -> None:
    long_files, long_functions = [], []
    for p in MODULES.values():
        src = p.read_text()
        if src.count("\n") > MAX_FILE_LINES:
            long_files.append(f"{p.relative_to(ROOT)}: {src.count(chr(10))} lines")
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long_functions.append(f"{p.relative_to(ROOT)}:{node.lineno} {node.name}: {n}")
    assert long_files == [] and long_functions == []


# Comments, docstrings and docs say what the code does and why; a work item's number (the word
# "issue" or "stop" and a number) means nothing to a reader of the code.
HISTORY = re.compile(r"\b(issue|stop) [0-9]+", re.IGNORECASE)
PROSE_DIRS = ("app", "core", "training", "tests", "tools", "benchmarks", "installers", "docs")
PROSE_SUFFIXES = {".py", ".md", ".sh", ".ps1", ".spec", ".toml", ".txt", ".desktop", ".xml",
                  ".cfg", ".ini", ""}


def _history_mentions(root: Path) -> list[str]:
    found = []
    for top in PROSE_DIRS:
        for path in sorted((root / top).rglob("*")):
            if not path.is_file() or path.suffix not in PROSE_SUFFIXES or "__pycache__" in path.parts:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for n, line in enumerate(text.splitlines(), 1):
                if HISTORY.search(line):
                    found.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    return found


def test_no_work_item_numbers_in_code_or_docs() -> None:
    assert _history_mentions(ROOT) == []


def test_work_item_numbers_are_found(tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    line = "x = 1  # faster since " + "Stop" + " 21"
    (tmp_path / "core" / "a.py").write_text(line + "\n# issues 3 and 4\n")
    assert _history_mentions(tmp_path) == ["core/a.py:1: " + line]
