"""Layering of the package (issue 14): no import cycles, no upward imports.

The layers are the steps of the pipeline, lowest first (docs/architecture.md). A module may
import from its own layer or a lower one, at module level or inside a function: a
function-level import of a higher layer is an upward dependency all the same, and hides a
cycle. Each module must also import on its own, in a fresh interpreter.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "posture"

#: Lowest first. A module belongs to the first entry whose name equals it or is a dotted
#: prefix of it; ``posture`` itself (the package) is in the base layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    # base: data types, units, wording and the metric list every stage shares
    ("posture", "posture.errors", "posture.landmarks", "posture.track", "posture.results",
     "posture.jsonsafe", "posture.wording", "posture.options", "posture.geometry",
     "posture.metrics.registry", "posture.metrics.__init__"),
    ("posture.io",),
    ("posture.pose",),
    ("posture.signal",),
    ("posture.camera",),
    ("posture.gait",),
    ("posture.metrics",),
    ("posture.analysis",),
    ("posture.pipeline",),
    ("posture.stats",),
    ("posture.findings",),
    ("posture.report",),
    ("posture.session", "posture.history"),
    ("posture.batch",),
    ("posture.live",),
    ("posture.cli", "posture.synth"),
)


@functools.cache
def module_names() -> tuple[str, ...]:
    out = []
    for p in sorted(PACKAGE.rglob("*.py")):
        parts = p.relative_to(ROOT).with_suffix("").parts
        out.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return tuple(out)


def layer_of(module: str) -> int:
    best, best_len = None, -1
    for k, names in enumerate(LAYERS):
        for name in names:
            if name.endswith(".__init__"):
                hit = module == name.removesuffix(".__init__")
            else:
                hit = module == name or module.startswith(name + ".")
            if hit and len(name) > best_len:
                best, best_len = k, len(name)
    if best is None:
        raise AssertionError(f"{module} is in no layer; add it to LAYERS")
    return best


@functools.cache
def imports_of(module: str) -> frozenset[str]:
    """Every ``posture`` module this module imports, at any level of its code."""
    rel = Path(*module.split("."))
    path = ROOT / rel.with_suffix(".py")
    if not path.exists():
        path = ROOT / rel / "__init__.py"
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    known = set(module_names())
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "posture"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                pkg = module.split(".") if is_pkg else module.split(".")[:-1]
                pkg = pkg[:len(pkg) - node.level + 1]
                base = ".".join([*pkg, base] if base else pkg)
            if base.split(".")[0] != "posture":
                continue
            for a in node.names:  # "from posture.x import y": y may be a module
                sub = f"{base}.{a.name}"
                found.add(sub if sub in known else base)
    return frozenset(found - {module})


def test_every_module_has_a_layer() -> None:
    for m in module_names():
        layer_of(m)


def test_no_upward_imports() -> None:
    bad = [f"{m} (layer {layer_of(m)}) imports {d} (layer {layer_of(d)})"
           for m in module_names() for d in sorted(imports_of(m))
           if layer_of(d) > layer_of(m)]
    assert not bad, "\n".join(bad)


def test_no_import_cycles() -> None:
    nodes = set(module_names())
    graph = {m: {d for d in imports_of(m) if d in nodes} for m in nodes}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            # a package's __init__ importing its own submodules is not a cycle of design
            if d.startswith(m + "."):
                continue
            if state.get(d) == 1:
                cycle = [*stack[stack.index(d):], d]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_checks_see_function_level_imports() -> None:
    """The helpers see function-level and relative imports (so the tests above can fail)."""
    assert layer_of("posture.camera.roll") < layer_of("posture.gait.events")
    assert "posture.camera.roll" in imports_of("posture.analysis.frontal")
    assert "posture.analysis.side" in imports_of("posture.pipeline")


def test_each_module_imports_on_its_own() -> None:
    """Every module imported first, alone, in one fresh interpreter per run: the posture
    modules loaded before are dropped from ``sys.modules`` each time, so no module relies on
    another having been imported first (third-party packages stay loaded, for speed)."""
    script = """
import importlib, json, sys, traceback
failed = {}
for name in json.loads(sys.argv[1]):
    for loaded in [m for m in sys.modules if m == "posture" or m.startswith("posture.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed[name] = traceback.format_exc(limit=3)
print(json.dumps(failed))
"""
    names = [m for m in module_names() if not m.startswith("posture.synth")]
    out = subprocess.run([sys.executable, "-c", script, json.dumps(names)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-2000:]
    failed = json.loads(out.stdout.strip().splitlines()[-1])
    assert not failed, "\n".join(f"{k}:\n{v}" for k, v in failed.items())


def test_architecture_doc_matches_the_package() -> None:
    """docs/architecture.md names every folder of the package and only files that exist."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    missing = {f for f in folders if f"`{f}/`" not in text}
    assert not missing, f"folders not described: {sorted(missing)}"
    for rel in set(re.findall(r"`?(posture/[\w/]+\.py)`?", text)):
        assert (ROOT / rel).exists(), rel
    for rel in set(re.findall(r"\b((?:io|pose|signal|camera|gait|metrics|analysis|stats|"
                              r"findings|report)/\w+\.py)", text)):
        assert (PACKAGE / rel).exists(), rel
