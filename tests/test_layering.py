"""The package's architecture, checked from its source: no import cycle, layers point down,
the bottom layers import no numpy, and one place names the coders (STYLE.md, habits 1, 11).

The import graph is read with ``ast`` from every module under entropycodec/, imports inside
functions included (a function-level import hides a cycle from the interpreter, not from a
reader). An edge goes to the module an import names: ``import a.b.c`` and ``from a.b import
c`` (c a submodule) to ``a.b.c``; ``from a.b import name`` to ``a.b`` -- or, when ``a.b``
is a lazy package (PEP 562, a ``_EXPORTS`` dict of strings), to the submodule that defines
``name``. The parent packages every import also runs are not edges, and neither are
``importlib.import_module`` strings nor the ``_EXPORTS`` entries themselves.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import entropycodec
from entropycodec.coders import CODERS

PACKAGE_DIR = Path(entropycodec.__file__).resolve().parent
PACKAGE = "entropycodec"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULE_FILES = {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8"), str(path))
         for name, path in MODULE_FILES.items()}


def _is_package(name: str) -> bool:
    return MODULE_FILES[name].name == "__init__.py"


def _lazy_exports(name: str) -> dict[str, str]:
    """A lazy package's ``_EXPORTS = {"public name": "submodule", ...}`` (absolute names)."""
    for node in TREES[name].body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "_EXPORTS"
                and isinstance(node.value, ast.Dict)):
            exports = ast.literal_eval(node.value)
            return {k: f"{name}.{v}" if v else name for k, v in exports.items()}
    return {}


LAZY = {name: _lazy_exports(name) for name in MODULE_FILES if _is_package(name)}


def _resolve_from(module: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from X import ...`` names, relative imports resolved."""
    if not node.level:
        return node.module
    package = module if _is_package(module) else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _edges(module: str):
    """(imported package module, line) for every import in ``module``, at any depth."""
    for node in ast.walk(TREES[module]):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULE_FILES:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _resolve_from(module, node)
            if target not in MODULE_FILES:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULE_FILES:  # from package import submodule
                    yield sub, node.lineno
                elif alias.name in LAZY.get(target, {}):  # a lazy package's name
                    yield LAZY[target][alias.name], node.lineno
                else:
                    yield target, node.lineno


GRAPH = {m: sorted({t for t, _ in _edges(m) if t != m}) for m in MODULE_FILES}


def test_the_graph_sees_the_package():
    assert {"entropycodec.errors", "entropycodec.coders", "entropycodec.coders.cm.codec",
            "entropycodec.cli.main", "entropycodec.container.format"} <= set(MODULE_FILES)
    # a function-level import and a relative one are seen (the registry imports errors lazily)
    assert "entropycodec.errors" in GRAPH["entropycodec.coders"]
    assert "entropycodec.coders.cm.codec" in GRAPH["entropycodec.coders.cm"]


def test_edges_resolve_every_form_of_import(monkeypatch):
    source = """
import numpy as np
import entropycodec.container.format
from . import counts
from .protocol import MAX_SCALE_BITS
from ..errors import ModelError
from entropycodec.models import FrequencyTable


def later():
    from ..coders import huffman, CODERS
    from entropycodec import compress
"""
    monkeypatch.setitem(TREES, "entropycodec.models.static", ast.parse(source))
    assert sorted(_edges("entropycodec.models.static")) == [
        ("entropycodec.api", 12),  # a lazy package's name: the module that defines it
        ("entropycodec.coders", 11),
        ("entropycodec.coders.huffman", 11),
        ("entropycodec.container.format", 3),
        ("entropycodec.errors", 6),
        ("entropycodec.models.counts", 4),
        ("entropycodec.models.counts", 7),
        ("entropycodec.models.protocol", 5),
    ]


def _find_cycle(graph: dict) -> list[str] | None:
    """One cycle [a, b, ..., a] of ``graph``, or None (depth-first search, three colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_find_cycle_finds_one():
    assert _find_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": ["b", "c"], "b": ["c"], "c": []}) is None


def test_no_import_cycle():
    cycle = _find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


# -- layers ------------------------------------------------------------------------------

#: (module or package prefix, layer), bottom up. A module's layer is its longest prefix's.
LAYERS = {
    "entropycodec.errors": 0,
    "entropycodec.lazy": 0,  # PEP 562 helper of the lazy packages; imports nothing of ours
    "entropycodec.measures": 1,
    "entropycodec.alphabet": 1,
    "entropycodec.models": 2,
    "entropycodec.coders": 3,
    "entropycodec.container": 4,
    "entropycodec.sequence": 5,
    "entropycodec.report": 5,
    "entropycodec.api": 5,
    "entropycodec.views": 5,  # notebook views of the report (and of experiment results)
    "entropycodec.numcodecs": 6,  # the numcodecs/Zarr codec: built on api and the container
    "entropycodec.experiments": 6,
    "entropycodec.dask": 6,  # the Dask path: container, api and the corpus experiment, on a cluster
    "entropycodec.cli": 7,
}
EXEMPT = {"entropycodec", "entropycodec.__main__"}  # the lazy front door and `python -m`


def _layer(module: str) -> int | None:
    best = None
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, layer)
    return None if best is None else best[1]


def test_every_module_has_a_layer():
    missing = [m for m in MODULE_FILES if m not in EXEMPT and _layer(m) is None]
    assert not missing, f"give these modules a layer in LAYERS: {missing}"


def test_layers_point_down():
    upward = [
        f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)}) at line {line}"
        for m in MODULE_FILES if m not in EXEMPT
        for t, line in _edges(m) if t not in EXEMPT and _layer(t) > _layer(m)
    ]
    assert not upward, "imports that point up:\n" + "\n".join(upward)


