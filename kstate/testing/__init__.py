"""kstate.testing: hypothesis strategies and a rule-based cluster machine.

For anyone property-testing kstate or their own controllers::

    from kstate.testing import ClusterMachine, DeploymentMachine, pod_manifests, node_manifests

    TestCluster = ClusterMachine.TestCase          # pytest collects it
    TestDeployments = DeploymentMachine.TestCase   # ... and Deployments on top

Nothing in kstate's core imports this package (an architecture test enforces
it); it may import anything of kstate. Requires `hypothesis`.
"""
from kstate.testing.deployment_machine import DeploymentMachine
from kstate.testing.machine import ClusterMachine
from kstate.testing.strategies import (
    ANN_EXIT_AFTER, ANN_EXIT_CODE, ANN_NEVER_READY, ANN_READY_AFTER, ANN_START_AFTER, ANN_STOP_AFTER,
    DEPLOYMENT_IMAGES, TAINT_KEY, TAINT_VALUE, ZONE_LABEL, ZONES, deployment_manifests, dns_labels, durations,
    node_manifests, pod_manifests, template_annotations,
)

__all__ = [
    "ANN_EXIT_AFTER", "ANN_EXIT_CODE", "ANN_NEVER_READY", "ANN_READY_AFTER", "ANN_START_AFTER", "ANN_STOP_AFTER",
    "ClusterMachine", "DEPLOYMENT_IMAGES", "DeploymentMachine", "TAINT_KEY", "TAINT_VALUE", "ZONE_LABEL", "ZONES",
    "deployment_manifests", "dns_labels", "durations", "node_manifests", "pod_manifests", "template_annotations",
]
