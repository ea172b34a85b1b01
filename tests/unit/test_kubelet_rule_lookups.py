"""The kubelet's timing-rule lookups (kubelet._rule_delays) are memoised on
what a rule reads of a pod — labels, annotations, containers, and the Ready
condition and uid only where a rule reads them: pods of one template that
differ in those still get their own answer."""
import attrs

import kstate
from kstate.controllers import kubelet as kl
from kstate.controllers.timing import Profile
from kstate.resources.meta import condition

PROFILE = Profile.from_data({"name": "t", "rules": [
    {"name": "ready", "on": {"kind": "Pod", "state": "Running", "ready": False}, "after": {"default": "1s"},
     "fire": "become_ready"},
    {"name": "exit", "on": {"kind": "Pod", "state": "Running"}, "after": {"default": "5s", "jitter": "10s"},
     "fire": "exit"},
]})


def _template():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "x"}},
             "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    return c.get("Pod", "p")


def _pod(tpl, uid: str, ready: bool):
    """A pod of `tpl`'s template (its labels, annotations and containers) with this uid and Ready."""
    return attrs.evolve(tpl, metadata=attrs.evolve(tpl.metadata, uid=uid), status=attrs.evolve(
        tpl.status, conditions=(condition("Ready", "True" if ready else "False", "", "", 0),)))


def _names(pod):
    return [(r.name, d) for r, d in kl._rule_delays(PROFILE, pod, "Running")]


def test_the_ready_condition_and_the_uid_are_part_of_the_lookup():
    tpl = _template()
    a, b, c = _pod(tpl, "a", False), _pod(tpl, "a", True), _pod(tpl, "c", False)
    assert a.metadata.labels is c.metadata.labels and a.spec.containers is c.spec.containers
    first = _names(a)
    assert [n for n, _ in first] == ["ready", "exit"]
    # Ready: the `ready: false` rule no longer selects the pod
    assert [n for n, _ in _names(b)] == ["exit"]
    # another uid: another jitter (the draw hashes the uid)
    assert _names(c)[1][1] != first[1][1]
    assert _names(a) == first
