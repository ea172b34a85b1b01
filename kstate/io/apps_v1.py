"""apps/v1 kinds: ReplicaSet and Deployment — strict decoding, API-server
defaults, validation with field paths, and the way back to the
`kubectl get -o json` shape.

Owns: the group's registries `DECODERS`, `EMITTERS` and `PART_EMITTERS`
(DeploymentStrategy), `deployment_to_manifest` and `replicaset_to_manifest`.
Imports the stdlib, `kstate.resources.*`, `kstate.io.fields`,
`kstate.io.selectors` and the core/v1 modules whose types apps/v1 embeds
(`kstate.io.core_v1_pod` for pod templates, `kstate.io.core_v1` for the
replica-count status), as k8s.io/api/apps/v1 imports core/v1; never
`kstate.io.manifests`, yaml, the engine or the controllers.

Mirrors:
  * pkg/apis/apps/v1/defaults.go SetDefaults_Deployment / SetDefaults_ReplicaSet;
  * pkg/apis/apps/validation/validation.go ValidateDeployment(Spec),
    ValidateDeploymentStrategy, ValidateRollingUpdateDeployment,
    ValidatePositiveIntOrPercent, IsNotMoreThan100Percent, ValidateReplicaSetSpec,
    ValidatePodTemplateSpecForReplicaSet.

Status blocks are decoded as given (the engine resets status and generation on
create); only their shape and non-negativity are checked. kstate-internal
status fields (`state`, `state_since`) are never read from or written to a
manifest.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

from kstate.io.core_v1 import replica_set_status, replica_set_status_out
from kstate.io.core_v1_pod import check_pod_template, pod_template, pod_template_out
from kstate.io.fields import (
    BAD, Ctx, Raw, boolean, json_data, condition_list, condition_out, decode_spec_status, dot, given_or_empty, int64, integer,
    non_negative, object_meta, object_meta_out, one_of, struct, top_level,
)
from kstate.io.selectors import label_selector, selector_matcher
from kstate.resources import ObjectMeta
from kstate.resources.selector import LabelSelector, selector_to_dict
from kstate.resources.frozen import thaw
from kstate.resources.workloads import (
    ControllerRevision, ControllerRevisionBody, DaemonSet, DaemonSetSpec, DaemonSetStatus, DaemonSetUpdateStrategy, Deployment,
    DeploymentSpec, DeploymentStatus, DeploymentStrategy, PodTemplateSpec, ReplicaSet, ReplicaSetSpec,
    ReplicaSetStatus, RollingUpdateDaemonSet, RollingUpdateDeployment,
)

__all__ = [
    "DECODERS", "EMITTERS", "PART_EMITTERS", "deployment_to_manifest", "replicaset_to_manifest",
    "daemonset_to_manifest", "controllerrevision_to_manifest",
]

_STRATEGY_TYPES = ("Recreate", "RollingUpdate")
_DEFAULT_MAX_UNAVAILABLE = "25%"
_DEFAULT_MAX_SURGE = "25%"
_PERCENT_RE = re.compile(r"[0-9]+%")
# validation.go IsValidPercent → RegexError(percentErrMsg, percentFmt, "1%", "93%"),
# byte for byte (RegexError's double space included).
_PERCENT_ERR = ("a valid percent string must be a numeric string followed by an ending '%' "
                "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")
_NON_NEGATIVE = "must be greater than or equal to 0"

_nn_int = non_negative(integer)
_nn_int64 = non_negative(int64)


def _selector_and_template(ctx: Ctx, r: Raw, path: str, kind: str = "ReplicaSet") -> tuple[Any, Any]:
    """ValidateDeploymentSpec / ValidateReplicaSetSpec / ValidateDaemonSetSpec /
    ValidateStatefulSetSpec: the selector is required and must not be empty
    ("empty selector is invalid for deployment" — ReplicaSets say
    "deployment" too, validation.go — "daemonset", "statefulset"); the pod
    template (decoded from {} when left out) must have labels the selector
    matches, and for daemon and stateful pods no activeDeadlineSeconds."""
    sel = r.get("selector")
    spath = dot(path, "selector")
    if r.raw.get("selector") is None:
        ctx.required(spath)
    elif isinstance(sel, LabelSelector) and sel.is_empty():
        noun = "deployment" if kind == "ReplicaSet" else kind.lower()
        ctx.invalid(spath, {}, f"empty selector is invalid for {noun}")
    template = given_or_empty(ctx, r, path, "template", pod_template)
    if kind == "ReplicaSet":
        check_pod_template(ctx, template, dot(path, "template"), selector_matcher(sel), kind)
    else:
        check_pod_template(ctx, template, dot(path, "template"), selector_matcher(sel), kind, forbid_deadline=True)
    return sel, template


# ================================================================= strategy


def _int_or_percent(ctx: Ctx, v: Any, path: str) -> Any:
    """ValidatePositiveIntOrPercent: an int ≥ 0 or a "<n>%" string."""
    if isinstance(v, str):
        if not _PERCENT_RE.fullmatch(v):
            ctx.invalid(path, v, _PERCENT_ERR)
        return v
    r = integer(ctx, v, path)
    if r is not BAD and r < 0:
        ctx.invalid(path, r, _NON_NEGATIVE)
    return r


def _percent_value(v: Any) -> Optional[int]:
    """getPercentValue: the number of a valid percent string, else None."""
    if not isinstance(v, str) or not _PERCENT_RE.fullmatch(v):
        return None
    digits = v[:-1].lstrip("0") or "0"
    return int(digits) if len(digits) <= 12 else 10**12


def _int_or_percent_value(v: Any) -> int:
    """getIntOrPercentValue (IntOrString.IntValue for non-percent strings)."""
    p = _percent_value(v)
    if p is not None:
        return p
    if isinstance(v, str):
        return int(v) if re.fullmatch(r"[+-]?[0-9]{1,12}", v) else 0
    return v


def _rolling_update(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"maxUnavailable": _int_or_percent, "maxSurge": _int_or_percent})
    if r is None:
        return BAD
    return r


def _strategy(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_Deployment (type RollingUpdate, 25%/25% for unset fields)
    + ValidateDeploymentStrategy / ValidateRollingUpdateDeployment."""
    r = struct(ctx, v, path, {
        "type": one_of(_STRATEGY_TYPES, allow_empty=True),
        "rollingUpdate": _rolling_update,
    })
    if r is None:
        return BAD
    typ = r.get("type") or "RollingUpdate"
    rpath = dot(path, "rollingUpdate")
    if typ == "Recreate":
        if r.given("rollingUpdate"):
            ctx.forbidden(rpath, "may not be specified when strategy `type` is 'Recreate'")
        return DeploymentStrategy(type="Recreate", rolling_update=None)
    if typ != "RollingUpdate":
        return BAD
    ru = r.get("rollingUpdate")
    if not r.ok("rollingUpdate"):
        return BAD
    raw_mu = ru.get("maxUnavailable") if ru is not None else None
    raw_ms = ru.get("maxSurge") if ru is not None else None
    if ru is not None and (not ru.ok("maxUnavailable") or not ru.ok("maxSurge")):
        return BAD
    mu = _DEFAULT_MAX_UNAVAILABLE if raw_mu is None else raw_mu
    ms = _DEFAULT_MAX_SURGE if raw_ms is None else raw_ms
    mupath = dot(rpath, "maxUnavailable")
    if _int_or_percent_value(mu) == 0 and _int_or_percent_value(ms) == 0:
        ctx.invalid(mupath, mu, "may not be 0 when `maxSurge` is 0")
    pct = _percent_value(mu)
    if pct is not None and pct > 100:
        ctx.invalid(mupath, mu, "must not be greater than 100%")
    return DeploymentStrategy(type="RollingUpdate",
                              rolling_update=RollingUpdateDeployment(max_unavailable=mu,
                                                                     max_surge=ms))


