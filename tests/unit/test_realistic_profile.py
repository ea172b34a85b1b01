"""The `realistic` timing profile: seeded spread of pod steps and of the
control plane's reaction to each watch event; the default profile stays exact.
"""
import pytest

import kstate
from kstate.controllers.timing import Profile
from kstate.io.profile import load_profile

DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
          "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}}


def _run(seed, profile):
    c = kstate.Cluster(nodes=3, seed=seed, profile=profile)
    c.apply(DEPLOY)
    c.run_until_stable()
    return c


def _ready_times(c):
    return sorted(int(line.split()[0]) for line in c.trace() if "Ready=True" in line and " Pod " in line)


def test_default_profile_is_exact():
    c = _run(0, "default")
    assert _ready_times(c) == [1000] * 4     # every pod starts 1 s after admission, ready at once
    assert load_profile("default").latency == {}


def test_realistic_runs_are_deterministic_per_seed_and_differ_across_seeds():
    a, b, other = _run(1, "realistic"), _run(1, "realistic"), _run(2, "realistic")
    assert a.trace() == b.trace()
    assert a.trace() != other.trace()


def test_realistic_pods_become_ready_one_by_one():
    times = _ready_times(_run(1, "realistic"))
    assert len(times) == 4 and len(set(times)) == 4
    # pull 2–7 s (the first pod per node), start 1–3 s, ready within 0.5 s, plus the control plane's latency
    assert all(1000 < t < 14_000 for t in times)


def test_control_plane_latency_delays_each_watch_event():
    prof = load_profile("realistic")
    assert prof.latency == {"*": 100, "kubelet": 1000}
    c = _run(1, prof)
    # the ReplicaSet controller sees its Deployment's ReplicaSet later than at 0 ms
    first_pod = next(line for line in c.trace() if "create Pod" in line)
    assert int(first_pod.split()[0]) > 0


@pytest.mark.parametrize("latency,path", [
    ([1], "latency"),
    ({"kubelet": "soon"}, "latency.kubelet"),
    ({"": "1s"}, "latency"),
])
def test_latency_validation(latency, path):
    data = {"name": "x", "latency": latency, "rules": [
        {"name": "start", "on": {"kind": "Pod", "state": "ContainerCreating"}, "after": {"default": "1s"},
         "fire": "start"}]}
    with pytest.raises(kstate.SpecError) as e:
        Profile.from_data(data)
    assert e.value.path == path


def test_latency_survives_a_snapshot():
    c = kstate.Cluster(nodes=1, seed=3, profile="realistic")
    c.apply(DEPLOY)
    c.advance("2s")
    snap = c.snapshot()
    c.run_until_stable()
    want = c.trace()
    c2 = kstate.Cluster.restore(snap)
    c2.run_until_stable()
    assert c2.trace() == want
