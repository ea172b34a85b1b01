"""The engine: the only code with state, time and randomness.

Owns: the indexed store, the integer-millisecond clock, the heap of timed
events, the deduplicating workqueue of controller keys, controller memory,
the declared indexes, identity (uids, generated names, resource versions and
the allocators kinds keep here: pod CIDRs, pod IPs), applying actions (each
status change checked against its kind's lifecycle machine), the trace and
the events. Must not parse YAML (io/ does; `kstate.api` joins the two), and
knows no kind by name: what a kind does on create, update, status write and
delete comes from its `KindSpec`, who is woken by a change from the
controllers' `Watch`es, and what is kept for them from their `IndexSpec`s
(`kstate.registry`) — their handlers compiled into one function per kind and
event (`_dispatcher`).

Run loop (client-go semantics): at each instant the workqueue is drained to a
fixed point — a key is never processed twice at once, a key added while queued
is not added again, a requeue-after keeps the earliest time — then the clock
jumps to the next timed event. A controller with a batch form
(`ControllerSpec.reconcile_batch`) takes a run of its consecutive keys at
the head of the queue in one call; the results are applied item by item as
the one-key loop would, and the run is cut where that loop would have done
something else (`Engine._drain_run`). Nothing iterates a dict or set keyed by
strings without sorting it first, so a run is a function of (seed, inputs).
"""
from __future__ import annotations

import contextlib
import gc
import heapq
import sys
from collections import deque
from typing import Any, Iterable, NamedTuple, Optional

from kstate.controllers.actions import Create, Delete, RecordEvent, Result, SetMemory, Update, UpdateStatus
from kstate.engine.log import EventLog, Names, Trace
from kstate.engine.rng import Streams
from kstate.engine.store import Store
from kstate.errors import (
    AlreadyExists, Forbidden, InvalidOperation, InvalidTransition, KstateError, NotFound, SpecError,
)
from kstate.machines import lifecycle
from kstate.registry import REGISTRY, SCOPE_KIND, SYSTEM_NAMESPACES, ControllerSpec, KindSpec, Registry
from kstate.resources.event import Event, ObjectReference
from kstate.resources.frozen import evolve, field_replacer
from kstate.resources.meta import ObjectMeta, to_datetime

#: the most controller steps one instant may take before the engine calls it a livelock.
MAX_STEPS_PER_INSTANT = 5_000_000
#: the finalizers of foreground and orphan deletion (metav1.FinalizerDeleteDependents / FinalizerOrphanDependents).
FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"



def deletion_finalizers(finalizers: tuple, propagation: Optional[str]) -> tuple:
    """store.go deletionFinalizersForGarbageCollection (with
    shouldOrphanDependents / shouldDeleteDependents): the GC finalizers an
    object gets when deleted. An explicit policy replaces the ones it has;
    without one, a GC finalizer it already carries decides (validation keeps
    the two from being set together), else Background (every kind here
    defaults to it). Other finalizers are kept, in their order.

    Example: finalizers (example.com/hold, foregroundDeletion) deleted with
    Orphan → (example.com/hold, orphan); with Background → (example.com/hold,);
    with no policy → unchanged."""
    if propagation is None:
        orphan = next((f == ORPHAN for f in finalizers if f in (ORPHAN, FOREGROUND)), False)
        foreground = next((f == FOREGROUND for f in finalizers if f in (ORPHAN, FOREGROUND)), False)
    else:
        orphan, foreground = propagation == "Orphan", propagation == "Foreground"
    out = tuple(f for f in finalizers if f not in (ORPHAN, FOREGROUND))
    return out + ((ORPHAN,) if orphan else ()) + ((FOREGROUND,) if foreground else ())


_PRIO_TIMER = 1
#: a copy of an ObjectMeta with a new resourceVersion: every store write makes one.
_with_resource_version = field_replacer(ObjectMeta, "resource_version")
#: a copy of an ObjectMeta with the fields the server fills on create.
_with_server_fields = field_replacer(ObjectMeta, "uid", "creation_timestamp", "resource_version", "generation")
#: (class, names of the fields a write changes besides metadata) → the
#: field_replacer that makes the written copy: `evolve` with keywords cost
#: ~2,400 machine instructions more a write (its keyword dicts, built twice).
_WRITERS: dict = {}
#: class → field_replacer(class, "metadata"): a create's copy with the
#: server's metadata
_META_WRITERS: dict = {}

#: class → the field_replacer of a status write (metadata, status).
_STATUS_WRITERS: dict = {}
#: ((kind, old state, trigger, new state), the kind's transition detail) →
#: the status write's trace detail: a few texts, written ~300,000 times at
#: scale (bounded: cleared when full).
_STEP_DETAILS: dict = {}


class _Handler(NamedTuple):
    """One informer handler as `_compile_handlers` files it: a declared
    index's update (`index`, named after the index) or a controller's watch
    (named after the controller, with the Watch's delay and requirements)."""
    name: str
    fn: Any
    events: frozenset
    index: bool = True
    delay: Any = 0
    requires: tuple = ()
    requires_index: str = ""
    ignores_status: bool = False


def _owner_kinds(old, new) -> frozenset:
    """The kinds the old and new object's owner references name."""
    return frozenset(r.kind for o in (old, new) if o is not None for r in o.metadata.owner_references)


def _compile_on_first_call(table: list, i: int, handlers: tuple, label: str):
    """A stand-in for `table[i]`, the dispatch function of `handlers`, that
    makes it (`_dispatcher`) when first called, puts it in its place and
    calls it: an engine compiles only what its changes use (a scale run's
    pods and nodes, not the ~140 kind × event functions: compiling them all
    cost more than a thousand pod changes save)."""
    def first(eng, old, new) -> None:
        dispatch = table[i] = _dispatcher(handlers, label)
        dispatch(eng, old, new)
    return first


