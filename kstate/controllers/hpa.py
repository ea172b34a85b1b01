"""The HorizontalPodAutoscaler controller: one pure evaluation per HPA every
15 s (--horizontal-pod-autoscaler-sync-period), in Kubernetes' order.

Owns: reading the target through the kind registry's scale capability (its
replicas and pod selector), the replica calculation for resource metrics
(GetResourceReplicas / GetRawResourceReplicas), the legacy normalization
(no behavior) and the behavior normalization, the status with its
conditions, the SuccessfulRescale event, and the HPA lifecycle state
(machines/hpa.py). Recommendations, scale events and the next evaluation
time are controller memory (`SetMemory`, keyed by the HPA's uid): a restarted
controller forgets them, as kube-controller-manager does. Must not import
engine/ or io/.

Decision order (horizontal.go reconcileAutoscaler): get the scale (else
FailedGetScale) → replicas 0 with minReplicas ≠ 0: ScalingDisabled → above
max / below min: clamp without metrics → metrics → normalize (legacy or
behavior) → rescale if the result differs → status.

Kubernetes sources: pkg/controller/podautoscaler/{horizontal.go,
replica_calculator.go, metrics/utilization.go, metrics/client.go}.
Custom metrics (Pods, Object) and External metrics come from what the
world declared (Cluster.set_pod_metric / set_object_metric /
set_external_metric, metrics.py), read when the HPA syncs; one nobody set
fails as a metric an adapter does not serve.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Optional

import attrs

from kstate.controllers import metrics as ms
from kstate.controllers.actions import NOTHING, RecordEvent, Result, SetMemory, Update, UpdateStatus, ref_of
from kstate.machines.hpa import TRIGGER_FOR
from kstate.registry import REGISTRY
from kstate.resources.frozen import EMPTY, FrozenDict, evolve
from kstate.resources.hpa import HorizontalPodAutoscaler, HPAScalingRules, MetricStatus
from kstate.resources.meta import Condition, get_condition
from kstate.resources.pod import is_pod_ready
from kstate.resources.quantity import parse_quantity

NAME = "horizontal-pod-autoscaler"
SOURCE = "horizontal-pod-autoscaler"
#: kube-controller-manager's HPA flags at their defaults.
SYNC_PERIOD_MS = 15_000
TOLERANCE = Fraction(1, 10)
CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000
INITIAL_READINESS_DELAY_MS = 30_000
DOWNSCALE_STABILIZATION_MS = 5 * 60_000
SCALE_UP_LIMIT_FACTOR = 2
SCALE_UP_LIMIT_MINIMUM = 4


class MetricError(Exception):
    """An error of one metric: the condition reason and the message."""

    def __init__(self, reason: str, message: str, condition_message: Optional[str] = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.condition_message = condition_message if condition_message is not None else message


@attrs.frozen
class HPAMemory:
    """What kube-controller-manager keeps per HPA between syncs."""
    next_at: int = 0
    #: (recommendation, timestamp) — a.recommendations[key]; None before the first sync.
    recommendations: Optional[tuple[tuple[int, int], ...]] = None
    #: [change, timestamp, outdated] — a.scaleUpEvents / a.scaleDownEvents.
    up_events: tuple[tuple[int, int, bool], ...] = ()
    down_events: tuple[tuple[int, int, bool], ...] = ()


@attrs.frozen
class HPAObs:
    hpa: Optional[HorizontalPodAutoscaler]
    memory: HPAMemory = HPAMemory()
    target: Any = None
    target_error: str = ""
    pods: tuple = ()
    samples: FrozenDict = EMPTY
    #: per entry of spec.metrics, the custom/external metrics APIs' answer (custom_metrics).
    custom: tuple = ()


def _plural_group(spec) -> str:
    return f"{spec.plural}.{spec.group}" if spec.group else spec.plural


def observe_hpa(view, key) -> HPAObs:
    namespace, name = key
    hpa = view.get("HorizontalPodAutoscaler", namespace, name)
    if hpa is None:
        return HPAObs(hpa=None)
    mem = view.memory(NAME, hpa.metadata.uid, None) or HPAMemory()
    ref = hpa.spec.scale_target_ref
    group = ref.api_version.rpartition("/")[0] if "/" in ref.api_version else ""
    spec = REGISTRY.get_kind(ref.kind)
    if spec is None or spec.group != group or spec.scale is None:
        return HPAObs(hpa=hpa, memory=mem,
                      target_error=f'no matches for kind "{ref.kind}" in group "{group}"')
    target = view.get(spec.kind, namespace, ref.name)
    if target is None:
        return HPAObs(hpa=hpa, memory=mem, target_error=f'{_plural_group(spec)} "{ref.name}" not found')
    sel = spec.scale_selector(target) if spec.scale_selector is not None else None
    pods = tuple(view.objects_matching("Pod", namespace, sel)) if sel is not None else ()
    return HPAObs(hpa=hpa, memory=mem, target=target, pods=pods, samples=ms.latest_samples(view),
                  custom=custom_metrics(view.index(ms.LOAD), hpa, pods))


def custom_metrics(load: dict, hpa, pods) -> tuple:
    """What the custom and external metrics APIs answer for each entry of
    spec.metrics (None for Resource / ContainerResource entries): Pods → pod
    name → milli-value; Object → a milli-value or None;
    External → a tuple of milli-values or None."""
    out = []
    ns = hpa.metadata.namespace
    for m in hpa.spec.metrics:
        if m.type == "Pods":
            out.append(ms.pod_metric_values(load, ns, m.name, pods, m.metric_selector))
        elif m.type == "Object":
            d = m.described
            spec = REGISTRY.get_kind(d.kind) if d is not None else None
            kind = spec.kind if spec is not None else (d.kind if d is not None else "")
            out.append(ms.object_metric_value(load, kind, ns, d.name if d else "", m.name, m.metric_selector))
        elif m.type == "External":
            out.append(ms.external_metric_values(load, m.name, m.metric_selector))
        else:
            out.append(None)
    return tuple(out)


# ================================================================ replica calculation


def _ceil(x: Fraction) -> int:
    return math.ceil(x)


#: (scale-down tolerance, scale-up tolerance): the controller's flag for both.
DEFAULT_TOLERANCES = (TOLERANCE, TOLERANCE)


def _within_tolerance(ratio: Fraction, tol: tuple = DEFAULT_TOLERANCES) -> bool:
    """replica_calculator.go Tolerances.isWithin: 1 − down ≤ ratio ≤ 1 + up,
    inclusive (with the default 0.1 both ways: |1 − ratio| ≤ 0.1)."""
    return 1 - tol[0] <= ratio <= 1 + tol[1]


def tolerances_for_hpa(hpa) -> tuple:
    """horizontal.go tolerancesForHpa: behavior.scaleDown/scaleUp.tolerance
    where set (HPAConfigurableTolerance, beta and on by default in 1.35),
    else the controller's 0.1. Example: scaleUp.tolerance "0.05" →
    (1/10, 1/20): a ratio of 1.06 scales up, 0.95 does not scale down."""
    b = hpa.spec.behavior
    down = up = TOLERANCE
    if b is not None:
        if b.scale_down is not None and b.scale_down.tolerance is not None:
            down = Fraction(parse_quantity(b.scale_down.tolerance))
        if b.scale_up is not None and b.scale_up.tolerance is not None:
            up = Fraction(parse_quantity(b.scale_up.tolerance))
    return (down, up)


def group_pods(pods, metrics: dict, resource: str, now: int) -> tuple[int, set, set, set]:
    """replica_calculator.go groupPods: (readyPodCount, unready, missing,
    ignored). Deleted and Failed pods are ignored; Pending pods are unready;
    pods without a sample are missing; for cpu, a pod is unready without a
    Ready condition or start time, or — within the cpu initialization period
    of its start — when not Ready or when its sample was taken before one
    metric window after its last readiness transition, and — after that
    period — when it is not Ready and never was (its readiness changed
    within the initial readiness delay of its start)."""
    ready, unready, missing, ignored = 0, set(), set(), set()
    for pod in pods:
        name = pod.metadata.name
        if pod.metadata.deletion_timestamp is not None or pod.status.phase == "Failed":
            ignored.add(name)
            continue
        if pod.status.phase == "Pending":
            unready.add(name)
            continue
        metric = metrics.get(name)
        if metric is None:
            missing.add(name)
            continue
        if resource == "cpu":
            cond = get_condition(pod.status.conditions, "Ready")
            start = pod.status.start_time
            if cond is None or start is None:
                unready_pod = True
            else:
                lt = cond.last_transition_time or 0
                if start + CPU_INITIALIZATION_PERIOD_MS > now:
                    unready_pod = cond.status == "False" or metric[1] < lt + metric[2]
                else:
                    unready_pod = cond.status == "False" and start + INITIAL_READINESS_DELAY_MS > lt
            if unready_pod:
                unready.add(name)
                continue
        ready += 1
    return ready, unready, missing, ignored


def pod_requests(pods, resource: str, container: str = "") -> dict:
    """calculatePodRequests: per pod the sum of its containers' requests
    (restartable init containers included), milli-units; a container
    without one is an error."""
    out = {}
    for pod in pods:
        total = 0
        cs = [c for c in pod.spec.containers] + [c for c in pod.spec.init_containers if c.restart_policy == "Always"]
        for c in cs:
            if container and c.name != container:
                continue
            v = c.resources.requests.get(resource)
            if v is None:
                raise MetricError("", f"missing request for {resource} in container {c.name} of Pod "
                                      f"{pod.metadata.name}")
            total += _milli(resource, v)
        out[pod.metadata.name] = total
    return out


_MILLI: dict = {}


def _milli(resource: str, v) -> int:
    """Quantity.MilliValue (rounded up); requests are a handful of distinct
    strings, so each is parsed once."""
    key = (resource, v)
    m = _MILLI.get(key)
    if m is None:
        if len(_MILLI) > 4096:
            _MILLI.clear()
        m = _MILLI[key] = math.ceil(parse_quantity(v) * 1000)
    return m


def utilization_ratio(metrics: dict, requests: dict, target: int) -> tuple[Fraction, int, int]:
    """metrics/utilization.go GetResourceUtilizationRatio: (ratio, integer
    percent, average raw milli-value) over pods having both a metric and a
    request (superfluous metrics are skipped)."""
    total = req = n = 0
    for pod, value in metrics.items():
        r = requests.get(pod)
        if r is None:
            continue
        total += value
        req += r
        n += 1
    if req == 0:
        raise MetricError("", "no metrics returned matched known pods")
    util = total * 100 // req
    return Fraction(util, target), util, total // n


def get_resource_replicas(current: int, target_util: int, resource: str, pods, metrics: dict, now: int,
                          container: str = "", tol: tuple = DEFAULT_TOLERANCES) -> tuple[int, int, int]:
    """replica_calculator.go GetResourceReplicas: (replicas, utilization %, raw average)."""
    if not pods:
        raise MetricError("", "no pods returned by selector while calculating replica count")
    metrics = {p: m for p, m in metrics.items()}
    ready, unready, missing, ignored = group_pods(pods, metrics, resource, now)
    for p in ignored | unready:
        metrics.pop(p, None)
    requests = pod_requests(pods, resource, container)
    if not metrics:
        raise MetricError("", "did not receive metrics for targeted pods (pods might be unready)")
    values = {p: m[0] for p, m in metrics.items()}
    ratio, util, raw = utilization_ratio(values, requests, target_util)
    scale_up_with_unready = bool(unready) and ratio > 1
    if not scale_up_with_unready and not missing:
        if _within_tolerance(ratio, tol):
            return current, util, raw
        return _ceil(ratio * ready), util, raw
    if missing:
        if ratio < 1:
            fallback = max(100, target_util)
            for p in missing:
                values[p] = requests[p] * fallback // 100
        elif ratio > 1:
            for p in missing:
                values[p] = 0
    if scale_up_with_unready:
        for p in unready:
            values[p] = 0
    new_ratio, _, _ = utilization_ratio(values, requests, target_util)
    if _within_tolerance(new_ratio, tol) or (ratio < 1 < new_ratio) or (ratio > 1 > new_ratio):
        return current, util, raw
    new_replicas = _ceil(new_ratio * len(values))
    if (new_ratio < 1 and new_replicas > current) or (new_ratio > 1 and new_replicas < current):
        return current, util, raw
    return new_replicas, util, raw


def get_raw_resource_replicas(current: int, target_milli: int, resource: str, pods, metrics: dict,
                              now: int, tol: tuple = DEFAULT_TOLERANCES) -> tuple[int, int]:
    """GetRawResourceReplicas → calcPlainMetricReplicas (AverageValue target)."""
    return calc_plain_metric_replicas(current, target_milli, resource, pods, metrics, now, tol)


def get_metric_usage_ratio(values: dict, target: int) -> tuple[Fraction, int]:
    """metrics/utilization.go GetMetricUsageRatio: the average is truncated
    before the ratio is taken — 3 pods at 50, 15 and 30 (target 15):
    average 95 // 3 = 31 (milli: 31666), ratio 31666/15000."""
    usage = sum(values.values()) // len(values)
    return Fraction(usage, target), usage


