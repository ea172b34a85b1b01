"""Scenario files: a cluster, manifests, a timeline of operations and faults,
and expectations, in one YAML file a user reads top to bottom.

Owns the **parser** — `load_scenario(path)` / `parse_scenario(data, source)`
turn the YAML into a frozen `Scenario` (the dataclasses live in
`kstate.io.scenario_model`). Every problem is a `SpecError` whose `source` is
the scenario file and whose `path` is the scenario field
(`timeline[2].fail-node`, `expect.eventually[0].that[1].path`); errors inside a
referenced manifest file keep that file as `source` and its Kubernetes field
path. Manifests, profiles, durations, kinds, invariant names and expectation
paths are all checked here, so nothing runs if the file is invalid.

It is also the one place to import scenarios from: it re-exports the model,
the **runner** of `kstate.io.scenario_runner` (`run_scenario(scenario,
out=None)` builds a `kstate.Cluster`, applies the manifests at t=0, walks
simulated time in `run.step`s executing the timeline, checks the expectations
and returns a `RunReport`, printing the readable timeline) and the kubectl
tables of `kstate.io.tables`. Imports the stdlib, `kstate.errors`,
`kstate.units`, `kstate.io.manifests` and those three modules (and lazily
`kstate.io.profile`, `kstate.api`, `kstate.resources`, `kstate.invariants`);
none of them imports this one.

Format (see README.md, "Scenarios"):

    name: crash-loop
    description: ...
    cluster: {nodes: 3, seed: 7, start: "2026-01-01T00:00:00Z", profile: default,
              load-balancer-pool: 192.0.2.0/28}
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

import os
import re
from typing import Any, Callable, Mapping, Optional

from kstate.errors import SpecError, UnknownFieldError
from kstate.io.fields import json_type
from kstate.io.manifests import load_documents, load_file, parse_manifests
from kstate.io.yamlio import read_text_file
from kstate.io.scenario_model import MAX_STEPS  # noqa: F401  (re-exported)
from kstate.io.scenario_model import (
    ClusterSpec, Condition, Eventually, Operation, Predicate, Scenario, plural, show_value,
)
from kstate.io.scenario_runner import RunReport, evaluate, run_scenario
from kstate.io.scenario_network import (  # noqa: F401
    TRACE_VERDICTS, _op_iptables, _op_resolve, _op_trace, _parse_selector,
)
from kstate.io import scenario_load
from kstate.io.tables import (  # noqa: F401 (re-exported)
    deployments_table, human_duration, nodes_table, pod_status, pods_table, replicaset_sizes,
    replicasets_table,
)
from kstate.registry import REGISTRY
from kstate.units import INT32_MAX, MAX_NODES, format_duration, parse_duration

__all__ = [
    "COMPARATORS", "Condition", "ClusterSpec", "Eventually", "Operation", "OPERATIONS", "Predicate",
    "RunReport", "Scenario", "evaluate", "human_duration", "is_scenario_document", "load_scenario",
    "nodes_table", "parse_scenario", "pod_status", "pods_table", "run_scenario",
]

#: The timeline operations, in the order the README documents them.
OPERATIONS = ("apply", "delete", "add-node", "fail-node", "recover-node", "remove-node", "cordon",
              "uncordon", "taint", "untaint", "drain", "evict", "crash-container", "scale", "set-image", "rollout-undo", "rollout-pause",
              "rollout-resume", "rollout-restart", "set-load", "suspend", "resume", "create-job", "check",
              "iptables", "trace", "resolve", "set-pod-usage", "set-metric", "stop-controller",
              "start-controller")
#: Comparators of an expectation (exactly one per condition or `where` clause).
COMPARATORS = ("equals", "not-equals", "at-least", "at-most", "absent", "exists")
#: Top-level keys that make a YAML document a scenario rather than a manifest.
SCENARIO_KEYS = ("cluster", "manifests", "load", "timeline", "expect", "run")
_TOP_KEYS = ("name", "description") + SCENARIO_KEYS


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
            raise self.err(f"Invalid value: {show_value(v)}: must be a mapping", path)
        for k in v:
            if k not in allowed:
                raise self.unknown(_join(path, k))
        for k in required:
            if v.get(k) is None:
                raise self.err("Required value", _join(path, k))
        return v

    def string(self, v: Any, path: str, allow_empty: bool = False) -> str:
        if not isinstance(v, str):
            raise self.err(f"Invalid value: {show_value(v)}: must be a string", path)
        if not v and not allow_empty:
            raise self.err("Required value", path)
        return v

    def integer(self, v: Any, path: str, minimum: Optional[int] = None, maximum: int = 2**63 - 1) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.err(f"Invalid value: {show_value(v)}: must be an integer", path)
        if minimum is not None and v < minimum:
            raise self.err(f"Invalid value: {v}: must be greater than or equal to {minimum}", path)
        if v > maximum:
            raise self.err(f"Invalid value: {v}: must be less than or equal to {maximum}", path)
        return v

    def boolean(self, v: Any, path: str) -> bool:
        if not isinstance(v, bool):
            raise self.err(f"Invalid value: {show_value(v)}: must be true or false", path)
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
            what = "not a regular file" if os.path.exists(full) else "file not found"
            raise self.err(f"Invalid value: {show_value(rel)}: {what} ({full})", path)
        return full


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Parse and check a scenario file. Raises SpecError (source = the file)."""
    src = os.fspath(path)
    text = read_text_file(src)
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
        raise p.err(f"a scenario must be a mapping (got {json_type(data)})", "")
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

    timeline = scenario_load._parse_load(p, data.get("load"), _workload_arg) + _parse_timeline(p, data.get("timeline"), until)
    always, eventually, at_end = _parse_expect(p, data.get("expect"), until)
    return Scenario(path=source, name=name, description=description, cluster=cluster, manifests=manifests,
                    manifest_sources=sources, timeline=timeline, always=always, eventually=eventually,
                    at_end=at_end, until=until, step=step)


