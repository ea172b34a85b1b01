"""Scenario files: a cluster, manifests, a timeline of operations and faults,
and expectations, in one YAML file a user reads top to bottom.

Owns two separate halves:

* the **parser** — `load_scenario(path)` / `parse_scenario(data, source)` turn
  the YAML into a frozen `Scenario`. Every problem is a `SpecError` whose
  `source` is the scenario file and whose `path` is the scenario field
  (`timeline[2].fail-node`, `expect.eventually[0].that[1].path`); errors inside
  a referenced manifest file keep that file as `source` and its Kubernetes
  field path. Manifests, profiles, durations, kinds, invariant names and
  expectation paths are all checked here, so nothing runs if the file is
  invalid.
* the **runner** — `run_scenario(scenario, out=None)` builds a
  `kstate.Cluster`, applies the manifests at t=0, walks simulated time in
  `run.step`s executing the timeline, checks the expectations and returns a
  `RunReport`; it also renders the readable timeline and the final
  `kubectl get pods -o wide` / `kubectl get nodes` tables the CLI prints.

Format (see README.md, "Scenarios"):

    name: crash-loop
    description: ...
    cluster: {nodes: 3, seed: 7, start: "2026-01-01T00:00:00Z", profile: default}
    manifests: [{file: ../manifests/crashloop-pod.yaml}]
    timeline:
      - {at: 45s, fail-node: node-1}
      - {at: 1m, check: [{kind: Pod, name: web, path: status.phase, equals: Running}]}
    expect:
      always: all
      eventually: [{within: 2m, that: [...]}]
      at-end: [...]
    run: {until: 15m, step: 1s}

Expectation paths are evaluated on `to_manifest(obj)` (the Kubernetes JSON
shape): `status.containerStatuses[0].restartCount`, map keys with dots in
brackets (`metadata.annotations[kstate.io/exit-code]`) and list filters
(`status.conditions[type=Ready].status`, the first element whose field equals
the value).
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Optional, TextIO

from kstate.errors import KstateError, SpecError, UnknownFieldError
from kstate.io.manifests import load_documents, load_file, parse_manifests, to_manifest
from kstate.units import format_duration, parse_duration

__all__ = [
    "COMPARATORS", "Condition", "ClusterSpec", "Eventually", "Operation", "OPERATIONS", "Predicate",
    "RunReport", "Scenario", "evaluate", "human_duration", "is_scenario_document", "load_scenario",
    "nodes_table", "parse_scenario", "pod_status", "pods_table", "run_scenario",
]

#: The timeline operations, in the order the README documents them.
OPERATIONS = ("apply", "delete", "add-node", "fail-node", "recover-node", "remove-node", "cordon",
              "uncordon", "drain", "crash-container", "scale", "set-image", "rollout-undo", "rollout-pause",
              "rollout-resume", "rollout-restart", "check")
#: Comparators of an expectation (exactly one per condition or `where` clause).
COMPARATORS = ("equals", "not-equals", "at-least", "at-most", "absent", "exists")
#: Top-level keys that make a YAML document a scenario rather than a manifest.
SCENARIO_KEYS = ("cluster", "manifests", "timeline", "expect", "run")
_TOP_KEYS = ("name", "description") + SCENARIO_KEYS
#: Above this many check points a scenario is refused (raise `run.step`).
MAX_STEPS = 1_000_000


# ======================================================================
# The parsed scenario
# ======================================================================


@dataclass(frozen=True)
class Predicate:
    """`path <comparator> value` on one object's Kubernetes JSON shape."""

    path: tuple            # parsed segments, see _parse_path
    path_text: str
    op: str                # one of COMPARATORS
    value: Any = None

    def describe(self) -> str:
        if self.op in ("absent", "exists"):
            return f"{self.path_text} {self.op}"
        return f"{self.path_text} {self.op} {_show(self.value)}"


@dataclass(frozen=True)
class Condition:
    """One expectation about the cluster.

    Either about a named object (`name` set): the object is absent / exists,
    or `predicate` holds on it; or a count (`count_op`, `count_value`) of the
    objects of `kind` (in `namespace`, or every namespace when None; matching
    `selector`) for which every `where` predicate holds.
    """

    field: str             # where it is in the scenario, e.g. expect.at-end[0]
    kind: str
    name: Optional[str] = None
    namespace: Optional[str] = None
    predicate: Optional[Predicate] = None
    object_op: Optional[str] = None      # "absent" / "exists" about the object itself
    count_op: Optional[str] = None
    count_value: Optional[int] = None
    where: tuple = ()
    selector: Any = None

    def describe(self) -> str:
        if self.name is not None:
            who = f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"
            if self.object_op is not None:
                return f"{who} {self.object_op}"
            return f"{who} {self.predicate.describe()}"
        scope = f" in {self.namespace}" if self.namespace else ""
        sel = f" with labels {_show_selector(self.selector)}" if self.selector is not None else ""
        where = f" where {' and '.join(p.describe() for p in self.where)}" if self.where else ""
        return f"count of {self.kind}{scope}{sel}{where} {self.count_op} {self.count_value}"


@dataclass(frozen=True)
class Operation:
    """One timeline step: `verb` with its parsed `args`, at `at` ms."""

    at: int
    verb: str
    args: Any
    field: str             # timeline[i]
    text: str              # how the timeline prints it: "fail-node node-1"


@dataclass(frozen=True)
class Eventually:
    within: int
    that: tuple            # of Condition, all holding at the same instant
    field: str


@dataclass(frozen=True)
class ClusterSpec:
    nodes: Any             # int, or a tuple of Node resources
    seed: int = 0
    start: str = "2026-01-01T00:00:00Z"
    profile: Any = None    # a kstate Profile
    profile_name: str = "default"


@dataclass(frozen=True)
class Scenario:
    path: str
    name: str
    description: str
    cluster: ClusterSpec
    manifests: tuple       # resources applied at t=0
    manifest_sources: tuple  # how the manifests were given (for printing)
    timeline: tuple        # of Operation, sorted by `at`
    always: Any            # "all", None (none) or a tuple of invariant names
    eventually: tuple      # of Eventually
    at_end: tuple          # of Condition
    until: int
    step: int = 1000

    def with_overrides(self, seed: Optional[int] = None, until: Optional[int] = None) -> "Scenario":
        """The same scenario with another seed and/or run length (the CLI's
        --seed and --until)."""
        out = self
        if seed is not None:
            out = dataclasses.replace(out, cluster=dataclasses.replace(out.cluster, seed=seed))
        if until is not None:
            out = dataclasses.replace(out, until=until)
        return out

    def object_count(self) -> int:
        """Objects the scenario declares: manifests, node manifests and
        timeline applies."""
        n = len(self.manifests)
        if not isinstance(self.cluster.nodes, int):
            n += len(self.cluster.nodes)
        return n + sum(len(op.args[0]) for op in self.timeline if op.verb == "apply")


# ======================================================================
# Parser
# ======================================================================


