"""Workload kinds kstate simulates: apps/v1 ReplicaSet, Deployment,
DaemonSet and ControllerRevision, v1 ReplicationController (one controller
serves ReplicaSets and RCs, so they are declared together).

Owns: their KindSpecs — status reset on create (the API server ignores a
client's status), Deployment's initial rollout state, the generic delete with
propagation, and the trace details `replicas=…`. Must not be imported by
engine/.
"""
from __future__ import annotations

from kstate.errors import SpecError
from kstate.io import apps_v1, core_v1, tables
from kstate.registry import KindSpec, register_kind
from kstate.resources.frozen import evolve
from kstate.resources.selector import LabelSelector, selector_from_labels
from kstate.resources.workloads import ControllerRevision, DaemonSet, Deployment, ReplicaSet, ReplicationController


def _replicas(obj) -> str:
    return f"replicas={obj.spec.replicas}"


def _replicas_change(old, new) -> str:
    return f"replicas={old.spec.replicas}->{new.spec.replicas}" if old.spec.replicas != new.spec.replicas else ""


def _status_counts(old, new) -> str:
    return f"replicas={new.replicas} ready={new.ready_replicas} available={new.available_replicas}"


def _fresh_status(obj, api):
    return evolve(obj, status=type(obj.status)())


def _deployment_fresh_status(obj, api):
    return evolve(obj, status=type(obj.status)(state="Progressing", state_since=api.now))


def _validate_update(cur, obj, meta):
    """apps/validation ValidateDeploymentUpdate / ValidateReplicaSetUpdate:
    the selector of apps/v1 kinds is immutable (an RC's may change)."""
    if obj.KIND != "ReplicationController" and obj.spec.selector != cur.spec.selector:
        raise SpecError("Invalid value: field is immutable", "spec.selector")
    return evolve(cur, metadata=meta, spec=obj.spec)


def _template_pod_spec(obj):
    return obj.spec.template.spec


def _with_template_pod_spec(obj, pod_spec):
    return evolve(obj, spec=evolve(obj.spec, template=evolve(obj.spec.template, spec=pod_spec)))


def _pod_selector(obj):
    """The scale subresource's selector: the workload's pod selector (an
    RC's is a plain label map)."""
    sel = obj.spec.selector
    if sel is None or isinstance(sel, LabelSelector):
        return sel
    return selector_from_labels(sel)


#: the scale subresource and the pod template of every workload kind.
SCALE = (lambda obj: obj.spec.replicas, lambda obj, n: evolve(obj, spec=evolve(obj.spec, replicas=n)))
TEMPLATE_POD_SPEC = (_template_pod_spec, _with_template_pod_spec)

_COMMON = dict(scale=SCALE, scale_selector=_pod_selector, pod_spec=TEMPLATE_POD_SPEC, validate_update=_validate_update, columns=tables.REPLICASET_COLUMNS, row=tables.replicaset_row,
               create_detail=_replicas, update_detail=_replicas_change, status_detail=_status_counts,
               prepare_create=_fresh_status)

REPLICASET = register_kind(KindSpec(
    kind="ReplicaSet", group="apps", version="v1", cls=ReplicaSet, plural="replicasets", short_names=("rs",),
    decode=apps_v1.DECODERS[("apps/v1", "ReplicaSet")], encode=apps_v1.EMITTERS[ReplicaSet], **_COMMON))
REPLICATIONCONTROLLER = register_kind(KindSpec(
    kind="ReplicationController", group="", version="v1", cls=ReplicationController,
    plural="replicationcontrollers", short_names=("rc",),
    decode=core_v1.DECODERS[("v1", "ReplicationController")], encode=core_v1.EMITTERS[ReplicationController],
    **_COMMON))
DEPLOYMENT = register_kind(KindSpec(
    kind="Deployment", group="apps", version="v1", cls=Deployment, plural="deployments", short_names=("deploy",),
    decode=apps_v1.DECODERS[("apps/v1", "Deployment")], encode=apps_v1.EMITTERS[Deployment],
    machine="deployment", gone_state="Deleted",
    **{**_COMMON, "prepare_create": _deployment_fresh_status, "columns": tables.DEPLOYMENT_COLUMNS,
       "row": tables.deployment_row}))


def _ds_status_counts(old, new) -> str:
    return (f"desired={new.desired_number_scheduled} current={new.current_number_scheduled} "
            f"ready={new.number_ready} available={new.number_available} updated={new.updated_number_scheduled} "
            f"misscheduled={new.number_misscheduled}")


def _validate_ds_update(cur, obj, meta):
    """apps/validation ValidateDaemonSetUpdate: the selector is immutable."""
    if obj.spec.selector != cur.spec.selector:
        raise SpecError("Invalid value: field is immutable", "spec.selector")
    return evolve(cur, metadata=meta, spec=obj.spec)


DAEMONSET = register_kind(KindSpec(
    kind="DaemonSet", group="apps", version="v1", cls=DaemonSet, plural="daemonsets", short_names=("ds",),
    decode=apps_v1.DECODERS[("apps/v1", "DaemonSet")], encode=apps_v1.EMITTERS[DaemonSet],
    validate_update=_validate_ds_update, prepare_create=_fresh_status, status_detail=_ds_status_counts,
    pod_spec=TEMPLATE_POD_SPEC, columns=tables.DAEMONSET_COLUMNS, row=tables.daemonset_row))


def _validate_cr_update(cur, obj, meta):
    """apps/validation ValidateControllerRevisionUpdate: data is immutable;
    the revision number may change (the controllers renumber a revision that
    becomes current again)."""
    if obj.data != cur.data:
        raise SpecError("Invalid value: field is immutable", "data")
    return evolve(cur, metadata=meta, spec=obj.spec)


def _revision(obj) -> str:
    return f"revision={obj.revision}"


def _revision_change(old, new) -> str:
    return f"revision={old.revision}->{new.revision}" if old.revision != new.revision else ""


CONTROLLERREVISION = register_kind(KindSpec(
    kind="ControllerRevision", group="apps", version="v1", cls=ControllerRevision, plural="controllerrevisions",
    decode=apps_v1.DECODERS[("apps/v1", "ControllerRevision")], encode=apps_v1.EMITTERS[ControllerRevision],
    validate_update=_validate_cr_update, generation=0, create_detail=_revision, update_detail=_revision_change,
    columns=tables.CONTROLLERREVISION_COLUMNS, row=tables.controllerrevision_row))
