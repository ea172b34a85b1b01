"""Builders for the tests ported from Kubernetes' Deployment / ReplicaSet unit
tests (the Go helpers newDeployment, rs / newRSWithStatus, newPod of
pkg/controller/deployment/deployment_controller_test.go and
pkg/controller/replicaset/replica_set_test.go, rewritten for kstate's frozen
resources). Timestamps are int ms; `None` plays Go's zero time.
"""
from __future__ import annotations

from typing import Optional

from kstate.resources.frozen import FrozenDict
from kstate.resources.meta import Condition, ObjectMeta, OwnerReference
from kstate.resources.pod import Container, ContainerStatus, Pod, PodSpec, PodStatus
from kstate.resources.selector import LabelSelector
from kstate.resources.workloads import (
    ANN_DESIRED_REPLICAS, ANN_MAX_REPLICAS, ANN_REVISION, Deployment, DeploymentSpec, DeploymentStatus,
    DeploymentStrategy, PodTemplateSpec, ReplicaSet, ReplicaSetSpec, ReplicaSetStatus, RollingUpdateDeployment,
)

NOW = 1_700_000_000_000  # ms; an arbitrary "now" for tests that need one
SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE


def template(labels=None, image: str = "foo/bar", annotations=None, node_name: str = "") -> PodTemplateSpec:
    return PodTemplateSpec(metadata=ObjectMeta(labels=FrozenDict(labels or {}),
                                               annotations=FrozenDict(annotations or {})),
                           spec=PodSpec(containers=(Container(name="c", image=image),), node_name=node_name))


def controller_ref(owner) -> OwnerReference:
    return OwnerReference(api_version=owner.API_VERSION, kind=owner.KIND, name=owner.metadata.name,
                          uid=owner.metadata.uid, controller=True, block_owner_deletion=True)


def new_deployment(name: str = "foo", replicas: int = 1, revision_history_limit: Optional[int] = None,
                   max_surge=0, max_unavailable=0, selector=None, *, strategy: str = "RollingUpdate",
                   progress_deadline_seconds: Optional[int] = None, image: str = "foo/bar",
                   status: DeploymentStatus = DeploymentStatus(), annotations=None,
                   min_ready_seconds: int = 0, paused: bool = False) -> Deployment:
    """Go's newDeployment: RollingUpdate with maxSurge = maxUnavailable = 0
    unless given, template labels = selector, no progress deadline."""
    sel = FrozenDict(selector or {})
    ru = RollingUpdateDeployment(max_unavailable=max_unavailable, max_surge=max_surge) \
        if strategy == "RollingUpdate" else None
    return Deployment(
        metadata=ObjectMeta(name=name, namespace="default", uid=f"uid-deploy-{name}",
                            annotations=FrozenDict(annotations or {})),
        spec=DeploymentSpec(selector=LabelSelector(match_labels=sel), template=template(sel, image),
                            replicas=replicas, strategy=DeploymentStrategy(type=strategy, rolling_update=ru),
                            revision_history_limit=revision_history_limit,
                            progress_deadline_seconds=progress_deadline_seconds,
                            min_ready_seconds=min_ready_seconds, paused=paused),
        status=status)


def new_rs(name: str, replicas: int, selector=None, created: Optional[int] = None, *, available: int = 0,
           status_replicas: Optional[int] = None, ready: int = 0, revision: Optional[str] = None,
           desired: Optional[int] = None, max_replicas: Optional[int] = None, annotations=None,
           owner: Optional[Deployment] = None, tmpl: Optional[PodTemplateSpec] = None, uid: Optional[str] = None,
           deletion: Optional[int] = None, min_ready_seconds: int = 0) -> ReplicaSet:
    """Go's rs()/newRSWithStatus(): name, spec.replicas, selector, creation
    time; optional status counts, revision / desired / max annotations and a
    controller reference to `owner`."""
    ann = dict(annotations or {})
    if revision is not None:
        ann[ANN_REVISION] = revision
    if desired is not None:
        ann[ANN_DESIRED_REPLICAS] = str(desired)
    if max_replicas is not None:
        ann[ANN_MAX_REPLICAS] = str(max_replicas)
    sel = FrozenDict(selector or {})
    meta = ObjectMeta(name=name, namespace="default", uid=uid if uid is not None else f"uid-{name}",
                      labels=sel, annotations=FrozenDict(ann), creation_timestamp=created,
                      deletion_timestamp=deletion,
                      owner_references=(controller_ref(owner),) if owner is not None else ())
    return ReplicaSet(metadata=meta,
                      spec=ReplicaSetSpec(selector=LabelSelector(match_labels=sel),
                                          template=tmpl if tmpl is not None else template(),
                                          replicas=replicas, min_ready_seconds=min_ready_seconds),
                      status=ReplicaSetStatus(replicas=replicas if status_replicas is None else status_replicas,
                                              available_replicas=available, ready_replicas=ready))


def new_pod(name: str, *, phase: str = "Running", ready: Optional[bool] = None, ready_since: Optional[int] = None,
            node: str = "", created: Optional[int] = None, restarts=(), labels=None, annotations=None,
            owner=None, owner_refs=None, uid: Optional[str] = None, deletion: Optional[int] = None,
            namespace: str = "default") -> Pod:
    """A pod in `phase`; `ready` adds a Ready condition (default: ready iff
    Running, like Go's replicaset newPod) with lastTransitionTime `ready_since`."""
    if ready is None:
        ready = phase == "Running"
    conds = (Condition("Ready", "True" if ready else "False", last_transition_time=ready_since),) \
        if (ready or phase == "Running") else ()
    refs = owner_refs if owner_refs is not None else ((controller_ref(owner),) if owner is not None else ())
    meta = ObjectMeta(name=name, namespace=namespace, uid=uid if uid is not None else f"uid-{name}",
                      labels=FrozenDict(labels or {}), annotations=FrozenDict(annotations or {}),
                      owner_references=tuple(refs), creation_timestamp=created, deletion_timestamp=deletion)
    return Pod(metadata=meta, spec=PodSpec(containers=(Container(name="c", image="foo/bar"),), node_name=node),
               status=PodStatus(phase=phase, conditions=conds,
                                container_statuses=tuple(ContainerStatus(name=f"c{i}", restart_count=r)
                                                         for i, r in enumerate(restarts))))
