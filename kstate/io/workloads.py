"""Workload manifests: apps/v1 ReplicaSet, v1 ReplicationController and apps/v1
Deployment — strict decoding, API-server defaults, validation with field paths,
and the way back to the `kubectl get -o json` shape.

Owns: the decoders registered in `kstate.io.manifests._DECODERS` (`DECODERS`),
the emitters registered for `to_manifest` (`EMITTERS`, `PART_EMITTERS`),
`parse_label_selector`, `deployment_to_manifest`, `replicaset_to_manifest`,
`replicationcontroller_to_manifest`, `label_selector_to_manifest`. Imports the
helpers of `kstate.io.manifests` (same conventions: `_Ctx`, `_struct`, `_meta`,
field paths, field.Error wording) and `kstate.resources.*`; never the engine.
`kstate.io.manifests` imports this module at its very end, so the helpers
exist by the time this module runs.

Mirrors:
  * pkg/apis/apps/v1/defaults.go SetDefaults_Deployment / SetDefaults_ReplicaSet,
    pkg/apis/core/v1/defaults.go SetDefaults_ReplicationController;
  * pkg/apis/apps/validation/validation.go ValidateDeployment(Spec),
    ValidateDeploymentStrategy, ValidateRollingUpdateDeployment,
    ValidatePositiveIntOrPercent, IsNotMoreThan100Percent, ValidateReplicaSetSpec,
    ValidatePodTemplateSpecForReplicaSet;
  * pkg/apis/core/validation/validation.go ValidateReplicationControllerSpec,
    ValidateNonEmptySelector, ValidatePodTemplateSpecForRC;
  * apimachinery metav1validation ValidateLabelSelector(Requirement).

Status blocks are decoded as given (the engine resets status and generation on
create); only their shape and non-negativity are checked. kstate-internal
status fields (`state`, `state_since`) are never read from or written to a
manifest.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable, Mapping, Optional

import attrs

from kstate.io.manifests import (
    _BAD, _Ctx, _bool, _condition_out, _conditions, _enum, _int, _int64, _label_map, _list, _meta,
    _meta_out, _non_negative, _p, _pod_spec, _str, _strs, _struct, _top, pod_template_to_manifest,
)
from kstate.resources import EMPTY, FrozenDict, ObjectMeta, Pod
from kstate.resources.selector import (
    DOES_NOT_EXIST, EXISTS, IN, NOT_IN, LabelSelector, Requirement, matches, selector_to_dict,
    validate_label_key, validate_label_value,
)
from kstate.resources.workloads import (
    Deployment, DeploymentSpec, DeploymentStatus, DeploymentStrategy, PodTemplateSpec,
    ReplicaSet, ReplicaSetSpec, ReplicaSetStatus, ReplicationController,
    ReplicationControllerSpec, RollingUpdateDeployment,
)

__all__ = [
    "DECODERS",
    "EMITTERS",
    "PART_EMITTERS",
    "deployment_to_manifest",
    "label_selector_to_manifest",
    "parse_label_selector",
    "replicaset_to_manifest",
    "replicationcontroller_to_manifest",
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


def _errors_since(ctx: _Ctx, mark: int) -> bool:
    return len(ctx.errors) > mark


def _go_map(labels: Mapping[str, str]) -> str:
    """A map[string]string as field.Error prints it (`%#v`, keys sorted)."""
    if not labels:
        return "map[string]string(nil)"
    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)
    body = ", ".join(f"{q(k)}:{q(labels[k])}" for k in sorted(labels))
    text = f"map[string]string{{{body}}}"
    return text if len(text) <= 200 else text[:197] + "..."


# ============================================================ label selectors


def _requirement(ctx: _Ctx, v: Any, path: str) -> Any:
    """metav1validation.ValidateLabelSelectorRequirement: In / NotIn need
    values, Exists / DoesNotExist none, other operators invalid; the key a
    qualified name, each value a label value."""
    mark = len(ctx.errors)
    r = _struct(ctx, v, path, {"key": _str, "operator": _str, "values": _strs})
    if r is None:
        return _BAD
    key, op, values = r.get("key", ""), r.get("operator", ""), r.get("values", ())
    vpath = _p(path, "values")
    if r.ok("operator"):
        if op in (IN, NOT_IN):
            if r.ok("values") and not values:
                ctx.required(vpath, "must be specified when `operator` is 'In' or 'NotIn'")
        elif op in (EXISTS, DOES_NOT_EXIST):
            if values:
                ctx.forbidden(vpath, "may not be specified when `operator` is 'Exists' or "
                                     "'DoesNotExist'")
        else:
            ctx.invalid(_p(path, "operator"), op, "not a valid selector operator")
    if r.ok("key"):
        msg = validate_label_key(key)
        if msg:
            ctx.invalid(_p(path, "key"), key, msg)
    for i, value in enumerate(values):
        msg = validate_label_value(value)
        if msg:
            ctx.invalid(f"{vpath}[{i}]", value, msg)
    if _errors_since(ctx, mark):
        return _BAD
    return Requirement(key, op, values)


def _label_selector(ctx: _Ctx, v: Any, path: str) -> Any:
    """metav1.LabelSelector → LabelSelector (ValidateLabelSelector)."""
    mark = len(ctx.errors)
    r = _struct(ctx, v, path, {
        "matchLabels": _label_map,
        "matchExpressions": lambda c, x, p: _list(c, x, p, _requirement),
    })
    if r is None or _errors_since(ctx, mark):
        return _BAD
    return LabelSelector(match_labels=r.get("matchLabels", EMPTY) or EMPTY,
                         match_expressions=r.get("matchExpressions", ()))


def parse_label_selector(value: Any, path: str = "spec.selector",
                         source: str = "") -> LabelSelector:
    """A metav1.LabelSelector (`{matchLabels, matchExpressions}`) → LabelSelector,
    decoded strictly and validated (ValidateLabelSelector); errors carry paths
    under `path` (`spec.selector.matchExpressions[0].operator`)."""
    ctx = _Ctx()
    sel = _label_selector(ctx, value, path)
    ctx.raise_first(source)
    return sel


def label_selector_to_manifest(sel: Optional[LabelSelector]) -> Optional[dict]:
    """The Kubernetes JSON shape of a selector (None → None)."""
    return selector_to_dict(sel)


# ============================================================ pod templates


def _template(ctx: _Ctx, v: Any, path: str) -> Any:
    """A PodTemplateSpec decoded like parse_pod_template, errors collected in
    the caller's context (ValidatePodTemplateSpec)."""
    r = _struct(ctx, v, path, {
        "metadata": lambda c, x, p: _meta(c, x, p, Pod, template=True),
        "spec": _pod_spec,
    })
    if r is None:
        return _BAD
    if r.raw.get("spec") is None:
        ctx.required(_p(_p(path, "spec"), "containers"))
    spec = r.get("spec")
    return PodTemplateSpec(metadata=r.get("metadata", ObjectMeta()), spec=spec)


