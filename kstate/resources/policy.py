"""policy/v1 PodDisruptionBudget as kstate stores it.

Owns: the frozen spec/status classes and the API's constants
(k8s.io/api/policy/v1 types.go: the DisruptionAllowed condition and its
reasons, the unhealthy-pod eviction policies, DisruptionBudgetCause).
minAvailable / maxUnavailable keep the IntOrString as given: an int, or a
"<n>%" string. Must not import anything of kstate above `resources/`.
"""
from __future__ import annotations

from typing import ClassVar, Optional, Union

import attrs

from kstate.resources.frozen import EMPTY, FrozenDict
from kstate.resources.meta import ObjectMeta
from kstate.resources.selector import LabelSelector

DISRUPTION_ALLOWED = "DisruptionAllowed"
SYNC_FAILED = "SyncFailed"
SUFFICIENT_PODS = "SufficientPods"
INSUFFICIENT_PODS = "InsufficientPods"
IF_HEALTHY_BUDGET = "IfHealthyBudget"
ALWAYS_ALLOW = "AlwaysAllow"
UNHEALTHY_POD_EVICTION_POLICIES = (IF_HEALTHY_BUDGET, ALWAYS_ALLOW)
#: policyv1.DisruptionBudgetCause: the cause type of an eviction's refusal.
DISRUPTION_BUDGET_CAUSE = "DisruptionBudget"

IntOrPercent = Union[int, str]


@attrs.frozen
class PDBCondition:
    """A metav1.Condition (type, status, observedGeneration,
    lastTransitionTime, reason, message)."""
    type: str
    status: str
    reason: str = ""
    message: str = ""
    observed_generation: int = 0
    last_transition_time: Optional[int] = None


@attrs.frozen
class PodDisruptionBudgetSpec:
    min_available: Optional[IntOrPercent] = None
    max_unavailable: Optional[IntOrPercent] = None
    #: None selects no pod; an empty selector selects every pod of the
    #: namespace (policy/v1, unlike v1beta1).
    selector: Optional[LabelSelector] = None
    unhealthy_pod_eviction_policy: Optional[str] = None


@attrs.frozen
class PodDisruptionBudgetStatus:
    observed_generation: int = 0
    #: pod name → when the eviction API approved its eviction (ms).
    disrupted_pods: FrozenDict = EMPTY
    disruptions_allowed: int = 0
    current_healthy: int = 0
    desired_healthy: int = 0
    expected_pods: int = 0
    conditions: tuple[PDBCondition, ...] = ()
    #: kstate's lifecycle state: a budget has none (never in a manifest).
    state: str = ""


@attrs.frozen
class PodDisruptionBudget:
    KIND: ClassVar[str] = "PodDisruptionBudget"
    API_VERSION: ClassVar[str] = "policy/v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: PodDisruptionBudgetSpec = PodDisruptionBudgetSpec()
    status: PodDisruptionBudgetStatus = PodDisruptionBudgetStatus()


def set_status_condition(conditions: tuple[PDBCondition, ...], new: PDBCondition,
                         now: int) -> tuple[PDBCondition, ...]:
    """apimachinery meta.SetStatusCondition: add `new`, or update the
    condition of its type (lastTransitionTime moves only when the status
    changes; reason, message and observedGeneration always follow).

    Example: DisruptionAllowed True since 5 s, set False at 9 s → its
    lastTransitionTime becomes 9 s; set True again with another reason at
    9 s → it stays 5 s."""
    for i, old in enumerate(conditions):
        if old.type != new.type:
            continue
        ltt = old.last_transition_time if old.status == new.status else (
            new.last_transition_time if new.last_transition_time is not None else now)
        out = attrs.evolve(new, last_transition_time=ltt)
        return conditions if out == old else conditions[:i] + (out,) + conditions[i + 1:]
    if new.last_transition_time is None:
        new = attrs.evolve(new, last_transition_time=now)
    return conditions + (new,)


def find_status_condition(conditions, type_: str) -> Optional[PDBCondition]:
    for c in conditions:
        if c.type == type_:
            return c
    return None
