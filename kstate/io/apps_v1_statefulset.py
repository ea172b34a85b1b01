"""apps/v1 StatefulSet: strict decoding, API-server defaults, validation with
field paths, and the `kubectl get sts -o json` shape (kept apart from
`apps_v1` for size; registered into its `DECODERS` / `EMITTERS`).

Owns: `statefulset_to_manifest`. Imports the stdlib, `kstate.resources.*`,
`kstate.io.fields`, `kstate.io.selectors`, `kstate.io.apps_v1` (int-or-percent
helpers), `kstate.io.core_v1_pod` (pod templates) and
`kstate.io.core_v1_storage` (volumeClaimTemplates); never
`kstate.io.manifests`, yaml, the engine or the controllers.

Mirrors pkg/apis/apps/v1/defaults.go SetDefaults_StatefulSet (replicas 1,
OrderedReady, RollingUpdate with partition 0 and — MaxUnavailableStatefulSet
being on by default at Kubernetes 1.35 — maxUnavailable 1, revisionHistoryLimit
10, retention Retain/Retain) and pkg/apis/apps/validation/validation.go
ValidateStatefulSetSpec / ValidateStatefulSetUpdate.
"""
from __future__ import annotations

from typing import Any

from kstate.io import apps_v1
from kstate.io.apps_v1 import _int_or_percent, _int_or_percent_value, _percent_value
from kstate.io.core_v1_pod import pod_template, pod_template_out
from kstate.io.core_v1_storage import decode_pvc, pvc_to_manifest
from kstate.io.fields import (
    BAD, Ctx, condition_list, condition_out, decode_spec_status, dot, given_or_empty, int64, integer, at_index,
    non_negative, object_meta_out, one_of, string, struct,
)
from kstate.io.selectors import label_selector
from kstate.resources.selector import LabelSelector, selector_to_dict
from kstate.resources.workloads import (
    PodTemplateSpec, RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy,
    StatefulSetSpec, StatefulSetStatus, StatefulSetUpdateStrategy,
)

__all__ = ["statefulset_to_manifest"]

_nn_int = non_negative(integer)
_nn_int64 = non_negative(int64)
_POLICIES = ("OrderedReady", "Parallel")
_RETENTION = ("Retain", "Delete")


def _rolling_update(ctx: Ctx, v: Any, path: str) -> Any:
    """partition ≥ 0; maxUnavailable an int > 0 or a percent in (0, 100]."""
    r = struct(ctx, v, path, {"partition": _nn_int, "maxUnavailable": _int_or_percent})
    if r is None or not r.ok("partition") or not r.ok("maxUnavailable"):
        return BAD
    mu = r.get("maxUnavailable", 1)
    mpath = dot(path, "maxUnavailable")
    if _int_or_percent_value(mu) == 0:
        ctx.invalid(mpath, mu, "must be greater than 0")
    pct = _percent_value(mu)
    if pct is not None and pct > 100:
        ctx.invalid(mpath, mu, "must not be greater than 100%")
    return RollingUpdateStatefulSetStrategy(partition=r.get("partition", 0), max_unavailable=mu)


def _update_strategy(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"type": one_of(("OnDelete", "RollingUpdate"), allow_empty=True),
                              "rollingUpdate": _rolling_update})
    if r is None or not r.ok("rollingUpdate"):
        return BAD
    typ = r.get("type") or "RollingUpdate"
    ru = r.get("rollingUpdate")
    if typ == "OnDelete":
        if ru is not None:
            ctx.invalid(dot(path, "rollingUpdate"), "",
                        "only allowed for updateStrategy 'RollingUpdate'")
        return StatefulSetUpdateStrategy(type="OnDelete", rolling_update=None)
    if typ != "RollingUpdate":
        return BAD
    return StatefulSetUpdateStrategy(type="RollingUpdate",
                                     rolling_update=ru if ru is not None else RollingUpdateStatefulSetStrategy())


def _retention(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"whenDeleted": one_of(_RETENTION), "whenScaled": one_of(_RETENTION)})
    if r is None:
        return BAD
    return StatefulSetPersistentVolumeClaimRetentionPolicy(when_deleted=r.get("whenDeleted", "Retain"),
                                                           when_scaled=r.get("whenScaled", "Retain"))


def _ordinals(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"start": _nn_int})
    return BAD if r is None else r.get("start", 0)


def _claim_templates(ctx: Ctx, v: Any, path: str) -> Any:
    if not isinstance(v, list):
        ctx.invalid(path, v, "must be a list")
        return BAD
    out, seen = [], set()
    for i, item in enumerate(v):
        p = at_index(path, i)
        pvc = decode_pvc(ctx, item, p)
        if pvc is BAD:
            continue
        if pvc.metadata.name in seen:
            ctx.duplicate(dot(dot(p, "metadata"), "name"), pvc.metadata.name)
        seen.add(pvc.metadata.name)
        out.append(pvc)
    return tuple(out)