class _P:
    """Parsing context: the scenario file (errors' source) and its directory
    (what relative `file:` references are relative to)."""

    def __init__(self, source: str, base_dir: str):
        self.source = source
        self.base_dir = base_dir

    def err(self, message: str, path: str) -> SpecError:
        return SpecError(message, path, self.source)

    def unknown(self, path: str) -> SpecError:
        return UnknownFieldError(f'unknown field "{path}"', path, self.source)

    def mapping(self, v: Any, path: str, allowed: tuple, required: tuple = ()) -> dict:
        if not isinstance(v, dict):
            raise self.err(f"Invalid value: {_show(v)}: must be a mapping", path)
        for k in v:
            if k not in allowed:
                raise self.unknown(_join(path, k))
        for k in required:
            if v.get(k) is None:
                raise self.err("Required value", _join(path, k))
        return v

    def string(self, v: Any, path: str, allow_empty: bool = False) -> str:
        if not isinstance(v, str):
            raise self.err(f"Invalid value: {_show(v)}: must be a string", path)
        if not v and not allow_empty:
            raise self.err("Required value", path)
        return v

    def integer(self, v: Any, path: str, minimum: Optional[int] = None) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.err(f"Invalid value: {_show(v)}: must be an integer", path)
        if minimum is not None and v < minimum:
            raise self.err(f"Invalid value: {v}: must be greater than or equal to {minimum}", path)
        return v

    def boolean(self, v: Any, path: str) -> bool:
        if not isinstance(v, bool):
            raise self.err(f"Invalid value: {_show(v)}: must be true or false", path)
        return v

    def duration(self, v: Any, path: str) -> int:
        try:
            return parse_duration(v)
        except SpecError as e:
            raise self.err(f"Invalid value: {e.message}", path) from None

    def file_path(self, v: Any, path: str) -> str:
        rel = self.string(v, path)
        full = os.path.normpath(rel if os.path.isabs(rel) else os.path.join(self.base_dir, rel))
        if not os.path.isfile(full):
            raise self.err(f"Invalid value: {_show(rel)}: file not found ({full})", path)
        return full


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Parse and check a scenario file. Raises SpecError (source = the file)."""
    src = os.fspath(path)
    try:
        with open(src, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise SpecError(f"cannot read file: {exc.strerror or exc}", "", src) from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"file is not UTF-8 text: {exc.reason} at byte {exc.start}", "", src) from None
    docs = load_documents(text, src)
    if len(docs) != 1:
        raise SpecError(f"a scenario file holds exactly one YAML document (found {len(docs)})", "", src)
    return parse_scenario(docs[0], src)


def is_scenario_document(doc: Any) -> bool:
    """True for a mapping that looks like a scenario (top-level `cluster`,
    `manifests`, `timeline`, … and no `kind`)."""
    return isinstance(doc, dict) and "kind" not in doc and any(k in doc for k in SCENARIO_KEYS)


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """A Scenario from already-loaded YAML data; relative file references are
    resolved against the directory of `source`."""
    p = _P(source, os.path.dirname(source) if source and not source.startswith("<") else "")
    if not isinstance(data, dict):
        raise p.err(f"a scenario must be a mapping (got {_kind_of(data)})", "")
    p.mapping(data, "", _TOP_KEYS)

    name = data.get("name")
    if name is None:
        name = os.path.splitext(os.path.basename(source))[0] if source and not source.startswith("<") else "scenario"
    else:
        name = p.string(name, "name")
    description = data.get("description")
    description = "" if description is None else p.string(description, "description", allow_empty=True)

    cluster = _parse_cluster(p, data.get("cluster"))
    manifests, sources = _parse_manifest_items(p, data.get("manifests"), "manifests", allow_missing=True)

    run = data.get("run")
    if run is None:
        raise p.err("Required value: run.until says how long to run", "run")
    p.mapping(run, "run", ("until", "step"), required=("until",))
    until = p.duration(run["until"], "run.until")
    step = 1000 if run.get("step") is None else p.duration(run["step"], "run.step")
    if step <= 0:
        raise p.err("Invalid value: must be greater than 0s", "run.step")
    if until // step > MAX_STEPS:
        raise p.err(f"Invalid value: {format_duration(step)}: {format_duration(until)} in steps of it is more "
                    f"than {MAX_STEPS} steps", "run.step")

    timeline = _parse_timeline(p, data.get("timeline"), until)
    always, eventually, at_end = _parse_expect(p, data.get("expect"), until)
    return Scenario(path=source, name=name, description=description, cluster=cluster, manifests=manifests,
                    manifest_sources=sources, timeline=timeline, always=always, eventually=eventually,
                    at_end=at_end, until=until, step=step)


def _parse_cluster(p: _P, v: Any) -> ClusterSpec:
    from kstate.io.profile import PROFILE_DIR, load_profile
    from kstate.resources.meta import parse_time
    if v is None:
        v = {}
    p.mapping(v, "cluster", ("nodes", "seed", "start", "profile"))
    nodes: Any = 3
    if v.get("nodes") is not None:
        raw = v["nodes"]
        if isinstance(raw, int) and not isinstance(raw, bool):
            nodes = p.integer(raw, "cluster.nodes", minimum=0)
        elif isinstance(raw, (list, dict)):
            objs, _ = _parse_manifest_items(p, raw, "cluster.nodes")
            for i, o in enumerate(objs):
                if o.KIND != "Node":
                    raise p.err(f"Invalid value: {o.KIND} {_show(o.metadata.name)}: only Node manifests are allowed "
                                f"here", f"cluster.nodes[{i}]")
            nodes = objs
        else:
            raise p.err(f"Invalid value: {_show(raw)}: must be a count, a list of Node manifests or "
                        "{file: nodes.yaml}", "cluster.nodes")
    seed = 0 if v.get("seed") is None else p.integer(v["seed"], "cluster.seed")
    start = "2026-01-01T00:00:00Z" if v.get("start") is None else p.string(v["start"], "cluster.start")
    try:
        parse_time(start)
    except ValueError:
        raise p.err(f"Invalid value: {_show(start)}: want an RFC 3339 time like 2026-01-01T00:00:00Z",
                    "cluster.start") from None
    prof_name = "default" if v.get("profile") is None else p.string(v["profile"], "cluster.profile")
    if os.sep not in prof_name and "/" not in prof_name and not prof_name.endswith((".yaml", ".yml")):
        if not os.path.isfile(os.path.join(PROFILE_DIR, prof_name + ".yaml")):
            builtin = sorted(f[:-5] for f in os.listdir(PROFILE_DIR) if f.endswith(".yaml"))
            raise p.err(f"Unsupported value: {_show(prof_name)}: built-in profiles: {', '.join(builtin)} "
                        "(or give a path to a profile file)", "cluster.profile")
        profile = load_profile(prof_name)
    else:
        profile = load_profile(p.file_path(prof_name, "cluster.profile"))
    return ClusterSpec(nodes=nodes, seed=seed, start=start, profile=profile, profile_name=prof_name)


def _parse_manifest_items(p: _P, v: Any, path: str, allow_missing: bool = False) -> tuple[tuple, tuple]:
    """Resources from `v`: an inline manifest, a `{file: x.yaml}` reference,
    or a list of those. Returns (objects, how each item was given)."""
    if v is None:
        if allow_missing:
            return (), ()
        raise p.err("Required value", path)
    single = isinstance(v, dict)
    items = [v] if single else v
    if not isinstance(items, list):
        raise p.err(f"Invalid value: {_show(v)}: must be a manifest, {{file: x.yaml}} or a list of those", path)
    objs: list = []
    sources: list = []
    for i, item in enumerate(items):
        ipath = path if single else f"{path}[{i}]"
        if isinstance(item, dict) and "file" in item:
            p.mapping(item, ipath, ("file",))
            full = p.file_path(item["file"], f"{ipath}.file")
            loaded = load_file(full)   # errors keep the manifest file as source
            objs.extend(loaded)
            sources.append(f"{item['file']} ({_plural(len(loaded), 'object')})")
        elif isinstance(item, dict):
            try:
                loaded = parse_manifests(item, source="")
            except SpecError as e:
                raise e.at(ipath, source=p.source) from None
            objs.extend(loaded)
            sources.extend(_obj_name(o) for o in loaded)
        else:
            raise p.err(f"Invalid value: {_show(item)}: must be a manifest (a mapping) or {{file: x.yaml}}", ipath)
    return tuple(objs), tuple(sources)


def _parse_timeline(p: _P, v: Any, until: int) -> tuple:
    if v is None:
        return ()
    if not isinstance(v, list):
        raise p.err(f"Invalid value: {_show(v)}: must be a list of steps", "timeline")
    out = []
    prev = None
    for i, entry in enumerate(v):
        path = f"timeline[{i}]"
        if not isinstance(entry, dict):
            raise p.err(f"Invalid value: {_show(entry)}: must be a mapping like {{at: 30s, fail-node: node-1}}", path)
        if entry.get("at") is None:
            raise p.err("Required value", f"{path}.at")
        at = p.duration(entry["at"], f"{path}.at")
        if prev is not None and at < prev:
            raise p.err(f"Invalid value: {_show(entry['at'])}: steps must be in time order (the previous step is at "
                        f"{format_duration(prev)})", f"{path}.at")
        if at > until:
            raise p.err(f"Invalid value: {_show(entry['at'])}: after the end of the run (run.until is "
                        f"{format_duration(until)})", f"{path}.at")
        prev = at
        ops = [k for k in entry if k != "at"]
        for k in ops:
            if k not in OPERATIONS:
                raise p.err(f"Unsupported value: unknown operation {_show(k)}: supported operations: "
                            f"{', '.join(OPERATIONS)}", _join(path, k))
        if not ops:
            raise p.err(f"Required value: one operation ({', '.join(OPERATIONS)})", path)
        if len(ops) > 1:
            raise p.err(f"Invalid value: several operations ({', '.join(ops)}): one operation per step", path)
        verb = ops[0]
        args, text = _OP_PARSERS[verb](p, entry[verb], _join(path, verb))
        out.append(Operation(at=at, verb=verb, args=args, field=path, text=f"{verb} {text}".rstrip()))
    return tuple(out)


def _node_name_arg(p: _P, v: Any, path: str, extra: tuple = ()) -> dict:
    """A node operation's argument: a node name, or {name: ..., <extra>}."""
    if isinstance(v, str):
        return {"name": p.string(v, path)}
    if isinstance(v, dict):
        p.mapping(v, path, ("name",) + extra, required=("name",))
        return dict(v, name=p.string(v["name"], f"{path}.name"))
    raise p.err(f"Invalid value: {_show(v)}: must be a node name", path)