#: the generated dispatch functions by their handler lists: every engine of a
#: process with the same controllers shares them (making them all took ~50
#: ms, ten times a small cluster's construction), as do kinds with the same
#: handlers (a function is named after the first kind and event it served).
_DISPATCHERS: dict = {}


def _dispatcher(handlers: tuple, label: str):
    """One change's informer handlers as one generated function
    `dispatch(engine, old, new)`: each handler is called in turn with its
    arguments bound and its keys enqueued as `Engine._on_change` specifies —
    a declared index's (controller, key) pairs, a watch's keys for its
    controller (after its delay if it has one; through the control-plane
    latency if the profile has some). The loop over a list of handler
    records it replaces cost more than most handlers (~17 a pod change).

    A watch that declares `requires` is called only when the store holds an
    object of one of those kinds or the old or new object names one in an
    owner reference; one that declares `requires_index` only when that
    index's state is not empty — otherwise its map returns nothing by
    declaration (`kstate.registry.Watch`), so skipping it changes no key.
    Both are read at the change, from the store and indexes of that moment
    (watches change neither, so a run of gated watches one after another is
    first tested as a whole: closed unless one of its gates may be open)."""
    dispatch = _DISPATCHERS.get(handlers)
    if dispatch is not None:
        return dispatch
    env: dict[str, Any] = {"_owner_kinds": _owner_kinds}
    body = ["enqueue = eng._enqueue_late if eng._latency else eng.enqueue"] if handlers else ["pass"]
    if any(h.index or h.requires_index for h in handlers):
        body.append("indexes = eng.indexes")
    if any(h.requires for h in handlers):
        body += ["kinds = eng.store.by_kind",
                 "owners = _owner_kinds(old, new) if ((old is not None and old.metadata.owner_references)"
                 " or (new is not None and new.metadata.owner_references)) else ()"]
    gated = [not h.index and bool(h.requires or h.requires_index) for h in handlers]
    run_pad = ""
    for i, h in enumerate(handlers):
        env[f"f{i}"], env[f"n{i}"], env[f"d{i}"] = h.fn, h.name, h.delay
        if not gated[i]:
            run_pad = ""
        elif not (i and gated[i - 1]):
            j = i
            while j < len(handlers) and gated[j]:
                j += 1
            run_pad = ""
            if j - i > 1:
                # the run's own test, true whenever one of its gates is: a pod change that opens
                # none (a bare pod's) pays one isdisjoint and skips the run, instead of a lookup
                # and an owner test per required kind
                kinds_of_run = frozenset(k for g in handlers[i:j] for k in g.requires)
                env[f"r{i}"] = kinds_of_run
                tests = (["owners", f"not r{i}.isdisjoint(kinds)"] if kinds_of_run else []) + \
                    [f"indexes[{x!r}]" for x in sorted({g.requires_index for g in handlers[i:j]} - {""})]
                body.append(f"if {' or '.join(tests)}:")
                run_pad = "    "
        body.append(f"{run_pad}# {'index' if h.index else 'watch of'} {h.name}: "
                    f"{getattr(h.fn, '__qualname__', h.fn)}")
        if h.index:
            body += [f"out = f{i}(indexes[n{i}], old, new, eng)",
                     "if out:",
                     "    for c, k in out:",
                     "        enqueue(c, k)"]
            continue
        gates = [f"kinds.get({k!r})" for k in h.requires] + [f"{k!r} in owners" for k in h.requires]
        if h.requires_index:
            gates.append(f"indexes[{h.requires_index!r}]")
        pad = run_pad + ("    " if gates else "")
        if gates:
            body.append(f"{run_pad}if {' or '.join(gates)}:")
        body += [f"{pad}out = f{i}(old, new, eng)", f"{pad}if out:"]
        if h.delay:
            if callable(h.delay):
                body.append(f"{pad}    d = d{i}(old, new, eng)")
            else:
                body.append(f"{pad}    d = d{i}")
            body += [f"{pad}    for k in out:", f"{pad}        eng.enqueue_after(n{i}, k, d)"]
        else:
            body += [f"{pad}    for k in out:", f"{pad}        enqueue(n{i}, k)"]
    src = "def dispatch(eng, old, new):\n" + "".join(f"    {line}\n" for line in body)
    exec(compile(src, f"<informer handlers: {label}>", "exec"), env)
    dispatch = env["dispatch"]
    dispatch.source = src
    if len(_DISPATCHERS) >= 4096:      # tests that replace controllers make new lists: stay bounded
        _DISPATCHERS.clear()
    _DISPATCHERS[handlers] = dispatch
    return dispatch


#: the most keys one batch call takes (`Engine._drain_run`); the rest of a
#: longer run stays at the head of the queue for the next call, which the
#: batched run's equality with the one-key run allows (a run may be cut
#: anywhere). A batch holds every item's observation and Result until it is
#: applied: an uncapped run of 150,000 kubelet keys held ~120 MiB of them at
#: once (peak 451 MiB, above issue 12's 450); at 8,192 the peak is ~340 MiB
#: and the time that of the uncapped run within the machine's noise (1,024
#: was ~10 % slower; benchmarks/README.md, "Issue 12: the batch cap").
RUN_MAX = 8192


class Livelock(KstateError):
    """Controllers kept producing work at one instant without converging."""