def _strategy_out(s: DeploymentStrategy) -> dict:
    d: dict = {"type": s.type}
    ru = s.rolling_update
    if ru is not None and s.type == "RollingUpdate":
        body: dict = {}
        if ru.max_unavailable is not None:
            body["maxUnavailable"] = ru.max_unavailable
        if ru.max_surge is not None:
            body["maxSurge"] = ru.max_surge
        d["rollingUpdate"] = body
    return d


# =============================================================== deployment


def _deployment_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_Deployment + ValidateDeploymentSpec."""
    r = struct(ctx, v, path, {
        "replicas": _nn_int,
        "selector": label_selector,
        "template": pod_template,
        "strategy": _strategy,
        "minReadySeconds": _nn_int,
        "revisionHistoryLimit": _nn_int,
        "paused": boolean,
        "progressDeadlineSeconds": _nn_int,
    })
    if r is None:
        return BAD
    sel, template = _selector_and_template(ctx, r, path)
    strategy = given_or_empty(ctx, r, path, "strategy", _strategy)
    min_ready = r.get("minReadySeconds", 0)
    deadline = r.get("progressDeadlineSeconds", 600)
    if r.ok("progressDeadlineSeconds") and r.ok("minReadySeconds") and deadline <= min_ready:
        # Checked after defaulting: minReadySeconds ≥ 600 needs an explicit deadline.
        ctx.invalid(dot(path, "progressDeadlineSeconds"), deadline,
                    "must be greater than minReadySeconds")
    return DeploymentSpec(
        selector=sel if isinstance(sel, LabelSelector) else None,
        template=template if isinstance(template, PodTemplateSpec) else PodTemplateSpec(),
        replicas=r.get("replicas", 1),
        strategy=strategy if isinstance(strategy, DeploymentStrategy) else DeploymentStrategy(),
        min_ready_seconds=min_ready,
        revision_history_limit=r.get("revisionHistoryLimit", 10),
        paused=r.get("paused", False),
        progress_deadline_seconds=deadline,
    )


def _deployment_status(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "observedGeneration": _nn_int64,
        "replicas": _nn_int,
        "updatedReplicas": _nn_int,
        "readyReplicas": _nn_int,
        "availableReplicas": _nn_int,
        "unavailableReplicas": _nn_int,
        "conditions": condition_list,
        "collisionCount": _nn_int,
    }, drop=("terminatingReplicas",))
    if r is None:
        return BAD
    return DeploymentStatus(
        observed_generation=r.get("observedGeneration", 0),
        replicas=r.get("replicas", 0),
        updated_replicas=r.get("updatedReplicas", 0),
        ready_replicas=r.get("readyReplicas", 0),
        available_replicas=r.get("availableReplicas", 0),
        unavailable_replicas=r.get("unavailableReplicas", 0),
        conditions=r.get("conditions", ()),
        collision_count=r.get("collisionCount"),
    )


def _decode_deployment(ctx: Ctx, doc: dict) -> Deployment:
    """ValidateDeployment: ValidateObjectMeta (DNS-1123 subdomain name) +
    ValidateDeploymentSpec, after SetDefaults_Deployment."""
    meta, spec, status = decode_spec_status(ctx, doc, Deployment, _deployment_spec, DeploymentSpec, _deployment_status, DeploymentStatus())
    return Deployment(metadata=meta, spec=spec, status=status)


def _deployment_status_out(s: DeploymentStatus) -> dict:
    d: dict = {}
    for key, value in (("observedGeneration", s.observed_generation), ("replicas", s.replicas),
                       ("updatedReplicas", s.updated_replicas),
                       ("readyReplicas", s.ready_replicas),
                       ("availableReplicas", s.available_replicas),
                       ("unavailableReplicas", s.unavailable_replicas)):
        if value:
            d[key] = value
    if s.conditions:
        d["conditions"] = [condition_out(c) for c in s.conditions]
    if s.collision_count is not None:
        d["collisionCount"] = s.collision_count
    return d


def deployment_to_manifest(obj: Deployment) -> dict:
    """A Deployment as `kubectl get deployment -o json` shows it: spec fields
    in Go struct order, minReadySeconds / paused omitted at their zero values,
    maxSurge / maxUnavailable ints as ints and percents as strings, status
    zeros omitted; kstate's `state` / `state_since` are not emitted."""
    s = obj.spec
    spec: dict = {"replicas": s.replicas}
    sel = selector_to_dict(s.selector)
    if sel is not None:
        spec["selector"] = sel
    spec["template"] = pod_template_out(s.template)
    spec["strategy"] = _strategy_out(s.strategy)
    if s.min_ready_seconds:
        spec["minReadySeconds"] = s.min_ready_seconds
    if s.revision_history_limit is not None:
        spec["revisionHistoryLimit"] = s.revision_history_limit
    if s.paused:
        spec["paused"] = True
    if s.progress_deadline_seconds is not None:
        spec["progressDeadlineSeconds"] = s.progress_deadline_seconds
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": object_meta_out(obj.metadata, True), "spec": spec,
            "status": _deployment_status_out(obj.status)}


