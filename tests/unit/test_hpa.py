"""The HorizontalPodAutoscaler: the acceptance case, the kind (v2/v1 codec and
defaults, printer columns), the controller's decisions, and Kubernetes'
normalization / replica-calculation tables ported as table tests.

Ported tables cite pkg/controller/podautoscaler/horizontal_test.go and
replica_calculator_test.go (kubernetes/kubernetes); times are ms on kstate's
clock, `NOW` standing for time.Now() in the Go tests."""
import pytest

import kstate
from kstate.controllers import hpa as H
from kstate.errors import SpecError
from kstate.io import autoscaling as io_hpa
from kstate.resources.hpa import HPAScalingPolicy, HPAScalingRules
from kstate.resources.meta import Condition

NOW = 10_000_000
S = 1000
MIN = 60 * S


def deployment(name="web", replicas=2, cpu="100m"):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx",
                                                           "resources": {"requests": {"cpu": cpu}}}]}}}}


def hpa(name="web", target=50, min_replicas=1, max_replicas=10, behavior=None, version="v2"):
    if version == "v1":
        return {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                         "minReplicas": min_replicas, "maxReplicas": max_replicas,
                         "targetCPUUtilizationPercentage": target}}
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": min_replicas, "maxReplicas": max_replicas,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": target}}}]}
    if behavior is not None:
        spec["behavior"] = behavior
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
            "spec": spec}


