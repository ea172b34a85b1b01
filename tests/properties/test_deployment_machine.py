"""The rule-based Deployment machine (kstate.testing.deployment_machine)
under the active hypothesis profile (tests/conftest.py: `ci` by default,
`thorough` on demand).

On top of ClusterMachine's faults it applies, re-applies, scales, sets
images on, pauses, resumes, undoes, restarts and deletes Deployments; every
step checks every registered invariant (the Deployment family explicitly),
and `settle` checks that once the faults stop every Deployment that can
finish has finished, with one active ReplicaSet and nothing left behind by a
deletion. A failure here is a kstate bug: keep its minimised sequence as a
scenario under specs/scenarios/regressions/, and never weaken the machine
to pass.

    HYPOTHESIS_PROFILE=thorough PYTHONPATH=. python -m pytest tests/properties/test_deployment_machine.py
"""
import pytest
from hypothesis import given, settings, strategies as st

from kstate import Cluster
from kstate.controllers import deployment_util as du
from kstate.invariants import INVARIANTS, Violation
from kstate.testing import strategies as ks
from kstate.testing.deployment_machine import DEPLOYMENT_FAMILY, DeploymentMachine

_active = settings.default  # the profile tests/conftest.py loaded


class TestDeploymentMachine(DeploymentMachine.TestCase):
    """At least 200 examples of 50 steps: under the `ci` profile's 50 x 30
    only about one step in eight touches a Deployment (the cluster machine's
    rules outnumber the Deployment ones), and `settle` then saw fewer than 20
    Deployments in all. 200 x 50 takes about 10 s on two cores; `thorough`
    asks for more and gets it."""
    settings = settings(_active, max_examples=max(_active.max_examples, 200),
                        stateful_step_count=max(_active.stateful_step_count, 50))


# -- the strategy the machine draws Deployments from


@given(ks.deployment_manifests(name=st.sampled_from(["web", "api"]),
                               namespace=st.sampled_from(["default", "kube-public"])))
@settings(max_examples=25)
def test_deployment_manifests_are_accepted_and_within_their_ranges(doc):
    c = Cluster(nodes=2, seed=0)
    d = c.apply(doc)
    spec = doc["spec"]
    assert 0 <= spec["replicas"] <= 8
    assert 0 <= spec["minReadySeconds"] <= 5 and 30 <= spec["progressDeadlineSeconds"] <= 600
    assert 0 <= spec["revisionHistoryLimit"] <= 5
    assert spec["template"]["metadata"]["labels"] == {"app": doc["metadata"]["name"]}
    assert len(spec["template"]["spec"]["containers"]) == 1
    ann = spec["template"]["metadata"].get("annotations", {})
    assert set(ann) <= {ks.ANN_START_AFTER, ks.ANN_READY_AFTER, ks.ANN_NEVER_READY, ks.ANN_STOP_AFTER}
    if d.spec.strategy.type == "RollingUpdate":
        ru = spec["strategy"]["rollingUpdate"]
        assert not (ru["maxSurge"] in (0, "0%") and ru["maxUnavailable"] in (0, "0%"))
        assert du.max_surge(d) + du.max_unavailable(d) >= (1 if d.spec.replicas else 0)
    c.advance("1m")
    assert c.violations() == []


@pytest.mark.parametrize("name", DEPLOYMENT_FAMILY)
def test_the_machine_checks_each_deployment_invariant_after_every_step(name, monkeypatch):
    """Wiring: the @invariant method for `name` (which hypothesis runs after
    every step) and `watch_rollouts` report what INVARIANTS[name] finds."""
    assert name in INVARIANTS
    m = DeploymentMachine()
    m.setup(k=2, seed=0)
    getattr(m, name.replace("-", "_"))()  # a healthy cluster: quiet
    m.watch_rollouts(1)
    monkeypatch.setitem(INVARIANTS, name, lambda view: [Violation(name, "Deployment default/x", "planted")])
    with pytest.raises(AssertionError, match=f"invariant {name} violated"):
        getattr(m, name.replace("-", "_"))()
    with pytest.raises(AssertionError, match=f"invariant {name} violated"):
        m.watch_rollouts(1)
    m.other_registered_invariants()  # checked once, by its own method