# =============================================================== replicasets


def _replica_set_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_ReplicaSet (replicas 1) + ValidateReplicaSetSpec."""
    r = struct(ctx, v, path, {
        "replicas": _nn_int,
        "minReadySeconds": _nn_int,
        "selector": label_selector,
        "template": pod_template,
    })
    if r is None:
        return BAD
    sel, template = _selector_and_template(ctx, r, path)
    return ReplicaSetSpec(
        selector=sel if isinstance(sel, LabelSelector) else None,
        template=template if isinstance(template, PodTemplateSpec) else PodTemplateSpec(),
        replicas=r.get("replicas", 1),
        min_ready_seconds=r.get("minReadySeconds", 0),
    )


def _decode_replica_set(ctx: Ctx, doc: dict) -> ReplicaSet:
    """ValidateReplicaSet: ValidateObjectMeta + ValidateReplicaSetSpec."""
    meta, spec, status = decode_spec_status(ctx, doc, ReplicaSet, _replica_set_spec, ReplicaSetSpec, replica_set_status, ReplicaSetStatus())
    return ReplicaSet(metadata=meta, spec=spec, status=status)


def replicaset_to_manifest(obj: ReplicaSet) -> dict:
    """A ReplicaSet as `kubectl get rs -o json` shows it (status.replicas always)."""
    s = obj.spec
    spec: dict = {"replicas": s.replicas}
    if s.min_ready_seconds:
        spec["minReadySeconds"] = s.min_ready_seconds
    sel = selector_to_dict(s.selector)
    if sel is not None:
        spec["selector"] = sel
    spec["template"] = pod_template_out(s.template)
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": object_meta_out(obj.metadata, True), "spec": spec,
            "status": replica_set_status_out(obj.status)}


# ================================================================ daemonsets

_DS_STRATEGY_TYPES = ("OnDelete", "RollingUpdate")


def _ds_rolling_update(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_DaemonSet (maxUnavailable 1, maxSurge 0 for unset fields)
    + ValidateRollingUpdateDaemonSet: each an int ≥ 0 or a percent ≤ 100%,
    and exactly one of them non-zero."""
    r = struct(ctx, v, path, {"maxUnavailable": _int_or_percent, "maxSurge": _int_or_percent})
    if r is None or not r.ok("maxUnavailable") or not r.ok("maxSurge"):
        return BAD
    mu = r.get("maxUnavailable", 1)
    ms = r.get("maxSurge", 0)
    for key, value in (("maxUnavailable", mu), ("maxSurge", ms)):
        pct = _percent_value(value)
        if pct is not None and pct > 100:
            ctx.invalid(dot(path, key), value, "must not be greater than 100%")
    has_unavailable = _int_or_percent_value(mu) != 0
    has_surge = _int_or_percent_value(ms) != 0
    if has_unavailable and has_surge:
        ctx.invalid(dot(path, "maxSurge"), ms, "may not be set when maxUnavailable is non-zero")
    elif not has_unavailable and not has_surge:
        ctx.required(dot(path, "maxUnavailable"), "cannot be 0 when maxSurge is 0")
    return RollingUpdateDaemonSet(max_unavailable=mu, max_surge=ms)


