"""The rule-based DaemonSet machine (kstate.testing.daemonset_machine) under
the active hypothesis profile: node faults, labels and taints, DaemonSets
created, updated and deleted; every registered invariant after every step,
DaemonSet liveness after `settle`. A failure here is a kstate bug."""
from kstate.testing.daemonset_machine import DaemonSetMachine

TestDaemonSetMachine = DaemonSetMachine.TestCase
