"""Persistent volumes: a simple dynamic provisioner and binder, and the
scheduler's VolumeBinding PreFilter.

Owns: which StorageClass a claim gets by default (the DefaultStorageClass
admission plugin: the newest StorageClass annotated
`storageclass.kubernetes.io/is-default-class: "true"`, else kstate's
built-in default class `standard`, which stands for the default class
minikube ships — provisioner `k8s.io/minikube-hostpath`, Immediate binding,
reclaim policy Delete — and is not stored as an object); the PV
controller's work for claims kstate can serve: provision a PersistentVolume
`pvc-<claim uid>` sized from the request and bind both objects; release a
volume whose claim went away and delete it under the Delete policy; mark a
bound claim Lost when its volume disappears. And the pure VolumeBinding
PreFilter the scheduler calls (`prefilter`): a pod whose claim is missing,
being deleted, lost or not yet bound is UnschedulableAndUnresolvable with
the plugin's message. Must not import engine/ or io/.

Not modelled: static binding of pre-created volumes to claims (a claim with
`storageClassName: ""` stays Pending), WaitForFirstConsumer (every class binds
immediately), volume expansion, the pvc-protection finalizer, attach/mount.

Kubernetes sources: pkg/controller/volume/persistentvolume/pv_controller.go
(syncUnboundClaim, provisionClaim, bind, syncVolume, reclaimVolume),
plugin/pkg/admission/storage/storageclass/setdefault/admission.go and
pkg/volume/util/storageclass.go GetDefaultClass,
pkg/scheduler/framework/plugins/volumebinding/volume_binding.go (podHasPVCs,
PreFilter), binder.go (isPVCFullyBound).
"""
from __future__ import annotations

from typing import Optional

import attrs

from kstate.controllers.actions import NOTHING, Create, Delete, RecordEvent, Result, SetMemory, UpdateStatus, Update
from kstate.controllers.actions import ref_of
from kstate.controllers.scheduling.preemption import pod_priority
from kstate.resources.frozen import FrozenDict, deep_freeze, evolve
from kstate.resources.meta import Condition, ObjectMeta, set_condition
from kstate.resources.storage import (
    ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_DEFAULT_CLASS, ANN_PROVISIONED_BY, ClaimRef, PersistentVolume,
    PersistentVolumeClaim, PersistentVolumeSpec, PersistentVolumeStatus,
)

NAME = "persistentvolume-controller"
BUILTIN_DEFAULT_CLASS = "standard"
BUILTIN_PROVISIONER = "k8s.io/minikube-hostpath"
#: the declared index of pods by the claims their volumes name (kstate.indexes).
PODS_BY_CLAIM = "pods-by-claim"

PVC_KIND, PV_KIND = "PersistentVolumeClaim", "PersistentVolume"


def default_storage_class(classes) -> str:
    """storageclass.go GetDefaultClass: among the classes annotated default,
    the newest (then the name sorting first); none → kstate's built-in
    `standard`."""
    best = None
    for sc in classes:
        if sc.metadata.annotations.get(ANN_DEFAULT_CLASS) != "true":
            continue
        key = (-(sc.metadata.creation_timestamp or 0), sc.metadata.name)
        if best is None or key < best[0]:
            best = (key, sc.metadata.name)
    return best[1] if best is not None else BUILTIN_DEFAULT_CLASS


def is_pvc_fully_bound(pvc: PersistentVolumeClaim) -> bool:
    """binder.go isPVCFullyBound: spec.volumeName and the bind-completed annotation."""
    return bool(pvc.spec.volume_name) and ANN_BIND_COMPLETED in pvc.metadata.annotations


# ------------------------------------------------------------------ pod claims


def pod_claim_names(pod) -> tuple:
    """The claims a pod's volumes name (persistentVolumeClaim.claimName), in order."""
    vols = pod.spec.extra.get("volumes") if pod.spec.extra else None
    out = []
    for v in vols or ():
        src = v.get("persistentVolumeClaim") if hasattr(v, "get") else None
        name = src.get("claimName") if hasattr(src, "get") else None
        if isinstance(name, str) and name and name not in out:
            out.append(name)
    return tuple(out)


def observe_pod_claims(view, pod) -> tuple:
    """((claim name, claim or None), …) for the scheduler's PreFilter."""
    names = pod_claim_names(pod)
    if not names:
        return ()
    ns = pod.metadata.namespace
    return tuple((n, view.get(PVC_KIND, ns, n)) for n in names)


def prefilter(claims) -> Optional[str]:
    """volume_binding.go podHasPVCs + PreFilter: the first claim that is
    missing (`persistentvolumeclaim "x" not found`), lost or being deleted;
    then any claim not fully bound (all classes bind immediately in kstate)
    → "pod has unbound immediate PersistentVolumeClaims". None: schedulable."""
    for name, pvc in claims:
        if pvc is None:
            return f'persistentvolumeclaim "{name}" not found'
        if pvc.status.phase == "Lost":
            return f'persistentvolumeclaim "{name}" bound to non-existent persistentvolume "{pvc.spec.volume_name}"'
        if pvc.metadata.deletion_timestamp is not None:
            return f'persistentvolumeclaim "{name}" is being deleted'
    if any(not is_pvc_fully_bound(pvc) for _, pvc in claims):
        return "pod has unbound immediate PersistentVolumeClaims"
    return None


