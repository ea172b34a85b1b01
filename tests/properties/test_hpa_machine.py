"""The rule-based HPA machine (kstate.testing.hpa_machine) under the active
hypothesis profile: load changes (constants and ramps), hand scaling, HPA
deletion, pod crashes and node faults under HPAs; every registered invariant
after every step, no oscillation under constant load after `settle`."""
from kstate.testing.hpa_machine import HPAMachine

TestHPAMachine = HPAMachine.TestCase
