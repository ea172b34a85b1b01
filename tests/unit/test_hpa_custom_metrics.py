"""Custom (Pods, Object) and External metrics end to end: the values the
world declares through Cluster.set_pod_metric / set_object_metric /
set_external_metric, read by the HPA at its sync (computeStatusFor*Metric in
horizontal.go), their events, conditions and status entries."""
import pytest

import kstate
from kstate.errors import NotFound, SpecError
from tests.unit.test_hpa import deployment

HPA_EVENTS = "HorizontalPodAutoscaler"


def hpa(*metrics, name="web", min_replicas=1, max_replicas=10, behavior=None):
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": min_replicas, "maxReplicas": max_replicas, "metrics": list(metrics)}
    if behavior:
        spec["behavior"] = behavior
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
            "spec": spec}


def pods_metric(name="qps", average="10", selector=None):
    m = {"name": name}
    if selector:
        m["selector"] = selector
    return {"type": "Pods", "pods": {"metric": m, "target": {"type": "AverageValue", "averageValue": average}}}


def object_metric(name="rps", value=None, average=None):
    t = {"type": "Value", "value": value} if value else {"type": "AverageValue", "averageValue": average}
    return {"type": "Object", "object": {"describedObject": {"apiVersion": "apps/v1", "kind": "Deployment",
                                                             "name": "web"},
                                         "metric": {"name": name}, "target": t}}


def external_metric(name="queue", value=None, average=None, labels=None):
    t = {"type": "Value", "value": value} if value else {"type": "AverageValue", "averageValue": average}
    m = {"name": name}
    if labels:
        m["selector"] = {"matchLabels": labels}
    return {"type": "External", "external": {"metric": m, "target": t}}


@pytest.fixture
def web():
    c = kstate.Cluster(nodes=3)
    c.apply(deployment())
    c.advance("6m")
    return c


def replicas(c):
    return c.get("deployment", "web").spec.replicas


def rescales(c):
    return [e.message for e in c.events(kind=HPA_EVENTS) if e.reason == "SuccessfulRescale"]


def test_pods_metric_scales_on_the_average_per_pod(web):
    c = web
    c.apply(hpa(pods_metric(average="10")))
    c.set_pod_metric("qps", "25", selector="app=web")
    c.advance("15s")
    # 25 per pod against 10 → ceil(2.5 × 2) = 5, capped by the legacy limit max(2 × 2, 4) = 4
    assert replicas(c) == 4
    assert rescales(c) == ["New size: 4; reason: pods metric qps above target"]
    st = c.get("hpa", "web").status.current_metrics[0]
    assert (st.type, st.name, st.average_value) == ("Pods", "qps", "25")


def test_pods_metric_per_pod_value_wins_over_selector(web):
    c = web
    c.apply(hpa(pods_metric(average="10")))
    names = sorted(p.metadata.name for p in c.list("Pod"))
    c.set_pod_metric("qps", "10")
    c.set_pod_metric("qps", "30", pod=names[0])
    c.advance("15s")
    # (30 + 10) / 2 = 20 against 10 → 4
    assert replicas(c) == 4
    assert c.get("hpa", "web").status.current_metrics[0].average_value == "20"


def test_object_metric_value_and_average_value(web):
    c = web
    c.apply(hpa(object_metric(value="100")))
    c.set_object_metric("deployment", "web", "rps", "300")
    c.advance("15s")
    # 300 / 100 = 3 × 2 ready pods = 6, capped at 4
    assert rescales(c) == ["New size: 4; reason: Deployment metric rps above target"]
    assert c.get("hpa", "web").status.current_metrics[0].value == "300"


def test_object_per_pod_metric(web):
    c = web
    c.apply(hpa(object_metric(average="50")))
    c.set_object_metric("deployment", "web", "rps", "150")
    c.advance("15s")
    # ratio 150 / (50 × 2) = 1.5 → ceil(150 / 50) = 3; usage ceil(150 / 2) = 75
    assert replicas(c) == 3
    assert c.get("hpa", "web").status.current_metrics[0].average_value == "75"


def test_external_metric_sums_the_series_the_selector_matches(web):
    c = web
    c.apply(hpa(external_metric(value="10", labels={"queue": "jobs"})))
    c.set_external_metric("queue", 12, labels={"queue": "jobs", "shard": "a"})
    c.set_external_metric("queue", 8, labels={"queue": "jobs", "shard": "b"})
    c.set_external_metric("queue", 1000, labels={"queue": "other"})
    c.advance("15s")
    # (12 + 8) / 10 = 2 × 2 ready pods = 4
    assert rescales(c) == ["New size: 4; reason: external metric queue(&LabelSelector{MatchLabels:"
                           "map[string]string{queue: jobs,},MatchExpressions:[]LabelSelectorRequirement{},})"
                           " above target"]
    assert c.get("hpa", "web").status.current_metrics[0].value == "20"


def test_a_missing_metric_is_skipped_when_another_works(web):
    c = web
    c.apply(hpa(pods_metric(name="absent"), external_metric(average="5")))
    c.set_external_metric("queue", 20)
    c.advance("15s")
    # 20 / 5 = 4 replicas; the missing Pods metric only warns
    assert replicas(c) == 4
    warn = [(e.reason, e.message) for e in c.events(kind=HPA_EVENTS) if e.type == "Warning"]
    assert ("FailedGetPodsMetric", "unable to get metric absent: no metrics returned from custom metrics API") \
        in warn
    assert not any(r == "FailedComputeMetricsReplicas" for r, _ in warn)
    active = {x.type: x for x in c.get("hpa", "web").status.conditions}["ScalingActive"]
    assert (active.status, active.reason) == ("True", "ValidMetricFound")