def calc_plain_metric_replicas(current: int, target: int, resource: str, pods, metrics: dict,
                               now: int, tol: tuple = DEFAULT_TOLERANCES) -> tuple[int, int]:
    """replica_calculator.go calcPlainMetricReplicas: (replicas, average
    usage). Resource "" (a Pods metric) groups pods without the cpu
    readiness rules: only Pending pods are unready. Missing pods count as
    the target on a scale-down and 0 on a scale-up; unready pods as 0 on a
    scale-up; a flip of direction (of the ratio, or of the count against
    the current one) or a result within tolerance keeps the current count. Worked example (TestReplicaCalcScaleUpCM): qps 20, 10,
    30 per pod against 15 → average 20, ratio 4/3, ceil(4/3 × 3) = 4."""
    if not pods:
        raise MetricError("", "no pods returned by selector while calculating replica count")
    ready, unready, missing, ignored = group_pods(pods, metrics, resource, now)
    values = {p: m[0] for p, m in metrics.items() if p not in ignored and p not in unready}
    if not values:
        raise MetricError("", "did not receive metrics for targeted pods (pods might be unready)")
    ratio, usage = get_metric_usage_ratio(values, target)
    scale_up_with_unready = bool(unready) and ratio > 1
    if not scale_up_with_unready and not missing:
        if _within_tolerance(ratio, tol):
            return current, usage
        return _ceil(ratio * ready), usage
    if missing:
        if ratio < 1:
            for p in missing:
                values[p] = target
        elif ratio > 1:
            for p in missing:
                values[p] = 0
    if scale_up_with_unready:
        for p in unready:
            values[p] = 0
    new_ratio, _ = get_metric_usage_ratio(values, target)
    if _within_tolerance(new_ratio, tol) or (ratio < 1 < new_ratio) or (ratio > 1 > new_ratio):
        return current, usage
    new_replicas = _ceil(new_ratio * len(values))
    if (new_ratio < 1 and new_replicas > current) or (new_ratio > 1 and new_replicas < current):
        return current, usage
    return new_replicas, usage


