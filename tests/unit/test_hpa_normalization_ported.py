"""horizontal_test.go (kubernetes/kubernetes, pkg/controller/podautoscaler)
normalization tables ported: TestNormalizeDesiredReplicasWithBehavior
(stabilizeRecommendationWithBehaviors), TestScalingWithRules
(convertDesiredReplicasWithBehaviorRate, the API defaults filling unset
rules as GenerateHPAScaleUpRules / GenerateHPAScaleDownRules do) and
TestStoreScaleEvents (storeScaleEvent, getReplicasChangePerPeriod). Times
are ms on kstate's clock; `NOW` stands for time.Now()."""
import pytest

from kstate.controllers import hpa as H
from kstate.resources.hpa import HPABehavior, HPAScalingPolicy, HPAScalingRules

NOW = 100_000_000
S = 1000
MIN = 60 * S


# ------------------------------------------------------------------ TestNormalizeDesiredReplicasWithBehavior

@pytest.mark.parametrize("name,recs,current,desired,expected,expected_recs,up_w,down_w", [
    ("empty recommendations for scaling down", [], 100, 5, 5, [5], 0, 0),
    ("simple scale down stabilization", [(4, -2 * MIN), (5, -1 * MIN)], 100, 3, 5, [4, 5, 3], 0, 180),
    ("simple scale up stabilization", [(4, -2 * MIN), (5, -1 * MIN)], 1, 7, 4, [4, 5, 7], 300, 0),
    ("no scale down stabilization", [(1, -2 * MIN), (2, -1 * MIN)], 100, 3, 3, [1, 2, 3], 300, 0),
    ("no scale up stabilization", [(4, -2 * MIN), (5, -1 * MIN)], 1, 3, 3, [4, 5, 3], 0, 300),
    ("no scale down stabilization, reuse recommendation element", [(10, -10 * MIN), (9, -9 * MIN)],
     100, 3, 3, [10, 3], 0, 0),
    ("no scale up stabilization, reuse recommendation element", [(10, -10 * MIN), (9, -9 * MIN)],
     1, 100, 100, [10, 100], 0, 0),
    ("scale down stabilization, reuse one of obsolete recommendation element",
     [(10, -10 * MIN), (4, -1 * MIN), (5, -2 * MIN), (9, -9 * MIN)], 100, 3, 5, [10, 4, 5, 3], 0, 180),
    ("scale up stabilization, reuse one of obsolete recommendation element",
     [(10, -100 * MIN), (6, -1 * MIN), (5, -2 * MIN), (9, -3 * MIN)], 1, 100, 5, [100, 6, 5, 9], 300, 0),
    ("scale up and down stabilization, do not scale up when prenormalized rec goes down",
     [(2, -100 * MIN), (3, -3 * MIN)], 2, 1, 2, None, 300, 300),
    ("scale up and down stabilization, do not scale down when prenormalized rec goes up",
     [(2, -100 * MIN), (1, -3 * MIN)], 2, 3, 2, None, 300, 300),
])
def test_normalize_desired_replicas_with_behavior(name, recs, current, desired, expected, expected_recs, up_w,
                                                  down_w):
    recs = tuple((r, NOW + dt) for r, dt in recs)
    got, _, _, stored = H.stabilize_recommendation_with_behaviors(recs, desired, current, up_w, down_w, NOW)
    assert got == expected
    if expected_recs is not None:
        assert [r for r, _ in stored] == expected_recs


# ------------------------------------------------------------------ TestScalingWithRules

DEFAULT_UP = HPAScalingRules(stabilization_window_seconds=0, select_policy="Max",
                             policies=(HPAScalingPolicy("Pods", 4, 15), HPAScalingPolicy("Percent", 100, 15)))
DEFAULT_DOWN = HPAScalingRules(stabilization_window_seconds=300, select_policy="Max",
                               policies=(HPAScalingPolicy("Percent", 100, 15),))


def rules(pods, pods_period, percent, percent_period, window):
    """generateScalingRules."""
    policies = []
    if pods:
        policies.append(HPAScalingPolicy("Pods", pods, pods_period))
    if percent:
        policies.append(HPAScalingPolicy("Percent", percent, percent_period))
    return HPAScalingRules(stabilization_window_seconds=window, select_policy="Max", policies=tuple(policies))


