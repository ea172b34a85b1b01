"""The kind and controller registry: what the engine, io, the API and the CLI
know about a kind or a controller, declared once as data.

Owns: `KindSpec` (group/version/kind, names, scope, codec, update rules, the
API server's create/delete strategy, lifecycle machine, trace details, printer
columns), `ControllerSpec` with its `Watch`es (controller-runtime's `For` /
`Owns` / `Watches` as pure map functions `(old, new, view) -> keys`),
`IndexSpec` (incremental bookkeeping the engine keeps for controllers), and
the default `REGISTRY` that `kstate.kinds` fills with the built-in kinds.

Must not import anything of kstate but `errors` and `resources`: the engine,
io, the API and the kinds all import this module, and a kind declares its
functions here without the engine ever naming the kind. Adding a kind or a
controller is one `register_*` call in its own module.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Optional, Sequence

import attrs

from kstate.errors import SpecError
from kstate.resources.frozen import evolve as _evolve

#: the kind that scopes namespaced objects: the API server refuses a namespaced
#: object whose namespace does not exist or is terminating, whatever its kind.
SCOPE_KIND = "Namespace"
#: Kubernetes' initial namespaces: they exist from the start and cannot be deleted.
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


def _none(*_args: Any) -> None:
    return None


def _same(obj: Any, *_args: Any) -> Any:
    return obj


def _empty(*_args: Any) -> str:
    return ""


@attrs.frozen(eq=False)
class KindSpec:
    """One Kubernetes kind as kstate knows it.

    Hooks receive the engine as `api` (the API server's view of storage: now,
    identity, the store); they never decide what a controller decides. Every
    hook is optional; the defaults are what the API server does for a plain
    object (store it as given, delete with propagation, no lifecycle).
    """
    kind: str
    group: str                          # "" for the core group
    version: str
    cls: type                           # the frozen attrs class (KIND, API_VERSION, NAMESPACED)
    plural: str
    short_names: tuple[str, ...] = ()
    #: other API versions the kind is served at (autoscaling/v1 beside v2).
    other_versions: tuple[str, ...] = ()
    namespaced: bool = True
    #: (ctx, doc) -> object: strict decode + defaults + validation (io).
    decode: Optional[Callable[[Any, dict], Any]] = None
    #: object -> the `kubectl get -o json` dict.
    encode: Optional[Callable[[Any], dict]] = None
    #: (current, applied, merged metadata) -> the object to store; raises
    #: SpecError for forbidden changes (ValidateUpdate: immutable fields).
    #: The default keeps everything but labels and annotations.
    validate_update: Callable[[Any, Any, Any], Any] = lambda cur, new, meta: _evolve(cur, metadata=meta)
    #: (obj, api) -> obj before it is stored: status reset, admission
    #: defaults, identity the API server assigns (PrepareForCreate).
    prepare_create: Callable[[Any, Any], Any] = _same
    #: (obj, server metadata, api) -> prepare_create(obj with that metadata,
    #: api), built in one copy of the object (a pod's create: the engine's
    #: copy with the metadata and the strategy's with spec and status are
    #: one). None: the engine copies the metadata in, then prepare_create.
    prepare_create_with: Optional[Callable[[Any, Any, Any], Any]] = None
    #: (obj, api) -> obj after it is stored, before watchers see it.
    after_create: Callable[[Any, Any], Any] = _same
    #: (cur, status, api) -> status before a status write is stored.
    prepare_status: Callable[[Any, Any, Any], Any] = lambda cur, status, api: status
    #: (obj, api, grace_period, propagation) -> None; None = the generic
    #: delete with propagation (Background/Foreground/Orphan).
    delete: Optional[Callable[[Any, Any, Optional[int], Optional[str]], None]] = None
    #: (obj, api) -> None once the object has left the store.
    on_remove: Callable[[Any, Any], None] = _none
    #: metadata.generation on create, and whether a spec change bumps it.
    generation: int = 1
    #: lifecycle machine name (kstate.machines) checked on every status change.
    machine: Optional[str] = None
    #: the machine state an object reaches when it leaves the store.
    gone_state: Optional[str] = None
    #: trace details: create(obj), update(old, new), status(old_status, new_status).
    create_detail: Callable[[Any], str] = _empty
    update_detail: Callable[[Any, Any], str] = _empty
    status_detail: Callable[[Any, Any], str] = _empty
    #: (old_status, new_status) -> what a lifecycle transition's entry adds
    #: after "A->B (trigger)" ("" for nothing; a pod made Ready by the same write).
    transition_detail: Callable[[Any, Any], str] = _empty
    #: a secondary placement key kept by the store (pods by node, nodes by zone).
    place: Optional[Callable[[Any], Optional[str]]] = None
    #: the one field of the object `place` reads ("spec": a pod's node), if
    #: one: a write that keeps that field's object keeps the place, and the
    #: store does not compute it (most pod writes are status writes).
    place_reads: Optional[str] = None
    #: (obj, api, batch) -> None before a create is planned: admission
    #: against the cluster's state (a requested podCIDR must be free, also
    #: among the objects of the same apply: `batch` is that apply's scratch
    #: dict); raises SpecError. Runs for every object of an apply before
    #: anything is written.
    admit: Callable[[Any, Any, dict], None] = _none
    #: the scale subresource (`kubectl scale`): (get replicas, set replicas).
    scale: Optional[tuple[Callable[[Any], int], Callable[[Any, int], Any]]] = None
    #: the scale subresource's status.selector: obj -> the LabelSelector of
    #: its pods (what an HPA measures), None if it has none.
    scale_selector: Optional[Callable[[Any], Any]] = None
    #: where the kind keeps a PodSpec (`kubectl set image`): (get, set).
    pod_spec: Optional[tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]] = None
    #: `kubectl get` columns: header and (obj, now_ms) -> row.
    columns: tuple[str, ...] = ()
    row: Optional[Callable[[Any, int], list[str]]] = None
    #: simulated (a controller acts on it) or only stored.
    simulated: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_versions(self) -> tuple[str, ...]:
        g = f"{self.group}/" if self.group else ""
        return (self.api_version,) + tuple(g + v for v in self.other_versions)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name kubectl accepts for this kind, lower case."""
        return tuple(dict.fromkeys((self.kind.lower(), self.plural, *self.short_names)))


