"""The Deployment rollout lifecycle as data.

The state is derived each sync from what the controller computed
(controllers/deployment.py rollout_state) and every change must be an edge:
- Progressing: a rollout (or scaling) is under way.
- Complete: updated = replicas = available (DeploymentComplete).
- Paused: spec.paused; template changes are not rolled out.
- Failed: the progress deadline passed (Progressing=False ProgressDeadlineExceeded);
  the controller keeps trying, nothing is rolled back.
- RollingBack: the new ReplicaSet is an older revision brought back by
  `rollout undo` and the rollout is not complete yet.
- Deleted: the object is gone.
"""

NAME = "deployment"

STATES = ("Progressing", "Complete", "Paused", "Failed", "RollingBack", "Deleted")
INITIAL = "Progressing"
TERMINAL = ("Deleted",)

_LIVE = ["Progressing", "Complete", "Paused", "Failed", "RollingBack"]

TRANSITIONS = (
    ("complete", ["Progressing", "Failed", "RollingBack", "Paused"], "Complete"),
    ("progress", ["Complete", "Failed", "Paused", "RollingBack"], "Progressing"),
    ("pause", ["Progressing", "Complete", "Failed", "RollingBack"], "Paused"),
    ("time_out", ["Progressing", "RollingBack", "Paused"], "Failed"),
    ("roll_back", ["Progressing", "Complete", "Failed", "Paused"], "RollingBack"),
    ("remove", _LIVE, "Deleted"),
)

#: the trigger that leads from one state to another (the table is unambiguous).
TRIGGER_FOR = {(src, dest): trig for trig, srcs, dest in TRANSITIONS for src in srcs}
