"""The HorizontalPodAutoscaler lifecycle as data.

The state is derived on every sync from what the controller decided
(controllers/hpa.py hpa_state):
- Pending: created, not evaluated yet.
- Stable: the last evaluation kept the target's replicas.
- ScalingUp / ScalingDown: the last evaluation changed the target's replicas.
- Limited: no change, and the recommendation was clamped (ScalingLimited=True:
  TooManyReplicas, TooFewReplicas, ScaleUpLimit, ScaleDownLimit).
- Disabled: the target has 0 replicas (ScalingActive=False ScalingDisabled), or
  the target or its metrics could not be read.
- Deleted: the object is gone.
"""

NAME = "hpa"

STATES = ("Pending", "Stable", "ScalingUp", "ScalingDown", "Limited", "Disabled", "Deleted")
INITIAL = "Pending"
TERMINAL = ("Deleted",)

_LIVE = ["Pending", "Stable", "ScalingUp", "ScalingDown", "Limited", "Disabled"]

TRANSITIONS = (
    ("hold", [s for s in _LIVE if s != "Stable"], "Stable"),
    ("scale_up", [s for s in _LIVE if s != "ScalingUp"], "ScalingUp"),
    ("scale_down", [s for s in _LIVE if s != "ScalingDown"], "ScalingDown"),
    ("limit", [s for s in _LIVE if s != "Limited"], "Limited"),
    ("disable", [s for s in _LIVE if s != "Disabled"], "Disabled"),
    ("remove", _LIVE, "Deleted"),
)

TRIGGER_FOR = {(src, dest): trig for trig, srcs, dest in TRANSITIONS for src in srcs}
