"""autoscaling/v2 and autoscaling/v1 HorizontalPodAutoscaler: strict
decoding, the API server's defaults and validation, and the way back.

Owns: `DECODERS`, `EMITTERS`, `hpa_to_manifest` (autoscaling/v2, the storage
and preferred version kubectl shows) and `hpa_to_v1_manifest` (the v1 view:
targetCPUUtilizationPercentage). Imports only fields, selectors and resources.

Mirrors:
  * pkg/apis/autoscaling/v2/defaults.go SetDefaults_HorizontalPodAutoscaler
    (minReplicas 1; no metrics → cpu Utilization 80 %) and
    SetDefaults_HorizontalPodAutoscalerBehavior (a non-nil behavior gets its
    unset rules filled: scaleUp window 0, Max, [Pods 4/15 s, Percent 100/15 s];
    scaleDown Max, [Percent 100/15 s], window left unset);
  * pkg/apis/autoscaling/v1/defaults.go (targetCPUUtilizationPercentage is
    converted to a cpu Utilization metric; none → 80 %);
  * pkg/apis/autoscaling/validation/validation.go ValidateHorizontalPodAutoscaler
    (the rules on replicas, targets and scaling rules kstate uses).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from kstate.io.fields import (
    BAD, Ctx, condition_list, condition_out, dot, integer, json_data, list_of, object_meta, object_meta_out,
    string, struct, time_out, timestamp, top_level,
)
from kstate.io.selectors import label_selector
from kstate.resources import ObjectMeta
from kstate.resources.frozen import FrozenDict, deep_freeze, thaw
from kstate.resources.hpa import (
    CrossVersionObjectReference, HPABehavior, HPAScalingPolicy, HPAScalingRules, HPASpec, HPAStatus,
    HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget,
)
from kstate.resources.quantity import parse_quantity

DEFAULT_CPU_UTILIZATION = 80
_METRIC_TYPES = ("ContainerResource", "External", "Object", "Pods", "Resource")
_SOURCE_KEY = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods",
               "Object": "object", "External": "external"}
_TARGET_TYPES = ("AverageValue", "Utilization", "Value")
_POLICY_TYPES = ("Percent", "Pods")
_SELECT_POLICIES = ("Disabled", "Max", "Min")
MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_WINDOW_SECONDS = 3600


def _quantity(ctx: Ctx, v: Any, path: str) -> Any:
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        ctx.invalid(path, v, "must be a quantity")
        return BAD
    try:
        q = parse_quantity(v)
    except Exception:  # noqa: BLE001 — the quantity parser's SpecError
        ctx.invalid(path, v, "quantities must match the regular expression "
                             "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        return BAD
    if q <= 0:
        ctx.invalid(path, v, "must be positive")
        return BAD
    return str(v)


def _target(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"type": string, "averageUtilization": integer, "averageValue": _quantity,
                              "value": _quantity})
    if r is None:
        return BAD
    t = r.get("type")
    if t is None:
        ctx.required(dot(path, "type"), "must specify a metric target type")
    elif t not in _TARGET_TYPES:
        ctx.not_supported(dot(path, "type"), t, _TARGET_TYPES)
    util = r.get("averageUtilization")
    if util is not None and util < 1:
        ctx.invalid(dot(path, "averageUtilization"), util, "must be greater than 0")
    if t == "Utilization" and util is None:
        ctx.required(dot(path, "averageUtilization"), "must set either a target raw value or a target utilization")
    if t == "AverageValue" and r.get("averageValue") is None:
        ctx.required(dot(path, "averageValue"), "must set either a target value for metric or a per-pod target")
    if t == "Value" and r.get("value") is None:
        ctx.required(dot(path, "value"), "must set either a target value for metric or a per-pod target")
    return MetricTarget(type=t or "", average_utilization=util, average_value=r.get("averageValue"),
                        value=r.get("value"))


def _metric(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"type": string}, extra=tuple(_SOURCE_KEY.values()))
    if r is None:
        return BAD
    t = r.get("type")
    if t is None:
        ctx.required(dot(path, "type"), "must specify a metric source type")
        return BAD
    if t not in _METRIC_TYPES:
        ctx.not_supported(dot(path, "type"), t, _METRIC_TYPES)
        return BAD
    key = _SOURCE_KEY[t]
    for other in _SOURCE_KEY.values():
        if other != key and other in r.extra:
            ctx.forbidden(dot(path, other), "must populate the given metric source only")
    src = r.raw.get(key)
    spath = dot(path, key)
    if src is None:
        ctx.required(spath, f"must populate information for the given metric source")
        return BAD
    if not isinstance(src, dict):
        ctx.invalid(spath, src, "must be a mapping")
        return BAD
    target = _target(ctx, src.get("target") if src.get("target") is not None else {}, dot(spath, "target"))
    metric_selector, described = None, None
    if t in ("Resource", "ContainerResource"):
        name = src.get("name")
        if not isinstance(name, str) or not name:
            ctx.required(dot(spath, "name"), "must specify a resource name")
            name = ""
        container = src.get("container", "") if t == "ContainerResource" else ""
        if t == "ContainerResource" and not container:
            ctx.required(dot(spath, "container"), "must specify a container")
        if isinstance(target, MetricTarget) and target.type == "Value":
            ctx.not_supported(dot(spath, "target.type"), "Value", ("AverageValue", "Utilization"))
        rest = {k: x for k, x in src.items() if k not in ("name", "target", "container")}
        for k in rest:
            ctx.unknown(dot(spath, k))
    else:
        metric = src.get("metric") or {}
        name = metric.get("name") if isinstance(metric, dict) else None
        if not isinstance(name, str) or not name:
            ctx.required(dot(spath, "metric.name"), "must specify a metric name")
            name = ""
        if isinstance(metric, dict):
            for k in metric:
                if k not in ("name", "selector"):
                    ctx.unknown(dot(spath, f"metric.{k}"))
            if metric.get("selector") is not None:
                sel = label_selector(ctx, metric["selector"], dot(spath, "metric.selector"))
                metric_selector = sel if sel is not BAD else None
        container = ""
        if isinstance(target, MetricTarget) and target.average_utilization is not None:
            ctx.forbidden(dot(spath, "target.averageUtilization"),
                          "may not set averageUtilization for a non-resource metric")
        allowed = {"metric", "target"} | ({"describedObject"} if t == "Object" else set())
        for k in src:
            if k not in allowed:
                ctx.unknown(dot(spath, k))
        if isinstance(target, MetricTarget):
            ok = {"Pods": ("AverageValue",), "Object": ("Value", "AverageValue"),
                  "External": ("Value", "AverageValue")}[t]
            if target.type and target.type not in ok:
                ctx.not_supported(dot(spath, "target.type"), target.type, ok)
        if t == "Object":
            described = _described(ctx, src.get("describedObject"), dot(spath, "describedObject"))
    source = deep_freeze({k: x for k, x in src.items() if k != "target"})
    return MetricSpec(type=t, name=name, target=target if isinstance(target, MetricTarget) else MetricTarget(""),
                      container=container, source=source, metric_selector=metric_selector, described=described)


def _described(ctx: Ctx, v: Any, path: str) -> Optional[CrossVersionObjectReference]:
    """ValidateCrossVersionObjectReference for an Object metric's describedObject."""
    if v is None:
        ctx.required(path, "must specify the object the metric describes")
        return None
    r = struct(ctx, v, path, {"kind": string, "name": string, "apiVersion": string})
    if r is None:
        return None
    if not r.get("kind"):
        ctx.required(dot(path, "kind"), "")
    if not r.get("name"):
        ctx.required(dot(path, "name"), "")
    return CrossVersionObjectReference(kind=r.get("kind") or "", name=r.get("name") or "",
                                       api_version=r.get("apiVersion") or "")