def test_all_metrics_missing_disables_scaling_active(web):
    c = web
    c.apply(hpa(object_metric(value="1")))
    c.advance("15s")
    active = {x.type: x for x in c.get("hpa", "web").status.conditions}["ScalingActive"]
    assert (active.status, active.reason) == ("False", "FailedGetObjectMetric")
    assert active.message.startswith("the HPA was unable to compute the replica count: unable to get metric rps")
    assert replicas(c) == 2


def test_the_largest_proposal_wins(web):
    c = web
    c.apply(hpa(pods_metric(average="10"), object_metric(average="10")))
    c.set_pod_metric("qps", "5")                 # → 1
    c.set_object_metric("deployment", "web", "rps", "30")   # → 3
    c.advance("15s")
    assert rescales(c) == ["New size: 3; reason: Deployment metric rps above target"]


def test_custom_metric_inputs_survive_snapshot_restore(web):
    c = web
    c.apply(hpa(pods_metric(average="10", selector=None), external_metric(value="10", labels={"q": "a"})))
    c.set_pod_metric("qps", "25", selector={"app": "web"})
    c.set_external_metric("queue", 5, labels={"q": "a"})
    snap = c.snapshot()
    twin = kstate.Cluster.restore(snap)
    c.advance("2m")
    twin.advance("2m")
    assert twin.trace() == c.trace()
    assert twin.get("hpa", "web") == c.get("hpa", "web")


def test_bad_arguments(web):
    c = web
    with pytest.raises(SpecError) as e:
        c.set_pod_metric("qps", "lots")
    assert e.value.path == "value"
    with pytest.raises(SpecError):
        c.set_pod_metric("", "1")
    with pytest.raises(SpecError):
        c.set_pod_metric("qps", "1", selector="app=web", pod="x")
    with pytest.raises(NotFound):
        c.set_pod_metric("qps", "1", pod="nope")
    with pytest.raises(NotFound):
        c.set_object_metric("deployment", "nope", "rps", "1")
    with pytest.raises(SpecError) as e:
        c.set_external_metric("queue", -1)
    assert e.value.path == "value"
    with pytest.raises(SpecError):
        c.set_external_metric("queue", 1, labels=["a"])


@pytest.mark.parametrize("metric,path", [
    ({"type": "Object", "object": {"metric": {"name": "rps"}, "target": {"type": "Value", "value": "1"}}},
     "spec.metrics[0].object.describedObject"),
    ({"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "Value", "value": "1"}}},
     "spec.metrics[0].pods.target.type"),
    ({"type": "External", "external": {"metric": {"name": "q", "selector": {"matchLabels": {"a b": "c"}}},
                                       "target": {"type": "Value", "value": "1"}}},
     "spec.metrics[0].external.metric.selector.matchLabels"),
])
def test_custom_metric_validation(metric, path):
    with pytest.raises(SpecError) as e:
        kstate.parse_manifests(hpa(metric))
    assert e.value.path.startswith(path)


# ---------------------------------------------------------------- per-direction tolerance (HPAConfigurableTolerance)

def test_tolerances_for_hpa_and_is_within():
    from fractions import Fraction
    from kstate.controllers import hpa as H
    (h,) = kstate.parse_manifests(hpa(pods_metric(), behavior={"scaleUp": {"tolerance": "0.05"}}))
    tol = H.tolerances_for_hpa(h)
    assert tol == (Fraction(1, 10), Fraction(1, 20))
    assert not H._within_tolerance(Fraction(106, 100), tol)        # scales up past 5 %
    assert H._within_tolerance(Fraction(95, 100), tol)             # but not down within 10 %
    assert H._within_tolerance(Fraction(105, 100), tol)            # inclusive
    (plain,) = kstate.parse_manifests(hpa(pods_metric()))
    assert H.tolerances_for_hpa(plain) == H.DEFAULT_TOLERANCES


def test_scale_up_tolerance_applies_end_to_end(web):
    c = web
    # 10.6 per pod against 10: 6 % over — inside the default 10 %, outside a 5 % scale-up tolerance
    c.apply(hpa(pods_metric(average="10"), name="web"))
    c.set_pod_metric("qps", "10.6")
    c.advance("30s")
    assert replicas(c) == 2
    tolerant = hpa(pods_metric(average="10"), behavior={"scaleUp": {"tolerance": "0.05"}})
    c.apply(tolerant)
    c.advance("30s")
    # ceil(1.06 × 2) = 3 (and each added pod reports 10.6 too, so it keeps growing by one)
    assert rescales(c)[0] == "New size: 3; reason: pods metric qps above target"


def test_metrics_of_one_pod(web):
    c = web
    c.set_load("deployment", "web", cpu="60m")
    c.advance("15s")
    name = sorted(p.metadata.name for p in c.list("Pod"))[0]
    top = c.metrics("pods", name=name)
    assert [line.split() for line in top] == [["NAME", "CPU(cores)", "MEMORY(bytes)"], [name, "30m", "0Mi"]]
    with pytest.raises(NotFound):
        c.metrics("pods", name="nope")