def replicas_over(c, seconds, step=15):
    out = []
    for _ in range(seconds // step):
        c.advance(f"{step}s")
        out.append(c.get("Deployment", "web").spec.replicas)
    return out


@pytest.fixture
def web():
    c = kstate.Cluster(nodes=3)
    c.apply(deployment())
    c.advance("6m")             # pods past the cpu initialization period
    return c


# ---------------------------------------------------------------- acceptance


def test_acceptance_scale_up_legacy_limit_then_stabilized_scale_down(web):
    c = web
    c.apply(hpa())
    c.set_load("deployment", "web", cpu="400m")
    ups = replicas_over(c, 10 * 60)
    # 2 → 4 (max(2×2, 4)) → 8, then 8 for good: 400m over 8 pods of 100m is 50 %.
    # the first evaluation is 15 s after the HPA is seen (AddRateLimited), then every 15 s
    assert ups[:2] == [4, 8]
    assert set(ups[1:]) == {8}
    msgs = [e.message for e in c.events(kind="HorizontalPodAutoscaler") if e.reason == "SuccessfulRescale"]
    assert msgs[0] == "New size: 4; reason: cpu resource utilization (percentage of request) above target"
    h = c.get("hpa", "web")
    assert (h.status.current_replicas, h.status.desired_replicas, h.status.state) == (8, 8, "Stable")
    assert h.status.current_metrics[0].average_utilization == 50
    assert h.status.current_metrics[0].average_value == "50m"
    c.set_load("deployment", "web", cpu="100m")
    downs = replicas_over(c, 7 * 60)
    # 12 % → 2 replicas, held at 8 while the window still has an 8.
    first_two = downs.index(2)
    assert set(downs[:first_two]) == {8}
    assert 5 * 60 <= (first_two + 1) * 15 <= 5 * 60 + 15
    assert set(downs[first_two:]) == {2}
    assert [e.message for e in c.events(kind="HorizontalPodAutoscaler")
            if e.reason == "SuccessfulRescale"][-1] == "New size: 2; reason: All metrics below target"
    reasons = {x.type: x.reason for x in c.get("hpa", "web").status.conditions}
    assert reasons == {"AbleToScale": "ReadyForNewScale", "ScalingActive": "ValidMetricFound",
                       "ScalingLimited": "DesiredWithinRange"}


def test_stabilized_hold_shows_in_conditions(web):
    c = web
    c.apply(hpa())
    c.set_load("deployment", "web", cpu="400m")
    replicas_over(c, 5 * 60)
    c.set_load("deployment", "web", cpu="100m")
    c.advance("30s")
    cond = {x.type: x for x in c.get("hpa", "web").status.conditions}
    assert cond["AbleToScale"].reason == "ScaleDownStabilized"
    assert c.get("hpa", "web").status.desired_replicas == 8


def test_printer_columns_and_top(web):
    c = web
    c.apply(hpa())
    c.set_load("deployment", "web", cpu="60m")
    c.advance("15s")
    spec = kstate.registry.REGISTRY.kind("HorizontalPodAutoscaler")
    row = spec.row(c.get("hpa", "web"), c.engine.now)
    assert spec.columns == ("NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE")
    assert row[:6] == ["web", "Deployment/web", "cpu: 30%/50%", "1", "10", "2"]
    top = c.metrics("pods")
    assert top[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert [line.split()[1:] for line in top[1:]] == [["30m", "0Mi"], ["30m", "0Mi"]]


def test_scaling_disabled_at_zero_replicas(web):
    c = web
    c.apply(hpa())
    c.scale("deployment", "web", 0)
    c.set_load("deployment", "web", cpu="400m")
    c.advance("1m")
    h = c.get("hpa", "web")
    assert c.get("deployment", "web").spec.replicas == 0
    assert h.status.state == "Disabled"
    active = [x for x in h.status.conditions if x.type == "ScalingActive"][0]
    assert (active.status, active.reason) == ("False", "ScalingDisabled")


def test_clamped_to_min_and_max_without_metrics():
    c = kstate.Cluster(nodes=3)
    c.apply(deployment(replicas=12))
    c.apply(hpa(min_replicas=2, max_replicas=5))
    c.advance("15s")
    assert c.get("deployment", "web").spec.replicas == 5
    ev = [e for e in c.events(kind="HorizontalPodAutoscaler") if e.reason == "SuccessfulRescale"]
    assert ev[0].message == "New size: 5; reason: Current number of replicas above Spec.MaxReplicas"


def test_missing_target_is_failed_get_scale():
    c = kstate.Cluster(nodes=1)
    c.apply(hpa(name="nope"))
    c.advance("15s")
    h = c.get("hpa", "nope")
    able = [x for x in h.status.conditions if x.type == "AbleToScale"][0]
    assert (able.status, able.reason) == ("False", "FailedGetScale")
    assert able.message == ('the HPA controller was unable to get the target\'s current scale: '
                            'deployments.apps "nope" not found')


def test_no_metrics_yet_is_failed_get_resource_metric():
    c = kstate.Cluster(nodes=3)
    c.apply(deployment())
    c.apply(hpa())
    c.engine.run_to(c.engine.now + 15 * S)   # before the pods run: no sample
    h = c.get("hpa", "web")
    active = [x for x in h.status.conditions if x.type == "ScalingActive"][0]
    assert (active.status, active.reason) == ("False", "FailedGetResourceMetric")
    assert any(e.reason == "FailedComputeMetricsReplicas" for e in c.events(kind="HorizontalPodAutoscaler"))


def test_behavior_defaults_scale_up_by_max_of_4_pods_and_100_percent():
    c = kstate.Cluster(nodes=3)
    c.apply(deployment(replicas=1))
    c.advance("6m")
    c.apply(hpa(max_replicas=50, behavior={"scaleUp": {}}))
    c.set_load("deployment", "web", cpu="5")          # 5 cores over 50m targets: 100 pods
    sizes = replicas_over(c, 60)
    # 1 → max(1 + 4, 2 × 1) = 5 → max(5 + 4, 2 × 5) = 10 (the 15 s-old event is outside its period)
    assert sizes[:2] == [5, 10]


# ---------------------------------------------------------------- the kind


def test_v2_defaults_without_behavior():
    (obj,) = kstate.parse_manifests({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                                     "metadata": {"name": "h"},
                                     "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
                                              "maxReplicas": 3}})
    assert obj.spec.min_replicas == 1
    assert obj.spec.behavior is None
    (m,) = obj.spec.metrics
    assert (m.type, m.name, m.target.type, m.target.average_utilization) == ("Resource", "cpu", "Utilization", 80)


def test_v2_behavior_defaults_fill_only_a_given_behavior():
    (obj,) = kstate.parse_manifests(hpa(behavior={"scaleDown": {"stabilizationWindowSeconds": 60}}))
    b = obj.spec.behavior
    assert b.scale_up == HPAScalingRules(0, "Max", (HPAScalingPolicy("Pods", 4, 15), HPAScalingPolicy("Percent", 100, 15)))
    assert b.scale_down == HPAScalingRules(60, "Max", (HPAScalingPolicy("Percent", 100, 15),))


def test_v1_round_trips_through_target_cpu_utilization():
    doc = hpa(version="v1", target=65)
    (obj,) = kstate.parse_manifests(doc)
    assert io_hpa.cpu_target(obj) == 65
    out = io_hpa.hpa_to_v1_manifest(obj)
    assert out["spec"] == doc["spec"]
    v2 = io_hpa.hpa_to_manifest(obj)
    assert v2["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 65}}}]
    (again,) = kstate.parse_manifests({**v2, "status": None})
    assert again.spec == obj.spec


@pytest.mark.parametrize("spec,path", [
    ({"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 0, "maxReplicas": 3},
     "spec.minReplicas"),
    ({"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 4, "maxReplicas": 3},
     "spec.maxReplicas"),
    ({"scaleTargetRef": {"kind": "Deployment", "name": "web"}}, "spec.maxReplicas"),
    ({"scaleTargetRef": {"kind": "Deployment"}, "maxReplicas": 3}, "spec.scaleTargetRef.name"),
    ({"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
      "behavior": {"scaleUp": {"selectPolicy": "Fastest"}}}, "spec.behavior.scaleUp.selectPolicy"),
    ({"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
      "behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 1801}]}}},
     "spec.behavior.scaleUp.policies[0].periodSeconds"),
    ({"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
      "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization"}}}]},
     "spec.metrics[0].resource.target.averageUtilization"),
])
def test_validation(spec, path):
    with pytest.raises(SpecError) as e:
        kstate.parse_manifests({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                                "metadata": {"name": "h"}, "spec": spec})
    assert e.value.path == path


# ---------------------------------------------------------------- ported tables


@pytest.mark.parametrize("current,desired,min_r,max_r,expected,cond", [
    # horizontal_test.go TestConvertDesiredReplicasWithRules (the minReplicas 0 row needs HPAScaleToZero, off).
    (5, 7, 3, 8, 7, "DesiredWithinRange"),
    (3, 1, 2, 8, 2, "TooFewReplicas"),
    (20, 1000, 1, 10, 10, "TooManyReplicas"),
    (3, 1000, 1, 2000, H.calculate_scale_up_limit(3), "ScaleUpLimit"),
])
def test_convert_desired_replicas_with_rules(current, desired, min_r, max_r, expected, cond):
    got, reason, _ = H.convert_desired_replicas_with_rules(current, desired, min_r, max_r)
    assert (got, reason) == (expected, cond)


@pytest.mark.parametrize("recs,desired,expected,log_len", [
    # horizontal_test.go TestNormalizeDesiredReplicas (stabilizeRecommendation, 5-minute window).
    ((), 5, 5, 1),
    (((4, NOW - 2 * MIN), (5, NOW - 1 * MIN)), 3, 5, 3),
    (((1, NOW - 2 * MIN), (2, NOW - 1 * MIN)), 3, 3, 3),
    (((10, NOW - 10 * MIN), (9, NOW - 9 * MIN)), 3, 3, 2),
    (((10, NOW - 10 * MIN), (4, NOW - 1 * MIN), (5, NOW - 2 * MIN), (9, NOW - 9 * MIN)), 3, 5, 4),
])
def test_normalize_desired_replicas(recs, desired, expected, log_len):
    got, new = H.stabilize_recommendation(recs, desired, NOW)
    assert got == expected
    assert len(new) == log_len


def _rules(*policies, select="Max", window=None):
    return HPAScalingRules(stabilization_window_seconds=window, select_policy=select,
                           policies=tuple(HPAScalingPolicy(*p) for p in policies))


@pytest.mark.parametrize("current,up,down,rules,expected", [
    # horizontal_test.go TestCalculateScaleUpLimitWithScalingRules (rows as carried by karmada's port of
    # these functions, which takes both event lists like the reference's 1.35 code); then kstate's rows.
    (5, (), (), _rules(("Pods", 4, 60)), 9),
    (5, ((2, NOW - 30 * S, False),), (), _rules(("Pods", 4, 60)), 7),
    (5, (), (), _rules(("Pods", 4, 60), select="Disabled"), 5),
    (5, (), (), _rules(("Pods", 4, 60), ("Pods", 2, 60), select="Min"), 7),
    (10, (), (), _rules(("Percent", 50, 60)), 15),
    # the defaults: max(current + 4, 2 × current) (reference §4.4 examples)
    (10, (), (), _rules(("Pods", 4, 15), ("Percent", 100, 15)), 20),
    (1, (), (), _rules(("Pods", 4, 15), ("Percent", 100, 15)), 5),
    # an event older than the period does not count; one inside it does
    (6, ((4, NOW - 15 * S, False),), (), _rules(("Pods", 4, 15)), 10),
    (6, ((4, NOW - 14 * S, False),), (), _rules(("Pods", 4, 15)), 6),
])
def test_calculate_scale_up_limit_with_scaling_rules(current, up, down, rules, expected):
    assert H.calculate_scale_up_limit_with_scaling_rules(current, up, down, rules, NOW) == expected


@pytest.mark.parametrize("current,up,down,rules,expected", [
    # horizontal_test.go TestCalculateScaleDownLimitWithBehaviors (as above); then kstate's rows.
    (10, (), (), _rules(("Percent", 20, 60)), 8),
    (10, (), ((1, NOW - 30 * S, False),), _rules(("Percent", 20, 60)), 8),
    (100, (), (), _rules(("Percent", 10, 60), ("Pods", 5, 60)), 90),
    (10, (), (), _rules(("Percent", 20, 60), select="Disabled"), 10),
    (100, (), (), _rules(("Percent", 10, 60), ("Pods", 15, 60), select="Min"), 90),
    # percent scale-down truncates: 7 × 0.5 = 3.5 → 3
    (7, (), (), _rules(("Percent", 50, 60)), 3),
])
def test_calculate_scale_down_limit_with_behaviors(current, up, down, rules, expected):
    assert H.calculate_scale_down_limit_with_behaviors(current, up, down, rules, NOW) == expected


@pytest.mark.parametrize("recs,current,desired,up_w,down_w,expected,reason", [
    # kstate's own cases for stabilizeRecommendationWithBehaviors (not a port).
    (((5, NOW - 1 * MIN),), 4, 6, 0, 300, 6, "ScaleUpStabilized"),
    (((5, NOW - 1 * MIN),), 4, 6, 120, 300, 5, "ScaleUpStabilized"),
    # going down to 3 with a 5 in the window: the current 4 is kept (1.35 never stabilizes upwards here)
    (((5, NOW - 1 * MIN), (2, NOW - 2 * MIN)), 4, 3, 0, 300, 4, "ScaleDownStabilized"),
    (((5, NOW - 6 * MIN),), 4, 3, 0, 300, 3, "ScaleDownStabilized"),
    (((8, NOW - 30 * S),), 8, 2, 0, 60, 8, "ScaleDownStabilized"),
    (((8, NOW - 61 * S),), 8, 2, 0, 60, 2, "ScaleDownStabilized"),
])
def test_stabilize_recommendation_with_behaviors(recs, current, desired, up_w, down_w, expected, reason):
    got, why, _, new = H.stabilize_recommendation_with_behaviors(recs, desired, current, up_w, down_w, NOW)
    assert (got, why) == (expected, reason)
    assert (desired, NOW) in new


def test_stabilize_with_behaviors_replaces_one_obsolete_entry():
    recs = ((1, NOW - 10 * MIN), (2, NOW - 9 * MIN), (3, NOW - 1 * MIN))
    _, _, _, new = H.stabilize_recommendation_with_behaviors(recs, 4, 3, 0, 300, NOW)
    assert new == ((1, NOW - 10 * MIN), (4, NOW), (3, NOW - 1 * MIN))


# -- replica_calculator.go GetResourceReplicas

def _pod(name, cpu="1", phase="Running", ready=True, start=NOW - 10 * MIN, ready_since=None,
         deleting=False):
    """A pod started 10 minutes ago; Ready since 9 minutes, or — not ready —
    never ready since its start."""
    if ready_since is None:
        ready_since = NOW - 9 * MIN if ready else start
    from kstate.resources.meta import ObjectMeta
    from kstate.resources.pod import Container, Pod, PodSpec, PodStatus, ResourceRequirements
    from kstate.resources.frozen import FrozenDict
    conds = (Condition("Ready", "True" if ready else "False", last_transition_time=ready_since),) if ready is not None else ()
    return Pod(metadata=ObjectMeta(name=name, namespace="default", deletion_timestamp=NOW if deleting else None),
               spec=PodSpec(containers=(Container("c", resources=ResourceRequirements(
                   requests=FrozenDict({"cpu": cpu}))),)),
               status=PodStatus(phase=phase, conditions=conds, start_time=start))


def _metrics(*values, ts=NOW - 10 * S):
    return {f"p{i}": (v, ts, 15 * S) for i, v in enumerate(values)}


@pytest.mark.parametrize("pods,metrics,current,target,expected,util", [
    # replica_calculator_test.go TestReplicaCalcScaleUp: 3 pods of 1 cpu at 300m/500m/700m, target 30 % → 5
    ([_pod("p0"), _pod("p1"), _pod("p2")], _metrics(300, 500, 700), 3, 30, 5, 50),
    # TestReplicaCalcScaleDown: 5 pods at 100/300/500/250/250m, target 50 % → 3
    ([_pod(f"p{i}") for i in range(5)], _metrics(100, 300, 500, 250, 250), 5, 50, 3, 28),
    # TestReplicaCalcTolerance: requests 0.9/1.0/1.1, 1.02 within 0.1 → current
    ([_pod("p0", cpu="0.9"), _pod("p1"), _pod("p2", cpu="1.1")], _metrics(1010, 1030, 1020), 3, 100, 3, 102),
    # TestReplicaCalcScaleUpUnreadyLessScale: an unready pod counts as 0 on scale-up → 4 (not 5)
    ([_pod("p0", ready=False), _pod("p1"), _pod("p2")], _metrics(300, 500, 700), 3, 30, 4, 60),
    # TestReplicaCalcScaleUpUnreadyNoScale: the unready pods make it 1.0 → current
    ([_pod("p0"), _pod("p1", ready=False), _pod("p2", ready=False)], _metrics(400, 500, 700), 3, 30, 3, 40),
    # TestReplicaCalcScaleDownIgnoresDeletionPods: deleted pods are ignored completely
    ([_pod(f"p{i}") for i in range(5)] + [_pod("p5", deleting=True), _pod("p6", deleting=True)],
     _metrics(100, 300, 500, 250, 250, 10000, 10000), 5, 50, 3, 28),
    # TestReplicaCalcMissingMetricsNoChangeLt: the missing pod at 100 % makes it 0.8 → ceil(1.6) = 2
    ([_pod("p0"), _pod("p1")], _metrics(600), 2, 100, 2, 60),
    # TestReplicaCalcMissingMetricsNoChangeGt: the missing pod at 0 makes it 0.95, within tolerance
    ([_pod("p0"), _pod("p1")], _metrics(1900), 2, 100, 2, 190),
    # kstate: a missing pod at 100 % flips a scale-down into a scale-up → current
    ([_pod("p0"), _pod("p1")], _metrics(400), 2, 50, 2, 40),
    # kstate: a missing pod on scale-up counts as 0: 2800/3000 → 0.93, within tolerance
    ([_pod("p0"), _pod("p1"), _pod("p2")], _metrics(1400, 1400), 3, 100, 3, 140),
])
def test_get_resource_replicas(pods, metrics, current, target, expected, util):
    replicas, got_util, _ = H.get_resource_replicas(current, target, "cpu", pods, metrics, NOW)
    assert (replicas, got_util) == (expected, util)


def test_cpu_initialization_period_ignores_fresh_samples():
    # started 1 min ago, Ready since 20 s, sample taken 10 s ago: before readyTransition + window → unready.
    fresh = _pod("p1", start=NOW - MIN, ready_since=NOW - 20 * S)
    ready, unready, missing, ignored = H.group_pods([_pod("p0"), fresh], _metrics(500, 500), "cpu", NOW)
    assert (ready, unready, missing, ignored) == (1, {"p1"}, set(), set())
    # the same pod's sample taken after the window counts.
    later = {"p0": (500, NOW, 15 * S), "p1": (500, NOW, 15 * S)}
    assert H.group_pods([_pod("p0"), fresh], later, "cpu", NOW)[0] == 2
    # memory does not use the cpu readiness rules.
    assert H.group_pods([_pod("p0"), fresh], _metrics(500, 500), "memory", NOW)[0] == 2


def test_utilization_is_an_integer_percent():
    # 1001m of 3000m is 33.36 % → 33; ratio 33/33 = 1.
    ratio, util, raw = H.utilization_ratio({"a": 1001}, {"a": 3000}, 33)
    assert (util, ratio, raw) == (33, 1, 1001)


# ---------------------------------------------------------------- metrics-server


def test_usage_precedence_pod_call_over_annotation_over_load(web):
    c = web
    pods = sorted(p.metadata.name for p in c.list("Pod"))
    c.set_load("deployment", "web", cpu="300m", memory="256Mi")
    c.set_pod_usage(pods[0], cpu="70m")
    c.advance("15s")
    rows = {line.split()[0]: line.split()[1:] for line in c.metrics("pods")[1:]}
    # the pod call sets cpu only; its memory is still its share of the load
    assert rows[pods[0]] == ["70m", "128Mi"]
    assert rows[pods[1]] == ["150m", "128Mi"]


def test_annotation_sets_a_pods_usage_without_any_load():
    c = kstate.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "p", "annotations": {"kstate.io/cpu-usage": "250m",
                                                       "kstate.io/memory-usage": "64Mi"}},
             "spec": {"containers": [{"name": "a", "image": "nginx"}]}})
    assert c.metrics("pods") == ["error: metrics not available yet"]
    c.advance("30s")
    assert c.metrics("pods")[1].split() == ["p", "250m", "64Mi"]


