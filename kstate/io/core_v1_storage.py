"""core/v1 storage kinds: PersistentVolumeClaim and PersistentVolume —
strict decoding, API-server defaults, validation with field paths, and the
`kubectl get -o json` shape.

Owns: `pvc_spec` (also the body of a StatefulSet's volumeClaimTemplates),
`pvc_to_manifest`, `pv_to_manifest` and this module's `DECODERS` /
`EMITTERS`. Imports the stdlib, `kstate.resources.*` and `kstate.io.fields`
/ `kstate.io.core_v1_container` (ResourceList quantities); never
`kstate.io.manifests`, yaml, the engine or the controllers.

Mirrors pkg/apis/core/v1/defaults.go SetDefaults_PersistentVolumeClaimSpec
(volumeMode Filesystem), SetDefaults_PersistentVolume (reclaim policy
Retain, volumeMode Filesystem) and pkg/apis/core/validation/validation.go
ValidatePersistentVolumeClaimSpec / ValidatePersistentVolumeSpec (access
modes required and supported, the storage request / capacity required, one
volume source). Volume sources, selectors, data sources and node affinity
are kept verbatim.
"""
from __future__ import annotations

from typing import Any, Callable

from kstate.io.core_v1_container import quantity_map
from kstate.io.fields import (
    BAD, Ctx, condition_list, condition_out, dot, list_of, object_meta, object_meta_out, one_of, string,
    struct, top_level,
)
from kstate.resources import ObjectMeta
from kstate.resources.frozen import FrozenDict, thaw
from kstate.resources.storage import (
    ClaimRef, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimStatus,
    PersistentVolumeSpec, PersistentVolumeStatus,
)

__all__ = ["DECODERS", "EMITTERS", "pvc_spec", "pvc_to_manifest", "pv_to_manifest", "decode_pvc"]

ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
VOLUME_MODES = ("Block", "Filesystem")
RECLAIM_POLICIES = ("Delete", "Recycle", "Retain")
#: the volume sources a PersistentVolume may name (types.go PersistentVolumeSource).
PV_SOURCES = ("awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume",
              "flocker", "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs",
              "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos",
              "vsphereVolume")

_storage_list = quantity_map(supported=("storage",))


def _access_modes(ctx: Ctx, v: Any, path: str) -> Any:
    return list_of(ctx, v, path, one_of(ACCESS_MODES))


def _check_access_modes(ctx: Ctx, modes, path: str) -> None:
    """validation.go: at least one mode; ReadWriteOncePod only alone."""
    if not modes:
        ctx.required(path, "at least 1 access mode is required")
    elif "ReadWriteOncePod" in modes and len(modes) > 1:
        ctx.forbidden(path, "may not use ReadWriteOncePod with other access modes")