def get_ready_pods_count(pods) -> int:
    """replica_calculator.go getReadyPodsCount: Running and Ready pods."""
    if not pods:
        raise MetricError("", "unable to calculate ready pods: no pods returned by selector while calculating "
                              "replica count")
    return sum(1 for p in pods if p.status.phase == "Running" and is_pod_ready(p))


def get_usage_ratio_replica_count(current: int, ratio: Fraction, pods, tol: tuple = DEFAULT_TOLERANCES) -> int:
    """replica_calculator.go getUsageRatioReplicaCount: within tolerance →
    current, else ceil(ratio × ready pods); with current 0, ceil(ratio)."""
    if current != 0:
        if _within_tolerance(ratio, tol):
            return current
        return _ceil(ratio * get_ready_pods_count(pods))
    return _ceil(ratio)


def get_object_metric_replicas(current: int, target: int, value: int, pods,
                               tol: tuple = DEFAULT_TOLERANCES) -> tuple[int, int]:
    """GetObjectMetricReplicas (Value target): ratio = value / target over
    the ready pods. Example (TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods):
    50 against 10 with 1 ready pod of 3 → ceil(5 × 1) = 5."""
    return get_usage_ratio_replica_count(current, Fraction(value, target), pods, tol), value


def get_object_per_pod_metric_replicas(current: int, target_average: int, value: int,
                                       tol: tuple = DEFAULT_TOLERANCES) -> tuple[int, int]:
    """GetObjectPerPodMetricReplicas (AverageValue target): ratio = value /
    (target × current); outside tolerance → ceil(value / target); the usage
    reported is ceil(value / current). Example (TestReplicaCalcScaleUpCMPerPodObject):
    20 over 3 replicas against 5 each → ratio 4/3, ceil(4) = 4, usage 6.667."""
    replicas = current
    if not _within_tolerance(Fraction(value, target_average * current), tol):
        replicas = _ceil(Fraction(value, target_average))
    return replicas, _ceil(Fraction(value, current))