@attrs.frozen
class Watch:
    """A watched kind and the pure map from one change to the keys to enqueue
    (`old` is None on create, `new` is None on delete). `kind` "*" watches
    every kind (the garbage collector)."""
    kind: str
    map: Callable[[Any, Any, Any], Iterable[Any]]
    #: position among the watches of one change (lower first): the order in
    #: which informer handlers enqueue decides the order of reconciles at
    #: one instant, which the trace shows.
    order: int = 0
    #: the events it maps (controller-runtime's predicates): "add", "update",
    #: "delete". A map is only called for these, so a watch that cares about
    #: deletions costs nothing on the far more frequent updates.
    events: frozenset = frozenset({"add", "update", "delete"})
    #: ms the mapped keys wait before they are synced (a workqueue AddAfter:
    #: a key already waiting keeps its earlier time), as controllers that
    #: batch informer events do (the Job controller's syncJobBatchPeriod);
    #: or a pure `delay(old, new, view) -> ms` (the CronJob controller
    #: requeues a changed schedule at its next fire time).
    delay: Any = 0
    #: kinds without which the map returns nothing: for a change whose old
    #: and new object name none of them in an owner reference, while the
    #: store holds no object of any of them, it maps to no key — so the
    #: engine does not call it (a cluster of bare pods calls none of the
    #: workload controllers' pod watches). A promise about the map, which
    #: must keep it: one that adopts orphans by label needs its kind stored,
    #: one that follows a controllerRef to a gone owner needs the reference.
    requires: tuple = ()
    #: a declared index without which the map returns nothing: while that
    #: index's state is empty (falsy) it maps to no key, and is not called.
    requires_index: str = ""
    #: the map returns no key for a change of the status alone — one that
    #: keeps the spec object (`old.spec is new.spec`) and the metadata but
    #: for its resourceVersion: the engine's status writes (`UpdateStatus`),
    #: two of a pod's three updates — so the engine does not call it for
    #: those. A promise about the map, which must keep it whatever the
    #: store holds: a map that reads only the spec and metadata of `old`
    #: and `new` and returns nothing when they are unchanged can make it;
    #: one that reads the status, or the store about `new` (its node), cannot.
    ignores_status: bool = False


class _ControllerFields(NamedTuple):
    name: str
    observe: Callable[[Any, Any], Any]
    reconcile: Callable[[Any, int], Any]
    #: workqueue tier: at one instant lower tiers drain first. Node-local
    #: work (scheduling, the kubelet) settles before the ReplicaSet
    #: controller looks, and ReplicaSets before Deployments — the order in
    #: which a real cluster's informers would observe instantaneous changes.
    tier: int = 0
    watches: tuple[Watch, ...] = ()
    #: memory keyed by the uid of a removed object of this kind is dropped
    #: (the kubelet forgets a deleted pod's back-off entries).
    forget_uid_of: Optional[str] = None
    #: `(observations, now) -> results`: the fold of `reconcile` over a run of
    #: keys, one Result per observation in order, or for a prefix of them
    #: (see ControllerSpec).
    reconcile_batch: Optional[Callable[[Sequence[Any], int], Sequence[Any]]] = None
    #: `(view, keys) -> observations`: `observe` of each key of a run, in
    #: order, at one instant (see ControllerSpec).
    observe_batch: Optional[Callable[[Any, Sequence[Any]], list]] = None


