"""Declarative pod timing rules, in the spirit of KWOK's Stages.

Owns: the `Profile` (a tuple of `Rule`s) the kubelet consults to decide *when*
a pod moves on: which state a rule applies to, which pods it selects, how long
after its anchor it fires, and the trigger it fires. Validation of profile data
raises SpecError with field paths. Must not import engine/ or io/; it reads no
files (io/ loads the YAML).

A rule's delay is: the pod's annotation (when the rule names one and the pod
has it), else the probe-derived delay (readiness), else the default; plus a
jitter in [0, jitter] derived from a hash of the pod uid and the rule name, so
it is seeded (uids come from the engine's seeded RNG) and the reconcile stays
pure.
"""
from __future__ import annotations

import fnmatch
import hashlib
from functools import lru_cache
from typing import Any, Optional

import attrs

from kstate.errors import SpecError
from kstate.resources.frozen import EMPTY, FrozenDict, freeze
from kstate.units import parse_duration

#: not a pod state: a running sidecar (restartable init container), whatever
#: the pod's state; its rules count from that sidecar instance's start.
SIDECAR_RUNNING = "SidecarRunning"

#: triggers a rule may fire, and the pod state each one applies to.
RULE_TRIGGERS = {
    "start": "ContainerCreating",
    "init_done": "Initializing",
    "become_ready": "Running",
    "exit": "Running",
    "stop": "Terminating",
    "sidecar_exit": SIDECAR_RUNNING,
    # not a step: how long pulling the app containers' missing images takes
    "pull": "ContainerCreating",
}


@lru_cache(maxsize=4096)
def _duration(text: str) -> int:
    return parse_duration(text)


@attrs.frozen
class Rule:
    name: str
    state: str
    fire: str
    default: Optional[int] = None        # ms; None = the rule does not fire without its annotation
    annotation: str = ""
    probe: str = ""                      # "readinessProbe": delay from the probe's timing
    jitter: int = 0                      # ms
    ready: Optional[bool] = None         # applies only when the pod's Ready matches
    labels: FrozenDict = EMPTY           # selector over pod labels (equality)
    unless_annotations: FrozenDict = EMPTY
    image: str = ""                      # glob over container images
    exit_code: int = 0
    exit_code_annotation: str = ""

    def selects(self, pod) -> bool:
        if self.ready is not None:
            from kstate.resources.pod import is_pod_ready
            if is_pod_ready(pod) != self.ready:
                return False
        meta = pod.metadata
        for k, v in self.labels.items():
            if meta.labels.get(k) != v:
                return False
        for k, v in self.unless_annotations.items():
            if meta.annotations.get(k) == v:
                return False
        if self.image and not any(fnmatch.fnmatchcase(c.image, self.image) for c in pod.spec.containers):
            return False
        return True

    def delay(self, pod) -> Optional[int]:
        """The delay in ms for `pod`, or None when the rule does not apply
        (no annotation and no default)."""
        ann = pod.metadata.annotations.get(self.annotation) if self.annotation else None
        if ann is not None:
            base = _duration(ann)
        elif self.probe == "readinessProbe" and _readiness_probe(pod) is not None:
            p = _readiness_probe(pod)
            # First probe after initialDelaySeconds, then successThreshold
            # consecutive successes one period apart (prober/worker.go).
            base = (p.initial_delay_seconds + (p.success_threshold - 1) * p.period_seconds) * 1000
        elif self.default is not None:
            base = self.default
        else:
            return None
        if self.jitter:
            h = hashlib.sha256(f"{pod.metadata.uid}/{self.name}".encode()).digest()
            base += int.from_bytes(h[:8], "big") % (self.jitter + 1)
        return base

    def code(self, pod) -> int:
        if self.exit_code_annotation:
            ann = pod.metadata.annotations.get(self.exit_code_annotation)
            if ann is not None:
                return int(ann)
        return self.exit_code


def _readiness_probe(pod):
    for c in pod.spec.containers:
        if c.readiness_probe is not None:
            return c.readiness_probe
    return None


@attrs.frozen
class Profile:
    name: str
    rules: tuple[Rule, ...]
    #: control-plane latency: controller name (or "*" for every other one) → the most
    #: ms a watch event waits before that controller's workqueue hands it over; the
    #: engine draws each wait from its seeded stream "latency" (empty: no wait).
    latency: FrozenDict = EMPTY
    by_state: FrozenDict = attrs.field(init=False, repr=False, eq=False)
    #: the first `pull` rule when a pull can take time (a default, an annotation or a
    #: jitter), else None: the kubelet then pulls in no time without asking.
    pull_rule: Optional[Rule] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by: dict[str, tuple[Rule, ...]] = {}
        for r in self.rules:
            by[r.state] = by.get(r.state, ()) + (r,)
        object.__setattr__(self, "by_state", FrozenDict(by))
        pull = next((r for r in self.rules if r.fire == "pull"), None)
        if pull is not None and not (pull.default or pull.annotation or pull.jitter):
            pull = None
        object.__setattr__(self, "pull_rule", pull)

    def rules_for(self, state: str) -> tuple[Rule, ...]:
        return self.by_state.get(state, ())

    @classmethod
    def from_data(cls, data: Any, source: str = "profile") -> "Profile":
        """Validate profile data (the parsed YAML of specs/profiles/*.yaml)."""
        if not isinstance(data, dict):
            raise SpecError("profile must be a mapping", "", source)
        unknown = sorted(str(k) for k in set(data) - {"name", "rules", "description", "latency"})
        if unknown:
            raise SpecError(f'unknown field "{unknown[0]}"', unknown[0], source)
        rules_data = data.get("rules")
        if not isinstance(rules_data, list) or not rules_data:
            raise SpecError("Required value: a non-empty list of rules", "rules", source)
        rules = []
        for i, r in enumerate(rules_data):
            try:
                rules.append(_parse_rule(r))
            except SpecError as e:
                raise e.at(f"rules[{i}]", source) from None
        latency = data.get("latency") or {}
        if not isinstance(latency, dict):
            raise SpecError(f"Invalid value: {latency!r}: must be a mapping of controller names to durations",
                            "latency", source)
        lat = {}
        for k, v in latency.items():
            if not isinstance(k, str) or not k:
                raise SpecError(f"Invalid value: {k!r}: must be a controller name or \"*\"", "latency", source)
            try:
                lat[k] = _dur(v, f"latency.{k}")
            except SpecError as e:
                raise SpecError(e.message, e.path, source) from None
        return cls(name=str(data.get("name", source)), rules=tuple(rules), latency=freeze(lat) if lat else EMPTY)