def get_external_metric_replicas(current: int, target: int, values: tuple, pods,
                                 tol: tuple = DEFAULT_TOLERANCES) -> tuple[int, int]:
    """GetExternalMetricReplicas (Value target): the series are summed, then
    as getUsageRatioReplicaCount."""
    total = sum(values)
    return get_usage_ratio_replica_count(current, Fraction(total, target), pods, tol), total


def get_external_per_pod_metric_replicas(current: int, target_average: int, values: tuple,
                                         tol: tuple = DEFAULT_TOLERANCES) -> tuple[int, int]:
    """GetExternalPerPodMetricReplicas (AverageValue target): the sum as
    GetObjectPerPodMetricReplicas treats its one value."""
    return get_object_per_pod_metric_replicas(current, target_average, sum(values), tol)


def format_milli(m: int) -> str:
    """resource.NewMilliQuantity(m, DecimalSI).String()."""
    if m % 1000:
        return f"{m}m"
    v = m // 1000
    for suffix in ("", "k", "M", "G", "T", "P"):
        if v == 0 or v % 1000:
            return f"{v}{suffix}"
        v //= 1000
    return f"{v}E"


def resource_metrics(obs: HPAObs, resource: str, container: str = "") -> dict:
    """metrics client GetResourceMetric: pod name → (milli-value, timestamp,
    window) for the target's pods that have a sample."""
    out = {}
    for p in obs.pods:
        s = obs.samples.get((p.metadata.namespace, p.metadata.name))
        if s is None:
            continue
        if container:
            cs = [c for c in s.containers if c[0] == container]
            if not cs:
                continue
        else:
            cs = list(s.containers)
        i = 1 if resource == "cpu" else 2
        if resource not in ("cpu", "memory"):
            continue
        total = sum(c[i] for c in cs)
        out[p.metadata.name] = (total if resource == "cpu" else total * 1000, s.timestamp, s.window)
    return out


def compute_metric(obs: HPAObs, i: int, m, current: int, now: int) -> tuple[int, str, MetricStatus]:
    """computeReplicasForMetric for one metric spec."""
    if m.type in ("Resource", "ContainerResource"):
        reason = "FailedGetResourceMetric" if m.type == "Resource" else "FailedGetContainerResourceMetric"
        res, container = m.name, m.container
        metrics = resource_metrics(obs, res, container)
        if not metrics:
            inner = f"unable to get metrics for resource {res}: no metrics returned from resource metrics API"
            raise MetricError(reason, f"failed to get {res} utilization: {inner}", inner)
        try:
            if m.target.average_value is not None and m.target.type == "AverageValue":
                replicas, raw = get_raw_resource_replicas(current, _milli(res, m.target.average_value), res,
                                                          obs.pods, metrics, now, tolerances_for_hpa(obs.hpa))
                status = MetricStatus(type=m.type, name=res, container=container, average_value=format_milli(raw))
                return replicas, f"{res} resource", status
            if m.target.average_utilization is None:
                raise MetricError(reason, "invalid resource metric source: neither a utilization target nor a "
                                          "value target was set")
            replicas, util, raw = get_resource_replicas(current, m.target.average_utilization, res, obs.pods,
                                                        metrics, now, container, tolerances_for_hpa(obs.hpa))
        except MetricError as e:
            if e.reason:
                raise
            raise MetricError(reason, f"failed to get {res} utilization: {e.message}", e.message) from None
        status = MetricStatus(type=m.type, name=res, container=container, average_utilization=util,
                              average_value=format_milli(raw))
        what = f"{res} resource utilization (percentage of request)"
        if m.type == "ContainerResource":
            what = f"{res} container resource utilization (percentage of request)"
        return replicas, what, status
    return compute_custom_metric(obs, i, m, current, now)


