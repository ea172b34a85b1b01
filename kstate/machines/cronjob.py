"""The CronJob lifecycle as data.

Derived each sync from the status the CronJob controller writes
(controllers/cronjob.py cronjob_state):
- Waiting: no Job of this CronJob is active; the next fire time is ahead.
- Running: status.active lists at least one Job.
- Suspended: spec.suspend; no new Jobs (active ones keep running).
- Deleted: the object is gone.
"""

NAME = "cronjob"

STATES = ("Waiting", "Running", "Suspended", "Deleted")
INITIAL = "Waiting"
TERMINAL = ("Deleted",)

TRANSITIONS = (
    ("run", ["Waiting", "Suspended"], "Running"),
    ("idle", ["Running", "Suspended"], "Waiting"),
    ("suspend", ["Waiting", "Running"], "Suspended"),
    ("remove", ["Waiting", "Running", "Suspended"], "Deleted"),
)

#: the trigger that leads from one state to another (the table is unambiguous).
TRIGGER_FOR = {(src, dest): trig for trig, srcs, dest in TRANSITIONS for src in srcs}