def _op_apply(p: _P, v: Any, path: str):
    objs, sources = _parse_manifest_items(p, v, path)
    return (objs,), ", ".join(sources)


def _op_delete(p: _P, v: Any, path: str):
    from kstate.api import resolve_kind
    p.mapping(v, path, ("kind", "name", "namespace", "grace-period"), required=("kind", "name"))
    kind = _kind(p, v["kind"], f"{path}.kind", resolve_kind)
    name = p.string(v["name"], f"{path}.name")
    ns = "default" if v.get("namespace") is None else p.string(v["namespace"], f"{path}.namespace")
    grace = None if v.get("grace-period") is None else p.integer(v["grace-period"], f"{path}.grace-period", 0)
    text = f"{kind} {_ns_name(kind, ns, name)}" + (f" grace-period={grace}" if grace is not None else "")
    return (kind, name, ns, grace), text


def _op_node(verb: str):
    def parse(p: _P, v: Any, path: str):
        a = _node_name_arg(p, v, path)
        return (a["name"],), a["name"]
    return parse


def _op_drain(p: _P, v: Any, path: str):
    a = _node_name_arg(p, v, path, ("force", "grace-period"))
    force = False if a.get("force") is None else p.boolean(a["force"], f"{path}.force")
    grace = None if a.get("grace-period") is None else p.integer(a["grace-period"], f"{path}.grace-period", 0)
    text = a["name"] + (" force" if force else "") + (f" grace-period={grace}" if grace is not None else "")
    return (a["name"], force, grace), text


def _op_add_node(p: _P, v: Any, path: str):
    from kstate.resources.quantity import parse_quantity
    if v is None:
        v = {}
    a = {"name": p.string(v, path)} if isinstance(v, str) else p.mapping(
        v, path, ("name", "labels", "taints", "cpu", "memory", "pods"))
    kwargs: dict = {}
    if a.get("name") is not None:
        kwargs["name"] = p.string(a["name"], f"{path}.name")
    if a.get("labels") is not None:
        labels = p.mapping(a["labels"], f"{path}.labels", tuple(a["labels"]) if isinstance(a["labels"], dict) else ())
        kwargs["labels"] = {p.string(k, f"{path}.labels"): p.string(val, f"{path}.labels[{k}]", allow_empty=True)
                            for k, val in labels.items()}
    if a.get("taints") is not None:
        if not isinstance(a["taints"], list):
            raise p.err(f"Invalid value: {_show(a['taints'])}: must be a list", f"{path}.taints")
        kwargs["taints"] = list(a["taints"])
    for key in ("cpu", "memory", "pods"):
        if a.get(key) is not None:
            val = a[key]
            if isinstance(val, bool) or not isinstance(val, (str, int, float)):
                raise p.err(f"Invalid value: {_show(val)}: must be a quantity", f"{path}.{key}")
            try:
                parse_quantity(str(val))
            except (SpecError, ValueError):
                raise p.err(f"Invalid value: {_show(val)}: must be a quantity like 4, 500m or 16Gi",
                            f"{path}.{key}") from None
            kwargs[key] = str(val)
    text = " ".join([kwargs.get("name", "(next free name)")] +
                    [f"{k}={kwargs[k]}" for k in ("cpu", "memory", "pods") if k in kwargs])
    return (kwargs,), text


def _op_crash(p: _P, v: Any, path: str):
    a = {"name": p.string(v, path)} if isinstance(v, str) else p.mapping(
        v, path, ("name", "namespace", "exit-code"), required=("name",))
    name = p.string(a["name"], f"{path}.name")
    ns = "default" if a.get("namespace") is None else p.string(a["namespace"], f"{path}.namespace")
    code = 1 if a.get("exit-code") is None else p.integer(a["exit-code"], f"{path}.exit-code", 0)
    if code > 255:
        raise p.err(f"Invalid value: {code}: must be between 0 and 255, inclusive", f"{path}.exit-code")
    return (name, ns, code), f"{ns}/{name} exit-code={code}"