class ControllerSpec(_ControllerFields):
    """A controller: `observe(view, key)`, the pure `reconcile(obs, now) ->
    Result`, its tier, its watches, and optionally a batch form.

    `reconcile_batch(observations, now)` is an optional speed-up and nothing
    else: it must return, for a run of keys, exactly the Results the plain
    fold would — `reconcile(observe(view after items 0..i-1 were applied,
    key_i), now)` for each item i, in order. The engine hands it a run of
    consecutive keys of this controller from the head of the workqueue
    (docs/performance.md, "Instants and batches"), but observes them all
    *before* applying any result, so the batch form must carry an overlay of
    its own: for item i it must take into account whatever the application
    of items 0..i-1 changes that item i's reconcile reads (the scheduler
    "assumes" each placed pod into its copy of the node table). What the
    overlay cannot know the engine handles by cutting the run after item i
    and observing the rest again: when applying item i wakes a key of a lower
    tier, when one of its writes changes nothing (a conflict, a refused or
    no-op write), or when it raises. A batch form that cannot foresee item
    k (its overlay does not cover what the items before it change) returns
    the results of items 0..k-1 only — at least one: item 0's observation
    is always fresh — and the engine folds the rest of the run itself, one
    key at a time. Observations must not read the
    workqueue (`in_workqueue`, `is_queued`): the keys of a run stay queued
    until their item is applied. Pure, like `reconcile`: no store, clock or
    randomness inside.

    Without it (the default) the engine runs the fold itself, one item at a
    time: observe, reconcile, apply — exactly the one-key engine. Replacing
    `observe` or `reconcile` (`spec._replace(reconcile=broken)`, as the
    seeded-bug tests do) drops the batch form unless it is replaced too: it
    is a claim about that pair and no other.

    `observe_batch(view, keys)`, used only with a batch form, is another
    speed-up: the observations of a run's keys taken at one instant, which
    must equal `[observe(view, key) for key in keys]` (it may share what the
    keys have in common, a node's objects and memory). Replacing `observe`
    drops it unless it is replaced too."""
    __slots__ = ()

    def _replace(self, **changes: Any) -> "ControllerSpec":
        if ("observe" in changes or "reconcile" in changes) and "reconcile_batch" not in changes:
            changes["reconcile_batch"] = None
        if "observe" in changes and "observe_batch" not in changes:
            changes["observe_batch"] = None
        return super()._replace(**changes)


@attrs.frozen
class IndexHandler:
    """How an index follows changes of one kind: `fn(state, old, new, api)`
    updates `state` in place and returns the (controller, key) pairs to
    enqueue; `order` places it among the watches of that kind."""
    kind: str
    fn: Callable[[Any, Any, Any, Any], Iterable[tuple[str, Any]]]
    order: int = 0
    events: frozenset = frozenset({"add", "update", "delete"})
    #: as `Watch.ignores_status`: for a change of the status alone `fn`
    #: changes nothing in `state` and returns nothing, so it is not called.
    ignores_status: bool = False


@attrs.frozen(eq=False)
class IndexSpec:
    """Bookkeeping the engine keeps for controllers (the scheduler's node
    table, the kubelets' admission totals), updated on every change of the
    kinds it follows at a cost independent of cluster size. Read by
    controllers through `view.index(name)`.

    `on_memory(state, key, value)` takes a SetMemory of controller `owner`
    for keys it keeps (returns True if it did). A snapshot stores
    `dump(state)` (default: the state itself) and rebuilds with
    `load(data, api)` (default: the data itself)."""
    name: str
    init: Callable[[], Any]
    handlers: tuple[IndexHandler, ...] = ()
    owner: str = ""
    on_memory: Optional[Callable[[Any, Any, Any], bool]] = None
    dump: Optional[Callable[[Any], Any]] = None
    load: Optional[Callable[[Any, Any], Any]] = None


ADD, UPDATE, DELETE = "add", "update", "delete"
ON_ADD, ON_UPDATE, ON_DELETE = frozenset({ADD}), frozenset({UPDATE}), frozenset({DELETE})


