"""replica_calculator_test.go (kubernetes/kubernetes, pkg/controller/podautoscaler)
ported: the TestReplicaCalc* cases for resource, container resource, Pods
(podMetric), Object (objectMetric / objectPerPodMetric) and External
(externalMetric / externalPerPodMetric) metrics, each row citing its Go test.

Translation of the Go fixture: every pod has two containers `container1`
and `container2`, each requesting the row's request and using the row's
level (makePodMetricLevels), so a pod's metric is the sum over both. The Go
tests run with a 2-minute cpu initialization period and a 10 s readiness
delay; kstate's controller uses the defaults (5 min, 30 s), so "cool" pods
start 10 minutes before NOW and "hot" pods 10 s before it (Ready 5 s before
NOW, after their sample's window began: the sample predates readiness +
window, the Go fixture's zero timestamps). Milli-values throughout."""
import pytest

from kstate.controllers import hpa as H
from kstate.resources.frozen import FrozenDict
from kstate.resources.meta import Condition, ObjectMeta
from kstate.resources.pod import Container, Pod, PodSpec, PodStatus, ResourceRequirements

NOW = 10_000_000
S = 1000
MIN = 60 * S
COOL, HOT = "cool", "hot"


def pod(i, request=None, ready="True", phase="Running", start=COOL, deleting=False):
    start_ms = NOW - 10 * MIN if start == COOL else NOW - 10 * S
    if ready == "True":
        since = NOW - 9 * MIN if start == COOL else NOW - 5 * S
    else:
        since = start_ms                # never ready since its start
    reqs = FrozenDict({"cpu": request}) if request is not None else FrozenDict()
    cs = tuple(Container(f"container{j}", resources=ResourceRequirements(requests=reqs)) for j in (1, 2))
    return Pod(metadata=ObjectMeta(name=f"test-pod-{i}", namespace="test-namespace",
                                   deletion_timestamp=NOW if deleting else None),
               spec=PodSpec(containers=cs),
               status=PodStatus(phase=phase, conditions=(Condition("Ready", ready, last_transition_time=since),),
                                start_time=start_ms))


def pods(n, requests=None, readiness=None, phases=None, starts=None, deleting=None):
    out = []
    for i in range(n):
        out.append(pod(i, request=requests[i] if requests and i < len(requests) else None,
                       ready=readiness[i] if readiness else "True",
                       phase=phases[i] if phases else "Running",
                       start=starts[i] if starts else COOL,
                       deleting=deleting[i] if deleting else False))
    return out


def levels(*per_pod, ts=NOW - 10 * S):
    """makePodMetricLevels: each value for both containers; a pod's metric is their sum."""
    return {f"test-pod-{i}": (2 * v, ts, MIN) for i, v in enumerate(per_pod)}


def container_levels(rows, index, ts=NOW - 10 * S):
    """Per-container levels: the container `index` (0-based) of each pod that has it."""
    return {f"test-pod-{i}": (row[index], ts, MIN) for i, row in enumerate(rows) if len(row) > index}


ONE = "1.0"


# ------------------------------------------------------------------ resource (GetResourceReplicas)