def _policy(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"type": string, "value": integer, "periodSeconds": integer})
    if r is None:
        return BAD
    t, value, period = r.get("type"), r.get("value"), r.get("periodSeconds")
    if t is None:
        ctx.required(dot(path, "type"))
    elif t not in _POLICY_TYPES:
        ctx.not_supported(dot(path, "type"), t, _POLICY_TYPES)
    if value is None or value <= 0:
        ctx.invalid(dot(path, "value"), value or 0, "must be greater than zero")
    if period is None or period <= 0:
        ctx.invalid(dot(path, "periodSeconds"), period or 0, "must be greater than zero")
    elif period > MAX_PERIOD_SECONDS:
        ctx.invalid(dot(path, "periodSeconds"), period, f"must be less than or equal to {MAX_PERIOD_SECONDS}")
    return HPAScalingPolicy(type=t or "", value=value or 0, period_seconds=period or 0)


def _rules(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"stabilizationWindowSeconds": integer, "selectPolicy": string,
                              "policies": lambda c, x, p: list_of(c, x, p, _policy), "tolerance": _tolerance})
    if r is None:
        return BAD
    window = r.get("stabilizationWindowSeconds")
    if window is not None and window < 0:
        ctx.invalid(dot(path, "stabilizationWindowSeconds"), window, "must be greater than or equal to zero")
    elif window is not None and window > MAX_STABILIZATION_WINDOW_SECONDS:
        ctx.invalid(dot(path, "stabilizationWindowSeconds"), window,
                    f"must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}")
    sp = r.get("selectPolicy")
    if sp is not None and sp not in _SELECT_POLICIES:
        ctx.not_supported(dot(path, "selectPolicy"), sp, _SELECT_POLICIES)
    policies = r.get("policies")
    if r.given("policies") and not policies:
        ctx.required(dot(path, "policies"), "must specify at least one Policy")
    return (window, sp, tuple(policies) if policies else None, r.get("tolerance"))