def test_load_is_split_over_containers_by_requests_and_pods_evenly():
    from kstate.controllers import metrics as ms
    (pod,) = kstate.parse_manifests({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
        "containers": [{"name": "a", "image": "x", "resources": {"requests": {"cpu": "100m"}}},
                       {"name": "b", "image": "x", "resources": {"requests": {"cpu": "300m"}}}]}})
    assert ms.container_split(pod, "cpu", 401) == [101, 300]
    assert ms._split(100, [1, 1, 1]) == [34, 33, 33]


def test_first_sample_at_the_first_scrape_after_containers_start():
    c = kstate.Cluster(nodes=1)
    c.apply(deployment(replicas=1))
    c.apply(hpa())
    c.set_load("deployment", "web", cpu="50m")
    c.advance("1m")
    samples = c.engine.memory("metrics-server", "samples", {})
    assert samples
    for (ns, name), s in samples.items():
        pod = c.get("Pod", name)
        started = min(st.state.started_at for st in pod.status.container_statuses)
        assert s.timestamp >= started and s.timestamp % 15_000 == 0


def test_set_load_needs_a_scale_subresource_and_a_quantity(web):
    with pytest.raises(kstate.InvalidOperation):
        web.set_load("pod", web.list("Pod")[0].metadata.name, cpu="1")
    with pytest.raises(SpecError):
        web.set_load("deployment", "web", cpu="lots")
    with pytest.raises(SpecError):
        web.set_load("deployment", "web")


def test_scenario_set_load_operation():
    from kstate.io.scenario import parse_scenario
    doc = {"timeline": [{"at": "1s", "set-load": {"kind": "Deployment", "name": "web", "cpu": "400m"}}],
           "run": {"until": "1m"}}
    sc = parse_scenario(doc)
    (op,) = sc.timeline
    assert (op.verb, op.args, op.text) == ("set-load", ("Deployment", "web", "default", "400m", None),
                                           "set-load Deployment default/web cpu=400m")
    bad = {"timeline": [{"at": "1s", "set-load": {"kind": "Deployment", "name": "web", "cpu": "x"}}],
           "run": {"until": "1m"}}
    with pytest.raises(SpecError) as e:
        parse_scenario(bad)
    assert e.value.path == "timeline[0].set-load.cpu"


def test_snapshot_restore_continues_identically(web):
    c = web
    c.apply(hpa())
    c.set_load("deployment", "web", cpu="400m")
    c.advance("20s")
    snap = c.snapshot()
    twin = kstate.Cluster.restore(snap)
    c.advance("2m")
    twin.advance("2m")
    assert twin.trace() == c.trace()
    assert twin.get("hpa", "web") == c.get("hpa", "web")