RESOURCE = [
    # (Go test, pods, metrics, current, target %, expected replicas, expected utilization, expected raw value, container)
    ("TestReplicaCalcScaleUp", pods(3, [ONE] * 3), levels(300, 500, 700), 3, 30, 5, 50, 2 * 500, ""),
    ("TestReplicaCalcContainerScaleUp", pods(3, [ONE] * 3),
     container_levels([[1000, 300], [1000, 500], [1000, 700]], 1), 3, 30, 5, 50, 500, "container2"),
    ("TestReplicaCalcScaleUpUnreadyLessScale", pods(3, [ONE] * 3, readiness=["False", "True", "True"]),
     levels(300, 500, 700), 3, 30, 4, 60, 2 * 600, ""),
    ("TestReplicaCalcScaleUpContainerHotCpuLessScale", pods(3, [ONE] * 3, starts=[HOT, COOL, COOL]),
     container_levels([[0, 300], [0, 500], [0, 700]], 1), 3, 30, 4, 60, 600, "container2"),
    ("TestReplicaCalcScaleUpHotCpuLessScale", pods(3, [ONE] * 3, starts=[HOT, COOL, COOL]),
     levels(300, 500, 700), 3, 30, 4, 60, 2 * 600, ""),
    ("TestReplicaCalcScaleUpUnreadyNoScale", pods(3, [ONE] * 3, readiness=["True", "False", "False"]),
     levels(400, 500, 700), 3, 30, 3, 40, 2 * 400, ""),
    ("TestReplicaCalcScaleHotCpuNoScale",
     pods(3, [ONE] * 3, readiness=["True", "False", "False"], starts=[COOL, HOT, HOT]),
     levels(400, 500, 700), 3, 30, 3, 40, 2 * 400, ""),
    ("TestReplicaCalcScaleUpIgnoresFailedPods",
     pods(4, [ONE] * 4, readiness=["True", "True", "False", "False"],
          phases=["Running", "Running", "Failed", "Failed"]),
     levels(500, 700), 2, 30, 4, 60, 2 * 600, ""),
    ("TestReplicaCalcMissingContainerMetricScaleUpIgnoresFailedPods",
     pods(4, [ONE] * 4, readiness=["True", "True", "False", "False"],
          phases=["Running", "Running", "Failed", "Failed"]),
     container_levels([[1000, 500], [9000, 700], [1000], [9000]], 1), 2, 30, 4, 60, 600, "container2"),
    ("TestReplicaCalcScaleUpIgnoresDeletionPods",
     pods(4, [ONE] * 4, readiness=["True", "True", "False", "False"], deleting=[False, False, True, True]),
     levels(500, 700), 2, 30, 4, 60, 2 * 600, ""),
    ("TestReplicaCalcScaleDown", pods(5, [ONE] * 5), levels(100, 300, 500, 250, 250), 5, 50, 3, 28, 2 * 280, ""),
    ("TestReplicaCalcContainerScaleDown", pods(5, [ONE] * 5),
     container_levels([[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], 1),
     5, 50, 3, 28, 280, "container2"),
    ("TestReplicaCalcScaleDownExcludeUnreadyPods",
     pods(5, [ONE] * 5, readiness=["True", "True", "True", "False", "False"]),
     levels(100, 300, 500, 250, 250), 5, 50, 2, 30, 2 * 300, ""),
    ("TestReplicaCalcScaleDownExcludeUnscheduledPods",
     pods(5, [ONE] * 5, readiness=["True", "False", "False", "False", "False"],
          phases=["Running", "Pending", "Pending", "Pending", "Pending"]),
     levels(100), 5, 50, 1, 10, 2 * 100, ""),
    ("TestReplicaCalcScaleDownIgnoreHotCpuPods", pods(5, [ONE] * 5, starts=[COOL, COOL, COOL, HOT, HOT]),
     levels(100, 300, 500, 250, 250), 5, 50, 2, 30, 2 * 300, ""),
    ("TestReplicaCalcScaleDownContainerIgnoreHotCpuPods", pods(5, [ONE] * 5, starts=[COOL, COOL, COOL, HOT, HOT]),
     container_levels([[1000, 100], [1000, 300], [1000, 500], [1000, 1000], [1000, 1000]], 1),
     5, 50, 2, 30, 300, "container2"),
    ("TestReplicaCalcScaleDownIgnoresFailedPods",
     pods(7, [ONE] * 7, readiness=["True"] * 5 + ["False"] * 2, phases=["Running"] * 5 + ["Failed"] * 2),
     levels(100, 300, 500, 250, 250), 5, 50, 3, 28, 2 * 280, ""),
    ("TestReplicaCalcScaleDownIgnoresDeletionPods",
     pods(7, [ONE] * 7, readiness=["True"] * 5 + ["False"] * 2, deleting=[False] * 5 + [True] * 2),
     levels(100, 300, 500, 250, 250), 5, 50, 3, 28, 2 * 280, ""),
    ("TestReplicaCalcScaleDownIgnoresDeletionPods_StillRunning",
     pods(7, [ONE] * 7, readiness=["True"] * 5 + ["False"] * 2, deleting=[False] * 5 + [True] * 2),
     container_levels([[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], 1),
     5, 50, 3, 28, 280, "container2"),
    ("TestReplicaCalcTolerance", pods(3, ["0.9", "1.0", "1.1"]), levels(1010, 1030, 1020), 3, 100, 3, 102,
     2 * 1020, ""),
    ("TestReplicaCalcSuperfluousMetrics", pods(4, [ONE] * 4), levels(4000, 9500, 3000, 7000, 3200, 2000),
     4, 100, 24, 587, 2 * 5875, ""),
    ("TestReplicaCalcMissingMetrics", pods(4, [ONE] * 4), levels(400, 95), 4, 100, 3, 24, 495, ""),
    ("TestReplicaCalcMissingMetricsNoChangeEq", pods(2, [ONE] * 2), levels(1000), 2, 100, 2, 100, 2 * 1000, ""),
    ("TestReplicaCalcMissingMetricsNoChangeGt", pods(2, [ONE] * 2), levels(1900), 2, 100, 2, 190, 2 * 1900, ""),
    ("TestReplicaCalcMissingMetricsNoChangeLt", pods(2, [ONE] * 2), levels(600), 2, 100, 2, 60, 2 * 600, ""),
    ("TestReplicaCalcMissingMetricsUnreadyChange", pods(3, [ONE] * 3, readiness=["False", "True", "True"]),
     levels(100, 450), 3, 50, 3, 45, 2 * 450, ""),
    ("TestReplicaCalcMissingMetricsHotCpuNoChange", pods(3, [ONE] * 3, starts=[HOT, COOL, COOL]),
     levels(100, 450), 3, 50, 3, 45, 2 * 450, ""),
    ("TestReplicaCalcMissingMetricsUnreadyScaleUp", pods(3, [ONE] * 3, readiness=["False", "True", "True"]),
     levels(100, 2000), 3, 50, 4, 200, 2 * 2000, ""),
    ("TestReplicaCalcMissingMetricsHotCpuScaleUp",
     pods(3, [ONE] * 3, readiness=["False", "True", "True"], starts=[HOT, COOL, COOL]),
     levels(100, 2000), 3, 50, 4, 200, 2 * 2000, ""),
    ("TestReplicaCalcMissingMetricsUnreadyScaleDown",
     pods(4, [ONE] * 4, readiness=["False", "True", "True", "True"]),
     levels(100, 100, 100), 4, 50, 3, 10, 2 * 100, ""),
    ("TestReplicaCalcMissingMetricsScaleDownTargetOver100",
     pods(4, [ONE, ONE, "2.0", "2.0"], readiness=["False", "True", "True", "True"]),
     levels(200, 100, 100), 4, 300, 2, 6, 2 * 100, ""),
    ("TestReplicaCalcDuringRollingUpdateWithMaxSurge", pods(3, [ONE] * 3), levels(100, 100), 2, 50, 2, 10,
     2 * 100, ""),
]


@pytest.mark.parametrize("go,pod_list,metrics,current,target,expected,util,raw,container", RESOURCE,
                         ids=[r[0] for r in RESOURCE])
def test_get_resource_replicas_ported(go, pod_list, metrics, current, target, expected, util, raw, container):
    got = H.get_resource_replicas(current, target, "cpu", pod_list, metrics, NOW, container)
    assert got == (expected, util, raw)


def test_replica_calc_computed_tolerance_alg_implementation():
    # TestReplicaCalcComputedToleranceAlgImplementation: 10 pods using 150m of ~300m; a target just
    # past the tolerance scales down, one inside it does not.
    per_pod = 300
    reqs = [f"{per_pod + d}m" for d in (100, -100, 10, -10, 2, -2, 1, -1, 0, 0)]
    metrics = levels(*([150] * 10))
    target = int((1 / (2 * 0.9) + 0.01) * 100)          # 56
    ratio = 1500 / (3000 * (target / 100))
    expected = -(-int(ratio * 10 * 1000) // 1000) if (ratio * 10) != int(ratio * 10) else int(ratio * 10)
    got = H.get_resource_replicas(10, target, "cpu", pods(10, reqs), metrics, NOW)
    assert got[:2] == (expected, 50)
    target = int((1 / (2 * 0.9) + 0.004) * 100)         # 55: 50/55 = 0.909, within 0.1
    assert H.get_resource_replicas(10, target, "cpu", pods(10, reqs), metrics, NOW)[0] == 10


@pytest.mark.parametrize("go,pod_list,metrics,message", [
    ("TestReplicaCalcDisjointResourcesMetrics", pods(1, [ONE]), {"an-older-pod-name": (200, NOW, MIN)},
     "no metrics returned matched known pods"),
    ("TestReplicaCalcEmptyCPURequest", pods(1, []), levels(200), "missing request for cpu"),
])
def test_get_resource_replicas_errors_ported(go, pod_list, metrics, message):
    with pytest.raises(H.MetricError) as e:
        H.get_resource_replicas(1, 100, "cpu", pod_list, metrics, NOW)
    assert message in e.value.message


# ------------------------------------------------------------------ Pods metrics (GetMetricReplicas)

def _pm(*values):
    return {f"test-pod-{i}": (v, NOW, 15 * S) for i, v in enumerate(values)}


PODS_METRIC = [
    ("TestReplicaCalcScaleUpCM", pods(3), _pm(20000, 10000, 30000), 3, 15000, 4, 20000),
    ("TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale",
     pods(3, readiness=["True", "True", "False"], starts=[COOL, COOL, HOT]), _pm(50000, 10000, 30000),
     3, 15000, 6, 30000),
    ("TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown",
     pods(3, readiness=["False", "True", "False"], starts=[HOT, COOL, HOT]), _pm(50000, 15000, 30000),
     3, 15000, 7, 31666),
    ("TestReplicaCalcScaleUpCMExternalNoLabels", pods(1), _pm(8600), 1, 4400, 2, 8600),
    ("TestReplicaCalcScaleUpCMExternal", pods(1), _pm(8600), 1, 4400, 2, 8600),
    ("TestReplicaCalcScaleDownCM", pods(5), _pm(12000, 12000, 12000, 12000, 12000), 5, 20000, 3, 12000),
    ("TestReplicaCalcToleranceCM", pods(3), _pm(20000, 21000, 21000), 3, 20000, 3, 20666),
    ("TestPlainMetricReplicaCalcMissingMetricsNoChangeEq", pods(5), _pm(20000, 19000, 21000), 5, 20000, 5, 20000),
    ("TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM", pods(3), _pm(10000, 10000), 2, 17000, 2, 10000),
]


@pytest.mark.parametrize("go,pod_list,metrics,current,target,expected,usage", PODS_METRIC,
                         ids=[r[0] for r in PODS_METRIC])
def test_get_metric_replicas_ported(go, pod_list, metrics, current, target, expected, usage):
    assert H.calc_plain_metric_replicas(current, target, "", pod_list, metrics, NOW) == (expected, usage)


# ------------------------------------------------------------------ Object metrics

@pytest.mark.parametrize("go,pod_list,current,target,value,expected,usage", [
    ("TestReplicaCalcScaleUpCMObject", pods(3), 3, 15000, 20000, 4, 20000),
    ("TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods", pods(3, readiness=["False", "True", "False"]),
     3, 10000, 50000, 5, 50000),
    ("TestReplicaCalcScaleDownCMObject", pods(5), 5, 20000, 12000, 3, 12000),
    ("TestReplicaCalcToleranceCMObject", pods(3), 3, 20000, 20666, 3, 20666),
])
def test_get_object_metric_replicas_ported(go, pod_list, current, target, value, expected, usage):
    assert H.get_object_metric_replicas(current, target, value, pod_list) == (expected, usage)


@pytest.mark.parametrize("go,current,target,value,expected,usage", [
    ("TestReplicaCalcScaleUpCMPerPodObject", 3, 5000, 20000, 4, 6667),
    ("TestReplicaCalcScaleDownPerPodCMObject", 5, 2000, 6000, 3, 1200),
    ("TestReplicaCalcTolerancePerPodCMObject", 4, 5000, 20166, 4, 5042),
])
def test_get_object_per_pod_metric_replicas_ported(go, current, target, value, expected, usage):
    assert H.get_object_per_pod_metric_replicas(current, target, value) == (expected, usage)


# ------------------------------------------------------------------ External metrics

@pytest.mark.parametrize("go,pod_list,current,target,values,expected,usage", [
    ("TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods", pods(3, readiness=["False", "True", "False"]),
     3, 4400, (8600,), 2, 8600),
    ("TestReplicaCalcScaleDownCMExternal", pods(5), 5, 14334, (8600,), 3, 8600),
    ("TestReplicaCalcToleranceCMExternal", pods(3), 3, 8888, (8600,), 3, 8600),
])
def test_get_external_metric_replicas_ported(go, pod_list, current, target, values, expected, usage):
    assert H.get_external_metric_replicas(current, target, values, pod_list) == (expected, usage)


@pytest.mark.parametrize("go,current,target,values,expected,usage", [
    ("TestReplicaCalcScaleUpPerPodCMExternal", 3, 2150, (8600,), 4, 2867),
    ("TestReplicaCalcScaleDownPerPodCMExternal", 5, 2867, (8600,), 3, 1720),
    ("TestReplicaCalcTolerancePerPodCMExternal", 3, 2900, (8600,), 3, 2867),
])
def test_get_external_per_pod_metric_replicas_ported(go, current, target, values, expected, usage):
    assert H.get_external_per_pod_metric_replicas(current, target, values) == (expected, usage)


def test_external_series_are_summed():
    # GetExternalMetricReplicas sums every series the selector matched: 3 + 5 against 4 over 2 ready pods → 4.
    assert H.get_external_metric_replicas(2, 4000, (3000, 5000), pods(2)) == (4, 8000)


# ------------------------------------------------------------------ groupPods

def _gp(name, phase="Succeeded", start=None, ready=None, lt=None):
    conds = (Condition("Ready", ready, last_transition_time=lt),) if ready is not None else ()
    return Pod(metadata=ObjectMeta(name=name, namespace="n"), spec=PodSpec(containers=()),
               status=PodStatus(phase=phase, conditions=conds, start_time=start))


@pytest.mark.parametrize("name,pod_list,metrics,resource,expected", [
    # TestGroupPods (with kstate's 5-minute initialization period / 30 s delay for the Go test's 2 min / 10 s)
    ("void", [], {}, "cpu", (0, set(), set(), set())),
    ("count in a ready pod - memory", [_gp("bentham")], {"bentham": (1, NOW, MIN)}, "memory",
     (1, set(), set(), set())),
    ("unready a pod without ready condition - CPU", [_gp("lucretius", start=NOW)], {"lucretius": (1, 0, 0)},
     "cpu", (0, {"lucretius"}, set(), set())),
    ("count in a ready pod with fresh metrics during initialization period - CPU",
     [_gp("bentham", start=NOW - MIN, ready="True", lt=NOW - 30 * S)], {"bentham": (1, NOW, 30 * S)}, "cpu",
     (1, set(), set(), set())),
    ("unready a ready pod without fresh metrics during initialization period - CPU",
     [_gp("bentham", start=NOW - MIN, ready="True", lt=NOW - 30 * S)], {"bentham": (1, NOW, 60 * S)}, "cpu",
     (0, {"bentham"}, set(), set())),
    ("unready an unready pod during initialization period - CPU",
     [_gp("lucretius", start=NOW - 4 * MIN, ready="False", lt=NOW - 4 * MIN + 6 * S)], {"lucretius": (1, 0, 0)},
     "cpu", (0, {"lucretius"}, set(), set())),
    ("count in a ready pod without fresh metrics after initialization period - CPU",
     [_gp("bentham", start=NOW - 6 * MIN, ready="True", lt=NOW - 6 * MIN)],
     {"bentham": (1, NOW - 2 * MIN, MIN)}, "cpu", (1, set(), set(), set())),
    ("count in an unready pod that was ready after initialization period - CPU",
     [_gp("lucretius", start=NOW - 10 * MIN, ready="False", lt=NOW - 9 * MIN)], {"lucretius": (1, 0, 0)},
     "cpu", (1, set(), set(), set())),
    ("unready pod that has never been ready after initialization period - CPU",
     [_gp("lucretius", start=NOW - 10 * MIN, ready="False", lt=NOW - 10 * MIN + 10 * S)],
     {"lucretius": (1, 0, 0)}, "cpu", (0, {"lucretius"}, set(), set())),
    ("a missing pod", [_gp("epicurus", start=NOW - 3 * MIN)], {}, "cpu", (0, set(), {"epicurus"}, set())),
])
def test_group_pods_ported(name, pod_list, metrics, resource, expected):
    assert H.group_pods(pod_list, metrics, resource, NOW) == expected