def _check_template(ctx: _Ctx, template: Any, path: str, selects: Optional[Callable[[Any], bool]],
                    owner: str) -> None:
    """ValidatePodTemplateSpecForReplicaSet / ValidatePodTemplateSpecForRC,
    after the template itself was validated: the selector must match the
    template labels; restartPolicy must be Always; no activeDeadlineSeconds."""
    if not isinstance(template, PodTemplateSpec):
        return
    labels = template.metadata.labels
    if selects is not None and not selects(labels):
        ctx.add(_p(_p(path, "metadata"), "labels"),
                f"Invalid value: {_go_map(labels)}: `selector` does not match template `labels`")
    spec = template.spec
    if spec is None:
        return
    if spec.restart_policy in ("OnFailure", "Never"):
        ctx.not_supported(_p(_p(path, "spec"), "restartPolicy"), spec.restart_policy, ("Always",))
    deadline = spec.extra.get("activeDeadlineSeconds")
    if deadline is not None:
        ctx.invalid(_p(_p(path, "spec"), "activeDeadlineSeconds"), deadline,
                    f"activeDeadlineSeconds in {owner} is not Supported")


def _template_out(t: PodTemplateSpec) -> dict:
    if t.spec is None:
        meta = _meta_out(t.metadata, bool(t.metadata.namespace))
        if not meta.get("name"):
            meta.pop("name", None)
        return {"metadata": meta}
    return pod_template_to_manifest(t.metadata, t.spec)


def _selector_checks(ctx: _Ctx, r: Any, sel: Any, path: str) -> None:
    """ValidateDeploymentSpec / ValidateReplicaSetSpec: the selector is
    required and must not be empty."""
    spath = _p(path, "selector")
    if r.raw.get("selector") is None:
        ctx.required(spath)
    elif isinstance(sel, LabelSelector) and sel.is_empty():
        # The message says "deployment" for ReplicaSets too (validation.go).
        ctx.invalid(spath, {}, "empty selector is invalid for deployment")