def uniform(raw, period_seconds):
    """generateEventsUniformDistribution: the events spread over the last
    `period_seconds`, each in the centre of its segment."""
    seg = period_seconds / len(raw)
    return tuple((c, NOW - int((period_seconds - seg * (i + 1) + seg / 2) * 1000), False) for i, c in enumerate(raw))


E3 = uniform([1, 5, 9], 120)
E4 = uniform([8, 12, 9, 11], 120)

SCALING_WITH_RULES = [
    # (name, up events, down events, min, max, up rules, down rules, current, desired, expected, condition)
    ("prenormalized desired replicas within range", (), (), 3, 8, None, None, 5, 7, 7, "DesiredWithinRange"),
    ("prenormalized desired replicas < minReplicas", (), (), 2, 8, None, None, 3, 1, 2, "TooFewReplicas"),
    ("prenormalized desired replicas within range when minReplicas is 0", (), (), 0, 10, None, None, 1, 0, 0,
     "DesiredWithinRange"),
    ("maxReplicas is the limit because maxReplicas < scaleUpLimit", (), (), 1, 10, None, None, 20, 1000, 10,
     "TooManyReplicas"),
    ("desired replica count is more than the maximum replica count", (), (), 100, 150, None, None, 100, 1000, 150,
     "TooManyReplicas"),
    ("scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", (), (), 1, 2000,
     rules(0, 0, 1, 60, 0), None, 3, 1000, 4, "ScaleUpLimit"),
    # (the Go table skips this row with testThis; kstate checks it)
    ("scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies", (), (), 3, 2000,
     None, rules(20, 60, 0, 0, 0), 1000, 3, 980, "ScaleDownLimit"),
    ("scaleUp with default behavior", (), (), 1, 1000, None, None, 10, 50, 20, "ScaleUpLimit"),
    ("scaleUp with pods policy larger than percent policy", (), (), 1, 1000, rules(100, 60, 100, 60, 0), None,
     10, 500, 110, "ScaleUpLimit"),
    ("scaleUp with percent policy larger than pods policy", (), (), 1, 1000, rules(2, 60, 100, 60, 0), None,
     10, 500, 20, "ScaleUpLimit"),
    ("scaleUp with spec MaxReplicas limitation with large pod policy", (), (), 1, 1000, rules(100, 60, 0, 0, 0),
     None, 10, 50, 50, "DesiredWithinRange"),
    ("scaleUp with spec MaxReplicas limitation with large percent policy", (), (), 1, 1000,
     rules(10000, 60, 0, 0, 0), None, 10, 50, 50, "DesiredWithinRange"),
    ("scaleUp with pod policy limitation", (), (), 1, 1000, rules(30, 60, 0, 0, 0), None, 10, 50, 40,
     "ScaleUpLimit"),
    ("scaleUp with percent policy limitation", (), (), 1, 1000, rules(0, 0, 200, 60, 0), None, 10, 50, 30,
     "ScaleUpLimit"),
    ("scaleDown with percent policy larger than pod policy", (), (), 1, 1000, None, rules(20, 60, 1, 60, 300),
     100, 2, 80, "ScaleDownLimit"),
    ("scaleDown with pod policy larger than percent policy", (), (), 1, 1000, None, rules(2, 60, 1, 60, 300),
     100, 2, 98, "ScaleDownLimit"),
    ("scaleDown with spec MinReplicas=nil limitation with large pod policy", (), (), 1, 1000, None,
     rules(100, 60, 0, 0, 300), 10, 0, 1, "TooFewReplicas"),
    ("scaleDown with spec MinReplicas limitation with large percent policy", (), (), 5, 1000, None,
     rules(0, 0, 100, 60, 300), 10, 2, 5, "TooFewReplicas"),
    ("scaleDown with pod policy limitation", (), (), 1, 1000, None, rules(5, 60, 0, 0, 300), 10, 2, 5,
     "ScaleDownLimit"),
    ("scaleDown with percent policy limitation", (), (), 1, 1000, None, rules(0, 0, 50, 60, 300), 10, 5, 5,
     "DesiredWithinRange"),
    ("scaleUp with spec MaxReplicas limitation with large pod policy and events", E3, (), 1, 200,
     rules(300, 60, 0, 0, 0), None, 100, 500, 200, "TooManyReplicas"),
    ("scaleUp with spec MaxReplicas limitation with large percent policy and events", E3, (), 1, 200,
     rules(0, 0, 10000, 60, 0), None, 100, 500, 200, "TooManyReplicas"),
    ("scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
     E3, (), 1, 1000, rules(5, 120, 0, 0, 0), None, 100, 500, 100, "ScaleUpLimit"),
    ("scaleUp with pod policy and previous scale up events", E3, (), 1, 1000, rules(150, 120, 0, 0, 0), None,
     100, 500, 235, "ScaleUpLimit"),
    ("scaleUp with percent policy and previous scale up events", E3, (), 1, 1000, rules(0, 0, 200, 120, 0), None,
     100, 500, 255, "ScaleUpLimit"),
    ("scaleUp with percent policy and previous scale up and down events", uniform([4], 120), uniform([2], 120),
     1, 1000, rules(0, 0, 300, 300, 0), None, 6, 24, 16, "ScaleUpLimit"),
    ("scaleDown with default policy and previous events", (), E3, 1, 1000, None, None, 10, 5, 5,
     "DesiredWithinRange"),
    ("scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", (), E3, 1, 1000,
     None, rules(115, 120, 0, 0, 300), 100, 0, 1, "TooFewReplicas"),
    ("scaleDown with spec MinReplicas limitation with large pod policy and previous events", (), E3, 5, 1000,
     None, rules(130, 120, 0, 0, 300), 100, 0, 5, "TooFewReplicas"),
    ("scaleDown with spec MinReplicas limitation with large percent policy and previous events", (), E3, 5, 1000,
     None, rules(0, 0, 100, 120, 300), 100, 2, 5, "TooFewReplicas"),
    ("scaleDown with pod policy limitation and previous events", (), E3, 1, 1000, None, rules(5, 120, 0, 0, 300),
     100, 2, 100, "ScaleDownLimit"),
    ("scaleDown with percent policy limitation and previous events", (), uniform([2, 4, 6], 120), 1, 1000, None,
     rules(0, 0, 50, 120, 300), 100, 0, 56, "ScaleDownLimit"),
    ("scaleDown with percent policy and previous scale up and down events", uniform([2], 120), uniform([4], 120),
     1, 1000, None, rules(0, 0, 50, 180, 0), 10, 1, 6, "ScaleDownLimit"),
    ("scaleDown with previous events preventing further scale down", (), uniform([10, 10, 10], 120), 1, 1000,
     None, rules(0, 0, 10, 120, 300), 100, 0, 100, "ScaleDownLimit"),
    ("scaleDown with with previous events still allowing more scale down", (), uniform([10, 10, 10], 120), 1, 1000,
     None, rules(0, 0, 1000, 120, 300), 10, 5, 5, "DesiredWithinRange"),
    ("check 'outdated' flag for events for one behavior for up", E4, (), 1, 1000, rules(1000, 60, 0, 0, 0), None,
     100, 200, 200, "DesiredWithinRange"),
    ("check that events were not marked 'outdated' for two different policies in the behavior for up", E4, (),
     1, 1000, rules(1000, 120, 100, 60, 0), None, 100, 200, 200, "DesiredWithinRange"),
    ("check that events were marked 'outdated' for two different policies in the behavior for up", E4, (),
     1, 1000, rules(1000, 30, 100, 60, 0), None, 100, 200, 200, "DesiredWithinRange"),
    ("check 'outdated' flag for events for one behavior for down", (), E4, 1, 1000, None,
     rules(1000, 60, 0, 0, 300), 100, 5, 5, "DesiredWithinRange"),
    ("check that events were not marked 'outdated' for two different policies in the behavior for down", (), E4,
     1, 1000, None, rules(1000, 120, 100, 60, 300), 100, 5, 5, "DesiredWithinRange"),
    ("check that events were marked 'outdated' for two different policies in the behavior for down", (), E4,
     1, 1000, None, rules(1000, 30, 100, 60, 300), 100, 5, 5, "DesiredWithinRange"),
]