def _statefulset_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_StatefulSet + ValidateStatefulSetSpec."""
    r = struct(ctx, v, path, {
        "replicas": _nn_int,
        "selector": label_selector,
        "template": pod_template,
        "volumeClaimTemplates": _claim_templates,
        "serviceName": string,
        "podManagementPolicy": one_of(_POLICIES),
        "updateStrategy": _update_strategy,
        "revisionHistoryLimit": _nn_int,
        "minReadySeconds": _nn_int,
        "persistentVolumeClaimRetentionPolicy": _retention,
        "ordinals": _ordinals,
    })
    if r is None:
        return BAD
    sel, template = apps_v1._selector_and_template(ctx, r, path, "StatefulSet")
    strategy = given_or_empty(ctx, r, path, "updateStrategy", _update_strategy)
    return StatefulSetSpec(
        selector=sel if isinstance(sel, LabelSelector) else None,
        template=template if isinstance(template, PodTemplateSpec) else PodTemplateSpec(),
        replicas=r.get("replicas", 1),
        volume_claim_templates=r.get("volumeClaimTemplates", ()),
        service_name=r.get("serviceName", ""),
        pod_management_policy=r.get("podManagementPolicy", "OrderedReady"),
        update_strategy=strategy if isinstance(strategy, StatefulSetUpdateStrategy) else StatefulSetUpdateStrategy(),
        revision_history_limit=r.get("revisionHistoryLimit", 10),
        min_ready_seconds=r.get("minReadySeconds", 0),
        persistent_volume_claim_retention_policy=r.get("persistentVolumeClaimRetentionPolicy",
                                                       StatefulSetPersistentVolumeClaimRetentionPolicy()),
        ordinals_start=r.get("ordinals", 0),
    )


_STATUS_INTS = (("observedGeneration", "observed_generation"), ("replicas", "replicas"),
                ("readyReplicas", "ready_replicas"), ("currentReplicas", "current_replicas"),
                ("updatedReplicas", "updated_replicas"), ("availableReplicas", "available_replicas"))


def _statefulset_status(ctx: Ctx, v: Any, path: str) -> Any:
    fields = {k: (_nn_int64 if k == "observedGeneration" else _nn_int) for k, _ in _STATUS_INTS}
    r = struct(ctx, v, path, {**fields, "currentRevision": string, "updateRevision": string,
                              "collisionCount": _nn_int, "conditions": condition_list})
    if r is None:
        return BAD
    return StatefulSetStatus(**{a: r.get(k, 0) for k, a in _STATUS_INTS},
                             current_revision=r.get("currentRevision", ""), update_revision=r.get("updateRevision", ""),
                             collision_count=r.get("collisionCount"), conditions=r.get("conditions", ()))


def _decode_statefulset(ctx: Ctx, doc: dict) -> StatefulSet:
    """ValidateStatefulSet: ValidateObjectMeta + ValidateStatefulSetSpec."""
    meta, spec, status = decode_spec_status(ctx, doc, StatefulSet, _statefulset_spec, StatefulSetSpec,
                                            _statefulset_status, StatefulSetStatus())
    return StatefulSet(metadata=meta, spec=spec, status=status)


def _strategy_out(s: StatefulSetUpdateStrategy) -> dict:
    d: dict = {"type": s.type}
    if s.rolling_update is not None:
        d["rollingUpdate"] = {"partition": s.rolling_update.partition,
                              "maxUnavailable": s.rolling_update.max_unavailable}
    return d


def _status_out(s: StatefulSetStatus) -> dict:
    """types.go StatefulSetStatus: replicas and availableReplicas always."""
    d: dict = {}
    if s.observed_generation:
        d["observedGeneration"] = s.observed_generation
    d["replicas"] = s.replicas
    for key, value in (("readyReplicas", s.ready_replicas), ("currentReplicas", s.current_replicas),
                       ("updatedReplicas", s.updated_replicas), ("currentRevision", s.current_revision),
                       ("updateRevision", s.update_revision)):
        if value:
            d[key] = value
    if s.collision_count is not None:
        d["collisionCount"] = s.collision_count
    if s.conditions:
        d["conditions"] = [condition_out(c) for c in s.conditions]
    d["availableReplicas"] = s.available_replicas
    return d


def statefulset_to_manifest(obj: StatefulSet) -> dict:
    """A StatefulSet as `kubectl get sts -o json` shows it (types.go field order)."""
    s = obj.spec
    spec: dict = {"replicas": s.replicas}
    sel = selector_to_dict(s.selector)
    if sel is not None:
        spec["selector"] = sel
    spec["template"] = pod_template_out(s.template)
    if s.volume_claim_templates:
        spec["volumeClaimTemplates"] = [pvc_to_manifest(t, template=True) for t in s.volume_claim_templates]
    if s.service_name:
        spec["serviceName"] = s.service_name
    spec["podManagementPolicy"] = s.pod_management_policy
    spec["updateStrategy"] = _strategy_out(s.update_strategy)
    if s.revision_history_limit is not None:
        spec["revisionHistoryLimit"] = s.revision_history_limit
    if s.min_ready_seconds:
        spec["minReadySeconds"] = s.min_ready_seconds
    p = s.persistent_volume_claim_retention_policy
    spec["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": p.when_deleted, "whenScaled": p.when_scaled}
    if s.ordinals_start:
        spec["ordinals"] = {"start": s.ordinals_start}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": object_meta_out(obj.metadata, True),
            "spec": spec, "status": _status_out(obj.status)}


apps_v1.DECODERS[("apps/v1", "StatefulSet")] = _decode_statefulset
apps_v1.EMITTERS[StatefulSet] = statefulset_to_manifest
apps_v1.PART_EMITTERS[StatefulSetUpdateStrategy] = _strategy_out
