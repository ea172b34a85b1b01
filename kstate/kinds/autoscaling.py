"""autoscaling/v2 HorizontalPodAutoscaler (also served as autoscaling/v1).

Owns: its KindSpec — the v2/v1 codec, the status reset on create (lifecycle
state Pending), spec updates, the `hpa` machine, trace details and the
`kubectl get hpa` columns. Must not be imported by engine/.
"""
from __future__ import annotations

from kstate.io import autoscaling, tables
from kstate.registry import KindSpec, register_kind
from kstate.resources.frozen import evolve
from kstate.resources.hpa import HorizontalPodAutoscaler, HPAStatus


def _fresh_status(obj, api):
    return evolve(obj, status=HPAStatus())


def _validate_update(cur, obj, meta):
    return evolve(cur, metadata=meta, spec=obj.spec)


def _create_detail(obj) -> str:
    return f"min={obj.spec.min_replicas} max={obj.spec.max_replicas}"


def _update_detail(old, new) -> str:
    a, b = old.spec, new.spec
    parts = []
    if (a.min_replicas, a.max_replicas) != (b.min_replicas, b.max_replicas):
        parts.append(f"min={a.min_replicas}->{b.min_replicas} max={a.max_replicas}->{b.max_replicas}")
    return " ".join(parts)


def _status_detail(old, new) -> str:
    return f"current={new.current_replicas} desired={new.desired_replicas}"


HPA = register_kind(KindSpec(
    kind="HorizontalPodAutoscaler", group="autoscaling", version="v2", other_versions=("v1",),
    cls=HorizontalPodAutoscaler, plural="horizontalpodautoscalers", short_names=("hpa",),
    decode=autoscaling.DECODERS[("autoscaling/v2", "HorizontalPodAutoscaler")],
    encode=autoscaling.EMITTERS[HorizontalPodAutoscaler],
    validate_update=_validate_update, prepare_create=_fresh_status, machine="hpa", gone_state="Deleted",
    create_detail=_create_detail, update_detail=_update_detail, status_detail=_status_detail,
    columns=tables.HPA_COLUMNS, row=tables.hpa_row))