def _tolerance(ctx: Ctx, v: Any, path: str) -> Any:
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        ctx.invalid(path, v, "must be a quantity")
        return BAD
    try:
        q = parse_quantity(v)
    except Exception:  # noqa: BLE001
        ctx.invalid(path, v, "must be a quantity")
        return BAD
    if q < 0:
        ctx.invalid(path, v, "must be greater than or equal to 0")
    return str(v)


_UP_DEFAULT = HPAScalingRules(stabilization_window_seconds=0, select_policy="Max", policies=(
    HPAScalingPolicy("Pods", 4, 15), HPAScalingPolicy("Percent", 100, 15)))
_DOWN_DEFAULT = HPAScalingRules(stabilization_window_seconds=None, select_policy="Max", policies=(
    HPAScalingPolicy("Percent", 100, 15),))


def _fill(raw: Optional[tuple], default: HPAScalingRules) -> HPAScalingRules:
    """copyHPAScalingRules: the set fields over the defaults."""
    if raw is None:
        return default
    window, sp, policies, tol = raw
    return HPAScalingRules(
        stabilization_window_seconds=window if window is not None else default.stabilization_window_seconds,
        select_policy=sp if sp is not None else default.select_policy,
        policies=policies if policies is not None else default.policies,
        tolerance=tol)


def _behavior(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"scaleUp": _rules, "scaleDown": _rules})
    if r is None:
        return BAD
    up, down = r.get("scaleUp"), r.get("scaleDown")
    return HPABehavior(scale_up=_fill(up, _UP_DEFAULT), scale_down=_fill(down, _DOWN_DEFAULT))


def _target_ref(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"kind": string, "name": string, "apiVersion": string})
    if r is None:
        return BAD
    if not r.get("kind"):
        ctx.required(dot(path, "kind"))
    if not r.get("name"):
        ctx.required(dot(path, "name"))
    return CrossVersionObjectReference(kind=r.get("kind", ""), name=r.get("name", ""),
                                       api_version=r.get("apiVersion", ""))


def _check_replicas(ctx: Ctx, path: str, min_r: Optional[int], max_r: Optional[int]) -> None:
    if min_r is not None and min_r < 1:
        ctx.invalid(dot(path, "minReplicas"), min_r, "must be greater than or equal to 1")
    if max_r is None:
        ctx.required(dot(path, "maxReplicas"))
    elif max_r < 1:
        ctx.invalid(dot(path, "maxReplicas"), max_r, "must be greater than 0")
    elif min_r is not None and max_r < min_r:
        ctx.invalid(dot(path, "maxReplicas"), max_r, "must be greater than or equal to `minReplicas`")