def _selects(sel: Any) -> Optional[Callable[[Any], bool]]:
    if isinstance(sel, LabelSelector) and not sel.is_empty():
        return lambda labels: matches(sel, labels)
    return None


# ================================================================= strategy


def _int_or_percent(ctx: _Ctx, v: Any, path: str) -> Any:
    """ValidatePositiveIntOrPercent: an int ≥ 0 or a "<n>%" string."""
    if isinstance(v, str):
        if not _PERCENT_RE.fullmatch(v):
            ctx.invalid(path, v, _PERCENT_ERR)
        return v
    r = _int(ctx, v, path)
    if r is not _BAD and r < 0:
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


def _rolling_update(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {"maxUnavailable": _int_or_percent, "maxSurge": _int_or_percent})
    if r is None:
        return _BAD
    return r


def _strategy(ctx: _Ctx, v: Any, path: str) -> Any:
    """SetDefaults_Deployment (type RollingUpdate, 25%/25% for unset fields)
    + ValidateDeploymentStrategy / ValidateRollingUpdateDeployment."""
    r = _struct(ctx, v, path, {
        "type": _enum(_STRATEGY_TYPES, allow_empty=True),
        "rollingUpdate": _rolling_update,
    })
    if r is None:
        return _BAD
    typ = r.get("type") or "RollingUpdate"
    rpath = _p(path, "rollingUpdate")
    if typ == "Recreate":
        if r.given("rollingUpdate"):
            ctx.forbidden(rpath, "may not be specified when strategy `type` is 'Recreate'")
        return DeploymentStrategy(type="Recreate", rolling_update=None)
    if typ != "RollingUpdate":
        return _BAD
    ru = r.get("rollingUpdate")
    if not r.ok("rollingUpdate"):
        return _BAD
    raw_mu = ru.get("maxUnavailable") if ru is not None else None
    raw_ms = ru.get("maxSurge") if ru is not None else None
    if ru is not None and (not ru.ok("maxUnavailable") or not ru.ok("maxSurge")):
        return _BAD
    mu = _DEFAULT_MAX_UNAVAILABLE if raw_mu is None else raw_mu
    ms = _DEFAULT_MAX_SURGE if raw_ms is None else raw_ms
    mupath = _p(rpath, "maxUnavailable")
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

_nn_int = _non_negative(_int)
_nn_int64 = _non_negative(_int64)


def _deployment_spec(ctx: _Ctx, v: Any, path: str) -> Any:
    """SetDefaults_Deployment + ValidateDeploymentSpec."""
    r = _struct(ctx, v, path, {
        "replicas": _nn_int,
        "selector": _label_selector,
        "template": _template,
        "strategy": _strategy,
        "minReadySeconds": _nn_int,
        "revisionHistoryLimit": _nn_int,
        "paused": _bool,
        "progressDeadlineSeconds": _nn_int,
    })
    if r is None:
        return _BAD
    sel = r.get("selector")
    _selector_checks(ctx, r, sel, path)
    template = r.get("template")
    if r.raw.get("template") is None:
        template = _template(ctx, {}, _p(path, "template"))
    _check_template(ctx, template, _p(path, "template"), _selects(sel), "ReplicaSet")
    strategy = r.get("strategy")
    if r.raw.get("strategy") is None:
        strategy = _strategy(ctx, {}, _p(path, "strategy"))
    min_ready = r.get("minReadySeconds", 0)
    deadline = r.get("progressDeadlineSeconds", 600)
    if r.ok("progressDeadlineSeconds") and r.ok("minReadySeconds") and deadline <= min_ready:
        # Checked after defaulting: minReadySeconds ≥ 600 needs an explicit deadline.
        ctx.invalid(_p(path, "progressDeadlineSeconds"), deadline,
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


def _deployment_status(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {
        "observedGeneration": _nn_int64,
        "replicas": _nn_int,
        "updatedReplicas": _nn_int,
        "readyReplicas": _nn_int,
        "availableReplicas": _nn_int,
        "unavailableReplicas": _nn_int,
        "conditions": _conditions,
        "collisionCount": _nn_int,
    }, drop=("terminatingReplicas",))
    if r is None:
        return _BAD
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


def _decode_deployment(ctx: _Ctx, doc: dict) -> Deployment:
    """ValidateDeployment: ValidateObjectMeta (DNS-1123 subdomain name) +
    ValidateDeploymentSpec, after SetDefaults_Deployment."""
    r = _struct(ctx, doc, "", _top({
        "metadata": lambda c, x, p: _meta(c, x, p, Deployment),
        "spec": _deployment_spec,
        "status": _deployment_status,
    }))
    assert r is not None
    if doc.get("metadata") is None:
        ctx.required("metadata.name", "name or generateName is required")
    spec = r.get("spec")
    if doc.get("spec") is None:
        spec = _deployment_spec(ctx, {}, "spec")
    return Deployment(metadata=r.get("metadata", ObjectMeta(namespace="default")),
                      spec=spec if isinstance(spec, DeploymentSpec) else None,
                      status=r.get("status", DeploymentStatus()))


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
        d["conditions"] = [_condition_out(c) for c in s.conditions]
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
    spec["template"] = _template_out(s.template)
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
            "metadata": _meta_out(obj.metadata, True), "spec": spec,
            "status": _deployment_status_out(obj.status)}


