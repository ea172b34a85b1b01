"""scheduling.k8s.io/v1 PriorityClass, and the Priority admission plugin
that resolves a pod's priority from it.

Owns: the PriorityClass KindSpec (codec, ValidatePriorityClassUpdate, the
plugin's check that only one class is the global default, the registry's
refusal to delete a system class, `kubectl get pc` columns), the system
classes the API server creates at start (`bootstrap_priority_classes`), and
pod admission (`admit_pod_priority` refuses, `resolve_pod_priority`
mutates): plugin/pkg/admission/priority/admission.go admitPod /
establishPriority / getDefaultPriority at the declared Kubernetes version.
Must not be imported by engine/.
"""
from __future__ import annotations

from typing import Optional

from kstate.errors import Forbidden, SpecError
from kstate.io import scheduling_v1, tables
from kstate.registry import IndexHandler, IndexSpec, KindSpec, register_index, register_kind
from kstate.resources.frozen import evolve
from kstate.resources.meta import ObjectMeta
from kstate.resources.scheduling import (
    DEFAULT_PRIORITY, PREEMPT_LOWER_PRIORITY, SYSTEM_PRIORITY_CLASSES, PriorityClass, PriorityClassBody,
)

KIND = "PriorityClass"
_SYSTEM_NAMES = frozenset(n for n, _, _ in SYSTEM_PRIORITY_CLASSES)


def _validate_update(cur: PriorityClass, obj: PriorityClass, meta) -> PriorityClass:
    """validation.go ValidatePriorityClassUpdate: value and preemptionPolicy
    are immutable; description and globalDefault may change. (The plugin's
    one-default check runs on creates only here: kstate's apply has no
    admission hook for updates, so making a second class the default by an
    update is not refused.)"""
    if obj.value != cur.value:
        raise SpecError("Forbidden: may not be changed in an update.", "value")
    if obj.preemption_policy != cur.preemption_policy:
        raise SpecError(f'Invalid value: "{obj.preemption_policy}": field is immutable', "preemptionPolicy")
    return evolve(cur, metadata=meta, spec=obj.spec)


def _batch_classes(batch: dict) -> dict:
    return batch.setdefault("priority_classes", {})


#: the declared index that remembers the stored global default class (under
#: "default"; None: there is none) for the Priority plugin, which asks on
#: every pod create; any change of a PriorityClass empties it. Not kept in
#: snapshots: a restored engine asks the store again.
DEFAULT_CLASS_MEMO = "priority-class-default"


_NO_INDEXES: dict = {}


def _forget_default(memo: dict, old, new, api) -> None:
    memo.clear()


register_index(IndexSpec(name=DEFAULT_CLASS_MEMO, init=dict, handlers=(IndexHandler(KIND, _forget_default),),
                         dump=lambda memo: {}, load=lambda raw, api: {}))


def get_default_priority_class(api, batch: Optional[dict] = None) -> Optional[PriorityClass]:
    """admission.go getDefaultPriorityClass: the global default class; if a
    race left several, the one with the lowest value (then the first name)."""
    pending = _batch_classes(batch) if batch is not None else {}
    if not pending:
        # an engine keeps the memo; another reader of classes (list, get) has none
        memo = getattr(api, "indexes", _NO_INDEXES).get(DEFAULT_CLASS_MEMO)
        if memo is not None:
            found = memo.get("default", memo)
            if found is memo:
                found = memo["default"] = _lowest_default(api.list(KIND))
            return found
    return _lowest_default([pc for pc in api.list(KIND) if pc.metadata.name not in pending]
                           + [pending[n] for n in sorted(pending)])


def _lowest_default(classes: list) -> Optional[PriorityClass]:
    found: Optional[PriorityClass] = None
    for pc in classes:
        if pc.global_default and (found is None or pc.value < found.value):
            found = pc
    return found


def _admit_priority_class(pc: PriorityClass, api, batch: dict) -> None:
    """admission.go validatePriorityClass: a class may become the global
    default only if no other class is one (on create: none at all)."""
    if pc.global_default:
        dpc = get_default_priority_class(api, batch)
        if dpc is not None and dpc.metadata.name != pc.metadata.name:
            raise Forbidden(f'priorityclasses.scheduling.k8s.io "{pc.metadata.name}" is forbidden: PriorityClass '
                            f"{dpc.metadata.name} is already marked as default. Only one default can exist",
                            "globalDefault")
    _batch_classes(batch)[pc.metadata.name] = pc


