"""Lifecycles as data, compiled once.

Owns: turning a lifecycle module (`STATES`, `TRANSITIONS`, `INITIAL`,
`TERMINAL`) into a `Lifecycle`: the `transitions` library builds it once per kind
(`Machine(model=None, auto_transitions=False)`), kstate validates the table
itself (transitions accepts undeclared states silently), and compiles it to a
dict `(state, trigger) -> state` that the engine consults on every status
change. Holds no per-object state: an object's state is a plain field on the
resource. Must not import engine/, controllers/ or io/.

Why not a Machine per object: measured upstream, a machine per pod costs
17-46 KiB and `add_model` is O(N²) in the number of models; a dict lookup is
~0.1 µs and costs nothing per object.
"""
from __future__ import annotations

from types import ModuleType
from typing import Iterable

from transitions import Machine

from kstate.errors import InvalidTransition


class MachineDefinitionError(ValueError):
    """A lifecycle table that is not well formed (a kstate bug, not user input)."""


class Lifecycle:
    """A compiled lifecycle: `next(state, trigger)` or `InvalidTransition`."""

    __slots__ = ("name", "states", "initial", "terminal", "edges", "table", "triggers", "_machine")

    def __init__(self, name: str, states: Iterable[str], transitions: Iterable[tuple[str, str | list, str]],
                 initial: str, terminal: Iterable[str] = ()):
        self.name = name
        self.states = tuple(states)
        self.initial = initial
        self.terminal = frozenset(terminal)
        edges = []
        for trigger, sources, dest in transitions:
            for src in ([sources] if isinstance(sources, str) else sources):
                edges.append((trigger, src, dest))
        self.edges = tuple(edges)
        self._validate()
        # Built once, with transitions, so the library is the source of the
        # diagrams and the reference semantics for the table we compile.
        self._machine = Machine(model=None, states=list(self.states), initial=initial,
                                auto_transitions=False, send_event=False)
        for trigger, src, dest in self.edges:
            self._machine.add_transition(trigger, src, dest)
        table: dict[tuple[str, str], str] = {}
        for trigger, event in self._machine.events.items():
            for src, trans in event.transitions.items():
                table[(src, trigger)] = trans[0].dest
        self.table = table
        self.triggers = frozenset(t for t, _, _ in self.edges)

    def _validate(self) -> None:
        declared = set(self.states)
        if len(declared) != len(self.states):
            raise MachineDefinitionError(f"{self.name}: duplicate state")
        if self.initial not in declared:
            raise MachineDefinitionError(f"{self.name}: initial {self.initial!r} not declared")
        for t in self.terminal:
            if t not in declared:
                raise MachineDefinitionError(f"{self.name}: terminal {t!r} not declared")
        seen: set[tuple[str, str]] = set()
        for trigger, src, dest in self.edges:
            for s in (src, dest):
                if s not in declared:
                    raise MachineDefinitionError(f"{self.name}: {trigger}: undeclared state {s!r}")
            if (src, trigger) in seen:
                raise MachineDefinitionError(f"{self.name}: duplicate edge ({src!r}, {trigger!r})")
            seen.add((src, trigger))
            if src in self.terminal:
                raise MachineDefinitionError(f"{self.name}: terminal state {src!r} has an outgoing edge")
        reached = {self.initial}
        frontier = [self.initial]
        out: dict[str, list[str]] = {}
        for _, src, dest in self.edges:
            out.setdefault(src, []).append(dest)
        while frontier:
            for d in out.get(frontier.pop(), ()):
                if d not in reached:
                    reached.add(d)
                    frontier.append(d)
        unreachable = declared - reached
        if unreachable:
            raise MachineDefinitionError(f"{self.name}: unreachable states {sorted(unreachable)}")

    def next(self, state: str, trigger: str) -> str:
        """The state `trigger` leads to from `state`; InvalidTransition if none."""
        dest = self.table.get((state, trigger))
        if dest is None:
            raise InvalidTransition(self.name, state, trigger)
        return dest

    def check(self, state: str, trigger: str, dest: str) -> None:
        """Raise InvalidTransition unless (state, trigger) → dest is an edge."""
        if self.table.get((state, trigger)) != dest:
            raise InvalidTransition(self.name, state, trigger, dest)

    def has_edge(self, src: str, dest: str) -> bool:
        return any(s == src and d == dest for _, s, d in self.edges)

    def to_mermaid(self) -> str:
        """The machine as a Mermaid stateDiagram (`kstate graph pod`)."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for trigger, src, dest in self.edges:
            lines.append(f"    {src} --> {dest}: {trigger}")
        for t in sorted(self.terminal):
            lines.append(f"    {t} --> [*]")
        return "\n".join(lines) + "\n"


def compile_module(module: ModuleType) -> Lifecycle:
    """Build the Lifecycle declared by a machines/<kind>.py module."""
    return Lifecycle(module.NAME, module.STATES, module.TRANSITIONS, module.INITIAL,
                     getattr(module, "TERMINAL", ()))


_REGISTRY: dict[str, Lifecycle] = {}


def register(lc: Lifecycle) -> Lifecycle:
    """Make a lifecycle declared outside kstate.machines (a plug-in kind's)
    known by its name."""
    existing = _REGISTRY.get(lc.name)
    if existing is not None and existing is not lc:
        raise MachineDefinitionError(f"a lifecycle named {lc.name!r} is already registered")
    _REGISTRY[lc.name] = lc
    return lc


def lifecycle(name: str) -> Lifecycle:
    """The compiled lifecycle for `name` ("pod", "node"); built on first use."""
    lc = _REGISTRY.get(name)
    if lc is None:
        import importlib
        lc = compile_module(importlib.import_module(f"kstate.machines.{name}"))
        _REGISTRY[name] = lc
    return lc


MACHINE_NAMES = ("pod", "node", "deployment", "daemonslot", "hpa", "job", "cronjob", "statefulset", "statefulslot",
                 "pvc", "pv")