# =============================================================== replicasets


def _replica_set_spec(ctx: _Ctx, v: Any, path: str) -> Any:
    """SetDefaults_ReplicaSet (replicas 1) + ValidateReplicaSetSpec."""
    r = _struct(ctx, v, path, {
        "replicas": _nn_int,
        "minReadySeconds": _nn_int,
        "selector": _label_selector,
        "template": _template,
    })
    if r is None:
        return _BAD
    sel = r.get("selector")
    _selector_checks(ctx, r, sel, path)
    template = r.get("template")
    if r.raw.get("template") is None:
        template = _template(ctx, {}, _p(path, "template"))
    _check_template(ctx, template, _p(path, "template"), _selects(sel), "ReplicaSet")
    return ReplicaSetSpec(
        selector=sel if isinstance(sel, LabelSelector) else None,
        template=template if isinstance(template, PodTemplateSpec) else PodTemplateSpec(),
        replicas=r.get("replicas", 1),
        min_ready_seconds=r.get("minReadySeconds", 0),
    )


def _replica_set_status(ctx: _Ctx, v: Any, path: str) -> Any:
    r = _struct(ctx, v, path, {
        "replicas": _nn_int,
        "fullyLabeledReplicas": _nn_int,
        "readyReplicas": _nn_int,
        "availableReplicas": _nn_int,
        "observedGeneration": _nn_int64,
        "conditions": _conditions,
    }, drop=("terminatingReplicas",))
    if r is None:
        return _BAD
    return ReplicaSetStatus(
        replicas=r.get("replicas", 0),
        fully_labeled_replicas=r.get("fullyLabeledReplicas", 0),
        ready_replicas=r.get("readyReplicas", 0),
        available_replicas=r.get("availableReplicas", 0),
        observed_generation=r.get("observedGeneration", 0),
        conditions=r.get("conditions", ()),
    )


def _replica_set_status_out(s: ReplicaSetStatus) -> dict:
    # ReplicaSetStatus.Replicas has no omitempty: always present.
    d: dict = {"replicas": s.replicas}
    for key, value in (("fullyLabeledReplicas", s.fully_labeled_replicas),
                       ("readyReplicas", s.ready_replicas),
                       ("availableReplicas", s.available_replicas),
                       ("observedGeneration", s.observed_generation)):
        if value:
            d[key] = value
    if s.conditions:
        d["conditions"] = [_condition_out(c) for c in s.conditions]
    return d


def _decode_replica_set(ctx: _Ctx, doc: dict) -> ReplicaSet:
    """ValidateReplicaSet: ValidateObjectMeta + ValidateReplicaSetSpec."""
    r = _struct(ctx, doc, "", _top({
        "metadata": lambda c, x, p: _meta(c, x, p, ReplicaSet),
        "spec": _replica_set_spec,
        "status": _replica_set_status,
    }))
    assert r is not None
    if doc.get("metadata") is None:
        ctx.required("metadata.name", "name or generateName is required")
    spec = r.get("spec")
    if doc.get("spec") is None:
        spec = _replica_set_spec(ctx, {}, "spec")
    return ReplicaSet(metadata=r.get("metadata", ObjectMeta(namespace="default")),
                      spec=spec if isinstance(spec, ReplicaSetSpec) else None,
                      status=r.get("status", ReplicaSetStatus()))


def replicaset_to_manifest(obj: ReplicaSet) -> dict:
    """A ReplicaSet as `kubectl get rs -o json` shows it (status.replicas always)."""
    s = obj.spec
    spec: dict = {"replicas": s.replicas}
    if s.min_ready_seconds:
        spec["minReadySeconds"] = s.min_ready_seconds
    sel = selector_to_dict(s.selector)
    if sel is not None:
        spec["selector"] = sel
    spec["template"] = _template_out(s.template)
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": _meta_out(obj.metadata, True), "spec": spec,
            "status": _replica_set_status_out(obj.status)}


