"""autoscaling/v2 HorizontalPodAutoscaler as kstate stores it (the API
server's storage version; autoscaling/v1 objects are converted to it).

Owns: the frozen spec/status classes. Quantities (averageValue, value) are
kept as their strings; utilizations as integer percents. Must not import
anything of kstate above `resources/`.
"""
from __future__ import annotations

from typing import Any, ClassVar, Optional

import attrs

from kstate.resources.frozen import EMPTY, FrozenDict
from kstate.resources.meta import Condition, ObjectMeta


@attrs.frozen
class CrossVersionObjectReference:
    kind: str
    name: str
    api_version: str = ""


@attrs.frozen
class MetricTarget:
    type: str                                   # Utilization | Value | AverageValue
    average_utilization: Optional[int] = None
    average_value: Optional[str] = None
    value: Optional[str] = None


@attrs.frozen
class MetricSpec:
    """One entry of spec.metrics. `name` is the resource name (Resource,
    ContainerResource) or the metric name (Pods, Object, External);
    `source` keeps the rest of the source verbatim (describedObject,
    metric selector)."""
    type: str                                   # Resource | ContainerResource | Pods | Object | External
    name: str
    target: MetricTarget
    container: str = ""
    source: FrozenDict = EMPTY
    #: Pods / Object / External: metric.selector as a LabelSelector (None: unset).
    metric_selector: Optional[Any] = None
    #: Object: describedObject.
    described: Optional[CrossVersionObjectReference] = None


@attrs.frozen
class HPAScalingPolicy:
    type: str                                   # Pods | Percent
    value: int
    period_seconds: int


@attrs.frozen
class HPAScalingRules:
    stabilization_window_seconds: Optional[int] = None
    select_policy: str = "Max"                  # Max | Min | Disabled
    policies: tuple[HPAScalingPolicy, ...] = ()
    tolerance: Optional[str] = None


@attrs.frozen
class HPABehavior:
    scale_up: Optional[HPAScalingRules] = None
    scale_down: Optional[HPAScalingRules] = None


@attrs.frozen
class HPASpec:
    scale_target_ref: CrossVersionObjectReference
    max_replicas: int
    min_replicas: int = 1
    metrics: tuple[MetricSpec, ...] = ()
    behavior: Optional[HPABehavior] = None


@attrs.frozen
class MetricStatus:
    """One entry of status.currentMetrics (current values only)."""
    type: str
    name: str
    average_utilization: Optional[int] = None
    average_value: Optional[str] = None
    value: Optional[str] = None
    container: str = ""
    source: FrozenDict = EMPTY


@attrs.frozen
class HPAStatus:
    #: kstate's lifecycle state (machines/hpa.py): never in a manifest.
    state: str = "Pending"
    observed_generation: Optional[int] = None
    last_scale_time: Optional[int] = None
    current_replicas: int = 0
    desired_replicas: int = 0
    current_metrics: tuple[MetricStatus, ...] = ()
    conditions: tuple[Condition, ...] = ()


@attrs.frozen
class HorizontalPodAutoscaler:
    KIND: ClassVar[str] = "HorizontalPodAutoscaler"
    API_VERSION: ClassVar[str] = "autoscaling/v2"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: HPASpec
    status: HPAStatus = HPAStatus()