@pytest.mark.parametrize("name,up_events,down_events,min_r,max_r,up,down,current,desired,expected,cond",
                         SCALING_WITH_RULES, ids=[r[0] for r in SCALING_WITH_RULES])
def test_scaling_with_rules(name, up_events, down_events, min_r, max_r, up, down, current, desired, expected,
                            cond):
    got, reason, _ = H.convert_desired_replicas_with_behavior_rate(
        desired, current, min_r, max_r, up or DEFAULT_UP, down or DEFAULT_DOWN, up_events, down_events, NOW)
    assert (got, reason) == (expected, cond)


# ------------------------------------------------------------------ TestStoreScaleEvents

@pytest.mark.parametrize("name,prev,new,scaling_rules,expected_change", [
    ("empty entries with default behavior", [], [], None, 0),
    ("empty entries with two-policy-behavior", [], [(5, False)], rules(10, 60, 100, 60, 0), 0),
    ("one outdated entry to be kept untouched without behavior", [(7, -61)], [(7, False)], None, 0),
    ("one outdated entry to be replaced with behavior", [(7, -61)], [(5, False)], rules(10, 60, 100, 60, 0), 0),
    ("one actual entry to be not touched with behavior", [(7, -58)], [(7, False), (5, False)],
     rules(10, 60, 100, 60, 0), 7),
    ("two entries, one of them to be replaced", [(7, -61), (6, -59)], [(5, False), (6, False)],
     rules(10, 60, 0, 0, 0), 6),
    ("replace one entry, use policies with different periods", [(8, -29), (6, -59), (7, -61), (9, -61)],
     [(8, False), (6, False), (7, True), (5, False)], rules(10, 60, 100, 30, 0), 14),
    ("two entries, both actual", [(7, -58), (6, -59)], [(7, False), (6, False), (5, False)],
     rules(10, 120, 100, 30, 0), 13),
])
def test_store_scale_events(name, prev, new, scaling_rules, expected_change):
    events = tuple((c, NOW + dt * S, False) for c, dt in prev)
    assert H.replicas_change_per_period(60, events, NOW) == expected_change
    for direction in ("up", "down"):
        behavior = None
        if scaling_rules is not None:
            behavior = HPABehavior(scale_up=scaling_rules if direction == "up" else DEFAULT_UP,
                                   scale_down=scaling_rules if direction == "down" else DEFAULT_DOWN)
        mem = H.HPAMemory(up_events=events if direction == "up" else (),
                          down_events=events if direction == "down" else ())
        after = H.store_scale_event(mem, behavior, 10, 15 if direction == "up" else 5, NOW)
        got = after.up_events if direction == "up" else after.down_events
        if behavior is None:
            # no behavior: nothing is stored and nothing touched
            assert got == events
        else:
            assert [(c, o) for c, _, o in got] == new


# ------------------------------------------------------------------ TestCalculateScaleUpLimitWithScalingRules / …Down…

def test_calculate_scale_up_limit_with_scaling_rules_upstream():
    # horizontal_test.go TestCalculateScaleUpLimitWithScalingRules: Min of [Pods 2/60 s, Percent 50/60 s] from 1 → 2
    r = HPAScalingRules(stabilization_window_seconds=300, select_policy="Min",
                        policies=(HPAScalingPolicy("Pods", 2, 60), HPAScalingPolicy("Percent", 50, 60)))
    assert H.calculate_scale_up_limit_with_scaling_rules(1, (), (), r, NOW) == 2


def test_calculate_scale_down_limit_with_behaviors_upstream():
    # horizontal_test.go TestCalculateScaleDownLimitWithBehaviors: Min of [Pods 2/60 s, Percent 50/60 s] from 5 → 3
    r = HPAScalingRules(stabilization_window_seconds=300, select_policy="Min",
                        policies=(HPAScalingPolicy("Pods", 2, 60), HPAScalingPolicy("Percent", 50, 60)))
    assert H.calculate_scale_down_limit_with_behaviors(5, (), (), r, NOW) == 3