def _delete(pc: PriorityClass, api, grace_period=None, propagation=None) -> None:
    """registry/scheduling/priorityclass/storage Delete: the system classes
    cannot be deleted."""
    if pc.metadata.name in _SYSTEM_NAMES:
        raise Forbidden(f'priorityclasses.scheduling.k8s.io "{pc.metadata.name}" is forbidden: this is a system '
                        "priority class and cannot be deleted", "metadata.name")
    api.delete_with_propagation(pc, propagation or "Background")


def bootstrap_priority_classes(api) -> None:
    """The API server's post-start hook (AddSystemPriorityClasses): the two
    system classes exist before the trace starts (no trace line; their uids
    come from the bootstrap stream, so no other uid shifts)."""
    api.indexes.get(DEFAULT_CLASS_MEMO, {}).clear()  # these writes run no informer
    for name, value, description in SYSTEM_PRIORITY_CLASSES:
        if api.get(KIND, "", name) is None:
            api.store.put(PriorityClass(
                metadata=ObjectMeta(name=name, uid=_bootstrap_uid(api), creation_timestamp=api.now,
                                    resource_version=api._next_rv(), generation=1),
                spec=PriorityClassBody(value=value, description=description,
                                       preemption_policy=PREEMPT_LOWER_PRIORITY)))


def _bootstrap_uid(api) -> str:
    v = api.rng.stream("bootstrap-priority-classes").getrandbits(128)
    v = (v & ~(0xF000 << 64)) | (0x4000 << 64)      # RFC 4122 version 4
    v = (v & ~(0xC000 << 48)) | (0x8000 << 48)      # and variant
    h = f"{v:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# -------------------------------------------------------------- pod admission

def establish_priority(pod, api, batch: Optional[dict] = None) -> tuple[str, int, str]:
    """admission.go establishPriority: (class name, priority, preemption
    policy) of a new pod. No class name → the global default class, or
    ("", 0, PreemptLowerPriority) when there is none; a name that is not a
    class → Forbidden ("no PriorityClass with name x was found").

    Example: no classes but the system ones, pod without a class → ("", 0,
    "PreemptLowerPriority"); pod with system-node-critical → (…, 2000001000, …)."""
    name = pod.spec.extra.get("priorityClassName") or ""
    if not name:
        dpc = get_default_priority_class(api, batch)
        if dpc is None:
            return "", DEFAULT_PRIORITY, PREEMPT_LOWER_PRIORITY
        return dpc.metadata.name, dpc.value, dpc.preemption_policy
    pc = (_batch_classes(batch).get(name) if batch is not None else None) or api.get(KIND, "", name)
    if pc is None:
        raise Forbidden(f'pods "{pod.metadata.name or pod.metadata.generate_name}" is forbidden: no PriorityClass '
                        f"with name {name} was found", "spec.priorityClassName")
    return name, pc.value, pc.preemption_policy


def _check_pod(pod, resolved: tuple[str, int, str]) -> None:
    """admitPod: a priority or preemptionPolicy given in the pod must equal
    what the class says."""
    _, priority, policy = resolved
    label = pod.metadata.name or pod.metadata.generate_name
    if pod.spec.priority is not None and pod.spec.priority != priority:
        raise Forbidden(f'pods "{label}" is forbidden: the integer value of priority ({pod.spec.priority}) must not '
                        f"be provided in pod spec; priority admission controller computed {priority} from the "
                        "given PriorityClass name", "spec.priority")
    given = pod.spec.extra.get("preemptionPolicy")
    if given is not None and given != policy:
        raise Forbidden(f'pods "{label}" is forbidden: the string value of PreemptionPolicy ({given}) must not be '
                        f"provided in pod spec; priority admission controller computed {policy} from the given "
                        "PriorityClass name", "spec.preemptionPolicy")


