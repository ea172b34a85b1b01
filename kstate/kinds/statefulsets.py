"""StatefulSets and the storage they claim: apps/v1 StatefulSet, v1
PersistentVolumeClaim and PersistentVolume.

Owns: their KindSpecs — status reset on create, the DefaultStorageClass
admission of claims (the newest StorageClass annotated as the default, else
kstate's built-in default class `standard`), ValidateStatefulSetUpdate and
the claims' update rules, lifecycles, trace details and printer columns.
Must not be imported by engine/.
"""
from __future__ import annotations

from kstate.controllers.volumes import default_storage_class
from kstate.errors import SpecError
from kstate.io import apps_v1, apps_v1_statefulset, core_v1_storage, tables  # noqa: F401  (registers the decoder)
from kstate.kinds.workloads import SCALE, TEMPLATE_POD_SPEC, _pod_selector
from kstate.registry import KindSpec, register_kind
from kstate.resources.frozen import evolve
from kstate.resources.storage import (
    PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus, PersistentVolumeStatus,
)
from kstate.resources.workloads import StatefulSet, StatefulSetStatus


def _sts_fresh_status(obj, api):
    return evolve(obj, status=StatefulSetStatus(state="Pending"))


#: ValidateStatefulSetUpdate: the spec fields an update may change.
_MUTABLE = ("replicas", "ordinals_start", "template", "update_strategy", "revision_history_limit",
            "persistent_volume_claim_retention_policy", "min_ready_seconds")


def _validate_sts_update(cur, obj, meta):
    """apps/validation ValidateStatefulSetUpdate: only replicas, ordinals,
    template, updateStrategy, revisionHistoryLimit,
    persistentVolumeClaimRetentionPolicy and minReadySeconds may change."""
    frozen_new = evolve(obj.spec, **{f: getattr(cur.spec, f) for f in _MUTABLE})
    if frozen_new != cur.spec:
        raise SpecError("Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                        "'template', 'updateStrategy', 'revisionHistoryLimit', "
                        "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden", "spec")
    return evolve(cur, metadata=meta, spec=obj.spec)


def _replicas(obj) -> str:
    return f"replicas={obj.spec.replicas}"


def _replicas_change(old, new) -> str:
    return f"replicas={old.spec.replicas}->{new.spec.replicas}" if old.spec.replicas != new.spec.replicas else ""


def _sts_status(old, new) -> str:
    return (f"replicas={new.replicas} ready={new.ready_replicas} current={new.current_replicas} "
            f"updated={new.updated_replicas} available={new.available_replicas}")


STATEFULSET = register_kind(KindSpec(
    kind="StatefulSet", group="apps", version="v1", cls=StatefulSet, plural="statefulsets", short_names=("sts",),
    decode=apps_v1.DECODERS[("apps/v1", "StatefulSet")], encode=apps_v1.EMITTERS[StatefulSet],
    validate_update=_validate_sts_update, prepare_create=_sts_fresh_status, scale=SCALE,
    scale_selector=_pod_selector, pod_spec=TEMPLATE_POD_SPEC, machine="statefulset", gone_state="Deleted",
    create_detail=_replicas, update_detail=_replicas_change, status_detail=_sts_status,
    columns=tables.STATEFULSET_COLUMNS, row=tables.statefulset_row))


def _pvc_prepare(obj, api):
    """The API server's PrepareForCreate (status reset) and the
    DefaultStorageClass admission plugin: a claim without storageClassName
    gets the default class."""
    spec = obj.spec
    if spec.storage_class_name is None:
        spec = evolve(spec, storage_class_name=default_storage_class(api.list("StorageClass")))
    return evolve(obj, spec=spec, status=PersistentVolumeClaimStatus())


def _validate_pvc_update(cur, obj, meta):
    """ValidatePersistentVolumeClaimUpdate: the spec is immutable but for
    resources.requests (expansion; kstate does not model resizing) — an apply
    without volumeName or storageClassName keeps the bound/defaulted ones."""
    spec = obj.spec
    if spec.storage_class_name is None:
        spec = evolve(spec, storage_class_name=cur.spec.storage_class_name)
    if not spec.volume_name:
        spec = evolve(spec, volume_name=cur.spec.volume_name)
    if evolve(spec, storage=cur.spec.storage) != cur.spec:
        raise SpecError("Forbidden: spec is immutable after creation except resources.requests and "
                        "volumeAttributesClassName for bound claims", "spec")
    return evolve(cur, metadata=meta, spec=spec)


def _pvc_created(obj) -> str:
    return f"class={obj.spec.storage_class_name} request={obj.spec.storage}"


def _pvc_update(old, new) -> str:
    return f"volume={new.spec.volume_name}" if old.spec.volume_name != new.spec.volume_name else ""


def _phase_change(old, new) -> str:
    return f"phase={old.phase}->{new.phase}" if old.phase != new.phase else ""


PVC = register_kind(KindSpec(
    kind="PersistentVolumeClaim", group="", version="v1", cls=PersistentVolumeClaim,
    plural="persistentvolumeclaims", short_names=("pvc",),
    decode=core_v1_storage.DECODERS[("v1", "PersistentVolumeClaim")],
    encode=core_v1_storage.EMITTERS[PersistentVolumeClaim], validate_update=_validate_pvc_update,
    prepare_create=_pvc_prepare, generation=0, machine="pvc", gone_state="Deleted",
    create_detail=_pvc_created, update_detail=_pvc_update, status_detail=_phase_change,
    columns=tables.PVC_COLUMNS, row=tables.pvc_row))


def _pv_prepare(obj, api):
    return evolve(obj, status=PersistentVolumeStatus())


def _validate_pv_update(cur, obj, meta):
    """ValidatePersistentVolumeUpdate: the volume source is immutable; an
    apply without claimRef keeps the binding."""
    spec = obj.spec
    if spec.claim_ref is None:
        spec = evolve(spec, claim_ref=cur.spec.claim_ref)
    if spec.extra != cur.spec.extra:
        raise SpecError("Forbidden: spec.persistentvolumesource is immutable after creation", "spec")
    return evolve(cur, metadata=meta, spec=spec)


def _pv_created(obj) -> str:
    ref = obj.spec.claim_ref
    return f"capacity={obj.spec.capacity}" + (f" claim={ref.namespace}/{ref.name}" if ref is not None else "")


PV = register_kind(KindSpec(
    kind="PersistentVolume", group="", version="v1", cls=PersistentVolume, plural="persistentvolumes",
    short_names=("pv",), namespaced=False,
    decode=core_v1_storage.DECODERS[("v1", "PersistentVolume")],
    encode=core_v1_storage.EMITTERS[PersistentVolume], validate_update=_validate_pv_update,
    prepare_create=_pv_prepare, generation=0, machine="pv", gone_state="Deleted",
    create_detail=_pv_created, status_detail=_phase_change,
    columns=tables.PV_COLUMNS, row=tables.pv_row))

