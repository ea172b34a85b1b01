"""The rule-based ownership machine (kstate.testing.ownership_machine) under
the active hypothesis profile (tests/conftest.py: `ci` by default,
`thorough` on demand): random operations over namespaces (created, deleted
with their contents), Deployments whose ReplicaSets get deleted or edited,
bare ReplicaSets and ReplicationControllers, ConfigMaps and pods carrying
user-crafted finalizers and ownerReferences (live, wrong-uid, dangling and
cross-namespace owners; blockOwnerDeletion; Background, Foreground and
Orphan deletion), scale, image changes, node faults and time. Every step
checks every registered invariant; `settle` checks that everything
converges. A failure here is a kstate bug: keep its minimised sequence as a
scenario under specs/scenarios/regressions/, and never weaken the machine
to pass.

    HYPOTHESIS_PROFILE=thorough PYTHONPATH=. python -m pytest tests/properties/test_ownership_machine.py
"""
import pytest
from hypothesis import settings

from kstate.controllers import CONTROLLERS
from kstate.testing.ownership_machine import USER_FINALIZER, OwnershipMachine

_active = settings.default  # the profile tests/conftest.py loaded


class TestOwnershipMachine(OwnershipMachine.TestCase):
    """At least 300 sequences of 50 steps (about 21 s on two idle cores):
    the machine has about 40 rules, and at the `ci` profile's 50 x 30 few
    sequences combined a namespace deletion with finalizers and owners."""
    settings = settings(_active, max_examples=max(_active.max_examples, 300),
                        stateful_step_count=max(_active.stateful_step_count, 50))


# -- the machine's own checks can fail


def test_user_finalizers_hold_reports_an_object_removed_while_held():
    m = OwnershipMachine()
    m.setup(k=1, seed=0)
    m.create_configmap(name="cm-0", ns="default", owners=[], hold=USER_FINALIZER)
    m.user_finalizers_hold()  # held and present: quiet
    cm = m.cluster.get("ConfigMap", "cm-0")
    m.engine.remove(cm)  # a deletion that ignored the finalizer
    with pytest.raises(AssertionError, match="removed while carrying the user's finalizer"):
        m.user_finalizers_hold()


def test_liveness_reports_a_terminating_namespace_and_a_dangling_owner():
    m = OwnershipMachine()
    m.setup(k=1, seed=0)
    m.create_namespace("ns-a")
    m.create_configmap(name="cm-0", ns="ns-a", owners=[], hold=USER_FINALIZER)
    m.delete_namespace("ns-a")
    assert any("Namespace ns-a still Terminating" in p for p in m.ownership_liveness_problems())
    # a reference the GC never looked at (no GC in this registry) is reported as left behind
    m.controllers = {k: v for k, v in CONTROLLERS.items() if k != "garbage-collector"}
    m.setup(k=1, seed=0)
    m.create_configmap(name="cm-1", ns="default", owners=[("Deployment", "missing", 0, False, False)], hold=None)
    assert any("ConfigMap default/cm-1 left behind" in p for p in m.ownership_liveness_problems())