def _parse_cluster(p: _P, v: Any) -> ClusterSpec:
    from kstate.io.profile import PROFILE_DIR, load_profile
    from kstate.resources.meta import parse_time
    if v is None:
        v = {}
    p.mapping(v, "cluster", ("nodes", "seed", "start", "profile", "load-balancer-pool"))
    nodes: Any = 3
    if v.get("nodes") is not None:
        raw = v["nodes"]
        if isinstance(raw, int) and not isinstance(raw, bool):
            nodes = p.integer(raw, "cluster.nodes", minimum=0, maximum=MAX_NODES)
        elif isinstance(raw, (list, dict)):
            objs, _ = _parse_manifest_items(p, raw, "cluster.nodes")
            for i, o in enumerate(objs):
                if o.KIND != "Node":
                    raise p.err(f"Invalid value: {o.KIND} {show_value(o.metadata.name)}: only Node manifests are allowed "
                                f"here", f"cluster.nodes[{i}]")
            nodes = objs
        else:
            raise p.err(f"Invalid value: {show_value(raw)}: must be a count, a list of Node manifests or "
                        "{file: nodes.yaml}", "cluster.nodes")
    seed = 0 if v.get("seed") is None else p.integer(v["seed"], "cluster.seed")
    start = "2026-01-01T00:00:00Z" if v.get("start") is None else p.string(v["start"], "cluster.start")
    try:
        parse_time(start)
    except ValueError:
        raise p.err(f"Invalid value: {show_value(start)}: want an RFC 3339 time like 2026-01-01T00:00:00Z",
                    "cluster.start") from None
    prof_name = "default" if v.get("profile") is None else p.string(v["profile"], "cluster.profile")
    if os.sep not in prof_name and "/" not in prof_name and not prof_name.endswith((".yaml", ".yml")):
        if not os.path.isfile(os.path.join(PROFILE_DIR, prof_name + ".yaml")):
            builtin = sorted(f[:-5] for f in os.listdir(PROFILE_DIR) if f.endswith(".yaml"))
            raise p.err(f"Unsupported value: {show_value(prof_name)}: built-in profiles: {', '.join(builtin)} "
                        "(or give a path to a profile file)", "cluster.profile")
        profile = load_profile(prof_name)
    else:
        profile = load_profile(p.file_path(prof_name, "cluster.profile"))
    pool = None
    if v.get("load-balancer-pool") is not None:
        from kstate.network.ipallocator import pool_addresses
        pool = p.string(v["load-balancer-pool"], "cluster.load-balancer-pool")
        try:
            pool_addresses(pool)
        except ValueError:
            raise p.err(f"Invalid value: {show_value(pool)}: must be a CIDR or a range first-last of IP addresses "
                        "(e.g. 192.0.2.0/28)", "cluster.load-balancer-pool") from None
    return ClusterSpec(nodes=nodes, seed=seed, start=start, profile=profile, profile_name=prof_name,
                       load_balancer_pool=pool)


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
        raise p.err(f"Invalid value: {show_value(v)}: must be a manifest, {{file: x.yaml}} or a list of those", path)
    objs: list = []
    sources: list = []
    for i, item in enumerate(items):
        ipath = path if single else f"{path}[{i}]"
        if isinstance(item, dict) and "file" in item:
            p.mapping(item, ipath, ("file",))
            full = p.file_path(item["file"], f"{ipath}.file")
            loaded = load_file(full)   # errors keep the manifest file as source
            objs.extend(loaded)
            sources.append(f"{item['file']} ({plural(len(loaded), 'object')})")
        elif isinstance(item, dict):
            try:
                loaded = parse_manifests(item, source="")
            except SpecError as e:
                raise e.at(ipath, source=p.source) from None
            objs.extend(loaded)
            sources.extend(_obj_name(o) for o in loaded)
        else:
            raise p.err(f"Invalid value: {show_value(item)}: must be a manifest (a mapping) or {{file: x.yaml}}", ipath)
    return tuple(objs), tuple(sources)