def _expect(d: dict, allowed: set, path: str = "") -> None:
    if not isinstance(d, dict):
        raise SpecError("must be a mapping", path)
    for k in d:
        if k not in allowed:
            raise SpecError(f'unknown field "{k}"', f"{path}.{k}" if path else k)


def _dur(value: Any, path: str) -> int:
    try:
        return parse_duration(value)
    except SpecError as e:
        raise e.at(path) from None


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"Invalid value: {value!r}: must be a string", path)
    return value


def _str_map(value: Any, path: str) -> FrozenDict:
    if value is None:
        return EMPTY
    if not isinstance(value, dict):
        raise SpecError(f"Invalid value: {value!r}: must be a mapping of strings to strings", path)
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise SpecError(f"Invalid value: {v!r}: must be a string", f"{path}.{k}")
    return freeze(value)


def _exit_code(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -2**31 <= value < 2**31:
        raise SpecError(f"Invalid value: {value!r}: an exit code is a 32-bit integer", path)
    return value


def _parse_rule(r: Any) -> Rule:
    if isinstance(r, dict) and "on" not in r and (True in r or "true" in r):
        # YAML 1.1 reads a bare `on:` key as the boolean true.
        r = {("on" if k is True or k == "true" else k): v for k, v in r.items()}
    _expect(r, {"name", "on", "after", "fire", "unless", "when", "select", "exit-code"})
    for req in ("name", "on", "fire"):
        if req not in r:
            raise SpecError("Required value", req)
    fire = r["fire"]
    if not isinstance(fire, str) or fire not in RULE_TRIGGERS:
        raise SpecError(f"Unsupported value: {fire!r}: supported values: {sorted(RULE_TRIGGERS)}", "fire")
    on = r["on"]
    _expect(on, {"kind", "state", "ready"}, "on")
    if on.get("kind", "Pod") != "Pod":
        raise SpecError("only Pod rules are supported", "on.kind")
    state = on.get("state")
    if not isinstance(state, str) or state != RULE_TRIGGERS[fire]:
        raise SpecError(f"trigger {fire!r} applies to state {RULE_TRIGGERS[fire]!r}, not {state!r}", "on.state")
    ready = on.get("ready")
    if ready is not None and not isinstance(ready, bool):
        raise SpecError("must be a boolean", "on.ready")
    after = r.get("after", {}) or {}
    _expect(after, {"default", "annotation", "jitter", "probe"}, "after")
    default = _dur(after["default"], "after.default") if "default" in after else None
    jitter = _dur(after.get("jitter", 0), "after.jitter")
    when = r.get("when", {}) or {}
    _expect(when, {"annotation"}, "when")
    annotation = _str(after.get("annotation", ""), "after.annotation") or _str(when.get("annotation", ""),
                                                                                "when.annotation")
    if when.get("annotation") and default is not None:
        raise SpecError("a rule gated by `when.annotation` has no default", "after.default")
    probe = after.get("probe", "")
    if not isinstance(probe, str) or probe not in ("", "readinessProbe"):
        raise SpecError(f"Unsupported value: {probe!r}", "after.probe")
    unless = r.get("unless", {}) or {}
    _expect(unless, {"annotations"}, "unless")
    select = r.get("select", {}) or {}
    _expect(select, {"labels", "image"}, "select")
    code = r.get("exit-code", {}) or {}
    _expect(code, {"default", "annotation"}, "exit-code")
    return Rule(
        name=_str(r["name"], "name"), state=state, fire=fire, default=default, annotation=annotation,
        probe=probe, jitter=jitter, ready=ready,
        labels=_str_map(select.get("labels"), "select.labels"),
        unless_annotations=_str_map(unless.get("annotations"), "unless.annotations"),
        image=_str(select.get("image", ""), "select.image"),
        exit_code=_exit_code(code.get("default", 0), "exit-code.default"),
        exit_code_annotation=_str(code.get("annotation", ""), "exit-code.annotation"),
    )


def due(rule: Rule, pod, anchor: Optional[int]) -> Optional[int]:
    """When `rule` fires for `pod` counting from `anchor` (ms), or None."""
    if anchor is None or not rule.selects(pod):
        return None
    d = rule.delay(pod)
    return None if d is None else anchor + d