def _workload_arg(p: _P, v: Any, path: str, extra: tuple = (), required: tuple = (), kind_default=None):
    from kstate.api import resolve_kind
    if isinstance(v, str) and kind_default is not None:
        v = {"name": v}
    a = p.mapping(v, path, ("kind", "name", "namespace") + extra, required=("name",) + required)
    kind = kind_default if a.get("kind") is None and kind_default else _kind(
        p, a.get("kind"), f"{path}.kind", resolve_kind)
    name = p.string(a["name"], f"{path}.name")
    ns = "default" if a.get("namespace") is None else p.string(a["namespace"], f"{path}.namespace")
    return a, kind, name, ns


def _op_scale(p: _P, v: Any, path: str):
    a, kind, name, ns = _workload_arg(p, v, path, ("replicas",), ("kind", "replicas"))
    n = p.integer(a["replicas"], f"{path}.replicas", 0)
    return (kind, name, n, ns), f"{kind} {ns}/{name} replicas={n}"


def _op_set_image(p: _P, v: Any, path: str):
    a, kind, name, ns = _workload_arg(p, v, path, ("container", "image"), ("kind", "container", "image"))
    container = p.string(a["container"], f"{path}.container")
    image = p.string(a["image"], f"{path}.image")
    return (kind, name, container, image, ns), f"{kind} {ns}/{name} {container}={image}"


def _op_rollout(verb: str):
    def parse(p: _P, v: Any, path: str):
        extra = ("to-revision",) if verb == "rollout-undo" else ()
        a, _, name, ns = _workload_arg(p, v, path, extra, kind_default="Deployment")
        rev = None
        if a.get("to-revision") is not None:
            rev = p.integer(a["to-revision"], f"{path}.to-revision", 1)
        return (name, ns, rev), f"deployment {ns}/{name}" + (f" to-revision={rev}" if rev else "")
    return parse


def _op_check(p: _P, v: Any, path: str):
    conds = _parse_conditions(p, v, path)
    return (conds,), "; ".join(c.describe() for c in conds)


_OP_PARSERS: dict[str, Callable] = {
    "apply": _op_apply, "delete": _op_delete, "add-node": _op_add_node,
    "fail-node": _op_node("fail-node"), "recover-node": _op_node("recover-node"),
    "remove-node": _op_node("remove-node"), "cordon": _op_node("cordon"), "uncordon": _op_node("uncordon"),
    "drain": _op_drain, "crash-container": _op_crash, "check": _op_check,
    "scale": _op_scale, "set-image": _op_set_image, "rollout-undo": _op_rollout("rollout-undo"),
    "rollout-pause": _op_rollout("rollout-pause"), "rollout-resume": _op_rollout("rollout-resume"),
    "rollout-restart": _op_rollout("rollout-restart"),
}


def _parse_expect(p: _P, v: Any, until: int):
    from kstate.invariants import INVARIANTS
    if v is None:
        return None, (), ()
    p.mapping(v, "expect", ("always", "eventually", "at-end"))
    always: Any = None
    raw = v.get("always")
    if raw is None or raw == "none":
        always = None
    elif raw == "all":
        always = "all"
    elif isinstance(raw, list):
        names = []
        for i, n in enumerate(raw):
            n = p.string(n, f"expect.always[{i}]")
            if n not in INVARIANTS:
                raise p.err(f"Unsupported value: {_show(n)}: invariants: {', '.join(sorted(INVARIANTS))}",
                            f"expect.always[{i}]")
            names.append(n)
        always = tuple(names)
    else:
        raise p.err(f"Invalid value: {_show(raw)}: must be all, none or a list of invariant names", "expect.always")

    eventually = []
    raw = v.get("eventually")
    if raw is not None:
        single = isinstance(raw, dict)
        entries = [raw] if single else raw
        if not isinstance(entries, list):
            raise p.err(f"Invalid value: {_show(raw)}: must be a list of {{within, that}}", "expect.eventually")
        for i, e in enumerate(entries):
            path = "expect.eventually" if single else f"expect.eventually[{i}]"
            p.mapping(e, path, ("within", "that"), required=("within", "that"))
            within = p.duration(e["within"], f"{path}.within")
            if within > until:
                raise p.err(f"Invalid value: {_show(e['within'])}: after the end of the run (run.until is "
                            f"{format_duration(until)})", f"{path}.within")
            eventually.append(Eventually(within=within, that=_parse_conditions(p, e["that"], f"{path}.that"),
                                         field=path))
    raw = v.get("at-end")
    at_end = () if raw is None else _parse_conditions(p, raw, "expect.at-end")
    return always, tuple(eventually), at_end


_COND_KEYS = ("kind", "name", "namespace", "path", "count", "where", "selector") + COMPARATORS


def _parse_conditions(p: _P, v: Any, path: str) -> tuple:
    if isinstance(v, dict):
        return (_parse_condition(p, v, path),)
    if not isinstance(v, list) or not v:
        raise p.err(f"Invalid value: {_show(v)}: must be a non-empty list of conditions", path)
    return tuple(_parse_condition(p, c, f"{path}[{i}]") for i, c in enumerate(v))


def _parse_condition(p: _P, v: Any, path: str) -> Condition:
    from kstate.api import resolve_kind
    from kstate.resources import KINDS
    p.mapping(v, path, _COND_KEYS, required=("kind",))
    kind = _kind(p, v["kind"], f"{path}.kind", resolve_kind)
    namespaced = KINDS[kind].NAMESPACED
    ns = None if v.get("namespace") is None else p.string(v["namespace"], f"{path}.namespace")
    if not namespaced:
        ns = None
    if v.get("name") is not None:
        name = p.string(v["name"], f"{path}.name")
        for k in ("count", "where", "selector"):
            if k in v:
                raise p.err(f"Forbidden: {k} counts objects; it cannot be used with name", f"{path}.{k}")
        if namespaced and ns is None:
            ns = "default"
        if v.get("path") is None:
            ops = [c for c in COMPARATORS if c in v]
            if ops != ["absent"] and ops != ["exists"]:
                raise p.err("Required value: a path and a comparator, or absent: true / exists: true about the "
                            "object", f"{path}.path")
            op = ops[0]
            if v[op] is not True:
                raise p.err(f"Invalid value: {_show(v[op])}: must be true", f"{path}.{op}")
            return Condition(field=path, kind=kind, name=name, namespace=ns, object_op=op)
        return Condition(field=path, kind=kind, name=name, namespace=ns, predicate=_parse_predicate(p, v, path))
    # A count.
    if "count" not in v:
        raise p.err("Required value: name (one object) or count (how many objects)", f"{path}.name")
    for k in ("path",) + COMPARATORS:
        if k in v:
            raise p.err(f"Forbidden: {k} applies to a named object; with count use where: {{path, <comparator>}}",
                        f"{path}.{k}")
    raw = v["count"]
    if isinstance(raw, dict):
        ops = [k for k in raw]
        for k in ops:
            if k not in ("equals", "not-equals", "at-least", "at-most"):
                raise p.unknown(f"{path}.count.{k}")
        if len(ops) != 1:
            raise p.err("Invalid value: want one of equals, not-equals, at-least, at-most", f"{path}.count")
        count_op = ops[0]
        count_value = p.integer(raw[count_op], f"{path}.count.{count_op}", 0)
    else:
        count_op, count_value = "equals", p.integer(raw, f"{path}.count", 0)
    where: list = []
    raw = v.get("where")
    if raw is not None:
        clauses = [raw] if isinstance(raw, dict) else raw
        if not isinstance(clauses, list):
            raise p.err(f"Invalid value: {_show(raw)}: must be {{path, <comparator>}} or a list of those",
                        f"{path}.where")
        for i, c in enumerate(clauses):
            cpath = f"{path}.where" if isinstance(raw, dict) else f"{path}.where[{i}]"
            p.mapping(c, cpath, ("path",) + COMPARATORS, required=("path",))
            where.append(_parse_predicate(p, c, cpath))
    selector = v.get("selector")
    if selector is not None:
        selector = _parse_selector(p, selector, f"{path}.selector")
    return Condition(field=path, kind=kind, namespace=ns, count_op=count_op, count_value=count_value,
                     where=tuple(where), selector=selector)