class Registry:
    """Kinds, controllers and indexes by name. Iteration is always sorted or
    in registration order, so a run stays a function of its inputs."""

    def __init__(self) -> None:
        self.kinds: dict[str, KindSpec] = {}
        self._by_name: dict[str, str] = {}
        self._by_api: dict[tuple[str, str], str] = {}
        self.controllers: dict[str, ControllerSpec] = {}
        self.indexes: dict[str, IndexSpec] = {}
        #: subresource verbs a kind serves (pods/binding): action type → handler(action, api).
        self.actions: dict[type, Callable[[Any, Any], None]] = {}

    # -- kinds

    def register_kind(self, spec: KindSpec) -> KindSpec:
        if spec.kind in self.kinds:
            raise ValueError(f"kind {spec.kind} is already registered")
        clash = [n for n in spec.names if n in self._by_name]
        if clash:
            raise ValueError(f"kind {spec.kind}: name {clash[0]!r} already names {self._by_name[clash[0]]}")
        self.kinds[spec.kind] = spec
        for n in spec.names:
            self._by_name[n] = spec.kind
        for api_version in spec.api_versions:
            self._by_api[(api_version, spec.kind)] = spec.kind
        return spec

    def unregister_kind(self, kind: str) -> None:
        spec = self.kinds.pop(kind)
        for n in spec.names:
            self._by_name.pop(n, None)
        for api_version in spec.api_versions:
            self._by_api.pop((api_version, spec.kind), None)

    def kind(self, kind: str) -> KindSpec:
        return self.kinds[kind]

    def get_kind(self, kind: str) -> Optional[KindSpec]:
        return self.kinds.get(kind)

    def kinds_of_group(self, group: str) -> list[KindSpec]:
        return [s for _, s in sorted(self.kinds.items()) if s.group == group]

    def by_api(self, api_version: str, kind: str) -> Optional[KindSpec]:
        k = self._by_api.get((api_version, kind))
        return self.kinds[k] if k is not None else None

    def resolve(self, name: Any) -> KindSpec:
        """'pods', 'po', 'Pod', 'deployments.apps' → the kind (kubectl's
        resource names, case-insensitive), else SpecError."""
        if isinstance(name, str):
            if name in self.kinds:
                return self.kinds[name]
            low = name.lower()
            k = self._by_name.get(low)
            if k is None and "." in low:          # plural.group, as kubectl accepts
                plural, group = low.split(".", 1)
                k = self._by_name.get(plural)
                if k is not None and self.kinds[k].group != group:
                    k = None
            if k is not None:
                return self.kinds[k]
        raise SpecError(f'the server doesn\'t have a resource type "{name}"', "kind")

    # -- controllers and indexes

    def register_controller(self, spec: ControllerSpec) -> ControllerSpec:
        if spec.name in self.controllers:
            raise ValueError(f"controller {spec.name} is already registered")
        self.controllers[spec.name] = spec
        return spec

    def unregister_controller(self, name: str) -> None:
        del self.controllers[name]

    def register_index(self, spec: IndexSpec) -> IndexSpec:
        if spec.name in self.indexes:
            raise ValueError(f"index {spec.name} is already registered")
        self.indexes[spec.name] = spec
        return spec

    def unregister_index(self, name: str) -> None:
        del self.indexes[name]

    def register_action(self, action_type: type, handler: Callable[[Any, Any], None]) -> None:
        if action_type in self.actions:
            raise ValueError(f"action {action_type.__name__} already has a handler")
        self.actions[action_type] = handler

    def tiers(self, controllers: Iterable[ControllerSpec]) -> int:
        return 1 + max((c.tier for c in controllers), default=0)

    @contextlib.contextmanager
    def registered(self, kinds: Iterable[KindSpec] = (), controllers: Iterable[ControllerSpec] = (),
                   indexes: Iterable[IndexSpec] = ()) -> Iterator["Registry"]:
        """Register for the duration of a `with` block (tests, plug-ins)."""
        kinds, controllers, indexes = list(kinds), list(controllers), list(indexes)
        for k in kinds:
            self.register_kind(k)
        for c in controllers:
            self.register_controller(c)
        for i in indexes:
            self.register_index(i)
        try:
            yield self
        finally:
            for i in indexes:
                self.unregister_index(i.name)
            for c in controllers:
                self.unregister_controller(c.name)
            for k in kinds:
                self.unregister_kind(k.kind)


REGISTRY = Registry()
register_kind = REGISTRY.register_kind
register_controller = REGISTRY.register_controller
register_index = REGISTRY.register_index
register_action = REGISTRY.register_action