def _cpu_metric(percent: int) -> MetricSpec:
    return MetricSpec(type="Resource", name="cpu", target=MetricTarget(type="Utilization",
                                                                      average_utilization=percent),
                      source=FrozenDict({"name": "cpu"}))


def _spec_v2(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "scaleTargetRef": _target_ref, "minReplicas": integer, "maxReplicas": integer,
        "metrics": lambda c, x, p: list_of(c, x, p, _metric), "behavior": _behavior})
    if r is None:
        return BAD
    if r.raw.get("scaleTargetRef") is None:
        ctx.required(dot(path, "scaleTargetRef.kind"))
    _check_replicas(ctx, path, r.get("minReplicas"), r.get("maxReplicas"))
    metrics = tuple(r.get("metrics") or ()) or (_cpu_metric(DEFAULT_CPU_UTILIZATION),)
    return HPASpec(scale_target_ref=r.get("scaleTargetRef", CrossVersionObjectReference("", "")),
                   min_replicas=r.get("minReplicas", 1), max_replicas=r.get("maxReplicas", 1),
                   metrics=metrics, behavior=r.get("behavior"))


def _spec_v1(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "scaleTargetRef": _target_ref, "minReplicas": integer, "maxReplicas": integer,
        "targetCPUUtilizationPercentage": integer})
    if r is None:
        return BAD
    if r.raw.get("scaleTargetRef") is None:
        ctx.required(dot(path, "scaleTargetRef.kind"))
    _check_replicas(ctx, path, r.get("minReplicas"), r.get("maxReplicas"))
    pct = r.get("targetCPUUtilizationPercentage")
    if pct is not None and pct < 1:
        ctx.invalid(dot(path, "targetCPUUtilizationPercentage"), pct, "must be greater than 0")
    return HPASpec(scale_target_ref=r.get("scaleTargetRef", CrossVersionObjectReference("", "")),
                   min_replicas=r.get("minReplicas", 1), max_replicas=r.get("maxReplicas", 1),
                   metrics=(_cpu_metric(pct if pct is not None else DEFAULT_CPU_UTILIZATION),))


def _decode(ctx: Ctx, doc: dict) -> HorizontalPodAutoscaler:
    v1 = doc.get("apiVersion") == "autoscaling/v1"
    spec_fn = _spec_v1 if v1 else _spec_v2
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, HorizontalPodAutoscaler),
        "spec": spec_fn,
        "status": json_data,        # the API server ignores a client's status
    })
    spec = r.get("spec")
    if r.raw.get("spec") is None:
        ctx.required("spec.scaleTargetRef.kind")
    if not isinstance(spec, HPASpec):
        spec = HPASpec(scale_target_ref=CrossVersionObjectReference("", ""), max_replicas=1)
    return HorizontalPodAutoscaler(metadata=r.get("metadata", ObjectMeta(namespace="default")), spec=spec)


# ------------------------------------------------------------------ output


def _target_out(t: MetricTarget) -> dict:
    d: dict = {"type": t.type}
    if t.average_utilization is not None:
        d["averageUtilization"] = t.average_utilization
    if t.average_value is not None:
        d["averageValue"] = t.average_value
    if t.value is not None:
        d["value"] = t.value
    return d


def _metric_out(m: MetricSpec) -> dict:
    src = thaw(m.source)
    if m.type in ("Resource", "ContainerResource"):
        src = {"name": m.name, **({"container": m.container} if m.container else {})}
    return {"type": m.type, _SOURCE_KEY[m.type]: {**src, "target": _target_out(m.target)}}


def _rules_out(r: HPAScalingRules) -> dict:
    d: dict = {}
    if r.stabilization_window_seconds is not None:
        d["stabilizationWindowSeconds"] = r.stabilization_window_seconds
    d["selectPolicy"] = r.select_policy
    d["policies"] = [{"type": p.type, "value": p.value, "periodSeconds": p.period_seconds} for p in r.policies]
    if r.tolerance is not None:
        d["tolerance"] = r.tolerance
    return d


