"""The rule-based Service machine (kstate.testing.service_machine) under the
active hypothesis profile: node join/leave/fail and pod churn with Services
created, re-selected and deleted; every registered invariant after every
step, endpoint and kube-proxy liveness after `settle`. A failure here is a
kstate bug."""
from kstate.testing.service_machine import ServiceMachine

TestServiceMachine = ServiceMachine.TestCase