def test_nothing_below_the_front_door_imports_it():
    """``from entropycodec import x`` inside the package hides which layer x comes from."""
    found = [f"{m}: line {line}" for m in MODULE_FILES if m not in EXEMPT
             for t, line in _edges(m) if t == PACKAGE]
    assert not found, "import the defining module instead:\n" + "\n".join(found)


# -- what the bottom layers cost to import -------------------------------------------------

def _run_and_list_modules(code: str) -> tuple[str, set[str]]:
    """What ``code`` prints in a fresh interpreter, and the top-level names in sys.modules
    after it (printed on the last line)."""
    probe = code + ("\nimport sys\nprint()\n"
                    "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120)
    printed, _, modules = out.stdout.rstrip("\n").rpartition("\n")
    return printed, set(modules.split())


@pytest.mark.parametrize("code, heavy", [
    ("import entropycodec.container.format", {"numpy", "numba"}),
    ("import entropycodec.coders", {"numpy", "numba"}),
    ("import entropycodec.models.protocol", {"numpy", "numba"}),
    ("import entropycodec", {"numpy", "numba", "click"}),
], ids=["container.format", "coders", "models.protocol", "entropycodec"])
def test_light_imports(code, heavy):
    _, loaded = _run_and_list_modules(code)
    assert "entropycodec" in loaded  # the probe ran
    assert not heavy & loaded, f"{code!r} imports {sorted(heavy & loaded)}"


def test_help_imports_no_numpy():
    printed, loaded = _run_and_list_modules(
        "from entropycodec.cli.main import cli\n"
        "cli.main(['--help'], prog_name='entropycodec', standalone_mode=False)")
    assert printed.startswith("Usage: entropycodec") and "compress" in printed
    assert not {"numpy", "numba"} & loaded, sorted({"numpy", "numba"} & loaded)


# -- one place names the coders ------------------------------------------------------------

CODER_NAMES = set(CODERS)
REGISTRY = "entropycodec.coders"


def _coder_name_literals():
    """(module, line, names) for every tuple, list or set display holding three or more
    coder names as string constants, outside the registry."""
    for module, tree in TREES.items():
        if module == REGISTRY:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                names = [e.value for e in node.elts
                         if isinstance(e, ast.Constant) and e.value in CODER_NAMES]
                if len(names) >= 3:
                    yield module, node.lineno, names


def test_one_place_names_the_coders():
    found = [f"{MODULE_FILES[m].relative_to(PACKAGE_DIR.parent)}:{line}: {names}"
             for m, line, names in _coder_name_literals()]
    assert not found, "read the coder names from entropycodec.coders instead:\n" + "\n".join(found)