def _ds_strategy(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_DaemonSet (type RollingUpdate; the rollingUpdate block is
    created for RollingUpdate only) + ValidateDaemonSetUpdateStrategy."""
    r = struct(ctx, v, path, {"type": one_of(_DS_STRATEGY_TYPES, allow_empty=True),
                              "rollingUpdate": _ds_rolling_update})
    if r is None:
        return BAD
    typ = r.get("type") or "RollingUpdate"
    if typ == "OnDelete":
        # Validation does not look at rollingUpdate for OnDelete; it is kept as given.
        ru = r.get("rollingUpdate") if r.ok("rollingUpdate") else None
        return DaemonSetUpdateStrategy(type="OnDelete", rolling_update=ru)
    if typ != "RollingUpdate" or not r.ok("rollingUpdate"):
        return BAD
    ru = r.get("rollingUpdate")
    if ru is None:
        ru = RollingUpdateDaemonSet()
    return DaemonSetUpdateStrategy(type="RollingUpdate", rolling_update=ru)


def _ds_strategy_out(s: DaemonSetUpdateStrategy) -> dict:
    d: dict = {"type": s.type}
    ru = s.rolling_update
    if ru is not None:
        d["rollingUpdate"] = {"maxUnavailable": ru.max_unavailable, "maxSurge": ru.max_surge}
    return d


def _daemon_set_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_DaemonSet + ValidateDaemonSetSpec: the selector is required,
    not empty ("empty selector is invalid for daemonset") and must match the
    template labels; restartPolicy Always; activeDeadlineSeconds forbidden."""
    r = struct(ctx, v, path, {
        "selector": label_selector,
        "template": pod_template,
        "updateStrategy": _ds_strategy,
        "minReadySeconds": _nn_int,
        "templateGeneration": _nn_int64,
        "revisionHistoryLimit": _nn_int,
    })
    if r is None:
        return BAD
    sel, template = _selector_and_template(ctx, r, path, "DaemonSet")
    strategy = given_or_empty(ctx, r, path, "updateStrategy", _ds_strategy)
    return DaemonSetSpec(
        selector=sel if isinstance(sel, LabelSelector) else None,
        template=template if isinstance(template, PodTemplateSpec) else PodTemplateSpec(),
        update_strategy=strategy if isinstance(strategy, DaemonSetUpdateStrategy) else DaemonSetUpdateStrategy(),
        min_ready_seconds=r.get("minReadySeconds", 0),
        revision_history_limit=r.get("revisionHistoryLimit", 10),
    )


_DS_STATUS_FIELDS = (
    ("currentNumberScheduled", "current_number_scheduled"), ("numberMisscheduled", "number_misscheduled"),
    ("desiredNumberScheduled", "desired_number_scheduled"), ("numberReady", "number_ready"),
    ("observedGeneration", "observed_generation"), ("updatedNumberScheduled", "updated_number_scheduled"),
    ("numberAvailable", "number_available"), ("numberUnavailable", "number_unavailable"),
)


def _daemon_set_status(ctx: Ctx, v: Any, path: str) -> Any:
    fields = {k: (_nn_int64 if k == "observedGeneration" else _nn_int) for k, _ in _DS_STATUS_FIELDS}
    r = struct(ctx, v, path, {**fields, "collisionCount": _nn_int, "conditions": condition_list})
    if r is None:
        return BAD
    return DaemonSetStatus(**{attr: r.get(k, 0) for k, attr in _DS_STATUS_FIELDS},
                           collision_count=r.get("collisionCount"), conditions=r.get("conditions", ()))


def _daemon_set_status_out(s: DaemonSetStatus) -> dict:
    """types.go DaemonSetStatus: the four scheduling counts are always
    emitted, the rest omitted at zero."""
    d: dict = {}
    for key, attr in _DS_STATUS_FIELDS:
        value = getattr(s, attr)
        if value or key in ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled",
                            "numberReady"):
            d[key] = value
    if s.collision_count is not None:
        d["collisionCount"] = s.collision_count
    if s.conditions:
        d["conditions"] = [condition_out(c) for c in s.conditions]
    return d


