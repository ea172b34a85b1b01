"""The Job lifecycle as data.

The state is derived each sync from what the Job controller computed
(controllers/job.py job_state); every change must be an edge:
- Pending: created, not yet synced (no startTime).
- Active: pods are being run towards completions.
- BackingOff: a pod failed and replacements wait out the pod-failure back-off
  (backoff_utils.go: 10 s doubling, capped at 10 min).
- Suspended: spec.suspend; active pods deleted, condition Suspended=True.
- FailureTarget / SuccessCriteriaMet: the interim conditions; the remaining
  pods are being terminated before the terminal condition is added.
- Complete / Failed: terminal conditions (the Job is finished; only the TTL
  controller or a user removes it).
- Deleted: the object is gone.
"""

NAME = "job"

STATES = ("Pending", "Active", "BackingOff", "Suspended", "FailureTarget", "SuccessCriteriaMet",
          "Complete", "Failed", "Deleted")
INITIAL = "Pending"
TERMINAL = ("Deleted",)

_RUNNING = ["Pending", "Active", "BackingOff", "Suspended"]

TRANSITIONS = (
    ("start", ["Pending", "BackingOff", "Suspended"], "Active"),
    ("back_off", ["Pending", "Active", "Suspended"], "BackingOff"),
    ("suspend", ["Pending", "Active", "BackingOff"], "Suspended"),
    ("fail_target", _RUNNING, "FailureTarget"),
    ("meet_success", _RUNNING, "SuccessCriteriaMet"),
    ("complete", _RUNNING + ["SuccessCriteriaMet"], "Complete"),
    ("fail", _RUNNING + ["FailureTarget"], "Failed"),
    ("remove", STATES[:-1], "Deleted"),
)

#: the trigger that leads from one state to another (the table is unambiguous).
TRIGGER_FOR = {(src, dest): trig for trig, srcs, dest in TRANSITIONS for src in srcs}
