"""The rule-based cluster machine (kstate.testing.machine) under the active
hypothesis profile (tests/conftest.py: `ci` by default, `thorough` on demand).

Every step checks every registered invariant; the `settle` rule checks
liveness once the faults stop. A failure here is a kstate bug: keep its
minimised sequence as a scenario under specs/scenarios/regressions/ (run by
tests/golden/test_scenarios.py), and never weaken the machine to pass.

    HYPOTHESIS_PROFILE=thorough PYTHONPATH=. python -m pytest tests/properties
"""
from hypothesis import given, strategies as st

from kstate import Cluster
from kstate.testing import strategies as ks
from kstate.testing.machine import ClusterMachine
from kstate.units import parse_duration

TestClusterMachine = ClusterMachine.TestCase


# -- the strategies the machine draws from (kstate.testing.strategies)


@given(ks.node_manifests(names="node-x"),
       st.lists(ks.pod_manifests(name=st.sampled_from(["a", "b", "c"]),
                                 namespace=st.sampled_from(["default", "kube-public"]),
                                 node_names=st.sampled_from(["node-0", "node-x"])),
                max_size=3, unique_by=lambda p: (p["metadata"].get("namespace"), p["metadata"]["name"])))
def test_strategies_draw_manifests_a_cluster_accepts(node, pods):
    c = Cluster(nodes=[node])
    assert 1 <= int(node["status"]["capacity"]["cpu"]) <= 8
    assert 5 <= int(node["status"]["capacity"]["pods"]) <= 110
    for p in pods:
        names = [ctr["name"] for ctr in p["spec"]["containers"]]
        assert 1 <= len(names) <= 2 and len(set(names)) == len(names)
        c.apply(p)
    c.advance("1m")
    assert c.violations() == []


@given(ks.durations())
def test_durations_are_between_500ms_and_10m(d):
    assert isinstance(d, str)
    assert 500 <= parse_duration(d) <= 600_000


def test_strategy_reprs_are_runnable():
    for s in (ks.durations(), ks.node_manifests(names="n"), ks.pod_manifests(name="web", namespace="default"),
              ks.pod_manifests(name=st.sampled_from(["a", "b"]), node_names=st.just("node-0"))):
        again = eval(repr(s), {**vars(ks), "sampled_from": st.sampled_from, "just": st.just})
        assert repr(again) == repr(s)