def pvc_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_PersistentVolumeClaimSpec + ValidatePersistentVolumeClaimSpec."""
    r = struct(ctx, v, path, {
        "accessModes": _access_modes,
        "resources": lambda c, x, p: struct(c, x, p, {"requests": _storage_list, "limits": _storage_list}),
        "storageClassName": string,
        "volumeName": string,
        "volumeMode": one_of(VOLUME_MODES),
    }, extra=("selector", "dataSource", "dataSourceRef", "volumeAttributesClassName"))
    if r is None:
        return BAD
    modes = tuple(r.get("accessModes", ()))
    if r.ok("accessModes"):
        _check_access_modes(ctx, modes, dot(path, "accessModes"))
    res = r.get("resources")
    requests = res.get("requests", FrozenDict()) if res is not None else FrozenDict()
    storage = requests.get("storage") if requests else None
    if r.ok("resources") and (res is None or res.ok("requests")) and storage is None:
        ctx.required(f"{dot(path, 'resources')}[storage]")
    extra = dict(r.extra)
    limits = res.get("limits") if res is not None else None
    if limits:
        extra["resources.limits"] = limits
    return PersistentVolumeClaimSpec(access_modes=modes, storage=storage or "",
                                     storage_class_name=r.get("storageClassName"),
                                     volume_name=r.get("volumeName", ""),
                                     volume_mode=r.get("volumeMode", "Filesystem"), extra=FrozenDict(extra))


def _pvc_status(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "phase": one_of(("Pending", "Bound", "Lost")),
        "accessModes": _access_modes,
        "capacity": _storage_list,
        "conditions": condition_list,
    }, drop=("allocatedResources", "allocatedResourceStatuses", "currentVolumeAttributesClassName",
             "modifyVolumeStatus"))
    if r is None:
        return BAD
    cap = r.get("capacity") or {}
    return PersistentVolumeClaimStatus(phase=r.get("phase", "Pending"), access_modes=tuple(r.get("accessModes", ())),
                                       capacity=cap.get("storage", ""), conditions=r.get("conditions", ()))


def decode_pvc(ctx: Ctx, doc: Any, path: str = "") -> Any:
    """A PersistentVolumeClaim (also a volumeClaimTemplate at `path`)."""
    if path:
        r = struct(ctx, doc, path, {
            "apiVersion": string, "kind": string,
            "metadata": lambda c, x, p: object_meta(c, x, p, PersistentVolumeClaim, template=True),
            "spec": pvc_spec, "status": _pvc_status})
        if r is None:
            return BAD
    else:
        r = top_level(ctx, doc, {
            "metadata": lambda c, x, p: object_meta(c, x, p, PersistentVolumeClaim),
            "spec": pvc_spec, "status": _pvc_status})
    spec = r.get("spec")
    if r.raw.get("spec") is None:
        spec = pvc_spec(ctx, {}, dot(path, "spec"))
    if path and not r.get("metadata", ObjectMeta()).name and r.ok("metadata"):
        ctx.required(dot(dot(path, "metadata"), "name"))
    return PersistentVolumeClaim(
        metadata=r.get("metadata", ObjectMeta(namespace="" if path else "default")),
        spec=spec if isinstance(spec, PersistentVolumeClaimSpec) else PersistentVolumeClaimSpec(),
        status=r.get("status", PersistentVolumeClaimStatus()))


def _decode_pvc_doc(ctx: Ctx, doc: dict) -> PersistentVolumeClaim:
    return decode_pvc(ctx, doc)


def pvc_spec_out(s: PersistentVolumeClaimSpec) -> dict:
    d: dict = {"accessModes": list(s.access_modes)}
    for k in ("selector",):
        if k in s.extra:
            d[k] = thaw(s.extra[k])
    res: dict = {"requests": {"storage": s.storage}}
    if "resources.limits" in s.extra:
        res = {"limits": thaw(s.extra["resources.limits"]), **res}
    d["resources"] = res
    if s.volume_name:
        d["volumeName"] = s.volume_name
    if s.storage_class_name is not None:
        d["storageClassName"] = s.storage_class_name
    d["volumeMode"] = s.volume_mode
    for k in ("dataSource", "dataSourceRef", "volumeAttributesClassName"):
        if k in s.extra:
            d[k] = thaw(s.extra[k])
    return d


def pvc_status_out(s: PersistentVolumeClaimStatus) -> dict:
    d: dict = {"phase": s.phase}
    if s.access_modes:
        d["accessModes"] = list(s.access_modes)
    if s.capacity:
        d["capacity"] = {"storage": s.capacity}
    if s.conditions:
        d["conditions"] = [condition_out(c) for c in s.conditions]
    return d


def pvc_to_manifest(obj: PersistentVolumeClaim, template: bool = False) -> dict:
    """`kubectl get pvc -o json` (types.go field order)."""
    meta = object_meta_out(obj.metadata, not template)
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta,
            "spec": pvc_spec_out(obj.spec), "status": pvc_status_out(obj.status)}


# ======================================================== persistentvolumes


def _claim_ref(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"namespace": string, "name": string, "uid": string},
               drop=("apiVersion", "kind", "resourceVersion", "fieldPath"))
    if r is None:
        return BAD
    return ClaimRef(namespace=r.get("namespace", ""), name=r.get("name", ""), uid=r.get("uid", ""))


def _pv_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_PersistentVolume + ValidatePersistentVolumeSpec."""
    r = struct(ctx, v, path, {
        "capacity": _storage_list,
        "accessModes": _access_modes,
        "claimRef": _claim_ref,
        "persistentVolumeReclaimPolicy": one_of(RECLAIM_POLICIES),
        "storageClassName": string,
        "volumeMode": one_of(VOLUME_MODES),
    }, extra=PV_SOURCES + ("nodeAffinity", "mountOptions", "volumeAttributesClassName"))
    if r is None:
        return BAD
    modes = tuple(r.get("accessModes", ()))
    if r.ok("accessModes"):
        _check_access_modes(ctx, modes, dot(path, "accessModes"))
    cap = r.get("capacity")
    if r.ok("capacity") and not (cap or {}).get("storage"):
        ctx.required(dot(path, "capacity"))
    sources = [k for k in PV_SOURCES if k in r.extra]
    if not sources:
        ctx.required(path, "must specify a volume type")
    elif len(sources) > 1:
        ctx.forbidden(dot(path, sources[1]), "may not specify more than 1 volume type")
    return PersistentVolumeSpec(capacity=(cap or {}).get("storage", ""), access_modes=modes,
                                claim_ref=r.get("claimRef"),
                                persistent_volume_reclaim_policy=r.get("persistentVolumeReclaimPolicy", "Retain"),
                                storage_class_name=r.get("storageClassName", ""),
                                volume_mode=r.get("volumeMode", "Filesystem"), extra=FrozenDict(r.extra))