def _decode_daemon_set(ctx: Ctx, doc: dict) -> DaemonSet:
    """ValidateDaemonSet: ValidateObjectMeta (DNS-1123 subdomain name) +
    ValidateDaemonSetSpec, after SetDefaults_DaemonSet."""
    meta, spec, status = decode_spec_status(ctx, doc, DaemonSet, _daemon_set_spec, DaemonSetSpec, _daemon_set_status, DaemonSetStatus())
    return DaemonSet(metadata=meta, spec=spec, status=status)


def daemonset_to_manifest(obj: DaemonSet) -> dict:
    """A DaemonSet as `kubectl get ds -o json` shows it."""
    s = obj.spec
    spec: dict = {}
    sel = selector_to_dict(s.selector)
    if sel is not None:
        spec["selector"] = sel
    spec["template"] = pod_template_out(s.template)
    spec["updateStrategy"] = _ds_strategy_out(s.update_strategy)
    if s.min_ready_seconds:
        spec["minReadySeconds"] = s.min_ready_seconds
    if s.revision_history_limit is not None:
        spec["revisionHistoryLimit"] = s.revision_history_limit
    return {"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": object_meta_out(obj.metadata, True), "spec": spec,
            "status": _daemon_set_status_out(obj.status)}


# ======================================================= controllerrevisions