def _parse_selector(p: _P, v: Any, path: str):
    from kstate.resources.selector import parse_selector
    if isinstance(v, dict):
        for k, val in v.items():
            if not isinstance(k, str) or not isinstance(val, str):
                raise p.err(f"Invalid value: {_show({k: val})}: labels are strings", f"{path}[{k}]")
        return tuple(sorted(v.items()))
    s = p.string(v, path)
    try:
        parse_selector(s)
    except (SpecError, ValueError) as e:
        raise p.err(f"Invalid value: {_show(s)}: {getattr(e, 'message', e)}", path) from None
    return s


def _parse_predicate(p: _P, v: dict, path: str) -> Predicate:
    text = v.get("path")
    text = p.string(text, f"{path}.path")
    segs = _parse_path(text)
    if segs is None:
        raise p.err(f"Invalid value: {_show(text)}: not a field path like status.containerStatuses[0].restartCount, "
                    "metadata.annotations[kstate.io/exit-code] or status.conditions[type=Ready].status",
                    f"{path}.path")
    ops = [c for c in COMPARATORS if c in v]
    if len(ops) != 1:
        raise p.err(f"Required value: exactly one comparator ({', '.join(COMPARATORS)})" if not ops else
                    f"Invalid value: several comparators ({', '.join(ops)}): want exactly one", path)
    op = ops[0]
    value = v[op]
    if op in ("absent", "exists"):
        if value is not True:
            raise p.err(f"Invalid value: {_show(value)}: must be true", f"{path}.{op}")
    elif op in ("at-least", "at-most"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise p.err(f"Invalid value: {_show(value)}: must be a number", f"{path}.{op}")
    elif isinstance(value, (dict, list)) and op == "not-equals":
        pass
    return Predicate(path=segs, path_text=text, op=op, value=value)


_NAME_RX = re.compile(r"[A-Za-z0-9_\-$]+")


def _parse_path(text: str) -> Optional[tuple]:
    """`a.b[0].c[type=Ready][kstate.io/x]` → (("key", "a"), ("key", "b"),
    ("index", 0), ("key", "c"), ("filter", "type", "Ready"), ("key", "kstate.io/x"));
    None when malformed."""
    segs: list = []
    i, n = 0, len(text)
    if n == 0:
        return None
    while True:
        m = _NAME_RX.match(text, i)
        if m is None:
            return None
        segs.append(("key", m.group(0)))
        i = m.end()
        while i < n and text[i] == "[":
            j = text.find("]", i + 1)
            if j < 0 or j == i + 1:
                return None
            inner = text[i + 1:j]
            if "[" in inner:
                return None
            if re.fullmatch(r"-?[0-9]+", inner):
                segs.append(("index", int(inner)))
            elif "=" in inner:
                k, _, val = inner.partition("=")
                if not k:
                    return None
                segs.append(("filter", k, val))
            else:
                segs.append(("key", inner))
            i = j + 1
        if i == n:
            return tuple(segs)
        if text[i] != "." or i + 1 == n:
            return None
        i += 1


def _kind(p: _P, v: Any, path: str, resolve: Callable) -> str:
    s = p.string(v, path)
    try:
        return resolve(s)
    except SpecError as e:
        raise p.err(f"Unsupported value: {e.message}", path) from None


# ======================================================================
# Evaluating conditions
# ======================================================================

_MISSING = object()


def _lookup(doc: Any, segs: tuple) -> Any:
    cur = doc
    for seg in segs:
        if seg[0] == "key":
            if not isinstance(cur, dict) or seg[1] not in cur:
                return _MISSING
            cur = cur[seg[1]]
        elif seg[0] == "index":
            if not isinstance(cur, list) or not -len(cur) <= seg[1] < len(cur):
                return _MISSING
            cur = cur[seg[1]]
        else:
            if not isinstance(cur, list):
                return _MISSING
            _, k, val = seg
            cur = next((e for e in cur if isinstance(e, dict) and _text(e.get(k)) == val), _MISSING)
            if cur is _MISSING:
                return _MISSING
        if cur is None:
            return _MISSING
    return cur


def _text(v: Any) -> str:
    return "" if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else str(v))


def _equal(actual: Any, expected: Any) -> bool:
    if actual == expected and type(actual) is not bool and type(expected) is not bool:
        return True
    if isinstance(actual, bool) or isinstance(expected, bool):
        if isinstance(actual, bool) and isinstance(expected, bool):
            return actual == expected
        # YAML `equals: true` against a condition status "True".
        return _text(actual).lower() == _text(expected).lower() and isinstance(actual, (str, bool)) and \
            isinstance(expected, (str, bool))
    scalar = (str, int, float)
    if isinstance(actual, scalar) and isinstance(expected, scalar) and type(actual) is not type(expected):
        # An annotation "1" against `equals: 1`, a quantity "4" against 4.
        return _text(actual) == _text(expected)
    return False


def _holds(pred: Predicate, doc: dict) -> tuple[bool, str]:
    actual = _lookup(doc, pred.path)
    got = "absent" if actual is _MISSING else _show(actual)
    if pred.op == "absent":
        return actual is _MISSING, got
    if pred.op == "exists":
        return actual is not _MISSING, got
    if pred.op == "equals":
        return actual is not _MISSING and _equal(actual, pred.value), got
    if pred.op == "not-equals":
        return actual is _MISSING or not _equal(actual, pred.value), got
    if actual is _MISSING or isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return False, got + ("" if actual is _MISSING else ", not a number")
    if pred.op == "at-least":
        return actual >= pred.value, got
    return actual <= pred.value, got


def _compare(op: str, actual: int, expected: int) -> bool:
    return {"equals": actual == expected, "not-equals": actual != expected, "at-least": actual >= expected,
            "at-most": actual <= expected}[op]