def go_label_selector(sel) -> str:
    """A *metav1.LabelSelector printed with %+v (its generated String()),
    as the HPA names an external metric: nil, or
    &LabelSelector{MatchLabels:map[string]string{queue: work,},MatchExpressions:[]LabelSelectorRequirement{},}."""
    if sel is None:
        return "nil"
    labels = "".join(f"{k}: {v}," for k, v in sorted(sel.match_labels.items()))
    exprs = "".join(f"LabelSelectorRequirement{{Key:{r.key},Operator:{r.operator},Values:[{' '.join(r.values)}],}},"
                    for r in sel.match_expressions)
    return (f"&LabelSelector{{MatchLabels:map[string]string{{{labels}}},"
            f"MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}")


def compute_custom_metric(obs: HPAObs, i: int, m, current: int, now: int) -> tuple[int, str, MetricStatus]:
    """computeStatusForPodsMetric / computeStatusForObjectMetric /
    computeStatusForExternalMetric: the proposal, its name for the rescale
    reason, the currentMetrics entry."""
    answer = obs.custom[i] if i < len(obs.custom) else None
    ns = obs.hpa.metadata.namespace
    t = m.target
    tol = tolerances_for_hpa(obs.hpa)
    try:
        if m.type == "Pods":
            if not answer:
                raise MetricError("FailedGetPodsMetric", f"unable to get metric {m.name}: no metrics returned "
                                                         f"from custom metrics API")
            samples = {p: (ms.value_at(v, now), now, ms.RESOLUTION_MS) for p, v in answer.items()}
            replicas, usage = calc_plain_metric_replicas(current, _milli_value(t.average_value), "", obs.pods,
                                                         samples, now, tol)
            return replicas, f"pods metric {m.name}", MetricStatus(type=m.type, name=m.name, source=m.source,
                                                                   average_value=format_milli(usage))
        if m.type == "Object":
            d = m.described
            answer = ms.value_at(answer, now) if answer is not None else None
            if answer is None:
                raise MetricError("FailedGetObjectMetric",
                                  f"unable to get metric {m.name}: {d.kind} on {ns} {d.name}/unable to fetch "
                                  f"metrics from custom metrics API: the server could not find the metric "
                                  f"{m.name} for {d.kind} {d.name}")
            if t.type == "Value":
                replicas, usage = get_object_metric_replicas(current, _milli_value(t.value), answer, obs.pods, tol)
                st = MetricStatus(type=m.type, name=m.name, source=m.source, value=format_milli(usage))
            else:
                replicas, usage = get_object_per_pod_metric_replicas(current, _milli_value(t.average_value), answer,
                                                                     tol)
                st = MetricStatus(type=m.type, name=m.name, source=m.source, average_value=format_milli(usage))
            return replicas, f"{d.kind} metric {m.name}", st
        sel = go_label_selector(m.metric_selector)
        answer = tuple(ms.value_at(v, now) for v in answer) if answer is not None else None
        if answer is None:
            raise MetricError("FailedGetExternalMetric", f"unable to get external metric {ns}/{m.name}/{sel}: "
                                                         f"no metrics returned from external metrics API")
        if t.type == "Value":
            replicas, usage = get_external_metric_replicas(current, _milli_value(t.value), answer, obs.pods, tol)
            st = MetricStatus(type=m.type, name=m.name, source=m.source, value=format_milli(usage))
        else:
            replicas, usage = get_external_per_pod_metric_replicas(current, _milli_value(t.average_value), answer, tol)
            st = MetricStatus(type=m.type, name=m.name, source=m.source, average_value=format_milli(usage))
        return replicas, f"external metric {m.name}({sel})", st
    except MetricError as e:
        reason = {"Pods": "FailedGetPodsMetric", "Object": "FailedGetObjectMetric",
                  "External": "FailedGetExternalMetric"}[m.type]
        raise MetricError(reason, f"failed to get {m.type.lower()} metric value: {e.message}", e.message) from None


def _milli_value(q) -> int:
    """resource.Quantity.MilliValue."""
    return ms.parse_metric_value(q)


# ================================================================ normalization


def stabilize_recommendation(recs: tuple, desired: int, now: int) -> tuple[int, tuple]:
    """horizontal.go stabilizeRecommendation (no behavior): the max over
    recommendations not older than the downscale stabilization window; the
    new recommendation replaces ONE stale entry (the last found), else is
    appended."""
    best = desired
    cutoff = now - DOWNSCALE_STABILIZATION_MS
    old = None
    for i, (r, t) in enumerate(recs):
        if t < cutoff:
            old = i
        elif r > best:
            best = r
    recs = list(recs)
    if old is not None:
        recs[old] = (desired, now)
    else:
        recs.append((desired, now))
    return best, tuple(recs)


