"""The parsed form of a scenario file: frozen dataclasses the parser
(`kstate.io.scenario`) builds and the runner (`kstate.io.scenario_runner`)
reads, and the small text helpers both print with.

Owns: `Predicate`, `Condition`, `Operation`, `Eventually`, `ClusterSpec`,
`Scenario`, `show_value`, `plural`. Imports the stdlib only; never another
kstate module.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Optional

__all__ = ["ClusterSpec", "Condition", "Eventually", "Operation", "Predicate", "Scenario", "plural",
           "show_value"]


#: Above this many check points a run is refused (raise `run.step`).
MAX_STEPS = 1_000_000


def check_run_length(until: int, step: int, path: str) -> None:
    """A run of at most MAX_STEPS steps (each step is a check point)."""
    from kstate.errors import SpecError
    from kstate.units import format_duration
    if until // step > MAX_STEPS:
        raise SpecError(f"Invalid value: {format_duration(until)}: in steps of {format_duration(step)} it is more "
                        f"than {MAX_STEPS} steps (raise run.step)", path)


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
        return f"{self.path_text} {self.op} {show_value(self.value)}"


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
    load_balancer_pool: Optional[str] = None   # Cluster(load_balancer_pool=...)


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
            check_run_length(until, out.step, "--until")
            out = dataclasses.replace(out, until=until)
        return out

    def object_count(self) -> int:
        """Objects the scenario declares: manifests, node manifests and
        timeline applies."""
        n = len(self.manifests)
        if not isinstance(self.cluster.nodes, int):
            n += len(self.cluster.nodes)
        return n + sum(len(op.args[0]) for op in self.timeline if op.verb == "apply")


# ------------------------------------------------------------ small helpers


def show_value(v: Any) -> str:
    """A value as scenario messages print it: JSON, at most 80 characters."""
    try:
        s = json.dumps(v, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        s = repr(v)
    return s if len(s) <= 80 else s[:77] + "..."


def _show_selector(sel: Any) -> str:
    if isinstance(sel, tuple):
        return ",".join(f"{k}={v}" for k, v in sel)
    return str(sel)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