def _metric_status_out(m: MetricStatus) -> dict:
    cur: dict = {}
    if m.average_value is not None:
        cur["averageValue"] = m.average_value
    if m.average_utilization is not None:
        cur["averageUtilization"] = m.average_utilization
    if m.value is not None:
        cur["value"] = m.value
    src = thaw(m.source)
    if m.type in ("Resource", "ContainerResource"):
        src = {"name": m.name, **({"container": m.container} if m.container else {})}
    return {"type": m.type, _SOURCE_KEY.get(m.type, "resource"): {**src, "current": cur}}


def _status_out(s: HPAStatus) -> dict:
    d: dict = {}
    if s.observed_generation is not None:
        d["observedGeneration"] = s.observed_generation
    if s.last_scale_time is not None:
        d["lastScaleTime"] = time_out(s.last_scale_time)
    d["currentReplicas"] = s.current_replicas
    d["desiredReplicas"] = s.desired_replicas
    if s.current_metrics:
        d["currentMetrics"] = [_metric_status_out(m) for m in s.current_metrics]
    if s.conditions:
        d["conditions"] = [condition_out(c) for c in s.conditions]
    return d


def _ref_out(ref: CrossVersionObjectReference) -> dict:
    d = {"kind": ref.kind, "name": ref.name}
    if ref.api_version:
        d["apiVersion"] = ref.api_version
    return d


def hpa_to_manifest(obj: HorizontalPodAutoscaler) -> dict:
    """`kubectl get hpa -o json`: the autoscaling/v2 form, defaults filled."""
    s = obj.spec
    spec: dict = {"scaleTargetRef": _ref_out(s.scale_target_ref), "minReplicas": s.min_replicas,
                  "maxReplicas": s.max_replicas, "metrics": [_metric_out(m) for m in s.metrics]}
    if s.behavior is not None:
        spec["behavior"] = {k: _rules_out(r) for k, r in (("scaleUp", s.behavior.scale_up),
                                                          ("scaleDown", s.behavior.scale_down)) if r is not None}
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": object_meta_out(obj.metadata, True), "spec": spec, "status": _status_out(obj.status)}


def cpu_target(obj: HorizontalPodAutoscaler) -> Optional[int]:
    """The cpu Utilization target autoscaling/v1 shows (the first one)."""
    for m in obj.spec.metrics:
        if m.type == "Resource" and m.name == "cpu" and m.target.type == "Utilization":
            return m.target.average_utilization
    return None


def hpa_to_v1_manifest(obj: HorizontalPodAutoscaler) -> dict:
    """The autoscaling/v1 view (pkg/apis/autoscaling/v1/conversion.go): the
    cpu utilization target and current utilization; other metrics are not
    expressible in v1 fields."""
    s = obj.spec
    spec: dict = {"scaleTargetRef": _ref_out(s.scale_target_ref), "minReplicas": s.min_replicas,
                  "maxReplicas": s.max_replicas}
    pct = cpu_target(obj)
    if pct is not None:
        spec["targetCPUUtilizationPercentage"] = pct
    st = obj.status
    status: dict = {}
    if st.observed_generation is not None:
        status["observedGeneration"] = st.observed_generation
    if st.last_scale_time is not None:
        status["lastScaleTime"] = time_out(st.last_scale_time)
    status["currentReplicas"] = st.current_replicas
    status["desiredReplicas"] = st.desired_replicas
    for m in st.current_metrics:
        if m.type == "Resource" and m.name == "cpu" and m.average_utilization is not None:
            status["currentCPUUtilizationPercentage"] = m.average_utilization
            break
    return {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": object_meta_out(obj.metadata, True), "spec": spec, "status": status}


DECODERS: dict[tuple[str, str], Callable[[Ctx, dict], Any]] = {
    ("autoscaling/v2", "HorizontalPodAutoscaler"): _decode,
    ("autoscaling/v1", "HorizontalPodAutoscaler"): _decode,
}
EMITTERS: dict[type, Callable[[Any], dict]] = {HorizontalPodAutoscaler: hpa_to_manifest}