def _pv_status(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"phase": one_of(("Pending", "Available", "Bound", "Released", "Failed")),
                              "message": string, "reason": string}, drop=("lastPhaseTransitionTime",))
    if r is None:
        return BAD
    return PersistentVolumeStatus(phase=r.get("phase", "Pending"), message=r.get("message", ""),
                                  reason=r.get("reason", ""))


def _decode_pv(ctx: Ctx, doc: dict) -> PersistentVolume:
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, PersistentVolume),
        "spec": _pv_spec, "status": _pv_status})
    spec = r.get("spec")
    if r.raw.get("spec") is None:
        spec = _pv_spec(ctx, {}, "spec")
    return PersistentVolume(metadata=r.get("metadata", ObjectMeta()),
                            spec=spec if isinstance(spec, PersistentVolumeSpec) else PersistentVolumeSpec(),
                            status=r.get("status", PersistentVolumeStatus()))


def pv_to_manifest(obj: PersistentVolume) -> dict:
    """`kubectl get pv -o json`."""
    s = obj.spec
    spec: dict = {"capacity": {"storage": s.capacity}}
    for k in PV_SOURCES:
        if k in s.extra:
            spec[k] = thaw(s.extra[k])
    spec["accessModes"] = list(s.access_modes)
    if s.claim_ref is not None:
        ref = {"kind": "PersistentVolumeClaim", "namespace": s.claim_ref.namespace, "name": s.claim_ref.name}
        if s.claim_ref.uid:
            ref["uid"] = s.claim_ref.uid
        spec["claimRef"] = {"apiVersion": "v1", **ref}
    spec["persistentVolumeReclaimPolicy"] = s.persistent_volume_reclaim_policy
    if s.storage_class_name:
        spec["storageClassName"] = s.storage_class_name
    for k in ("mountOptions", "nodeAffinity"):
        if k in s.extra:
            spec[k] = thaw(s.extra[k])
    spec["volumeMode"] = s.volume_mode
    status: dict = {"phase": obj.status.phase}
    if obj.status.message:
        status["message"] = obj.status.message
    if obj.status.reason:
        status["reason"] = obj.status.reason
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": object_meta_out(obj.metadata, False),
            "spec": spec, "status": status}


DECODERS: dict[tuple[str, str], Callable[[Ctx, dict], Any]] = {
    ("v1", "PersistentVolumeClaim"): _decode_pvc_doc,
    ("v1", "PersistentVolume"): _decode_pv,
}
EMITTERS: dict[type, Callable[[Any], dict]] = {
    PersistentVolumeClaim: pvc_to_manifest,
    PersistentVolume: pv_to_manifest,
}

