"""scheduling.k8s.io/v1 PriorityClass as kstate stores it.

Owns: the frozen class and the API's constants for pod priority
(pkg/apis/scheduling/types.go: the system classes, the highest user-definable
value, the priority of a pod when no class is the global default). Must not
import anything of kstate above `resources/`.
"""
from __future__ import annotations

from typing import ClassVar

import attrs

from kstate.resources.meta import ObjectMeta

#: scheduling.HighestUserDefinablePriority
HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
#: scheduling.SystemCriticalPriority (2 × HighestUserDefinablePriority)
SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY
#: scheduling.DefaultPriorityWhenNoDefaultClassExists
DEFAULT_PRIORITY = 0
SYSTEM_PRIORITY_CLASS_PREFIX = "system-"
SYSTEM_CLUSTER_CRITICAL = "system-cluster-critical"
SYSTEM_NODE_CRITICAL = "system-node-critical"
PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority"
PREEMPT_NEVER = "Never"
PREEMPTION_POLICIES = (PREEMPT_LOWER_PRIORITY, PREEMPT_NEVER)


@attrs.frozen
class PriorityClassBody:
    """The top-level fields of a PriorityClass (it has no spec); kept as one
    value so that an apply replaces them as it replaces a spec."""
    value: int = 0
    global_default: bool = False
    description: str = ""
    preemption_policy: str = PREEMPT_LOWER_PRIORITY


@attrs.frozen
class PriorityClass:
    KIND: ClassVar[str] = "PriorityClass"
    API_VERSION: ClassVar[str] = "scheduling.k8s.io/v1"
    NAMESPACED: ClassVar[bool] = False

    metadata: ObjectMeta
    spec: PriorityClassBody = PriorityClassBody()

    @property
    def value(self) -> int:
        return self.spec.value

    @property
    def global_default(self) -> bool:
        return self.spec.global_default

    @property
    def description(self) -> str:
        return self.spec.description

    @property
    def preemption_policy(self) -> str:
        return self.spec.preemption_policy


#: pkg/apis/scheduling/helpers.go systemPriorityClasses: (name, value, description),
#: created by the API server at start (registry/scheduling/rest AddSystemPriorityClasses).
SYSTEM_PRIORITY_CLASSES = (
    (SYSTEM_NODE_CRITICAL, SYSTEM_CRITICAL_PRIORITY + 1000,
     "Used for system critical pods that must not be moved from their current node."),
    (SYSTEM_CLUSTER_CRITICAL, SYSTEM_CRITICAL_PRIORITY,
     "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
)
