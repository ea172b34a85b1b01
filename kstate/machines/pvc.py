"""The PersistentVolumeClaim lifecycle as data (status.phase).

- Pending: not bound (waiting for the provisioner, or a class nobody provisions).
- Bound: bound to a PersistentVolume (spec.volumeName, status Bound).
- Lost: the bound volume disappeared.
- Deleted: the object is gone.
"""

NAME = "pvc"

STATES = ("Pending", "Bound", "Lost", "Deleted")
INITIAL = "Pending"
TERMINAL = ("Deleted",)

TRANSITIONS = (
    ("bind", "Pending", "Bound"),
    ("lose", "Bound", "Lost"),
    ("remove", ["Pending", "Bound", "Lost"], "Deleted"),
)