def admit_pod_priority(pod, api, batch: dict) -> None:
    """The refusing half of the Priority plugin for a pod of an apply
    (classes applied earlier in the same apply count, as kubectl creates
    them first), or of a controller's create (`create_refusal`). A pod that
    names no class, priority or preemption policy cannot be refused."""
    extra = pod.spec.extra
    if pod.spec.priority is None and not extra.get("priorityClassName") and extra.get("preemptionPolicy") is None:
        return
    _check_pod(pod, establish_priority(pod, api, batch))


#: (spec in, resolution, spec out, the pod's spec, the default class it was
#: resolved with or _NO_INDEXES): pods of one template share a spec
_RESOLVED: list = [None, None, None, None, _NO_INDEXES]


def resolve_pod_priority(pod, api):
    """The mutating half: spec.priorityClassName (the default class's name
    when none was given), spec.priority and spec.preemptionPolicy. The
    ReplicaSet, Job, DaemonSet and StatefulSet controllers ask
    `create_refusal` first and do not create a pod the plugin refuses
    (FailedCreate); a pod any other creator makes naming a missing class is
    left unresolved."""
    spec = resolved_pod_spec(pod, pod.spec, api)
    return pod if spec is pod.spec else evolve(pod, spec=spec)


def resolved_pod_spec(pod, spec, api):
    """`spec` as `resolve_pod_priority` leaves the pod's spec: `spec` is the
    pod's, or a copy of it that differs in no field the plugin reads
    (priority, priorityClassName, preemptionPolicy), so that a create can
    resolve the spec it is building (one copy of the pod, not two). `spec`
    itself when nothing changes."""
    if _RESOLVED[0] is spec and _RESOLVED[3] is pod.spec and _RESOLVED[4] is not _NO_INDEXES:
        # the last pod's template, naming no class: its resolution holds
        # while the default class memo holds the same class (a change of any
        # PriorityClass empties the memo)
        memo = getattr(api, "indexes", _NO_INDEXES).get(DEFAULT_CLASS_MEMO)
        if memo is not None and memo.get("default", memo) is _RESOLVED[4]:
            return _RESOLVED[2]
    try:
        resolved = establish_priority(pod, api)
        _check_pod(pod, resolved)
    except Forbidden:
        return spec
    if _RESOLVED[0] is spec and _RESOLVED[1] == resolved:
        return _RESOLVED[2]
    name, priority, policy = resolved
    extra = spec.extra
    if name and extra.get("priorityClassName") != name:
        extra = extra.set("priorityClassName", name)
    if extra.get("preemptionPolicy") != policy:
        extra = extra.set("preemptionPolicy", policy)
    out = spec if extra is spec.extra and spec.priority == priority else evolve(spec, priority=priority, extra=extra)
    _RESOLVED[0], _RESOLVED[1], _RESOLVED[2] = spec, resolved, out
    # a class named in the pod is looked up anew each time; the default one
    # is what establish_priority's get_default_priority_class just filled in
    memo = getattr(api, "indexes", _NO_INDEXES).get(DEFAULT_CLASS_MEMO)
    named = pod.spec.extra.get("priorityClassName")
    _RESOLVED[3], _RESOLVED[4] = pod.spec, (memo.get("default", _NO_INDEXES)
                                            if memo is not None and not named else _NO_INDEXES)
    return out


# -------------------------------------------------------------- columns

PRIORITY_CLASS_COLUMNS = ("NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY")


def priority_class_row(pc: PriorityClass, now: int) -> list[str]:
    """printers.go printPriorityClass."""
    created = pc.metadata.creation_timestamp
    age = "<unknown>" if created is None else tables.human_duration(now - created // 1000 * 1000)
    return [pc.metadata.name, str(pc.value), "true" if pc.global_default else "false", age, pc.preemption_policy]


PRIORITY_CLASS = register_kind(KindSpec(
    kind=KIND, group="scheduling.k8s.io", version="v1", cls=PriorityClass, plural="priorityclasses",
    short_names=("pc",), namespaced=False,
    decode=scheduling_v1.DECODERS[(PriorityClass.API_VERSION, KIND)],
    encode=scheduling_v1.EMITTERS[PriorityClass],
    validate_update=_validate_update, admit=_admit_priority_class, delete=_delete,
    create_detail=lambda pc: f"value={pc.value}", columns=PRIORITY_CLASS_COLUMNS, row=priority_class_row))
