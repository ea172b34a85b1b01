"""The rule-based disruption machine (kstate.testing.disruption_machine)
under the active hypothesis profile (tests/conftest.py: `ci` by default,
`thorough` on demand).

On top of the Deployment machine it applies, changes and deletes
PodDisruptionBudgets, evicts pods and drains nodes through the eviction
API; every step checks every registered invariant (an eviction never takes
a budget below its minimum, explicitly), and `settle` checks that every
budget's status then says what its pods say. A failure here is a kstate
bug: keep its minimised sequence as a scenario under
specs/scenarios/regressions/, and never weaken the machine to pass.

    HYPOTHESIS_PROFILE=thorough PYTHONPATH=. python -m pytest tests/properties/test_disruption_machine.py
"""
from hypothesis import given, settings

from kstate import Cluster
from kstate.testing.disruption_machine import DisruptionMachine, budget_specs

TestDisruptionMachine = DisruptionMachine.TestCase


@given(budget_specs())
@settings(max_examples=25)
def test_budget_specs_are_accepted(spec):
    c = Cluster(nodes=1, seed=0)
    b = c.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
                 "spec": {**spec, "selector": {"matchLabels": {"app": "web"}}}})
    assert (b.spec.min_available is None) or (b.spec.max_unavailable is None)
    c.advance("5s")
    assert c.violations() == []