def evaluate(cond: Condition, cluster) -> tuple[bool, str]:
    """(holds, what was seen) for one condition on a live cluster."""
    from kstate.errors import NotFound
    if cond.name is not None:
        try:
            obj = cluster.get(cond.kind, cond.name, cond.namespace or "default")
        except NotFound:
            obj = None
        if cond.object_op == "absent":
            return obj is None, "exists" if obj is not None else "absent"
        if cond.object_op == "exists":
            return obj is not None, "exists" if obj is not None else "absent"
        if obj is None:
            return False, "the object does not exist"
        ok, got = _holds(cond.predicate, to_manifest(obj))
        return ok, f"{cond.predicate.path_text} is {got}"
    selector = dict(cond.selector) if isinstance(cond.selector, tuple) else cond.selector
    objs = cluster.list(cond.kind, cond.namespace, selector)
    n = 0
    for o in objs:
        if cond.where:
            doc = to_manifest(o)
            if not all(_holds(w, doc)[0] for w in cond.where):
                continue
        n += 1
    return _compare(cond.count_op, n, cond.count_value), f"count is {n}"


# ======================================================================
# Runner
# ======================================================================


@dataclass
class RunReport:
    """What `run_scenario` found. `ok` is True when every expectation held
    and every operation succeeded; `failures` says why not (one line each);
    `output` is the printed timeline (what `kstate run` prints)."""

    scenario: Scenario
    ok: bool
    failures: list
    cluster: Any
    output: str
    checked: int = 0       # how many expectations were evaluated

    def verdict(self) -> str:
        """The last lines `kstate run` prints: PASS/FAIL and the failures."""
        if self.ok:
            return (f"PASS  {self.scenario.name}: {_plural(self.checked, 'expectation')} held over "
                    f"{format_duration(self.scenario.until)}\n")
        lines = [f"FAIL  {self.scenario.name}: {_plural(len(self.failures), 'failure')}"]
        lines += [f"  - {f}" for f in self.failures]
        return "\n".join(lines) + "\n"


class _Out:
    def __init__(self, out: Optional[TextIO]):
        self.out = out
        self.parts: list[str] = []

    def line(self, text: str = "") -> None:
        self.parts.append(text + "\n")
        if self.out is not None:
            self.out.write(text + "\n")

    def text(self) -> str:
        return "".join(self.parts)


def run_scenario(scenario: Scenario, out: Optional[TextIO] = None) -> RunReport:
    """Run `scenario` on a fresh Cluster; stream the timeline to `out` if
    given. Operation errors (a refused drain, a pod that is not there) become
    failures, not exceptions. Deterministic: the same scenario prints the same
    bytes."""
    from kstate.api import Cluster

    sc = scenario
    w = _Out(out)
    failures: list[str] = []
    tw = _stamp_width(sc.until)

    def stamp(t: int) -> str:
        return _stamp(t).rjust(tw)

    def fail(t: int, message: str) -> None:
        failures.append(f"{_stamp(t)}: {message}")
        w.line(f"  {stamp(t)}  !!! {message}")

    cluster = Cluster(nodes=sc.cluster.nodes, seed=sc.cluster.seed, start=sc.cluster.start,
                      profile=sc.cluster.profile)
    eng = cluster.engine
    head = f"scenario {sc.name}" + (f": {' '.join(sc.description.split())}" if sc.description.strip() else "")
    for line in textwrap.wrap(head, width=100, subsequent_indent=" " * 9, break_on_hyphens=False):
        w.line(line)
    node_names = [n.metadata.name for n in cluster.list("Node")]
    w.line(f"cluster  {_plural(len(node_names), 'node')} ({_abbrev(node_names)}), seed {sc.cluster.seed}, "
           f"start {sc.cluster.start}, profile {sc.cluster.profile_name}")
    w.line(f"run      until +{format_duration(sc.until)}, step {format_duration(sc.step)}")
    seen = len(eng.trace)   # the cluster's own set-up is summarised above

    def flush() -> None:
        nonlocal seen
        new = eng.trace[seen:]
        seen = len(eng.trace)
        for line in _render_trace(new):
            t, rest = line
            w.line(f"  {stamp(t)}  {rest}")

    checked = 0
    if sc.manifests:
        w.line(f"  {stamp(0)}  >>> apply {', '.join(sc.manifest_sources)}")
        try:
            cluster.apply(list(sc.manifests))
        except KstateError as e:
            fail(0, f"manifests: {_msg(e)}")
        cluster.advance("0ms")
    flush()

    points = set(range(0, sc.until + 1, sc.step))
    points.update(op.at for op in sc.timeline if op.at <= sc.until)
    points.update(e.within for e in sc.eventually if e.within <= sc.until)
    points.add(sc.until)
    ops = list(sc.timeline)
    oi = 0
    satisfied: dict[int, int] = {}
    pending_last: dict[int, str] = {}
    reported_eventually: set[int] = set()
    violated: set[str] = set()
    if sc.always is not None:
        checked += 1
    checked += len(sc.eventually) + len(sc.at_end) + sum(len(op.args[0]) for op in ops if op.verb == "check")

    for t in sorted(points):
        cluster.advance(f"{eng.start + t - eng.now}ms")
        flush()
        while oi < len(ops) and ops[oi].at == t:
            op = ops[oi]
            oi += 1
            if op.verb == "check":
                results = [(c, *evaluate(c, cluster)) for c in op.args[0]]
                bad = [(c, got) for c, ok, got in results if not ok]
                w.line(f"  {stamp(t)}  >>> check {_plural(len(results), 'condition')}: "
                       + ("ok" if not bad else f"{len(bad)} failed"))
                for c, got in bad:
                    fail(t, f"{c.field}: {c.describe()} ({got})")
                continue
            w.line(f"  {stamp(t)}  >>> {op.text}")
            try:
                _execute(cluster, op)
            except KstateError as e:
                fail(t, f"{op.field} {op.text}: {_msg(e)}")
            cluster.advance("0ms")
            flush()
        # always
        if sc.always is not None:
            from kstate.invariants import check_all
            vs = cluster.violations() if sc.always == "all" else check_all(eng, sc.always)
            for v in vs:
                if v.invariant not in violated:
                    violated.add(v.invariant)
                    fail(t, f"expect.always: invariant {v}")
        # eventually
        for i, ev in enumerate(sc.eventually):
            if i in satisfied or t > ev.within:
                continue
            results = [(c, *evaluate(c, cluster)) for c in ev.that]
            if all(ok for _, ok, _ in results):
                satisfied[i] = t
                w.line(f"  {stamp(t)}  --- {ev.field} holds (within {format_duration(ev.within)})")
            else:
                pending_last[i] = "; ".join(f"{c.describe()} ({got})" for c, ok, got in results if not ok)
                if t == ev.within:
                    reported_eventually.add(i)
                    fail(t, f"{ev.field}: not within {format_duration(ev.within)}: {pending_last[i]}")
    for i, ev in enumerate(sc.eventually):
        if i not in satisfied and i not in reported_eventually:
            fail(sc.until, f"{ev.field}: the run ended at {format_duration(sc.until)} before it held: "
                           f"{pending_last.get(i, 'never checked')}")
    for op in ops[oi:]:
        fail(sc.until, f"{op.field} {op.text}: not run (after the end of the run)")
    for c in sc.at_end:
        ok, seen_text = evaluate(c, cluster)
        if not ok:
            fail(sc.until, f"{c.field}: {c.describe()} ({seen_text})")

    w.line()
    for line in pods_table(cluster):
        w.line(line)
    w.line()
    for line in nodes_table(cluster):
        w.line(line)
    w.line()
    sizes = replicaset_sizes(cluster.engine.trace)
    if sizes:
        w.line("ReplicaSet sizes (spec.replicas) over time:")
        width = _stamp_width(sc.until)
        for t, row in sizes:
            w.line(f"  {_stamp(t):>{width}}  {row}")
        w.line()
    for table in (deployments_table(cluster), replicasets_table(cluster)):
        if table:
            for line in table:
                w.line(line)
            w.line()
    report = RunReport(scenario=sc, ok=not failures, failures=failures, cluster=cluster, output="",
                       checked=checked)
    for line in report.verdict().splitlines():
        w.line(line)
    report.output = w.text()
    return report