def convert_desired_replicas_with_rules(current: int, desired: int, min_r: int, max_r: int) -> tuple[int, str, str]:
    """convertDesiredReplicasWithRules: clamp into [min, min(max, scaleUpLimit)]."""
    limit = calculate_scale_up_limit(current)
    if max_r > limit:
        maximum, cond, msg = limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
    else:
        maximum, cond, msg = max_r, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
    if desired < min_r:
        return min_r, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
    if desired > maximum:
        return maximum, cond, msg
    return desired, "DesiredWithinRange", "the desired count is within the acceptable range"


def calculate_scale_up_limit(current: int) -> int:
    """calculateScaleUpLimit: max(2 × current, 4)."""
    return max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM)


def replicas_change_per_period(period_seconds: int, events, now: int) -> int:
    """getReplicasChangePerPeriod: the sum of changes strictly after now − period."""
    cutoff = now - period_seconds * 1000
    return sum(e[0] for e in events if e[1] > cutoff)


def calculate_scale_up_limit_with_scaling_rules(current: int, up_events, down_events, rules: HPAScalingRules,
                                                now: int) -> int:
    """calculateScaleUpLimitWithScalingRules: per policy, periodStartReplicas
    = current − replicas added + replicas removed within its period; Pods →
    start + value, Percent → ceil(start × (1 + value/100)); selectPolicy Max
    → the largest proposal, Min → the smallest, Disabled → current."""
    if rules.select_policy == "Disabled":
        return current
    if rules.select_policy == "Min":
        pick, result = min, 2**31 - 1
    else:
        pick, result = max, -(2**31)
    for p in rules.policies:
        start = (current - replicas_change_per_period(p.period_seconds, up_events, now)
                 + replicas_change_per_period(p.period_seconds, down_events, now))
        if p.type == "Pods":
            proposed = start + p.value
        else:
            proposed = math.ceil(Fraction(start) * (1 + Fraction(p.value, 100)))
        result = pick(result, proposed)
    return result


def calculate_scale_down_limit_with_behaviors(current: int, up_events, down_events, rules: HPAScalingRules,
                                              now: int) -> int:
    """calculateScaleDownLimitWithBehaviors: periodStartReplicas = current +
    replicas removed − replicas added within the period; Pods → start −
    value, Percent → trunc(start × (1 − value/100)); Max (the most change)
    → the smallest proposal, Min → the largest, Disabled → current."""
    if rules.select_policy == "Disabled":
        return current
    if rules.select_policy == "Min":
        pick, result = max, -(2**31)
    else:
        pick, result = min, 2**31 - 1
    for p in rules.policies:
        start = (current + replicas_change_per_period(p.period_seconds, down_events, now)
                 - replicas_change_per_period(p.period_seconds, up_events, now))
        if p.type == "Pods":
            proposed = start - p.value
        else:
            proposed = int(Fraction(start) * (1 - Fraction(p.value, 100)))
        result = pick(result, proposed)
    return result


