"""The StatefulSet lifecycle as data (status.state).

The state is derived at each sync from the pods the controller observed
(controllers/statefulset.py set_state); every change must be an edge:
- Pending: created, not yet synced.
- ScalingUp: fewer in-range pods are Running and Ready than spec.replicas.
- ScalingDown: pods outside the ordinal range remain (condemned).
- Updating: the pods are not all at the update revision (RollingUpdate
  towards the partition, or OnDelete waiting for deletions).
- Stable: every ordinal ready at the update revision, nothing condemned.
- Deleted: the object is gone.
"""

NAME = "statefulset"

STATES = ("Pending", "ScalingUp", "ScalingDown", "Updating", "Stable", "Deleted")
INITIAL = "Pending"
TERMINAL = ("Deleted",)

_LIVE = ["Pending", "ScalingUp", "ScalingDown", "Updating", "Stable"]

TRANSITIONS = (
    ("scale_up", [s for s in _LIVE if s != "ScalingUp"], "ScalingUp"),
    ("scale_down", [s for s in _LIVE if s != "ScalingDown"], "ScalingDown"),
    ("update", [s for s in _LIVE if s != "Updating"], "Updating"),
    ("stabilize", [s for s in _LIVE if s != "Stable"], "Stable"),
    ("remove", _LIVE, "Deleted"),
)

#: the trigger that leads to a state (one per destination).
TRIGGER_FOR = {dest: trig for trig, _srcs, dest in TRANSITIONS}