def _execute(cluster, op: Operation) -> None:
    a = op.args
    v = op.verb
    if v == "apply":
        cluster.apply(list(a[0]))
    elif v == "delete":
        kind, name, ns, grace = a
        cluster.delete(kind, name, ns, grace_period=grace)
    elif v == "add-node":
        cluster.add_node(**a[0])
    elif v == "fail-node":
        cluster.fail_node(a[0])
    elif v == "recover-node":
        cluster.recover_node(a[0])
    elif v == "remove-node":
        cluster.remove_node(a[0])
    elif v == "cordon":
        cluster.cordon(a[0])
    elif v == "uncordon":
        cluster.uncordon(a[0])
    elif v == "drain":
        name, force, grace = a
        cluster.drain(name, force=force, grace_period=grace)
    elif v == "crash-container":
        name, ns, code = a
        cluster.crash_container(name, ns, exit_code=code)
    elif v == "scale":
        kind, name, n, ns = a
        cluster.scale(kind, name, n, namespace=ns)
    elif v == "set-image":
        kind, name, container, image, ns = a
        cluster.set_image(kind, name, container, image, namespace=ns)
    elif v == "rollout-undo":
        name, ns, rev = a
        cluster.rollout_undo(name, to_revision=rev, namespace=ns)
    elif v in ("rollout-pause", "rollout-resume", "rollout-restart"):
        name, ns, _ = a
        getattr(cluster, v.replace("-", "_"))(name, namespace=ns)
    else:  # pragma: no cover - the parser only builds known verbs
        raise AssertionError(v)


def _msg(e: Exception) -> str:
    if isinstance(e, SpecError):
        return e.message if not e.path else f"{e.path}: {e.message}"
    return str(e)


# ------------------------------------------------------------ timeline text

_TRANSITION = re.compile(r"^(\w+)->(\w+)(?: \(([\w-]+)\))?(?: (.*))?$")
_VERB_TEXT = {"create": "created"}


def _stamp(ms: int) -> str:
    """+1.000s, +59.500s, +1m30.000s, +1h0m5.000s."""
    s, frac = divmod(ms, 1000)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    out = f"{sec}.{frac:03d}s"
    if h or m:
        out = f"{m}m" + out
    if h:
        out = f"{h}h" + out
    return "+" + out


def _stamp_width(until: int) -> int:
    """Width of the widest stamp up to `until` (+1m59.000s is wider than +2m0.000s)."""
    cands = [until, until - until % 60_000 - 1000, until - until % 3_600_000 - 1000]
    return max(len(_stamp(t)) for t in cands if t >= 0)


def _render_trace(entries: list) -> list[tuple[int, str]]:
    """Engine trace entries (t, verb, kind, ns, name, detail) → one line per
    object and instant: `Pod default/web  Pending -> Scheduled -> ContainerCreating
    (bind, create_containers) node=node-0`. Order: first appearance."""
    groups: dict[tuple, list] = {}
    for t, verb, kind, ns, name, detail in entries:
        groups.setdefault((t, kind, ns, name), []).append((verb, detail))
    out = []
    for (t, kind, ns, name), items in groups.items():
        segments: list[str] = []
        chain: Optional[list] = None   # [states, triggers, extras]
        last_update: Optional[tuple] = None   # (segment index, fields)

        def close() -> None:
            nonlocal chain
            if chain is not None:
                states, triggers, extras = chain
                s = " -> ".join(states)
                if triggers:
                    s += f" ({', '.join(triggers)})"
                if extras:
                    s += " " + " ".join(extras)
                segments.append(s)
                chain = None

        for verb, detail in items:
            m = _TRANSITION.match(detail or "")
            if m is not None:
                src, dst, trig, extra = m.groups()
                if chain is None or chain[0][-1] != src:
                    close()
                    chain = [[src], [], []]
                chain[0].append(dst)
                if trig:
                    chain[1].append(trig)
                if extra:
                    chain[2].append(extra)
                continue
            close()
            if verb == "create":
                segments.append("created" + (f" {detail}" if detail else ""))
            elif verb == "update":
                # Several updates of one object at one instant: the last value
                # of each field (`taints=[...] unschedulable=false`).
                fields = _kv(detail)
                if fields is not None and last_update is not None and last_update[0] == len(segments) - 1:
                    merged = last_update[1]
                    merged.update(fields)
                    segments[-1] = "updated " + " ".join(f"{k}={v}" for k, v in merged.items())
                else:
                    segments.append(f"updated {detail}" if detail else "updated")
                    if fields is not None:
                        last_update = (len(segments) - 1, dict(fields))
                continue
            else:
                segments.append(detail or ("status updated" if verb == "status" else verb))
        close()
        obj = f"{kind} {ns + '/' if ns else ''}{name}"
        out.append((t, f"{obj}  {'; '.join(segments)}"))
    return out


def _kv(detail: str) -> Optional[dict]:
    """`a=1 b=[x,y]` → {"a": "1", "b": "[x,y]"}; None if not of that form."""
    out = {}
    for tok in (detail or "").split(" "):
        k, eq, v = tok.partition("=")
        if not eq or not k:
            return None
        out[k] = v
    return out or None


def _abbrev(names: list[str]) -> str:
    if len(names) <= 4:
        return ", ".join(names) or "none"
    return f"{names[0]}, {names[1]}, ..., {names[-1]}"


# ------------------------------------------------------------ kubectl tables


def human_duration(ms: int) -> str:
    """kubectl's AGE column (k8s.io/apimachinery/pkg/util/duration
    HumanDuration): 45s, 119s, 2m, 5m12s, 15m, 3h, 3h20m, 2d, …"""
    seconds = ms // 1000
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """kubectl's tabwriter layout: columns padded to the widest cell + 3."""
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    out = []
    for r in [header] + rows:
        cells = [c.ljust(widths[i] + 3) if i < len(r) - 1 else c for i, c in enumerate(r)]
        out.append("".join(cells).rstrip())
    return out


def _age(cluster, created: Optional[str]) -> str:
    from kstate.resources.meta import parse_time
    if not created:
        return "<unknown>"
    return human_duration(cluster.engine.now - parse_time(created))