def stabilization_window_ms(rules: Optional[HPAScalingRules]) -> int:
    """The scale-down window of a behavior (unset → the controller's 5-minute default)."""
    return _window(rules, DOWNSCALE_STABILIZATION_MS // 1000) * 1000


def _window(rules: Optional[HPAScalingRules], default: int) -> int:
    if rules is None or rules.stabilization_window_seconds is None:
        return default
    return rules.stabilization_window_seconds


def stabilize_recommendation_with_behaviors(recs: tuple, desired: int, current: int, up_window: int,
                                            down_window: int, now: int) -> tuple[int, str, str, tuple]:
    """horizontal.go stabilizeRecommendationWithBehaviors (windows in
    seconds): the lowest recommendation inside the up window (the desired
    one included) is a floor, the highest inside the down window a ceiling,
    and the current count is brought within them — so stabilization never
    moves against the desired direction. The raw desired is recorded,
    replacing one entry older than both windows (the last found). Example
    (TestNormalizeDesiredReplicasWithBehavior "do not scale up when
    prenormalized rec goes down"): current 2, desired 1, windows 300/300,
    a 3 three minutes ago → floor 1, ceiling 3 → 2."""
    up_cutoff = now - up_window * 1000
    down_cutoff = now - down_window * 1000
    up, down, old = desired, desired, None
    for i, (r, t) in enumerate(recs):
        if t > up_cutoff:
            up = min(r, up)
        if t > down_cutoff:
            down = max(r, down)
        if t < up_cutoff and t < down_cutoff:
            old = i
    rec = current
    if rec < up:
        rec = up
    if rec > down:
        rec = down
    recs = list(recs)
    if old is not None:
        recs[old] = (desired, now)
    else:
        recs.append((desired, now))
    if desired >= current:
        reason, msg = ("ScaleUpStabilized", "recent recommendations were lower than current one, applying the "
                                            "lowest recent recommendation")
    else:
        reason, msg = ("ScaleDownStabilized", "recent recommendations were higher than current one, applying the "
                                              "highest recent recommendation")
    return rec, reason, msg, tuple(recs)


def convert_desired_replicas_with_behavior_rate(desired: int, current: int, min_r: int, max_r: int,
                                                up: HPAScalingRules, down: HPAScalingRules, up_events, down_events,
                                                now: int) -> tuple[int, str, str]:
    """convertDesiredReplicasWithBehaviorRate."""
    if desired > current:
        limit = max(calculate_scale_up_limit_with_scaling_rules(current, up_events, down_events, up, now), current)
        if max_r > limit:
            maximum, reason, msg = (limit, "ScaleUpLimit",
                                    "the desired replica count is increasing faster than the maximum scale rate")
        else:
            maximum, reason, msg = (max_r, "TooManyReplicas",
                                    "the desired replica count is more than the maximum replica count")
        if desired > maximum:
            return maximum, reason, msg
    elif desired < current:
        limit = min(calculate_scale_down_limit_with_behaviors(current, up_events, down_events, down, now), current)
        if min_r < limit:
            minimum, reason, msg = (limit, "ScaleDownLimit",
                                    "the desired replica count is decreasing faster than the maximum scale rate")
        else:
            minimum, reason, msg = (min_r, "TooFewReplicas",
                                    "the desired replica count is less than the minimum replica count")
        if desired < minimum:
            return minimum, reason, msg
    return desired, "DesiredWithinRange", "the desired count is within the acceptable range"


def store_scale_event(mem: HPAMemory, behavior, prev: int, new: int, now: int) -> HPAMemory:
    """storeScaleEvent: only with a behavior; events older than the longest
    policy period are marked outdated and the last outdated one is reused."""
    if behavior is None:
        return mem
    up = new > prev
    rules = behavior.scale_up if up else behavior.scale_down
    longest = max((p.period_seconds for p in rules.policies), default=0)
    cutoff = now - longest * 1000
    events = [(c, t, o or t < cutoff) for c, t, o in (mem.up_events if up else mem.down_events)]
    change = new - prev if up else prev - new
    old = None
    for i, e in enumerate(events):
        if e[2]:
            old = i
    if old is not None:
        events[old] = (change, now, False)
    else:
        events.append((change, now, False))
    return evolve(mem, **{"up_events" if up else "down_events": tuple(events)})


# ================================================================ the sync


def set_condition(conds: tuple, type_: str, status: str, reason: str, message: str, now: int) -> tuple:
    """setConditionInList: replace in place or append; lastTransitionTime
    moves only when the status changes."""
    for c in conds:
        if c.type == type_ and c.status == status and c.reason == reason and c.message == message:
            return conds                   # unchanged (most syncs): no new objects
    out = list(conds)
    for i, c in enumerate(out):
        if c.type == type_:
            lt = now if c.status != status else c.last_transition_time
            out[i] = Condition(type=type_, status=status, reason=reason, message=message, last_transition_time=lt)
            return tuple(out)
    out.append(Condition(type=type_, status=status, reason=reason, message=message, last_transition_time=now))
    return tuple(out)


def hpa_state(disabled: bool, current: int, desired: int, rescale: bool, conds: tuple) -> str:
    if disabled:
        return "Disabled"
    if rescale:
        return "ScalingUp" if desired > current else "ScalingDown"
    lim = get_condition(conds, "ScalingLimited")
    if lim is not None and lim.status == "True":
        return "Limited"
    return "Stable"


def reconcile_hpa(obs: HPAObs, now: int) -> Result:
    hpa = obs.hpa
    if hpa is None:
        return NOTHING
    mem = obs.memory
    if now < mem.next_at:
        return Result(requeue_after=mem.next_at - now)
    if mem.next_at == 0:
        # enqueueHPA: AddRateLimited — the first evaluation one period after the HPA is seen.
        return Result(actions=(SetMemory(NAME, hpa.metadata.uid, evolve(mem, next_at=now + SYNC_PERIOD_MS)),),
                      requeue_after=SYNC_PERIOD_MS)
    mem = evolve(mem, next_at=now + SYNC_PERIOD_MS)
    actions, st, mem = sync_hpa(hpa, obs, mem, now)
    return Result(actions=tuple(actions) + (SetMemory(NAME, hpa.metadata.uid, mem),), requeue_after=SYNC_PERIOD_MS)


def _event(hpa, reason: str, message: str, type_: str = "Normal") -> RecordEvent:
    return RecordEvent(ref_of(hpa), reason, message, type_, SOURCE)


def _status_write(hpa, status, actions: list) -> None:
    if status == hpa.status:
        return
    old, new = hpa.status.state, status.state
    trigger = TRIGGER_FOR[(old, new)] if old != new else None
    actions.append(UpdateStatus(evolve(hpa, status=status), trigger))


def sync_hpa(hpa, obs: HPAObs, mem: HPAMemory, now: int) -> tuple[list, Any, HPAMemory]:
    """reconcileAutoscaler: (actions, new status, new memory)."""
    actions: list = []
    st = hpa.status
    conds = st.conditions
    ref = hpa.spec.scale_target_ref
    if obs.target is None:
        msg = obs.target_error
        actions.append(_event(hpa, "FailedGetScale", msg, "Warning"))
        conds = set_condition(conds, "AbleToScale", "False", "FailedGetScale",
                              f"the HPA controller was unable to get the target's current scale: {msg}", now)
        status = evolve(st, conditions=conds, state="Disabled")
        _status_write(hpa, status, actions)
        return actions, status, mem
    conds = set_condition(conds, "AbleToScale", "True", "SucceededGetScale",
                          "the HPA controller was able to get the target's current scale", now)
    get_replicas, set_replicas = REGISTRY.kind(obs.target.KIND).scale
    current = get_replicas(obs.target)
    if mem.recommendations is None:
        mem = evolve(mem, recommendations=((current, now),))      # recordInitialRecommendation
    min_r, max_r = hpa.spec.min_replicas, hpa.spec.max_replicas
    desired, reason_text, rescale, disabled = 0, "", True, False
    metric_statuses = None
    if current == 0 and min_r != 0:
        desired, rescale, disabled = 0, False, True
        conds = set_condition(conds, "ScalingActive", "False", "ScalingDisabled",
                              "scaling is disabled since the replica count of the target is zero", now)
    elif current > max_r:
        reason_text, desired = "Current number of replicas above Spec.MaxReplicas", max_r
    elif current < min_r:
        reason_text, desired = "Current number of replicas below Spec.MinReplicas", min_r
    else:
        proposal, metric_name, statuses, first_err, invalid = 0, "", [], None, 0
        for i, m in enumerate(hpa.spec.metrics):
            try:
                replicas, name, status = compute_metric(obs, i, m, current, now)
            except MetricError as e:
                actions.append(_event(hpa, e.reason, e.condition_message, "Warning"))
                if first_err is None:
                    first_err = e
                invalid += 1
                statuses.append(None)
                continue
            statuses.append(status)
            if proposal == 0 or replicas > proposal:
                proposal, metric_name = replicas, name
        if invalid >= len(hpa.spec.metrics):
            conds = set_condition(conds, "ScalingActive", "False", first_err.reason,
                                  f"the HPA was unable to compute the replica count: {first_err.condition_message}",
                                  now)
            msg = (f"invalid metrics ({invalid} invalid out of {len(hpa.spec.metrics)}), first error is: "
                   f"{first_err.message}")
            actions.append(_event(hpa, "FailedComputeMetricsReplicas", msg, "Warning"))
            status = evolve(st, current_replicas=current, conditions=conds, state="Disabled")
            _status_write(hpa, status, actions)
            return actions, status, mem
        conds = set_condition(conds, "ScalingActive", "True", "ValidMetricFound",
                              f"the HPA was able to successfully calculate a replica count from {metric_name}", now)
        metric_statuses = tuple(s for s in statuses if s is not None)
        desired = proposal
        if desired > current:
            reason_text = f"{metric_name} above target"
        elif desired < current:
            reason_text = "All metrics below target"
        if hpa.spec.behavior is None:
            stabilized, recs = stabilize_recommendation(mem.recommendations, desired, now)
            mem = evolve(mem, recommendations=recs)
            if stabilized != desired:
                conds = set_condition(conds, "AbleToScale", "True", "ScaleDownStabilized",
                                      "recent recommendations were higher than current one, applying the highest "
                                      "recent recommendation", now)
            else:
                conds = set_condition(conds, "AbleToScale", "True", "ReadyForNewScale",
                                      "recommended size matches current size", now)
            desired, cond, msg = convert_desired_replicas_with_rules(current, stabilized, min_r, max_r)
        else:
            b = hpa.spec.behavior
            up_w = _window(b.scale_up, 0)
            down_w = _window(b.scale_down, DOWNSCALE_STABILIZATION_MS // 1000)   # maybeInitScaleDownStabilizationWindow
            stabilized, reason, smsg, recs = stabilize_recommendation_with_behaviors(
                mem.recommendations, desired, current, up_w, down_w, now)
            mem = evolve(mem, recommendations=recs)
            if stabilized != desired:
                conds = set_condition(conds, "AbleToScale", "True", reason, smsg, now)
            else:
                conds = set_condition(conds, "AbleToScale", "True", "ReadyForNewScale",
                                      "recommended size matches current size", now)
            desired, cond, msg = convert_desired_replicas_with_behavior_rate(
                stabilized, current, min_r, max_r, b.scale_up, b.scale_down, mem.up_events, mem.down_events, now)
        conds = set_condition(conds, "ScalingLimited", "False" if desired == stabilized else "True", cond, msg, now)
        rescale = desired != current
    last_scale = st.last_scale_time
    if rescale:
        actions.append(Update(set_replicas(obs.target, desired)))
        conds = set_condition(conds, "AbleToScale", "True", "SucceededRescale",
                              f"the HPA controller was able to update the target scale to {desired}", now)
        actions.append(_event(hpa, "SuccessfulRescale", f"New size: {desired}; reason: {reason_text}"))
        mem = store_scale_event(mem, hpa.spec.behavior, current, desired, now)
        last_scale = now
    else:
        desired = current
    state = hpa_state(disabled, current, desired, rescale, conds)
    status = evolve(st, current_replicas=current, desired_replicas=desired,
                    current_metrics=metric_statuses if metric_statuses is not None else (),
                    last_scale_time=last_scale, conditions=conds, state=state,
                    observed_generation=hpa.metadata.generation)
    _status_write(hpa, status, actions)
    return actions, status, mem


def watch_self(old, new, view) -> list:
    return [(new.metadata.namespace, new.metadata.name)]