def _decode_controller_revision(ctx: Ctx, doc: dict) -> ControllerRevision:
    """ValidateControllerRevision: a DNS-1123 subdomain name, data kept as
    given (any JSON), revision a non-negative int64."""
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, ControllerRevision),
        "data": json_data,
        "revision": _nn_int64,
    })
    if doc.get("revision") is None:
        ctx.required("revision")
    data = r.get("data")
    return ControllerRevision(metadata=r.get("metadata", ObjectMeta(namespace="default")),
                              spec=ControllerRevisionBody(data=data, revision=r.get("revision", 0)))


def controllerrevision_to_manifest(obj: ControllerRevision) -> dict:
    """`kubectl get controllerrevision -o json`: a template a controller
    recorded is shown as the patch the DaemonSet controller stores
    (update.go getPatch: {"spec": {"template": {…, "$patch": "replace"}}})."""
    data = obj.data
    if isinstance(data, PodTemplateSpec):
        data = {"spec": {"template": {**pod_template_out(data), "$patch": "replace"}}}
    else:
        data = thaw(data)
    out = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
           "metadata": object_meta_out(obj.metadata, True)}
    if data is not None:
        out["data"] = data
    out["revision"] = obj.revision
    return out


# ================================================================ registry

#: (apiVersion, kind) → decoder.
DECODERS: dict[tuple[str, str], Callable[[Ctx, dict], Any]] = {
    ("apps/v1", "ReplicaSet"): _decode_replica_set,
    ("apps/v1", "Deployment"): _decode_deployment,
    ("apps/v1", "DaemonSet"): _decode_daemon_set,
    ("apps/v1", "ControllerRevision"): _decode_controller_revision,
}

#: resource class → emitter.
EMITTERS: dict[type, Callable[[Any], dict]] = {
    ReplicaSet: replicaset_to_manifest,
    Deployment: deployment_to_manifest,
    DaemonSet: daemonset_to_manifest,
    ControllerRevision: controllerrevision_to_manifest,
}

#: part emitters for the generic to_manifest fallback (kinds embedding these).
PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    DeploymentStrategy: _strategy_out,
    DaemonSetUpdateStrategy: _ds_strategy_out,
}