def unschedulable(pod, reason: str, num_nodes: int, now: int, scheduler_name: str) -> Result:
    """schedule_one.go FitError for a PreFilter rejection: every node gets the
    PreFilter's status, so the message is the PreFilter's own, and
    preemption cannot help (UnschedulableAndUnresolvable)."""
    n = num_nodes
    message = f"0/{n} nodes are available: {reason}."
    if n:
        message += f" preemption: 0/{n} nodes are available: {n} Preemption is not helpful for scheduling."
    conds = set_condition(pod.status.conditions, Condition("PodScheduled", "False", "Unschedulable", message), now)
    actions = []
    if conds is not pod.status.conditions:
        actions.append(UpdateStatus(evolve(pod, status=evolve(pod.status, conditions=conds))))
    actions.append(RecordEvent(ref_of(pod), "FailedScheduling", message, "Warning", scheduler_name))
    # Parked like any unschedulable pod: (−priority, creation time, waits on other pods).
    park = (-pod_priority(pod), pod.metadata.creation_timestamp or 0, False)
    actions.append(SetMemory(scheduler_name, ("unschedulable", pod.metadata.namespace, pod.metadata.name), park))
    return Result(tuple(actions))


def watch_claims_for_scheduler(old, new, view) -> tuple:
    """A claim that became bound (or appeared, or went) wakes the pending
    pods naming it (the scheduler's queueing hint for PVC events)."""
    obj = new if new is not None else old
    if new is not None and old is not None and is_pvc_fully_bound(old) == is_pvc_fully_bound(new):
        return ()
    pods = view.index(PODS_BY_CLAIM).get((obj.metadata.namespace, obj.metadata.name))
    return tuple(sorted(pods)) if pods else ()


# ------------------------------------------------------------------ PV controller


@attrs.frozen
class VolObs:
    kind: str
    claim: Optional[PersistentVolumeClaim] = None
    volume: Optional[PersistentVolume] = None
    storage_class: object = None       # the StorageClass object, if stored
    class_exists: bool = False


def provisioned_volume_name(pvc: PersistentVolumeClaim) -> str:
    """pv_controller.go getProvisionedVolumeNameForClaim: "pvc-" + claim uid."""
    return f"pvc-{pvc.metadata.uid}"


def observe_volumes(view, key) -> VolObs:
    if key[0] == "claim":
        _, ns, name = key
        pvc = view.get(PVC_KIND, ns, name)
        if pvc is None:
            return VolObs(kind="claim")
        pv_name = pvc.spec.volume_name or provisioned_volume_name(pvc)
        cls_name = pvc.spec.storage_class_name or ""
        sc = view.get("StorageClass", "", cls_name) if cls_name else None
        return VolObs(kind="claim", claim=pvc, volume=view.get(PV_KIND, "", pv_name), storage_class=sc,
                      class_exists=sc is not None or cls_name == BUILTIN_DEFAULT_CLASS)
    pv = view.get(PV_KIND, "", key[1])
    claim = None
    if pv is not None and pv.spec.claim_ref is not None:
        claim = view.get(PVC_KIND, pv.spec.claim_ref.namespace, pv.spec.claim_ref.name)
    return VolObs(kind="volume", claim=claim, volume=pv)


def _field(obj, name: str, default):
    if obj is None:
        return default
    v = obj.field(name) if hasattr(obj, "field") else None
    return default if v is None else v


def new_provisioned_volume(pvc: PersistentVolumeClaim, sc) -> PersistentVolume:
    """provisionClaimOperation: a volume `pvc-<uid>` of the requested size and
    access modes, pre-bound to the claim (claimRef with its uid), with the
    class's reclaim policy (Delete by default) and the provisioned-by
    annotation; minikube's hostpath provisioner's hostPath."""
    provisioner = _field(sc, "provisioner", BUILTIN_PROVISIONER)
    m = pvc.metadata
    meta = ObjectMeta(name=provisioned_volume_name(pvc), annotations=FrozenDict({ANN_PROVISIONED_BY: provisioner}))
    spec = PersistentVolumeSpec(
        capacity=pvc.spec.storage, access_modes=pvc.spec.access_modes,
        claim_ref=ClaimRef(namespace=m.namespace, name=m.name, uid=m.uid),
        persistent_volume_reclaim_policy=_field(sc, "reclaimPolicy", "Delete"),
        storage_class_name=pvc.spec.storage_class_name or "", volume_mode=pvc.spec.volume_mode,
        extra=deep_freeze({"hostPath": {"path": f"/tmp/hostpath-provisioner/{m.namespace}/{m.name}", "type": ""}}))
    return PersistentVolume(metadata=meta, spec=spec, status=PersistentVolumeStatus())


