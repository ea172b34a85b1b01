"""Architecture: the layer rules of DESIGN.md §1, read from the source with `ast`.

Imports point one way only:

    resources  → errors, units (and itself)
    machines   → resources, errors
    controllers↛ engine, io, testing, cli, api
    network    ↛ engine, controllers, io
    invariants ↛ engine, io
    engine     ↛ io, and no yaml
    core (everything but testing/ and the CLI) ↛ testing
    yaml only inside kstate/io; no unsafe yaml loading anywhere
    controllers are pure: no randomness, clocks, or I/O
    kstate/io: no module over 800 lines, no import circle among its modules

Every import counts, including those inside functions (a lazy import is
still a dependency). Each rule is also run on a planted violation, so a
checker that stopped seeing imports would fail here too.
"""
from __future__ import annotations

import ast
import os
from typing import Callable, Iterable, Optional

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKG = os.path.join(ROOT, "kstate")

#: the modules that form the CLI (allowed to import anything, even testing).
CLI = ("kstate.cli", "kstate.__main__")


# ---------------------------------------------------------------- reading the tree


def module_name(path: str) -> str:
    rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
    return rel[:-len(".__init__")] if rel.endswith(".__init__") else rel


def read_tree(root: str = PKG) -> dict[str, tuple[str, str]]:
    """module name → (path, source) for every .py file under kstate/."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for f in sorted(filenames):
            if f.endswith(".py"):
                p = os.path.join(dirpath, f)
                with open(p, encoding="utf-8") as fh:
                    out[module_name(p)] = (p, fh.read())
    return out


def is_package(name: str, modules: Iterable[str]) -> bool:
    return any(m.startswith(name + ".") for m in modules)


def imports_of(name: str, source: str, modules: Iterable[str]) -> set[str]:
    """Every module `name` imports (absolute dotted names; `from a import b`
    gives a.b when a.b is a module of the tree, else a)."""
    modules = set(modules)
    package = name if is_package(name, modules) else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:
                sub = f"{mod}.{a.name}"
                out.add(sub if sub in modules else mod)
    return out


def within(mod: str, layer: str) -> bool:
    return mod == layer or mod.startswith(layer + ".")


# ---------------------------------------------------------------- the rules


Rule = Callable[[str, set], list]


def _only(layer: str, allowed: tuple) -> Rule:
    def check(name: str, imported: set) -> list:
        if not within(name, layer):
            return []
        return [m for m in sorted(imported) if within(m, "kstate") and not any(within(m, a) for a in allowed)]
    return check


def _never(layer: str, forbidden: tuple) -> Rule:
    def check(name: str, imported: set) -> list:
        if not within(name, layer):
            return []
        return [m for m in sorted(imported) if any(within(m, f) for f in forbidden)]
    return check


def _core_never_testing(name: str, imported: set) -> list:
    if within(name, "kstate.testing") or name in CLI:
        return []
    return [m for m in sorted(imported) if within(m, "kstate.testing")]


def _yaml_only_in_io(name: str, imported: set) -> list:
    if within(name, "kstate.io"):
        return []
    return [m for m in sorted(imported) if within(m, "yaml")]


RULES: dict[str, Rule] = {
    "resources imports only errors, units and itself":
        _only("kstate.resources", ("kstate.resources", "kstate.errors", "kstate.units")),
    "machines imports only resources and errors":
        _only("kstate.machines", ("kstate.machines", "kstate.resources", "kstate.errors")),
    "controllers do not import engine, io, testing, cli or api":
        _never("kstate.controllers", ("kstate.engine", "kstate.io", "kstate.testing", "kstate.cli", "kstate.api",
                                      "kstate.__main__")),
    "network does not import engine, controllers or io":
        _never("kstate.network", ("kstate.engine", "kstate.controllers", "kstate.io")),
    "engine imports no controller, kind, index, io or network module":
        _only("kstate.engine", ("kstate.engine", "kstate.controllers.actions", "kstate.machines", "kstate.registry",
                                "kstate.resources", "kstate.errors", "kstate.units")),
    "registry imports only errors and resources":
        _only("kstate.registry", ("kstate.registry", "kstate.errors", "kstate.resources")),
    "invariants do not import engine or io":
        _never("kstate.invariants", ("kstate.engine", "kstate.io")),
    "engine does not import io or yaml":
        _never("kstate.engine", ("kstate.io", "yaml")),
    "the core does not import kstate.testing": _core_never_testing,
    "only kstate.io imports yaml": _yaml_only_in_io,
}

#: yaml entry points that build arbitrary Python objects (or do by default).
UNSAFE_YAML = ("load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all")
#: modules a pure controller must not use (randomness, clocks, I/O, processes).
IMPURE_MODULES = ("random", "secrets", "uuid", "time", "os", "io", "socket", "subprocess", "threading",
                  "multiprocessing", "asyncio", "urllib", "http", "logging", "pathlib", "shutil", "tempfile")
IMPURE_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
                ("time", "time"), ("time", "monotonic"), ("time", "perf_counter"), ("time", "sleep")}
IMPURE_BUILTINS = ("open", "input", "print", "exec", "eval", "breakpoint")


def layer_violations(tree: dict[str, tuple[str, str]]) -> list[str]:
    out = []
    names = set(tree)
    for name in sorted(tree):
        imported = imports_of(name, tree[name][1], names)
        for label, rule in RULES.items():
            for m in rule(name, imported):
                out.append(f"{name} imports {m}: violates '{label}'")
    return out


def _dotted(node: ast.AST) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def unsafe_yaml_calls(tree: dict[str, tuple[str, str]]) -> list[str]:
    out = []
    for name, (_path, source) in sorted(tree.items()):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                d = _dotted(node.func) or ""
                if d.split(".")[0] == "yaml" and d.split(".")[-1] in UNSAFE_YAML:
                    out.append(f"{name}:{node.lineno}: {d}(...)")
            elif isinstance(node, ast.ImportFrom) and node.module == "yaml":
                bad = [a.name for a in node.names if a.name in UNSAFE_YAML]
                if bad:
                    out.append(f"{name}:{node.lineno}: from yaml import {', '.join(bad)}")
    return out


def impurities(tree: dict[str, tuple[str, str]], layer: str = "kstate.controllers") -> list[str]:
    out = []
    for name, (_path, source) in sorted(tree.items()):
        if not within(name, layer):
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] in IMPURE_MODULES:
                        out.append(f"{name}:{node.lineno}: import {a.name}")
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                root = node.module.split(".")[0]
                if root in IMPURE_MODULES:
                    out.append(f"{name}:{node.lineno}: from {node.module} import ...")
            elif isinstance(node, ast.Call):
                d = _dotted(node.func) or ""
                parts = tuple(d.split("."))
                if len(parts) >= 2 and parts[-2:] in IMPURE_CALLS:
                    out.append(f"{name}:{node.lineno}: {d}()")
                if isinstance(node.func, ast.Name) and node.func.id in IMPURE_BUILTINS:
                    out.append(f"{name}:{node.lineno}: {node.func.id}()")
    return out


#: The most lines a module of kstate/io may have (split it by API group, or
#: by what it owns, before it grows past this).
IO_MAX_LINES = 800


def oversized(tree: dict[str, tuple[str, str]], layer: str = "kstate.io",
              limit: int = IO_MAX_LINES) -> list[str]:
    """The modules of `layer` longer than `limit` lines."""
    out = []
    for name, (_path, source) in sorted(tree.items()):
        n = len(source.splitlines())
        if within(name, layer) and n > limit:
            out.append(f"{name}: {n} lines (at most {limit})")
    return out


def import_cycles(tree: dict[str, tuple[str, str]], layer: str = "kstate.io") -> list[list[str]]:
    """Every import circle among the modules of `layer`: the strongly
    connected components of the import graph with more than one module (or
    a module importing itself), each sorted, in name order."""
    names = set(tree)
    graph = {name: sorted(m for m in imports_of(name, tree[name][1], names) if within(m, layer) and m in names)
             for name in sorted(tree) if within(name, layer)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:        # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return sorted(out)


# ---------------------------------------------------------------- the real tree


@pytest.fixture(scope="module")
def tree():
    t = read_tree()
    assert "kstate.engine.core" in t and "kstate.resources" in t and "kstate.controllers.kubelet" in t
    return t


def test_layers_import_one_way_only(tree):
    assert layer_violations(tree) == []


def test_no_unsafe_yaml_loading(tree):
    assert unsafe_yaml_calls(tree) == []


def test_no_unsafe_yaml_loading_in_tests_or_benchmarks():
    found = []
    for sub in ("tests", "benchmarks"):
        d = os.path.join(ROOT, sub)
        if os.path.isdir(d):
            found += unsafe_yaml_calls(read_tree(d))
    assert found == []


def test_controllers_are_pure(tree):
    assert impurities(tree) == []


def test_io_modules_are_at_most_800_lines(tree):
    assert oversized(tree) == []


def test_io_modules_import_no_circle(tree):
    assert import_cycles(tree) == []


def test_the_cycle_checker_sees_the_io_graph(tree):
    """The io layer's real edges are seen: the dispatch imports the groups,
    the groups the field walker."""
    names = set(tree)
    manifests = imports_of("kstate.io.manifests", tree["kstate.io.manifests"][1], names)
    assert {"kstate.io.core_v1", "kstate.io.apps_v1", "kstate.io.fields"} <= manifests
    apps = imports_of("kstate.io.apps_v1", tree["kstate.io.apps_v1"][1], names)
    assert {"kstate.io.fields", "kstate.io.selectors", "kstate.io.core_v1_pod"} <= apps


def test_the_checker_sees_the_imports_it_should(tree):
    """The import reader really resolves what the engine and the API use."""
    names = set(tree)
    core = imports_of("kstate.engine.core", tree["kstate.engine.core"][1], names)
    assert "kstate.controllers.actions" in core and "kstate.machines" in core and "kstate.registry" in core
    api = imports_of("kstate.api", tree["kstate.api"][1], names)
    assert "kstate.io" in api and "kstate.engine.core" in api
    # a lazy import inside a function counts
    assert "kstate.controllers.kubelet" in api


# ---------------------------------------------------------------- every rule catches a planted violation


PLANTED = {
    "kstate.resources.bad": "from kstate.controllers import scheduler\n",
    "kstate.resources.bad2": "def f():\n    from ..engine import core\n",
    "kstate.machines.bad": "import kstate.network.ipam\n",
    "kstate.controllers.bad": "def f():\n    import kstate.engine.core\n",
    "kstate.controllers.bad2": "from kstate.api import Cluster\n",
    "kstate.network.bad": "from kstate.controllers.scheduler import pod_requests\n",
    "kstate.invariants": "from kstate.io import manifests\n",
    "kstate.engine.bad": "import yaml\n",
    "kstate.engine.bad2": "from kstate import io\n",
    "kstate.engine.bad3": "from kstate.controllers import kubelet\n",
    "kstate.registry": "def f():\n    from kstate.engine import core\n",
    "kstate.api": "from kstate.testing import strategies\n",
    "kstate.units": "import yaml\n",
}


def _planted_tree(real: dict) -> dict:
    t = {name: ("<planted>", src) for name, src in PLANTED.items()}
    for name in real:       # so that `from kstate import io` resolves to a module
        t.setdefault(name, ("<real>", ""))
    return t


def test_every_layer_rule_catches_a_planted_violation(tree):
    found = layer_violations(_planted_tree(tree))
    for label in RULES:
        assert any(label in v for v in found), f"rule {label!r} caught nothing"
    for name in PLANTED:
        assert any(v.startswith(name + " ") for v in found), f"planted {name} not reported"


def test_allowed_imports_are_not_reported(tree):
    ok = {
        "kstate.resources.ok": "from kstate.errors import SpecError\nfrom kstate.units import parse_duration\n"
                               "from . import meta\n",
        "kstate.machines.ok": "from kstate.resources.pod import Pod\nfrom kstate.errors import InvalidTransition\n",
        "kstate.controllers.ok": "from kstate.resources.pod import Pod\nfrom kstate.machines import lifecycle\n",
        "kstate.io.ok": "import yaml\n",
        "kstate.testing.ok": "from kstate.engine.core import Engine\n",
        "kstate.cli": "from kstate.testing import strategies\n",
    }
    t = {name: ("<ok>", src) for name, src in ok.items()}
    for name in tree:
        t.setdefault(name, ("<real>", ""))
    assert layer_violations(t) == []


def test_size_and_cycle_checkers_catch_planted_violations(tree):
    """The shape kstate/io had before it was split by API group: a 2,340-line
    manifests.py importing workloads at its end, which imported manifests'
    helpers back; plus a lazy three-module circle written with relative
    imports. Long modules outside kstate/io and a plain chain are not reported."""
    t = {name: ("<real>", "") for name in tree}
    t.update({
        "kstate.io.manifests": ("<planted>", "x = 1\n" * 2339 + "from kstate.io import workloads\n"),
        "kstate.io.workloads": ("<planted>", "from kstate.io.manifests import _Ctx, _struct\n"),
        "kstate.io.a": ("<planted>", "def f():\n    from . import b\n"),
        "kstate.io.b": ("<planted>", "from .c import g\n"),
        "kstate.io.c": ("<planted>", "import kstate.io.a\n"),
        "kstate.io.d": ("<planted>", "from kstate.io import e\n" + "y = 2\n" * 799),
        "kstate.io.e": ("<planted>", "from kstate.io.names import to_camel\n"),
        "kstate.engine.core": ("<planted>", "z = 3\n" * 2000),
    })
    assert oversized(t) == ["kstate.io.manifests: 2340 lines (at most 800)"]
    assert import_cycles(t) == [["kstate.io.a", "kstate.io.b", "kstate.io.c"],
                                ["kstate.io.manifests", "kstate.io.workloads"]]
    assert import_cycles({"kstate.io.self": ("", "from kstate.io import self\n")}) == [["kstate.io.self"]]


def test_unsafe_yaml_checker_catches_planted_calls():
    t = {"kstate.io.a": ("", "import yaml\nyaml.load(open('x'))\n"),
         "kstate.io.b": ("", "import yaml\ndef f(s):\n    return yaml.full_load(s)\n"),
         "kstate.io.c": ("", "from yaml import load\n"),
         "kstate.io.ok": ("", "import yaml\nyaml.safe_load('a: 1')\nyaml.compose('a')\n")}
    found = unsafe_yaml_calls(t)
    assert [f.split(":")[0] for f in found] == ["kstate.io.a", "kstate.io.b", "kstate.io.c"]


def test_purity_checker_catches_planted_impurities():
    t = {"kstate.controllers.a": ("", "import random\n"),
         "kstate.controllers.b": ("", "import datetime\ndef f():\n    return datetime.datetime.now()\n"),
         "kstate.controllers.c": ("", "from time import monotonic\n"),
         "kstate.controllers.d": ("", "def f():\n    return open('/etc/hosts').read()\n"),
         "kstate.controllers.ok": ("", "import hashlib\nfrom datetime import timedelta\n"),
         "kstate.engine.rng": ("", "import random\n")}
    found = impurities(t)
    assert sorted({f.split(":")[0] for f in found}) == ["kstate.controllers.a", "kstate.controllers.b",
                                                       "kstate.controllers.c", "kstate.controllers.d"]


# ---------------------------------------------------------------- the engine knows no kind


def kind_literals(tree: dict, kinds: Iterable[str], layer: str = "kstate.engine") -> list[str]:
    """String constants (docstrings aside) in `layer` that name a kind."""
    kinds = set(kinds)
    found = []
    for name, (path, source) in sorted(tree.items()):
        if not within(name, layer):
            continue
        root = ast.parse(source)
        docstrings = {id(n.body[0].value) for n in ast.walk(root)
                      if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(root):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and node.value in kinds:
                found.append(f"{name}:{node.lineno}: {node.value!r}")
    return found


def _kind_names() -> set[str]:
    import kstate  # noqa: F401  (registers the built-in kinds)
    from kstate.registry import REGISTRY
    return set(REGISTRY.kinds)


def test_the_engine_names_no_kind(tree):
    """Kinds and watches live in their own modules and the registry; the
    engine loops over what they declare."""
    assert kind_literals(tree, _kind_names()) == []


def test_kind_literal_checker_catches_a_planted_one():
    t = {"kstate.engine.bad": ("", '"""Pod docstrings are fine."""\nif kind == "Pod":\n    pass\n'),
         "kstate.engine.ok": ("", 'x = "Podcast"\n')}
    assert kind_literals(t, {"Pod"}) == ["kstate.engine.bad:2: 'Pod'"]