def pod_status(doc: dict) -> tuple[str, int, int, int, Optional[str]]:
    """kubectl's STATUS, READY and RESTARTS for a pod in Kubernetes JSON shape
    (kubectl/pkg/cmd/get printPod via k8s.io/kubernetes/pkg/printers/internalversion
    printers.go printPod). Returns (reason, ready, total, restarts, last
    restart finishedAt)."""
    spec, status = doc.get("spec", {}), doc.get("status", {})
    meta = doc.get("metadata", {})
    reason = status.get("reason") or status.get("phase") or "Unknown"
    restarts = 0
    last_restart: Optional[str] = None
    init_statuses = status.get("initContainerStatuses") or []
    initializing = False
    for i, c in enumerate(init_statuses):
        restarts += c.get("restartCount", 0)
        state = c.get("state") or {}
        term, waiting = state.get("terminated"), state.get("waiting")
        if term is not None and term.get("exitCode", 0) == 0:
            continue
        if term is not None:
            reason = "Init:" + term["reason"] if term.get("reason") else (
                f"Init:Signal:{term['signal']}" if term.get("signal") else f"Init:ExitCode:{term.get('exitCode', 0)}")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(spec.get('initContainers') or [])}"
        initializing = True
        break
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    statuses = status.get("containerStatuses") or []
    ready = 0
    if not initializing or conditions.get("Initialized") == "True":
        restarts = 0
        has_running = False
        for c in reversed(statuses):
            restarts += c.get("restartCount", 0)
            state = c.get("state") or {}
            last = (c.get("lastState") or {}).get("terminated")
            if last and last.get("finishedAt") and (last_restart is None or last["finishedAt"] > last_restart):
                last_restart = last["finishedAt"]
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                reason = f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode', 0)}"
            elif c.get("ready") and "running" in state:
                has_running = True
            if c.get("ready"):
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if conditions.get("Ready") == "True" else "NotReady"
    phase = status.get("phase")
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    total = len(spec.get("containers") or [])
    return reason, ready, total, restarts, last_restart


def pods_table(cluster) -> list[str]:
    """`kubectl get pods -o wide` (with a NAMESPACE column, like -A, when pods
    live in more than the default namespace)."""
    from kstate.resources.meta import parse_time
    pods = sorted(cluster.list("Pod"), key=lambda p: (p.metadata.namespace, p.metadata.name))
    if not pods:
        return ["No resources found."]
    all_ns = any(p.metadata.namespace != "default" for p in pods)
    rows = []
    for p in pods:
        doc = to_manifest(p)
        reason, ready, total, restarts, last = pod_status(doc)
        rs = str(restarts)
        if restarts and last:
            rs += f" ({human_duration(cluster.engine.now - parse_time(last))} ago)"
        status = doc.get("status", {})
        row = [p.metadata.name, f"{ready}/{total}", reason, rs, _age(cluster, doc["metadata"].get("creationTimestamp")),
               status.get("podIP") or "<none>", doc.get("spec", {}).get("nodeName") or "<none>"]
        rows.append(([p.metadata.namespace] if all_ns else []) + row)
    header = (["NAMESPACE"] if all_ns else []) + ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    return _table(header, rows)


_REPLICAS = re.compile(r"replicas=(?:(\d+)->)?(\d+)$")


def replicaset_sizes(entries) -> list[tuple[int, str]]:
    """Every change of a ReplicaSet's spec.replicas, as one line of all sizes
    (newest ReplicaSet first): `web-749c486774=3 web-596d7c75b=10`."""
    sizes: dict[str, int] = {}
    order: list[str] = []
    out: list[tuple[int, str]] = []
    for t, verb, kind, ns, name, detail in entries:
        if kind not in ("ReplicaSet", "ReplicationController"):
            continue
        key = f"{ns}/{name}" if ns != "default" else name
        if verb == "remove":
            if key in sizes:
                del sizes[key]
                order.remove(key)
                out.append((t, " ".join(f"{k}={sizes[k]}" for k in reversed(order)) or "(none)"))
            continue
        if verb not in ("create", "update"):
            continue
        m = _REPLICAS.search(detail or "")
        if m is None:
            continue
        if key not in sizes:
            order.append(key)
        sizes[key] = int(m.group(2))
        out.append((t, " ".join(f"{k}={sizes[k]}" for k in reversed(order))))
    return out


def deployments_table(cluster) -> list[str]:
    """`kubectl get deployments` (NAME READY UP-TO-DATE AVAILABLE AGE); empty when there are none."""
    ds = cluster.list("Deployment")
    rows = [[d.metadata.name, f"{d.status.ready_replicas}/{d.spec.replicas}", str(d.status.updated_replicas),
             str(d.status.available_replicas), _age(cluster, to_manifest(d)["metadata"].get("creationTimestamp"))]
            for d in ds]
    return _table(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], rows) if rows else []


def replicasets_table(cluster) -> list[str]:
    """`kubectl get rs` (NAME DESIRED CURRENT READY AGE); empty when there are none."""
    rows = [[rs.metadata.name, str(rs.spec.replicas), str(rs.status.replicas), str(rs.status.ready_replicas),
             _age(cluster, to_manifest(rs)["metadata"].get("creationTimestamp"))]
            for kind in ("ReplicaSet", "ReplicationController") for rs in cluster.list(kind)]
    return _table(["NAME", "DESIRED", "CURRENT", "READY", "AGE"], rows) if rows else []


def nodes_table(cluster) -> list[str]:
    """`kubectl get nodes` (NAME STATUS ROLES AGE)."""
    nodes = sorted(cluster.list("Node"), key=lambda n: n.metadata.name)
    if not nodes:
        return ["No resources found."]
    rows = []
    for n in nodes:
        doc = to_manifest(n)
        ready = next((c.get("status") for c in doc.get("status", {}).get("conditions") or []
                      if c.get("type") == "Ready"), None)
        status = "Ready" if ready == "True" else "NotReady"
        if doc.get("spec", {}).get("unschedulable"):
            status += ",SchedulingDisabled"
        prefix = "node-role.kubernetes.io/"
        roles = sorted(k[len(prefix):] for k in (doc["metadata"].get("labels") or {}) if k.startswith(prefix))
        rows.append([n.metadata.name, status, ",".join(r for r in roles if r) or "<none>",
                     _age(cluster, doc["metadata"].get("creationTimestamp"))])
    return _table(["NAME", "STATUS", "ROLES", "AGE"], rows)


# ------------------------------------------------------------ small helpers


def _show(v: Any) -> str:
    try:
        s = json.dumps(v, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        s = repr(v)
    return s if len(s) <= 80 else s[:77] + "..."


def _show_selector(sel: Any) -> str:
    if isinstance(sel, tuple):
        return ",".join(f"{k}={v}" for k, v in sel)
    return str(sel)


def _kind_of(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return type(v).__name__


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _obj_name(o: Any) -> str:
    m = o.metadata
    return f"{o.KIND} {m.namespace + '/' if m.namespace else ''}{m.name or m.generate_name + '*'}"


def _ns_name(kind: str, ns: str, name: str) -> str:
    from kstate.resources import KINDS
    return f"{ns}/{name}" if KINDS[kind].NAMESPACED else name