# ===================================================== replication controllers


def _rc_spec(ctx: _Ctx, v: Any, path: str) -> Any:
    """SetDefaults_ReplicationController (selector ← template labels when
    empty, replicas 1) + ValidateReplicationControllerSpec. Returns the spec
    and the template labels (for the metadata.labels default)."""
    r = _struct(ctx, v, path, {
        "replicas": _nn_int,
        "minReadySeconds": _nn_int,
        "selector": _label_map,
        "template": _template,
    })
    if r is None:
        return _BAD
    template = r.get("template")
    tlabels = template.metadata.labels if isinstance(template, PodTemplateSpec) else EMPTY
    selector = r.get("selector", EMPTY) or EMPTY
    if not selector and r.ok("selector"):
        selector = tlabels
    spath = _p(path, "selector")
    if r.ok("selector") and r.ok("template") and not selector:
        ctx.required(spath)
    tpath = _p(path, "template")
    if r.raw.get("template") is None:
        ctx.required(tpath)
    else:
        sel = FrozenDict(selector) if r.ok("selector") else EMPTY
        selects = (lambda labels: sel.items() <= labels.items()) if sel else None
        _check_template(ctx, template, tpath, selects, "ReplicationController")
    return ReplicationControllerSpec(
        selector=FrozenDict(selector) if selector else EMPTY,
        template=template if isinstance(template, PodTemplateSpec) else PodTemplateSpec(),
        replicas=r.get("replicas", 1),
        min_ready_seconds=r.get("minReadySeconds", 0),
    )


def _decode_replication_controller(ctx: _Ctx, doc: dict) -> ReplicationController:
    """ValidateReplicationController: ValidateObjectMeta +
    ValidateReplicationControllerSpec, after SetDefaults_ReplicationController
    (metadata.labels ← template labels when empty)."""
    r = _struct(ctx, doc, "", _top({
        "metadata": lambda c, x, p: _meta(c, x, p, ReplicationController),
        "spec": _rc_spec,
        "status": _replica_set_status,
    }))
    assert r is not None
    if doc.get("metadata") is None:
        ctx.required("metadata.name", "name or generateName is required")
    spec = r.get("spec")
    if doc.get("spec") is None:
        spec = _rc_spec(ctx, {}, "spec")
    meta = r.get("metadata", ObjectMeta(namespace="default"))
    if isinstance(spec, ReplicationControllerSpec) and not meta.labels:
        tlabels = spec.template.metadata.labels
        if tlabels:
            meta = _evolve_labels(meta, tlabels)
    return ReplicationController(
        metadata=meta, spec=spec if isinstance(spec, ReplicationControllerSpec) else None,
        status=r.get("status", ReplicaSetStatus()))


def _evolve_labels(meta: ObjectMeta, labels: FrozenDict) -> ObjectMeta:
    return attrs.evolve(meta, labels=FrozenDict(labels))


def replicationcontroller_to_manifest(obj: ReplicationController) -> dict:
    """A ReplicationController as `kubectl get rc -o json` shows it: the
    selector is a plain map."""
    s = obj.spec
    spec: dict = {"replicas": s.replicas}
    if s.min_ready_seconds:
        spec["minReadySeconds"] = s.min_ready_seconds
    if s.selector:
        spec["selector"] = {k: s.selector[k] for k in sorted(s.selector)}
    spec["template"] = _template_out(s.template)
    return {"apiVersion": "v1", "kind": "ReplicationController",
            "metadata": _meta_out(obj.metadata, True), "spec": spec,
            "status": _replica_set_status_out(obj.status)}


# ================================================================ registry

#: (apiVersion, kind) → decoder, merged into kstate.io.manifests._DECODERS.
DECODERS: dict[tuple[str, str], Callable[[_Ctx, dict], Any]] = {
    ("apps/v1", "ReplicaSet"): _decode_replica_set,
    ("v1", "ReplicationController"): _decode_replication_controller,
    ("apps/v1", "Deployment"): _decode_deployment,
}

#: resource class → emitter, merged into kstate.io.manifests._EMITTERS.
EMITTERS: dict[type, Callable[[Any], dict]] = {
    ReplicaSet: replicaset_to_manifest,
    ReplicationController: replicationcontroller_to_manifest,
    Deployment: deployment_to_manifest,
}

#: part emitters for the generic to_manifest fallback (kinds embedding these).
PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    LabelSelector: selector_to_dict,
    PodTemplateSpec: _template_out,
    DeploymentStrategy: _strategy_out,
}