def _parse_timeline(p: _P, v: Any, until: int) -> tuple:
    if v is None:
        return ()
    if not isinstance(v, list):
        raise p.err(f"Invalid value: {show_value(v)}: must be a list of steps", "timeline")
    out = []
    prev = None
    for i, entry in enumerate(v):
        path = f"timeline[{i}]"
        if not isinstance(entry, dict):
            raise p.err(f"Invalid value: {show_value(entry)}: must be a mapping like {{at: 30s, fail-node: node-1}}", path)
        if entry.get("at") is None:
            raise p.err("Required value", f"{path}.at")
        at = p.duration(entry["at"], f"{path}.at")
        if prev is not None and at < prev:
            raise p.err(f"Invalid value: {show_value(entry['at'])}: steps must be in time order (the previous step is at "
                        f"{format_duration(prev)})", f"{path}.at")
        if at > until:
            raise p.err(f"Invalid value: {show_value(entry['at'])}: after the end of the run (run.until is "
                        f"{format_duration(until)})", f"{path}.at")
        prev = at
        ops = [k for k in entry if k != "at"]
        for k in ops:
            if k not in OPERATIONS:
                raise p.err(f"Unsupported value: unknown operation {show_value(k)}: supported operations: "
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
    raise p.err(f"Invalid value: {show_value(v)}: must be a node name", path)


def _op_apply(p: _P, v: Any, path: str):
    objs, sources = _parse_manifest_items(p, v, path)
    return (objs,), ", ".join(sources)


def _op_delete(p: _P, v: Any, path: str):
    p.mapping(v, path, ("kind", "name", "namespace", "grace-period", "propagation-policy"), required=("kind", "name"))
    kind = _kind(p, v["kind"], f"{path}.kind")
    name = p.string(v["name"], f"{path}.name")
    ns = "default" if v.get("namespace") is None else p.string(v["namespace"], f"{path}.namespace")
    grace = None if v.get("grace-period") is None else p.integer(v["grace-period"], f"{path}.grace-period", 0)
    policy = None
    if v.get("propagation-policy") is not None:
        policy = p.string(v["propagation-policy"], f"{path}.propagation-policy")
        if policy not in ("Orphan", "Background", "Foreground"):
            raise p.err(f"Unsupported value: {show_value(policy)}: supported values: \"Orphan\", \"Background\", "
                        "\"Foreground\"", f"{path}.propagation-policy")
    text = f"{kind} {_ns_name(kind, ns, name)}" + (f" grace-period={grace}" if grace is not None else "") + (
        f" propagation-policy={policy}" if policy is not None else "")
    return (kind, name, ns, grace, policy), text


def _op_node(verb: str):
    def parse(p: _P, v: Any, path: str):
        a = _node_name_arg(p, v, path)
        return (a["name"],), a["name"]
    return parse


_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _op_taint(verb: str):
    """`taint`: {name, key, effect, value}; `untaint`: {name, key, effect?}."""
    def parse(p: _P, v: Any, path: str):
        extra = ("key", "effect", "value") if verb == "taint" else ("key", "effect")
        a = p.mapping(v, path, ("name",) + extra, required=("name", "key") + (("effect",) if verb == "taint" else ()))
        name = p.string(a["name"], f"{path}.name")
        key = p.string(a["key"], f"{path}.key")
        effect = None if a.get("effect") is None else p.string(a["effect"], f"{path}.effect")
        if effect is not None and effect not in _TAINT_EFFECTS:
            raise p.err(f'Unsupported value: "{effect}": supported values: "NoSchedule", "PreferNoSchedule", '
                        '"NoExecute"', f"{path}.effect")
        if verb == "taint":
            value = "" if a.get("value") is None else p.string(a["value"], f"{path}.value", allow_empty=True)
            return (name, key, effect, value), f"{name} {key}{'=' + value if value else ''}:{effect}"
        return (name, key, effect), f"{name} {key}{':' + effect if effect else ''}-"
    return parse


_DRAIN_FLAGS = ("force", "ignore-daemonsets", "delete-emptydir-data", "disable-eviction")


def _op_drain(p: _P, v: Any, path: str):
    """kubectl drain NODE [--force] [--ignore-daemonsets] [--delete-emptydir-data]
    [--disable-eviction] [--grace-period=N] [--timeout=D]."""
    a = _node_name_arg(p, v, path, _DRAIN_FLAGS + ("grace-period", "timeout"))
    flags = {f: False if a.get(f) is None else p.boolean(a[f], f"{path}.{f}") for f in _DRAIN_FLAGS}
    grace = None if a.get("grace-period") is None else p.integer(a["grace-period"], f"{path}.grace-period", 0)
    timeout = None if a.get("timeout") is None else p.duration(a["timeout"], f"{path}.timeout")
    text = a["name"] + "".join(f" {f}" for f in _DRAIN_FLAGS if flags[f]) + (
        f" grace-period={grace}" if grace is not None else "") + (
        f" timeout={format_duration(timeout)}" if timeout is not None else "")
    return (a["name"], flags["force"], grace, flags["ignore-daemonsets"], flags["delete-emptydir-data"],
            flags["disable-eviction"], timeout), text


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
            raise p.err(f"Invalid value: {show_value(a['taints'])}: must be a list", f"{path}.taints")
        kwargs["taints"] = list(a["taints"])
    for key in ("cpu", "memory", "pods"):
        if a.get(key) is not None:
            val = a[key]
            if isinstance(val, bool) or not isinstance(val, (str, int, float)):
                raise p.err(f"Invalid value: {show_value(val)}: must be a quantity", f"{path}.{key}")
            try:
                parse_quantity(str(val))
            except (SpecError, ValueError):
                raise p.err(f"Invalid value: {show_value(val)}: must be a quantity like 4, 500m or 16Gi",
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
    code = 1 if a.get("exit-code") is None else p.integer(a["exit-code"], f"{path}.exit-code", 0, INT32_MAX)
    if code > 255:
        raise p.err(f"Invalid value: {code}: must be between 0 and 255, inclusive", f"{path}.exit-code")
    return (name, ns, code), f"{ns}/{name} exit-code={code}"


def _workload_arg(p: _P, v: Any, path: str, extra: tuple = (), required: tuple = (), kind_default=None):
    if isinstance(v, str) and kind_default is not None:
        v = {"name": v}
    a = p.mapping(v, path, ("kind", "name", "namespace") + extra, required=("name",) + required)
    kind = kind_default if a.get("kind") is None and kind_default else _kind(
        p, a.get("kind"), f"{path}.kind")
    name = p.string(a["name"], f"{path}.name")
    ns = "default" if a.get("namespace") is None else p.string(a["namespace"], f"{path}.namespace")
    return a, kind, name, ns


def _op_scale(p: _P, v: Any, path: str):
    a, kind, name, ns = _workload_arg(p, v, path, ("replicas",), ("kind", "replicas"))
    n = p.integer(a["replicas"], f"{path}.replicas", 0, INT32_MAX)
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


def _op_suspend(verb: str):
    def parse(p: _P, v: Any, path: str):
        a, kind, name, ns = _workload_arg(p, v, path, (), ("kind",))
        return (kind, name, ns), f"{kind} {ns}/{name}"
    return parse


def _op_controller(p: _P, v: Any, path: str):
    """stop-controller / start-controller: a controller's name
    (`cronjob-controller`, `kubelet`, … as `Cluster(...).engine.controllers`
    lists them)."""
    name = p.string(v, path)
    return (name,), name


def _op_create_job(p: _P, v: Any, path: str):
    """create-job: {from: <cronjob>, name?: <job>, namespace?}."""
    if isinstance(v, str):
        v = {"from": v}
    a = p.mapping(v, path, ("from", "name", "namespace"), required=("from",))
    cj = p.string(a["from"], f"{path}.from")
    name = None if a.get("name") is None else p.string(a["name"], f"{path}.name")
    ns = "default" if a.get("namespace") is None else p.string(a["namespace"], f"{path}.namespace")
    return (cj, name, ns), f"--from=cronjob/{ns}/{cj}" + (f" {name}" if name else "")


def _op_evict(p: _P, v: Any, path: str):
    """POST pods/eviction: a pod name or {name, namespace, grace-period}."""
    a = {"name": p.string(v, path)} if isinstance(v, str) else p.mapping(
        v, path, ("name", "namespace", "grace-period"), required=("name",))
    name = p.string(a["name"], f"{path}.name")
    ns = "default" if a.get("namespace") is None else p.string(a["namespace"], f"{path}.namespace")
    grace = None if a.get("grace-period") is None else p.integer(a["grace-period"], f"{path}.grace-period", 0)
    return (name, ns, grace), f"{ns}/{name}" + (f" grace-period={grace}" if grace is not None else "")


def _op_check(p: _P, v: Any, path: str):
    conds = _parse_conditions(p, v, path)
    return (conds,), "; ".join(c.describe() for c in conds)


_OP_PARSERS: dict[str, Callable] = {
    "apply": _op_apply, "delete": _op_delete, "add-node": _op_add_node,
    "fail-node": _op_node("fail-node"), "recover-node": _op_node("recover-node"),
    "remove-node": _op_node("remove-node"), "cordon": _op_node("cordon"), "uncordon": _op_node("uncordon"),
    "taint": _op_taint("taint"), "untaint": _op_taint("untaint"),
    "drain": _op_drain, "evict": _op_evict, "crash-container": _op_crash, "check": _op_check,
    "scale": _op_scale, "set-image": _op_set_image, "rollout-undo": _op_rollout("rollout-undo"),
    "rollout-pause": _op_rollout("rollout-pause"), "rollout-resume": _op_rollout("rollout-resume"),
    "rollout-restart": _op_rollout("rollout-restart"), "set-load": lambda p, v, path: scenario_load._op_set_load(p, v, path, _workload_arg),
    "set-pod-usage": scenario_load._op_set_pod_usage,
    "set-metric": lambda p, v, path: scenario_load._op_set_metric(p, v, path, _workload_arg),
    "suspend": _op_suspend("suspend"), "resume": _op_suspend("resume"), "create-job": _op_create_job,
    "stop-controller": _op_controller, "start-controller": _op_controller,
    "iptables": _op_iptables, "trace": _op_trace, "resolve": _op_resolve,   # kstate.io.scenario_network
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
                raise p.err(f"Unsupported value: {show_value(n)}: invariants: {', '.join(sorted(INVARIANTS))}",
                            f"expect.always[{i}]")
            names.append(n)
        always = tuple(names)
    else:
        raise p.err(f"Invalid value: {show_value(raw)}: must be all, none or a list of invariant names", "expect.always")

    eventually = []
    raw = v.get("eventually")
    if raw is not None:
        single = isinstance(raw, dict)
        entries = [raw] if single else raw
        if not isinstance(entries, list):
            raise p.err(f"Invalid value: {show_value(raw)}: must be a list of {{within, that}}", "expect.eventually")
        for i, e in enumerate(entries):
            path = "expect.eventually" if single else f"expect.eventually[{i}]"
            p.mapping(e, path, ("within", "that"), required=("within", "that"))
            within = p.duration(e["within"], f"{path}.within")
            if within > until:
                raise p.err(f"Invalid value: {show_value(e['within'])}: after the end of the run (run.until is "
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
        raise p.err(f"Invalid value: {show_value(v)}: must be a non-empty list of conditions", path)
    return tuple(_parse_condition(p, c, f"{path}[{i}]") for i, c in enumerate(v))


def _parse_condition(p: _P, v: Any, path: str) -> Condition:
    p.mapping(v, path, _COND_KEYS, required=("kind",))
    kind = _kind(p, v["kind"], f"{path}.kind")
    namespaced = REGISTRY.kind(kind).namespaced
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
                raise p.err(f"Invalid value: {show_value(v[op])}: must be true", f"{path}.{op}")
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
            raise p.err(f"Invalid value: {show_value(raw)}: must be {{path, <comparator>}} or a list of those",
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


def _parse_predicate(p: _P, v: dict, path: str) -> Predicate:
    text = v.get("path")
    text = p.string(text, f"{path}.path")
    segs = _parse_path(text)
    if segs is None:
        raise p.err(f"Invalid value: {show_value(text)}: not a field path like status.containerStatuses[0].restartCount, "
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
            raise p.err(f"Invalid value: {show_value(value)}: must be true", f"{path}.{op}")
    elif op in ("at-least", "at-most"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise p.err(f"Invalid value: {show_value(value)}: must be a number", f"{path}.{op}")
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


def _kind(p: _P, v: Any, path: str) -> str:
    """A kind as kubectl names it, resolved through the kind registry."""
    s = p.string(v, path)
    try:
        return REGISTRY.resolve(s).kind
    except SpecError as e:
        raise p.err(f"Unsupported value: {e.message}", path) from None



# ------------------------------------------------------------ small helpers


def _obj_name(o: Any) -> str:
    m = o.metadata
    return f"{o.KIND} {m.namespace + '/' if m.namespace else ''}{m.name or m.generate_name + '*'}"


def _ns_name(kind: str, ns: str, name: str) -> str:
    return f"{ns}/{name}" if REGISTRY.kind(kind).namespaced else name
