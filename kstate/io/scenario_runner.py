"""Running a parsed scenario: a fresh `kstate.Cluster`, the manifests applied
at t=0, simulated time walked in `run.step`s executing the timeline, the
expectations checked, and the readable timeline and kubectl tables printed.

Owns: `run_scenario`, `RunReport`, `evaluate` and the timeline rendering.
Imports the stdlib, `kstate.errors`, `kstate.units`, `kstate.io.manifests`,
`kstate.io.tables` and `kstate.io.scenario_model`, and (lazily, at run time)
`kstate.api` and `kstate.invariants`; never `kstate.io.scenario` (the
parser), which re-exports what this module owns.
"""
from __future__ import annotations

import bisect

import json
import re
import textwrap
from dataclasses import dataclass
from typing import Any, Optional, TextIO

from kstate.errors import APIStatusError, InvalidOperation, KstateError, SpecError
from kstate.io.manifests import to_manifest
from kstate.registry import REGISTRY
from kstate.resources.frozen import thaw
from kstate.io.scenario_model import Condition, Operation, Predicate, Scenario, plural, show_value
from kstate.io.tables import (
    deployments_table, nodes_table, other_tables, pods_table, replicaset_sizes, replicasets_table,
)
from kstate.units import format_duration

__all__ = ["RunReport", "evaluate", "run_scenario"]


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
    got = "absent" if actual is _MISSING else show_value(actual)
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
            return (f"PASS  {self.scenario.name}: {plural(self.checked, 'expectation')} held over "
                    f"{format_duration(self.scenario.until)}\n")
        lines = [f"FAIL  {self.scenario.name}: {plural(len(self.failures), 'failure')}"]
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
                      profile=sc.cluster.profile, load_balancer_pool=sc.cluster.load_balancer_pool)
    eng = cluster.engine
    from kstate.resources.meta import MAX_TIME_MS
    if eng.start + sc.until > MAX_TIME_MS:
        raise SpecError(f"Invalid value: {format_duration(sc.until)}: the run would pass 9999-12-31T23:59:59Z",
                        "run.until")
    head = f"scenario {sc.name}" + (f": {' '.join(sc.description.split())}" if sc.description.strip() else "")
    for line in textwrap.wrap(head, width=100, subsequent_indent=" " * 9, break_on_hyphens=False):
        w.line(line)
    node_names = [n.metadata.name for n in cluster.list("Node")]
    w.line(f"cluster  {plural(len(node_names), 'node')} ({_abbrev(node_names)}), seed {sc.cluster.seed}, "
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

    noted: set[str] = set()

    def note_stored(t: int, objs) -> None:
        """Once per kind: kstate keeps it but no controller acts on it."""
        for kind in sorted({o.KIND for o in objs}):
            spec = REGISTRY.get_kind(kind)
            if spec is not None and not spec.simulated and kind not in noted:
                noted.add(kind)
                w.line(f"  {stamp(t)}  note: {kind} objects are stored as applied, not simulated")

    checked = 0
    if sc.manifests:
        w.line(f"  {stamp(0)}  >>> apply {', '.join(sc.manifest_sources)}")
        try:
            # already decoded and validated by the scenario parser
            cluster._apply_objects(list(sc.manifests))
            note_stored(0, sc.manifests)
        except KstateError as e:
            fail(0, f"manifests: {_msg(e)}")
        cluster.advance("0ms")
    flush()

    # Check points: every step, every operation and deadline, the end. They
    # are generated lazily (a long --until must not build them all), and a
    # stretch of steps with no timer due is skipped: nothing changes in it, so
    # checking each of its steps would repeat what the last check saw.
    extras = sorted({op.at for op in sc.timeline if op.at <= sc.until}
                    | {e.within for e in sc.eventually if e.within <= sc.until} | {sc.until})
    ops = list(sc.timeline)
    oi = 0
    satisfied: dict[int, int] = {}
    pending_last: dict[int, str] = {}
    reported_eventually: set[int] = set()
    violated: set[str] = set()
    if sc.always is not None:
        checked += 1
    checked += len(sc.eventually) + len(sc.at_end) + sum(len(op.args[0]) for op in ops if op.verb == "check")
    checked += sum(op.args[1] for op in ops if op.verb in _NETWORK_VERBS)

    t = 0
    while t is not None:
        # An operation may have moved the clock past t (a drain retrying evictions).
        cluster.advance(f"{max(0, eng.start + t - eng.now)}ms")
        flush()
        while oi < len(ops) and ops[oi].at == t:
            op = ops[oi]
            oi += 1
            if op.verb == "check":
                results = [(c, *evaluate(c, cluster)) for c in op.args[0]]
                bad = [(c, got) for c, ok, got in results if not ok]
                w.line(f"  {stamp(t)}  >>> check {plural(len(results), 'condition')}: "
                       + ("ok" if not bad else f"{len(bad)} failed"))
                for c, got in bad:
                    fail(t, f"{c.field}: {c.describe()} ({got})")
                continue
            if op.verb in _NETWORK_VERBS:
                try:
                    shown, bad_net = _network_step(cluster, op)
                except KstateError as e:
                    fail(t, f"{op.field} {op.text}: {_msg(e)}")
                    continue
                n = op.args[1]
                w.line(f"  {stamp(t)}  >>> {op.text}" + (f": {plural(n, 'check')} " + (
                    "ok" if not bad_net else f"{len(bad_net)} failed") if n else ""))
                for line in shown:
                    w.line(f"      {line}" if line else "")
                for message in bad_net:
                    fail(t, f"{op.field}: {message}")
                continue
            w.line(f"  {stamp(t)}  >>> {op.text}")
            try:
                done = _execute(cluster, op)
                if op.verb == "drain":
                    flush()
                    for pod, why in done.failed:
                        w.line(f"  {stamp(eng.now - eng.start)}  note: drain could not evict {pod}: {why}")
                if op.verb == "evict" and done is not None:
                    w.line(f"  {stamp(t)}  note: eviction refused ({done.code}): {done.message}"
                           + "".join(f" {m}" for _, m in done.causes))
                if op.verb == "apply":
                    note_stored(t, op.args[0])
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
        t = _next_point(t, sc.step, extras, eng.next_event_time(), eng.start)
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
    for table in (deployments_table(cluster), replicasets_table(cluster), *other_tables(cluster)):
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


_NETWORK_VERBS = ("iptables", "trace", "resolve")


def _network_step(cluster, op: Operation) -> tuple[list, list]:
    """An `iptables` or `trace` step on the live cluster: (lines to print,
    failed checks)."""
    a = op.args[0]
    bad: list = []
    if op.verb == "iptables":
        text = cluster.iptables(a["node"])
        lines = text.splitlines()
        for want in a["contains"]:
            if not any(want in line for line in lines):
                bad.append(f"no rule on {a['node']} contains {show_value(want)}")
        for unwanted in a["not-contains"]:
            hit = next((line for line in lines if unwanted in line), None)
            if hit is not None:
                bad.append(f"a rule on {a['node']} contains {show_value(unwanted)}: {hit}")
        if a["endpoints"] is not None:
            n = _dnat_count(cluster, lines, a)
            if n != a["endpoints"]:
                bad.append(f"{a['namespace']}/{a['service']} DNATs to {n} endpoint(s) on {a['node']}, "
                           f"want {a['endpoints']}")
        return ([f"# iptables-save on {a['node']} (kube-proxy)"] + lines if a["print"] else []), bad
    if op.verb == "resolve":
        src = None if a["from"] is None else _net_name(cluster, a["from"], "from")
        ns = a["namespace"]
        if src is not None and "/" in src:
            ns, _, src = src.partition("/")
        ans = cluster.resolve(a["name"], from_pod=src, namespace=ns)
        if a["type"] is not None and ans.type != a["type"]:
            bad.append(f"resolve {a['name']}: {ans.type} {list(ans.values)}, want {a['type']}")
        if a["count"] is not None and len(ans.values) != a["count"]:
            bad.append(f"resolve {a['name']}: {len(ans.values)} value(s) {list(ans.values)}, want {a['count']}")
        for want in a["contains"]:
            if want not in ans.values:
                bad.append(f"resolve {a['name']}: {show_value(want)} not among {list(ans.values)}")
        return (ans.render().splitlines() if a["print"] else []), bad
    src = _net_name(cluster, a["from"], "from")
    dst = _net_name(cluster, a["to"], "to")
    tr = cluster.trace_packet(src, dst, port=a["port"], protocol=a["protocol"], namespace=a["namespace"],
                              pick=a["pick"])
    rendered = tr.render()
    if a["verdict"] is not None and tr.verdict != a["verdict"]:
        bad.append(f"trace {src} -> {dst}: verdict {tr.verdict} ({tr.reason}), want {a['verdict']}")
    if a["endpoints"] is not None and len(tr.branches) != a["endpoints"]:
        bad.append(f"trace {src} -> {dst}: {len(tr.branches)} endpoint(s) to choose from, want {a['endpoints']}")
    for want in a["contains"]:
        if want not in rendered:
            bad.append(f"trace {src} -> {dst} does not contain {show_value(want)}")
    return (rendered.splitlines() if a["print"] else []), bad


def _net_name(cluster, end: Any, field: str) -> str:
    """A trace end as `Cluster.trace_packet` takes it: a name as given, or
    the first Running pod with an IP (by name) its selector matches."""
    from kstate.errors import NotFound
    if isinstance(end, str):
        return end
    _, sel, ns, node = end
    selector = dict(sel) if isinstance(sel, tuple) else sel
    pods = sorted((p for p in cluster.list("Pod", ns, selector) if p.status.phase == "Running" and p.status.pod_ip
                   and (node is None or p.spec.node_name == node)), key=lambda p: p.metadata.name)
    if not pods:
        raise NotFound(f"{field}: no Running pod with an IP matches {show_value(selector)} in {ns}"
                       + (f" on {node}" if node else ""))
    return f"{ns}/{pods[0].metadata.name}"


def _dnat_count(cluster, lines: list, a: dict) -> int:
    """How many endpoints the Service port's ClusterIP chain (KUBE-SVC-…, or
    KUBE-SVL-… with internalTrafficPolicy Local) jumps to."""
    from kstate.network import kubeproxy as kp
    svc = cluster.get("Service", a["service"], a["namespace"])
    sp = next((p for p in svc.spec.ports if a["port"] is None or p.port == a["port"]), None)
    if sp is None:
        raise SpecError(f"Invalid value: {a['port']}: service {a['namespace']}/{a['service']} has no such port",
                        "port")
    spn = kp.service_port_name(a["namespace"], a["service"], sp.name)
    prefix = "KUBE-SVL-" if svc.spec.internal_traffic_policy == "Local" else "KUBE-SVC-"
    head = f"-A {kp.chain(prefix, spn, sp.protocol.lower())} "
    return sum(1 for line in lines if line.startswith(head) and "-j KUBE-SEP-" in line and "--rcheck" not in line)


def _execute(cluster, op: Operation):
    a = op.args
    v = op.verb
    if v == "apply":
        cluster._apply_objects(list(a[0]))   # decoded and validated by the scenario parser
    elif v == "delete":
        kind, name, ns, grace, policy = a
        cluster.delete(kind, name, ns, grace_period=grace, propagation_policy=policy)
    elif v == "add-node":
        cluster.add_node(**a[0])
    elif v == "fail-node":
        cluster.fail_node(a[0])
    elif v == "recover-node":
        cluster.recover_node(a[0])
    elif v == "remove-node":
        cluster.remove_node(a[0])
    elif v == "stop-controller":
        cluster.stop_controller(a[0])
    elif v == "start-controller":
        cluster.start_controller(a[0])
    elif v == "cordon":
        cluster.cordon(a[0])
    elif v == "uncordon":
        cluster.uncordon(a[0])
    elif v == "taint":
        name, key, effect, value = a
        cluster.taint(name, key, effect, value)
    elif v == "untaint":
        name, key, effect = a
        cluster.untaint(name, key, effect)
    elif v == "drain":
        name, force, grace, ignore_ds, emptydir, no_eviction, timeout = a
        return cluster.drain(name, force=force, grace_period=grace, ignore_daemonsets=ignore_ds,
                             delete_emptydir_data=emptydir, disable_eviction=no_eviction,
                             timeout=None if timeout is None else f"{timeout}ms")
    elif v == "evict":
        name, ns, grace = a
        try:
            cluster.evict(name, ns, grace_period=grace)
        except APIStatusError as e:
            return e        # the API's answer (429, 403, 500), noted, not a failure
    elif v == "crash-container":
        name, ns, code = a
        cluster.crash_container(name, ns, exit_code=code)
    elif v == "scale":
        kind, name, n, ns = a
        cluster.scale(kind, name, n, namespace=ns)
    elif v == "set-image":
        kind, name, container, image, ns = a
        cluster.set_image(kind, name, container, image, namespace=ns)
    elif v == "set-load":
        kind, name, ns, cpu, memory = a
        cluster.set_load(kind, name, cpu=thaw(cpu), memory=thaw(memory), namespace=ns)
    elif v == "set-pod-usage":
        pod, ns, cpu, memory = a
        cluster.set_pod_usage(pod, cpu=thaw(cpu), memory=thaw(memory), namespace=ns)
    elif v == "set-metric":
        t, name, value, ns, selector, pod, target, labels = a
        value = thaw(value)
        if t == "Pods":
            if target is not None:
                obj = cluster.get(target[0], target[1], ns)
                spec = REGISTRY.kind(obj.KIND)
                if spec.scale_selector is None:
                    raise InvalidOperation(f"{obj.KIND} has no pod selector", "workload")
                selector = spec.scale_selector(obj)
            cluster.set_pod_metric(name, value, selector=selector, pod=pod, namespace=ns)
        elif t == "Object":
            cluster.set_object_metric(target[0], target[1], name, value, namespace=ns)
        else:
            cluster.set_external_metric(name, value, labels=dict(labels) if labels else None)
    elif v == "rollout-undo":
        name, ns, rev = a
        cluster.rollout_undo(name, to_revision=rev, namespace=ns)
    elif v in ("rollout-pause", "rollout-resume", "rollout-restart"):
        name, ns, _ = a
        getattr(cluster, v.replace("-", "_"))(name, namespace=ns)
    elif v in ("suspend", "resume"):
        kind, name, ns = a
        getattr(cluster, v)(kind, name, namespace=ns)
    elif v == "create-job":
        cj, name, ns = a
        cluster.create_job_from_cronjob(cj, name, namespace=ns)
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


def _next_point(t: int, step: int, extras: list, next_event: Optional[int], start: int) -> Optional[int]:
    """The check point after `t` (ms since start), or None after the last.

    Points are the multiples of `step`, and `extras` (operation times,
    deadlines, the end; sorted, the last is the end). Steps before the next
    timer (`next_event`, absolute, None when there is none) are skipped: the
    state cannot change before it, so their checks would see what `t` saw.
    Operation times and deadlines are never skipped.
    """
    end = extras[-1]
    if t >= end:
        return None
    i = bisect.bisect_right(extras, t)
    nxt_extra = extras[i]
    wake = end if next_event is None else max(t + 1, next_event - start)
    nxt_step = -(-wake // step) * step
    return min(nxt_extra, nxt_step)


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
