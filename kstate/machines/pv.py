"""The PersistentVolume lifecycle as data (status.phase).

- Pending: just created, not yet seen by the PV controller.
- Available: free for a claim.
- Bound: bound to its claim (spec.claimRef).
- Released: its claim was deleted; under the Delete reclaim policy the
  volume is deleted next, under Retain it stays until an administrator acts.
- Failed: reclamation failed.
- Deleted: the object is gone.
"""

NAME = "pv"

STATES = ("Pending", "Available", "Bound", "Released", "Failed", "Deleted")
INITIAL = "Pending"
TERMINAL = ("Deleted",)

TRANSITIONS = (
    ("available", "Pending", "Available"),
    ("bind", ["Pending", "Available"], "Bound"),
    ("release", "Bound", "Released"),
    ("fail", ["Released"], "Failed"),
    ("remove", ["Pending", "Available", "Bound", "Released", "Failed"], "Deleted"),
)
