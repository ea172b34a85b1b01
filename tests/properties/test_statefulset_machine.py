"""The rule-based StatefulSet machine (kstate.testing.statefulset_machine)
under the active hypothesis profile: node faults, pod kills and failures,
StatefulSets created, scaled, updated and deleted; every registered invariant
after every step, StatefulSet liveness after `settle`. A failure here is a
kstate bug."""
from kstate.testing.statefulset_machine import StatefulSetMachine

TestStatefulSetMachine = StatefulSetMachine.TestCase
