"""v1 PersistentVolumeClaim and PersistentVolume.

Owns: their shapes (k8s.io/api/core/v1 types.go) as frozen attrs classes —
the fields kstate acts on typed (access modes, the storage request and
capacity, the class, the binding), the rest of each spec kept verbatim in
`extra`. Must not import anything of kstate above `resources/`.
"""
from __future__ import annotations

from typing import ClassVar, Optional

import attrs

from kstate.resources.frozen import EMPTY, FrozenDict
from kstate.resources.meta import Condition, ObjectMeta

ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
ANN_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


@attrs.frozen
class PersistentVolumeClaimSpec:
    access_modes: tuple[str, ...] = ()
    #: resources.requests.storage as written ("1Gi").
    storage: str = ""
    #: None: not set (the DefaultStorageClass admission fills it); "": no class.
    storage_class_name: Optional[str] = None
    volume_name: str = ""
    volume_mode: str = "Filesystem"
    extra: FrozenDict = EMPTY


@attrs.frozen
class PersistentVolumeClaimStatus:
    phase: str = "Pending"            # Pending | Bound | Lost
    access_modes: tuple[str, ...] = ()
    capacity: str = ""
    conditions: tuple[Condition, ...] = ()
    # kstate's lifecycle state (machines/pvc.py).
    state: str = "Pending"


@attrs.frozen
class PersistentVolumeClaim:
    KIND: ClassVar[str] = "PersistentVolumeClaim"
    API_VERSION: ClassVar[str] = "v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: PersistentVolumeClaimSpec = PersistentVolumeClaimSpec()
    status: PersistentVolumeClaimStatus = PersistentVolumeClaimStatus()


@attrs.frozen
class ClaimRef:
    namespace: str
    name: str
    uid: str = ""


@attrs.frozen
class PersistentVolumeSpec:
    capacity: str = ""
    access_modes: tuple[str, ...] = ()
    claim_ref: Optional[ClaimRef] = None
    persistent_volume_reclaim_policy: str = "Retain"  # Retain | Delete | Recycle
    storage_class_name: str = ""
    volume_mode: str = "Filesystem"
    #: the volume source (hostPath, csi, nfs, …), nodeAffinity, mountOptions: verbatim.
    extra: FrozenDict = EMPTY


@attrs.frozen
class PersistentVolumeStatus:
    phase: str = "Pending"            # Pending | Available | Bound | Released | Failed
    message: str = ""
    reason: str = ""
    # kstate's lifecycle state (machines/pv.py).
    state: str = "Pending"


@attrs.frozen
class PersistentVolume:
    KIND: ClassVar[str] = "PersistentVolume"
    API_VERSION: ClassVar[str] = "v1"
    NAMESPACED: ClassVar[bool] = False

    metadata: ObjectMeta
    spec: PersistentVolumeSpec = PersistentVolumeSpec()
    status: PersistentVolumeStatus = PersistentVolumeStatus()