class Engine:
    """A simulated cluster. See `kstate.Cluster` for the public API."""

    def __init__(self, *, seed: int = 0, start: int = 0, profile: Any, cluster_cidr: str = "10.244.0.0/16",
                 node_cidr_mask: int = 24, controllers: Optional[dict[str, ControllerSpec]] = None,
                 enforce_machines: bool = True, record_trace: bool = True, registry: Registry = REGISTRY):
        self.seed = seed
        self.start = start
        self.now = start
        self._profile = profile
        #: control-plane latency (the profile's `latency`): controller → the most ms a watch event waits.
        self._latency: dict = dict(getattr(profile, "latency", None) or {})
        self.cluster_cidr = cluster_cidr
        self.node_cidr_mask = node_cidr_mask
        self.registry = registry
        self.controllers = dict(registry.controllers if controllers is None else controllers)
        self.enforce_machines = enforce_machines
        self.record_trace = record_trace
        self.rng = Streams(seed)
        self.store = Store({k: s.place for k, s in registry.kinds.items() if s.place is not None},
                           {k: s.place_reads for k, s in registry.kinds.items() if s.place_reads})
        self._heap: list[tuple[int, int, int, str, Any]] = []
        self._waiting: dict[tuple[str, Any], int] = {}
        self._queues: list[deque] = [deque() for _ in range(registry.tiers(self.controllers.values()))]
        self._queued: set = set()
        #: controllers that are down (stop_controller): their due keys wait
        #: here, in arrival order, until the controller starts again.
        self._stopped: set = set()
        self._parked: dict = {}
        self._memory: dict[tuple[str, Any], Any] = {}
        #: the trace and the events, integer-coded over one table of object
        #: names (kstate.engine.log): `trace` reads as a list of (t, verb,
        #: kind, namespace, name, detail) tuples; `events()` renders the log.
        self._names = Names()
        self.trace = Trace(self._names)
        self._event_log = EventLog(self._names)
        self._rv = 0
        #: objects removed from the store so far: with `_rv`, tells a batch
        #: whether a write changed anything (Engine._apply_checked).
        self._removals = 0
        self._seq = 0
        self.steps = 0
        #: allocators the kinds keep with the API server (node CIDRs, pod IPs):
        #: name → mutable state, snapshotted with the engine.
        self.identity: dict[str, Any] = {}
        #: (kind, old state, trigger, new state) of the status writes whose
        #: lifecycle step was checked (check_transition) and allowed
        self._checked_steps: set = set()
        self.indexes: dict[str, Any] = {name: spec.init() for name, spec in registry.indexes.items()}
        self._compile_handlers()
        for ns in SYSTEM_NAMESPACES:
            self._put_new(registry.kind(SCOPE_KIND).cls(metadata=ObjectMeta(name=ns)))

    def _compile_handlers(self) -> None:
        """Per kind and event ("add", "update", "delete", and "status": an
        update of the status alone, whose handlers are the update's but
        those that declare `ignores_status`), the informer handlers in the
        order they run — declared index updates and controller watches (for
        this kind or for "*"), sorted by their order, then by registration —
        compiled into one dispatch function each (`_dispatcher`)."""
        per_kind: dict[str, list] = {}
        seq = 0
        for spec in self.registry.indexes.values():
            for h in spec.handlers:
                per_kind.setdefault(h.kind, []).append((h.order, seq, _Handler(
                    spec.name, h.fn, h.events, ignores_status=h.ignores_status)))
                seq += 1
        for ctrl in self.controllers.values():
            for w in ctrl.watches:
                per_kind.setdefault(w.kind, []).append((w.order, seq, _Handler(
                    ctrl.name, w.map, w.events, False, w.delay, tuple(w.requires), w.requires_index,
                    w.ignores_status)))
                seq += 1
        wildcard = per_kind.pop("*", [])

        def compile(kind: str, entries: list) -> list:
            ordered = [h for _, _, h in sorted(entries, key=lambda e: e[:2])]
            table: list = []
            for i, event in enumerate(("add", "update", "delete")):
                table.append(_compile_on_first_call(table, i, tuple(h for h in ordered if event in h.events),
                                                    f"{kind} {event}"))
            table.append(_compile_on_first_call(
                table, 3, tuple(h for h in ordered if "update" in h.events and not h.ignores_status),
                f"{kind} status"))
            return table

        kinds = set(per_kind) | set(self.registry.kinds)
        self._dispatch = {k: compile(k, per_kind.get(k, []) + wildcard) for k in sorted(kinds)}
        self._wildcard = compile("*", wildcard)
        self._memory_owners = {spec.owner: spec for spec in self.registry.indexes.values()
                               if spec.owner and spec.on_memory is not None}
        self._machines: dict[str, Any] = {}
        self._forget = {}
        for ctrl in self.controllers.values():
            if ctrl.forget_uid_of:
                self._forget.setdefault(ctrl.forget_uid_of, []).append(ctrl.name)

    # ------------------------------------------------------------------ view

    def get(self, kind: str, namespace: str, name: str):
        # Store.get's body: watch handlers and observes call this ~13 times a pod.
        return self.store.objects.get((kind, namespace, name))

    def list(self, kind: str, namespace: Optional[str] = None) -> list:
        return self.store.list(kind, namespace)

    def placed(self, kind: str, place: str) -> list:
        """Objects of `kind` at `place` (pods on a node, nodes in a zone), sorted."""
        return self.store.placed(kind, place)

    def places(self, kind: str) -> list[str]:
        return sorted(self.store.by_place.get(kind, ()))

    def memory(self, controller: str, key: Any, default: Any = None) -> Any:
        return self._memory.get((controller, key), default)

    def index(self, name: str) -> Any:
        return self.indexes[name]

    def profile(self) -> Any:
        return self._profile

    def owned_by(self, uid: str, kind: Optional[str] = None) -> list:
        return self.store.owned_by(uid, kind)

    def member(self, kind: str, namespace: str, name: str) -> tuple[str, str]:
        """The stored object's (namespace, name) tuple (Store.member): a
        declared index keyed by that pair files the object under it instead
        of under a copy of its own."""
        try:  # Store.member's body: the pod indexes ask it on every pod write
            return self.store.by_kind[kind][namespace][name]
        except KeyError:
            return (namespace, name)

    def by_uid(self, uid: str):
        key = self.store.by_uid.get(uid)
        return self.store.objects.get(key) if key is not None else None

    def has_any(self, kind: str, namespace: Optional[str] = None) -> bool:
        spaces = self.store.by_kind.get(kind)
        return bool(spaces) and (namespace is None or namespace in spaces)

    def objects_matching(self, kind: str, namespace: str, selector) -> list:
        """Objects of `kind` in `namespace` whose labels match `selector`,
        read through the label index when the selector has matchLabels."""
        if selector is None:
            return []
        ml = selector.match_labels
        if ml:
            k = min(ml, key=lambda key: len(self.store.with_label(kind, namespace, key, ml[key])))
            names = sorted(self.store.with_label(kind, namespace, k, ml[k]))
            objs = [self.store.objects[(kind, namespace, n)] for n in names]
        else:
            objs = self.store.list(kind, namespace)
        return [o for o in objs if selector.matches(o.metadata.labels)]

    def namespace_objects(self, namespace: str) -> list:
        return [o for kind in sorted(self.store.by_kind) if kind != SCOPE_KIND
                for o in self.store.list(kind, namespace)]

    def spec_of(self, obj) -> KindSpec:
        return self.registry.kind(obj.KIND)

    def create_refusal(self, obj) -> Optional[str]:
        """The API server's answer to a create of `obj` if its admission
        (the kind's `admit`) refuses it: the Forbidden error's message, else
        None. Nothing is written. A controller's observe asks before it
        creates, so its sync reports a refused create in the same step, as a
        Kubernetes controller does with the API's error."""
        try:
            self.registry.kind(obj.KIND).admit(obj, self, {})
        except Forbidden as exc:
            return exc.message
        return None

    # ----------------------------------------------------------- identity

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _trace(self, verb: str, kind: str, ns: str, name: str, detail: str = "") -> None:
        if self.record_trace:
            self.trace.add(self.now - self.start, verb, kind, ns, name, detail)

    def trace_lines(self) -> list[str]:
        return [f"{t} {verb} {kind} {ns + '/' if ns else ''}{name}{' ' + d if d else ''}"
                for t, verb, kind, ns, name, d in self.trace]

    def _put_new(self, obj):
        spec = self.registry.kind(obj.KIND)
        # FillObjectMetaSystemFields (apiserver/pkg/registry/rest/meta.go): the
        # server assigns the uid (create() already did, before the kind's
        # PrepareForCreate, which may use it) and the creation timestamp.
        meta = evolve(obj.metadata, uid=obj.metadata.uid or self.rng.uid(), creation_timestamp=self.now,
                      resource_version=self._next_rv(), generation=spec.generation)
        return self._store_new(evolve(obj, metadata=meta), spec)

    def _store_new(self, obj, spec: KindSpec):
        self.store.put(obj)
        meta = obj.metadata
        detail = spec.create_detail(obj)
        if self.record_trace:        # _trace's body: a call less a create
            self.trace.add(self.now - self.start, "create", obj.KIND, meta.namespace, meta.name, detail)
        return obj

    def replace(self, obj, verb: str, detail: str = "", **changes):
        """Store `obj` with `changes` applied and a new resourceVersion (one
        copy), trace it and run the watches."""
        self._rv = rv = self._rv + 1
        m = obj.metadata
        meta = (_with_resource_version(m, str(rv)) if m.__class__ is ObjectMeta
                else evolve(m, resource_version=str(rv)))
        key = (obj.__class__, *changes)
        write = _WRITERS.get(key)
        if write is None:
            write = _WRITERS[key] = field_replacer(obj.__class__, "metadata", *changes)
        obj = write(obj, meta, *changes.values())
        old = self.store.put(obj)
        if self.record_trace:
            self.trace.add(self.now - self.start, verb, obj.KIND, m.namespace, m.name, detail)
        self._on_change(old, obj)
        return obj

    _replace = replace

    def trace_entry(self, verb: str, obj, detail: str = "") -> None:
        self._trace(verb, obj.KIND, obj.metadata.namespace, obj.metadata.name, detail)

    # ------------------------------------------------------------- workqueue

    def enqueue(self, controller: str, key: Any) -> None:
        item = (controller, key)
        if item not in self._queued:
            ctrl = self.controllers.get(controller)
            if ctrl is None:
                return
            self._queued.add(item)
            self._queues[ctrl.tier].append(item)

    def _enqueue_late(self, controller: str, key: Any) -> None:
        """A watch event under a profile with control-plane latency: the
        controller gets the key after a wait drawn uniformly from
        [0, latency] ms from the seeded stream "latency" (deterministic per
        seed); already queued keys are not delayed again."""
        lat = self._latency
        most = lat.get(controller)
        if most is None:
            most = lat.get("*", 0)
        if most <= 0 or (controller, key) in self._queued:
            self.enqueue(controller, key)
            return
        self.enqueue_after(controller, key, self.rng.stream("latency").randint(0, most))

    def enqueue_after(self, controller: str, key: Any, delay: int) -> None:
        if delay <= 0:
            self.enqueue(controller, key)
            return
        at = self.now + delay
        item = (controller, key)
        prev = self._waiting.get(item)
        if prev is not None and prev <= at:
            return
        self._waiting[item] = at
        self._seq += 1
        heapq.heappush(self._heap, (at, _PRIO_TIMER, self._seq, controller, key))

    def stop_controller(self, name: str) -> None:
        """The controller's process is down: nothing it would do happens, and
        the keys that come due meanwhile wait (a crashed controller-manager;
        its informers' events are not lost, they are replayed on start)."""
        self._stopped.add(name)

    def start_controller(self, name: str) -> None:
        """The controller comes back: as after a restart, its informers list
        every object of the kinds it watches (an add event each, sorted by
        key) and it syncs what came due while it was down."""
        if name not in self._stopped:
            return
        self._stopped.discard(name)
        ctrl = self.controllers[name]
        parked, self._parked = self._parked, {}
        for item in parked:
            if item[0] == name:
                self.enqueue(*item)
            else:
                self._parked[item] = None
        for w in ctrl.watches:
            if "add" not in w.events:
                continue
            for obj in self.store.list(w.kind) if w.kind != "*" else ():
                for key in w.map(None, obj, self) or ():
                    self.enqueue(name, key)

    def _drain(self) -> None:
        steps = 0
        queues, queued, controllers, waiting = self._queues, self._queued, self.controllers, self._waiting
        while True:
            for queue in queues:
                if queue:
                    break
            else:
                break
            item = queue.popleft()
            name, key = item
            ctrl = controllers.get(name)
            if ctrl is not None and ctrl.reconcile_batch is not None and queue and queue[0][0] == name \
                    and name not in self._stopped:
                queue.appendleft(item)
                steps = self._drain_run(queue, name, ctrl, steps)
                continue
            queued.discard(item)
            if ctrl is None:
                continue
            if name in self._stopped:
                self._parked[item] = None
                continue
            # A reconcile sees the whole state, so its answer replaces any
            # earlier wake-up of its key: that timer is dropped before it
            # runs. A wake-up its own actions cause (a batched watch, or a
            # watch event under control-plane latency) is kept, together with
            # the requeue it asks for (the earlier wins).
            waiting.pop(item, None)
            result = ctrl.reconcile(ctrl.observe(self, key), self.now)
            self.apply_result(result)
            if result.requeue_after is not None:
                self.enqueue_after(name, key, result.requeue_after)
            steps += 1
            if steps > MAX_STEPS_PER_INSTANT:
                raise Livelock(f"controllers did not converge at t={self.now - self.start} ms (last: {name} {key})")
        self.steps += steps

    def _drain_run(self, queue: deque, name: str, ctrl: ControllerSpec, steps: int) -> int:
        """A batch (docs/performance.md, "Instants and batches"): the run of
        consecutive keys of controller `name` at the head of `queue` (the
        lowest non-empty tier), all observed, reconciled by one call of the
        controller's `reconcile_batch` (observed by its `observe_batch` where
        it has one), and applied in item order exactly as
        the one-key loop of `_drain` would apply them — each item's key
        unmarked and its pending wake-up dropped just before its result is
        applied (so an earlier item that wakes it does not queue it twice),
        one step counted per item.

        The run is cut after item i when the one-key engine would have done
        something else before item i+1, or item i+1 would have seen a state
        the batch did not foresee: applying item i woke a key of a lower
        tier, or one of its writes changed nothing (a conflict, a refused or
        no-op write: conservative — a cut only costs the discarded work), or
        it raised, or the step budget ran out. The results of the later
        items are discarded and their keys, still marked, go back to the
        head of the queue in order; nothing of them was written.

        A batch form may answer only a prefix of the run (at least one
        item): the items it could not foresee are then folded one by one
        (observe after the item before was applied, `reconcile`, apply —
        the one-key engine, with the same cut on a lower tier woken). If
        observing or the batch call raises, the whole run is folded so, and
        the error surfaces where the one-key engine would raise it; if the
        fold raises nothing, the batch form's own error is raised after it.
        Returns the step count."""
        run = []
        while queue and queue[0][0] == name and len(run) < RUN_MAX:
            run.append(queue.popleft())
        n = len(run)
        observe, now = ctrl.observe, self.now
        queued, waiting = self._queued, self._waiting
        lower = self._queues[:ctrl.tier]
        i = 0
        failed = None
        try:
            try:
                observe_batch = ctrl.observe_batch
                results = ctrl.reconcile_batch(
                    [observe(self, key) for _, key in run] if observe_batch is None
                    else observe_batch(self, [key for _, key in run]), now)
            except Exception as exc:
                results, batched, failed = None, 0, exc
            else:
                batched = len(results)
                if not 0 < batched <= n:
                    raise ValueError(f"{name}: reconcile_batch returned {batched} results for {n} keys")
            while i < n:
                item = run[i]
                key = item[1]
                i += 1
                queued.discard(item)
                waiting.pop(item, None)
                if i > batched:
                    self.apply_result(result := ctrl.reconcile(observe(self, key), now))
                    wrote = True
                else:
                    wrote = self._apply_checked(result := results[i - 1])
                if result.requeue_after is not None:
                    self.enqueue_after(name, key, result.requeue_after)
                steps += 1
                if steps > MAX_STEPS_PER_INSTANT:
                    raise Livelock(f"controllers did not converge at t={now - self.start} ms (last: {name} {key})")
                if not wrote or (lower and any(lower)):
                    break
        finally:
            if i < n:
                queue.extendleft(reversed(run[i:]))
        if failed is not None:
            # the one-key fold of the run did not raise, so the batch form did on its own: a bug
            # of the batch form, which must not hide behind the fold's (same) answers
            raise failed
        return steps

    def _apply_checked(self, result: Result) -> bool:
        """Apply `result`; False if one of its writes changed nothing in the
        store (an update or bind that found the object gone or replaced, a
        delete of nothing, a no-op update)."""
        wrote = True
        for a in result.actions:
            t = type(a)
            if t is RecordEvent:
                # apply_action's branches for a kubelet's actions, without its call
                self._event_log.add_ref(a.involved, a.reason, a.message, a.type, a.source, self.now)
            elif t is UpdateStatus:
                rv = self._rv
                self._apply_update_status(a.obj, a.trigger)
                if self._rv == rv:      # a status write removes nothing: it wrote, or not at all
                    wrote = False
            elif t is SetMemory:
                self.apply_action(a)
            else:
                before = (self._rv, self._removals)
                self.apply_action(a)
                if (self._rv, self._removals) == before:
                    wrote = False
        return wrote

    def is_queued(self, controller: str, key: Any) -> bool:
        item = (controller, key)
        return item in self._queued or item in self._waiting

    def in_workqueue(self, controller: str, key: Any) -> bool:
        """The key is queued to run at this instant (a change the controller
        has not observed yet), as opposed to waiting on a timer."""
        return (controller, key) in self._queued

    def pending(self) -> bool:
        return bool(self._queued) or bool(self._heap)

    def next_event_time(self) -> Optional[int]:
        while self._heap:
            at, _, _, ctrl, key = self._heap[0]
            if self._waiting.get((ctrl, key)) != at:
                heapq.heappop(self._heap)  # superseded by an earlier requeue
                continue
            return at
        return None

    def run_to(self, t_end: int) -> None:
        """Process everything due up to and including `t_end`, then set the clock there."""
        with gc_paused():
            self._run_to(t_end)

    def _run_to(self, t_end: int) -> None:
        self._drain()
        while True:
            at = self.next_event_time()
            if at is None or at > t_end:
                break
            self.now = at
            while self._heap and self._heap[0][0] == at:
                _, _, _, ctrl, key = heapq.heappop(self._heap)
                if self._waiting.get((ctrl, key)) == at:
                    del self._waiting[(ctrl, key)]
                    self.enqueue(ctrl, key)
            self._drain()
        self.now = max(self.now, t_end)
        self._shrink_tables()

    def _shrink_tables(self) -> None:
        """Give back the room the workqueue set and the timer dict grew to:
        neither shrinks as keys leave it, so after 150,000 pods went through
        they kept ~16 MiB of empty table. An empty set is replaced, and the
        timer dict is copied (in its order) once its table is far larger
        than its keys need — rarely, so a long series of short runs does not
        copy it every time."""
        if not self._queued:
            self._queued = set()
        waiting = self._waiting
        if sys.getsizeof(waiting) > 4096 + 128 * len(waiting):
            self._waiting = dict(waiting)

    # ------------------------------------------------------------- actions

    def apply_result(self, result: Result) -> None:
        apply = self.apply_action
        for action in result.actions:
            apply(action)

    def apply_action(self, a) -> None:
        t = type(a)
        if t is RecordEvent:
            # record_event's body: five events a pod at scale, the most frequent action
            self._event_log.add_ref(a.involved, a.reason, a.message, a.type, a.source, self.now)
        elif t is UpdateStatus:
            self._apply_update_status(a.obj, a.trigger)
        elif t is SetMemory:
            owner = self._memory_owners.get(a.controller)
            if owner is not None and owner.on_memory(self.indexes[owner.name], a.key, a.value):
                return
            if a.value is None:
                self._memory.pop((a.controller, a.key), None)
            else:
                self._memory[(a.controller, a.key)] = a.value
        elif t is Delete:
            self.delete(a.kind, a.namespace, a.name, a.grace_period_seconds, uid=a.uid, propagation=a.propagation)
        elif t is Update:
            self.update(a.obj)
        elif t is Create:
            obj = self.create(a.obj)
            if a.event is not None:
                involved, reason, source = a.event
                self.record_event(involved, reason, f"Created {obj.KIND.lower()}: {obj.metadata.name}", "Normal",
                                  source)
        else:
            # A subresource verb a kind declares (pods/binding).
            handler = self.registry.actions.get(t)
            if handler is None:
                raise TypeError(f"unknown action {a!r}")
            handler(a, self)

    def check_transition(self, kind: str, old_state: str, trigger: Optional[str], new_state: str) -> None:
        machine = self._machines.get(kind, False)
        if machine is False:
            name = self.registry.kind(kind).machine
            machine = self._machines[kind] = lifecycle(name) if name is not None else None
        if machine is None:
            return
        if trigger is None:
            if old_state != new_state and self.enforce_machines:
                raise InvalidTransition(machine.name, old_state, "<none>", new_state)
            return
        if self.enforce_machines:
            machine.check(old_state, trigger, new_state)

    def _apply_update_status(self, obj, trigger: Optional[str]) -> None:
        """PUT of the status subresource: the stored object with `obj`'s
        status (after the kind's prepare_status) and a new resourceVersion —
        `replace(cur, "status", detail, status=...)`, whose informer event
        is a status-only update (`_on_status_change`)."""
        m = obj.metadata
        kind = obj.KIND
        key = (kind, m.namespace, m.name)
        store = self.store
        cur = store.objects.get(key)
        if cur is None or cur.metadata.uid != m.uid:
            return  # 404 / conflict: the object is gone or was replaced
        spec = self.registry.kinds[kind]
        old_state, new_state = cur.status.state, obj.status.state
        step = (kind, old_state, trigger, new_state)
        if step not in self._checked_steps:
            self.check_transition(kind, old_state, trigger, new_state)
            if self.enforce_machines:   # passed where it is enforced: passes again
                self._checked_steps.add(step)
        status = spec.prepare_status(cur, obj.status, self)
        if trigger or old_state != new_state:
            extra = spec.transition_detail(cur.status, status)
            detail = _STEP_DETAILS.get((step, extra))
            if detail is None:
                detail = f"{old_state}->{new_state} ({trigger or '<none>'})"
                if extra:
                    detail = f"{detail} {extra}"
                if len(_STEP_DETAILS) >= 4096:
                    _STEP_DETAILS.clear()
                _STEP_DETAILS[(step, extra)] = detail
        else:
            detail = spec.status_detail(cur.status, status)
        self._rv = rv = self._rv + 1
        cm = cur.metadata
        meta = (_with_resource_version(cm, str(rv)) if cm.__class__ is ObjectMeta
                else evolve(cm, resource_version=str(rv)))
        write = _STATUS_WRITERS.get(cur.__class__)
        if write is None:
            write = _STATUS_WRITERS[cur.__class__] = field_replacer(cur.__class__, "metadata", "status")
        new = write(cur, meta, status)
        if store.put_status(key, cur, new):
            if self.record_trace:
                self.trace.add(self.now - self.start, "status", kind, cm.namespace, cm.name, detail)
            self._dispatch.get(kind, self._wildcard)[3](self, cur, new)
            return
        # prepare_status wrote the object itself: the general write, from what the store holds now
        old = store.put(new)
        if self.record_trace:
            self.trace.add(self.now - self.start, "status", kind, cm.namespace, cm.name, detail)
        self._on_change(old, new)

    def update(self, obj) -> None:
        """PUT of metadata (labels, annotations, owners, finalizers) and spec
        (for a stored kind: its body, which an apply replaces)."""
        m = obj.metadata
        cur = self.store.get(obj.KIND, m.namespace, m.name)
        if cur is None or (m.uid and cur.metadata.uid != m.uid):
            return
        spec = self.registry.kind(obj.KIND)
        changes = {}
        if hasattr(obj, "spec") and obj.spec != cur.spec:
            changes["spec"] = obj.spec
        if hasattr(obj, "body") and obj.body != cur.body:
            changes["body"] = obj.body
        meta = evolve(cur.metadata, labels=m.labels, annotations=m.annotations,
                      owner_references=m.owner_references, finalizers=m.finalizers)
        if "spec" in changes and spec.generation:
            meta = evolve(meta, generation=cur.metadata.generation + 1)
        if meta == cur.metadata and not changes:
            return
        new = self._replace(evolve(cur, metadata=meta, **changes), "update", spec.update_detail(cur, obj))
        if meta.deletion_timestamp is not None and not meta.finalizers and (
                spec.delete is None or meta.deletion_grace_period_seconds == 0):
            # store.go shouldDeleteDuringUpdate: the last finalizer is off and
            # no grace period is left to run (a graceful pod's kubelet deletes
            # it with grace 0 once its containers stopped).
            self._remove(new)

    def record_event(self, involved: ObjectReference, reason: str, message: str, type_: str = "Normal",
                     source: str = "") -> None:
        """Record an event, aggregating repeats (same object, reason, message,
        source) into one with a count, as client-go's EventCorrelator does."""
        self._event_log.add_ref(involved, reason, message, type_, source, self.now)

    def events(self, kind: Optional[str] = None, name: Optional[str] = None,
               namespace: Optional[str] = None) -> list[Event]:
        out = []
        for serial, key, count, first, last in self._event_log.select(kind, name, namespace):
            k, ns, n, uid, reason, message, type_, source = key
            out.append(Event(
                metadata=ObjectMeta(name=f"{n}.{serial:08x}", namespace=ns or "default"),
                involved_object=ObjectReference(kind=k, name=n, namespace=ns, uid=uid),
                reason=reason, message=message, type=type_, count=count, first_timestamp=first,
                last_timestamp=last, source=source))
        return out

    # ----------------------------------------------------------- create

    def create(self, obj):
        """POST: generated name, uniqueness, namespace admission, the kind's
        create strategy, identity, store, then the watches."""
        kind = obj.KIND
        spec = self.registry.kinds.get(kind)
        if spec is None:
            raise SpecError(f"kind {kind} is not supported", "kind")
        m = obj.metadata
        if m.deletion_timestamp is not None or m.deletion_grace_period_seconds is not None:
            # BeforeCreate (apiserver/pkg/registry/rest/create.go) clears both
            # before PrepareForCreate: a new object is never born terminating.
            m = evolve(m, deletion_timestamp=None, deletion_grace_period_seconds=None)
            obj = evolve(obj, metadata=m)
        if not m.name and m.generate_name:
            for _ in range(100):
                name = m.generate_name[:58] + self.rng.name_suffix()
                if self.store.get(kind, m.namespace, name) is None:
                    break
            m = evolve(m, name=name)
            obj = evolve(obj, metadata=m)
        objects = self.store.objects
        if objects.get((kind, m.namespace, m.name)) is not None:
            raise AlreadyExists(f'{spec.plural} "{m.name}" already exists')
        if spec.namespaced:
            ns = objects.get((SCOPE_KIND, "", m.namespace))
            if ns is None or ns.status.phase == "Terminating":
                self.check_namespace(m.namespace)      # raises its error
        # The server's uid, never a client's, is set before PrepareForCreate
        # (a Job's generated selector is made from it). One copy of the object
        # and its metadata carries every field the server fills, the next
        # resourceVersion included; that number is taken only if the kind's
        # strategy took none meanwhile (else it is numbered after, as always).
        rv = self._rv + 1
        uid = self.rng.uid()
        meta = (_with_server_fields(m, uid, self.now, str(rv), spec.generation) if m.__class__ is ObjectMeta
                else evolve(m, uid=uid, creation_timestamp=self.now, resource_version=str(rv),
                            generation=spec.generation))
        if spec.prepare_create_with is not None:
            obj = spec.prepare_create_with(obj, meta, self)
        else:
            write = _META_WRITERS.get(obj.__class__)
            if write is None:
                write = _META_WRITERS[obj.__class__] = field_replacer(obj.__class__, "metadata")
            obj = spec.prepare_create(write(obj, meta), self)
        if self._rv == rv - 1:
            self._rv = rv
            obj = self._store_new(obj, spec)
        else:
            obj = self._put_new(obj)
        obj = spec.after_create(obj, self)
        self._on_change(None, obj)
        return obj

    def check_namespace(self, namespace: str) -> None:
        ns = self.store.get(SCOPE_KIND, "", namespace)
        if ns is None:
            raise NotFound(f'namespaces "{namespace}" not found')
        if ns.status.phase == "Terminating":
            raise InvalidOperation(f"unable to create new content in namespace {namespace} because it is being "
                                   "terminated", "metadata.namespace")

    # ----------------------------------------------------------- delete

    def delete(self, kind: str, namespace: str, name: str, grace_period: Optional[int] = None,
               uid: Optional[str] = None, propagation: Optional[str] = None) -> bool:
        obj = self.store.get(kind, namespace, name)
        if obj is None or (uid is not None and obj.metadata.uid != uid):
            return False
        spec = self.registry.kind(kind)
        if spec.delete is not None:
            spec.delete(obj, self, grace_period, propagation)
        else:
            self.delete_with_propagation(obj, propagation)
        return True

    def delete_with_propagation(self, obj, propagation: Optional[str]) -> None:
        """rest/delete.go + the garbage collector: Background removes the
        owner now and lets the GC delete its dependents; Foreground and Orphan
        keep it (deletionTimestamp + finalizer) until the GC is done. An
        object already being deleted only gets its GC finalizers changed
        (store.go updateForGracefulDeletionAndFinalizers)."""
        m = obj.metadata
        if propagation is not None and propagation not in ("Background", "Foreground", "Orphan"):
            raise SpecError(f'Unsupported value: "{propagation}": supported values: "Background", "Foreground", '
                            '"Orphan"', "propagationPolicy")
        fins = deletion_finalizers(m.finalizers, propagation)
        if m.deletion_timestamp is not None:
            if not fins:
                self.remove(obj)
            elif fins != m.finalizers:
                self._replace(evolve(obj, metadata=evolve(m, finalizers=fins)), "delete",
                              f"propagation={propagation or 'Background'}")
            return
        if not fins:
            self.remove(obj)
            return
        new = evolve(obj, metadata=evolve(m, deletion_timestamp=self.now, finalizers=fins))
        self._replace(new, "delete", f"propagation={propagation or 'Background'}")

    def remove(self, obj) -> None:
        """The object leaves the store (the last step of every deletion)."""
        spec = self.registry.kind(obj.KIND)
        m = obj.metadata
        gone = spec.gone_state
        if gone is not None:
            self.check_transition(obj.KIND, obj.status.state, "remove", gone)
        self.store.remove(obj.KIND, m.namespace, m.name)
        self._removals += 1
        self._trace("remove", obj.KIND, m.namespace, m.name,
                    f"{obj.status.state}->{gone} (remove)" if gone else "")
        spec.on_remove(obj, self)
        for ctrl in self._forget.get(obj.KIND, ()):
            self._memory.pop((ctrl, m.uid), None)
        self._on_change(obj, None)

    _remove = remove

    def maybe_finish_namespace(self, name: str) -> None:
        ns = self.store.get(SCOPE_KIND, "", name)
        if ns is not None and ns.status.phase == "Terminating" and not self.namespace_objects(name):
            self.remove(ns)

    # ------------------------------------------------- watches (informers)

    def _on_change(self, old, new) -> None:
        """The informer event handlers of the changed kind for this event
        (add, update or delete): declared index updates and controller
        watches, in their declared order (compiled by `_compile_handlers`)."""
        if new is not None:
            self._dispatch.get(new.KIND, self._wildcard)[old is not None](self, old, new)
            return
        self._dispatch.get(old.KIND, self._wildcard)[2](self, old, new)
        if old.metadata.namespace and self.registry.kind(old.KIND).namespaced:
            self.maybe_finish_namespace(old.metadata.namespace)

    def _on_status_change(self, old, new) -> None:
        """`_on_change(old, new)` for an update of the status alone (`new`
        is `old` with another status and resourceVersion: the same spec
        object, the metadata equal but for its resourceVersion): the update's
        handlers but those that declare `ignores_status`, which would map it
        to nothing (`kstate.registry.Watch`)."""
        self._dispatch.get(new.KIND, self._wildcard)[3](self, old, new)

    # ------------------------------------------------------ snapshots

    def time_str(self) -> str:
        return to_datetime(self.now).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while the engine runs.

    The engine makes millions of small acyclic objects; with 150k pods the
    collector's full passes over ~4M live objects took a third of the run
    (measured in benchmarks/README.md) and found almost nothing to free.
    Reference counting still frees everything as usual; the collector is
    switched back on (if it was on) before control returns to the caller —
    after `gc.freeze()`, which moves every object alive now (the cluster)
    out of the collector's generations: otherwise the first collection after
    a large run walks all of them (a 1–2 s stall on the next operation at
    150k pods) to find nothing. The next run unfreezes them first, so cyclic
    garbage made outside kstate (a test framework's) is still collected."""
    was = gc.isenabled()
    if was:
        gc.disable()
        gc.unfreeze()
    try:
        yield
    finally:
        if was:
            gc.freeze()
            gc.enable()