def _claims_volume(pv: PersistentVolume, pvc: PersistentVolumeClaim) -> bool:
    ref = pv.spec.claim_ref
    return (ref is not None and ref.namespace == pvc.metadata.namespace and ref.name == pvc.metadata.name
            and (not ref.uid or ref.uid == pvc.metadata.uid))


def sync_claim(obs: VolObs) -> Result:
    """pv_controller.go syncClaim: syncUnboundClaim (provision, then bind) or
    syncBoundClaim (a vanished volume makes the claim Lost)."""
    pvc, pv = obs.claim, obs.volume
    if pvc is None or pvc.metadata.deletion_timestamp is not None:
        return NOTHING
    ref = ref_of(pvc)
    if pvc.status.phase == "Lost":
        return NOTHING
    if pvc.status.phase == "Bound":
        if pv is None:
            lost = evolve(pvc, status=evolve(pvc.status, phase="Lost", state="Lost"))
            return Result((UpdateStatus(lost, "lose"),
                           RecordEvent(ref, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the "
                                       "volume is lost!", "Warning", NAME)))
        return NOTHING
    if pv is not None:
        if not _claims_volume(pv, pvc):
            return NOTHING
        # bind: volume → Bound, claim.spec.volumeName, claim → Bound (any prefix is safe).
        actions = []
        if pv.status.phase != "Bound":
            actions.append(UpdateStatus(evolve(pv, status=evolve(pv.status, phase="Bound", state="Bound")), "bind"))
        ann = {**pvc.metadata.annotations, ANN_BIND_COMPLETED: "yes", ANN_BOUND_BY_CONTROLLER: "yes"}
        bound = evolve(pvc, metadata=evolve(pvc.metadata, annotations=FrozenDict(ann)),
                       spec=evolve(pvc.spec, volume_name=pv.metadata.name))
        if bound.metadata != pvc.metadata or bound.spec != pvc.spec:
            actions.append(Update(bound))
        actions.append(UpdateStatus(evolve(bound, status=evolve(
            pvc.status, phase="Bound", state="Bound", capacity=pv.spec.capacity,
            access_modes=pv.spec.access_modes)), "bind"))
        return Result(tuple(actions))
    if pvc.spec.volume_name:
        return NOTHING  # pre-bound to a volume that does not exist (yet)
    cls = pvc.spec.storage_class_name or ""
    if not cls:
        return Result((RecordEvent(ref, "FailedBinding", "no persistent volumes available for this claim and no "
                                   "storage class is set", "Normal", NAME),))
    if not obs.class_exists:
        return Result((RecordEvent(ref, "ProvisioningFailed", f'storageclass.storage.k8s.io "{cls}" not found',
                                   "Warning", NAME),))
    new = new_provisioned_volume(pvc, obs.storage_class)
    return Result((Create(new), RecordEvent(ref, "ProvisioningSucceeded",
                                            f"Successfully provisioned volume {new.metadata.name}", "Normal",
                                            _field(obs.storage_class, "provisioner", BUILTIN_PROVISIONER))))


def sync_volume(obs: VolObs) -> Result:
    """pv_controller.go syncVolume: a volume without a claim becomes
    Available; a bound volume whose claim is gone (or was re-created with
    another uid) is Released, then reclaimVolume deletes it under the Delete
    policy and keeps it under Retain."""
    pv, pvc = obs.volume, obs.claim
    if pv is None or pv.metadata.deletion_timestamp is not None:
        return NOTHING
    ref = pv.spec.claim_ref
    claim_gone = ref is not None and (pvc is None or (ref.uid and pvc.metadata.uid != ref.uid))
    if ref is None or (claim_gone and pv.status.phase == "Pending"):
        if pv.status.phase == "Pending":
            return Result((UpdateStatus(evolve(pv, status=evolve(pv.status, phase="Available", state="Available")),
                                        "available"),))
        return NOTHING
    if not claim_gone:
        return NOTHING
    if pv.status.phase == "Bound":
        return Result((UpdateStatus(evolve(pv, status=evolve(pv.status, phase="Released", state="Released")),
                                    "release"),))
    if pv.status.phase == "Released" and pv.spec.persistent_volume_reclaim_policy == "Delete":
        return Result((Delete(PV_KIND, "", pv.metadata.name, pv.metadata.uid),))
    return NOTHING


def reconcile_volumes(obs: VolObs, now: int) -> Result:
    return sync_claim(obs) if obs.kind == "claim" else sync_volume(obs)


def watch_claims(old, new, view) -> tuple:
    obj = new if new is not None else old
    keys = [("claim", obj.metadata.namespace, obj.metadata.name)]
    if new is None and obj.spec.volume_name:
        keys.append(("volume", obj.spec.volume_name))
    return tuple(keys)


def watch_volumes(old, new, view) -> tuple:
    obj = new if new is not None else old
    keys = [("volume", obj.metadata.name)]
    ref = obj.spec.claim_ref
    if ref is not None:
        keys.append(("claim", ref.namespace, ref.name))
    return tuple(keys)
