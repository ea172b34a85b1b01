"""The per-ordinal slot of a StatefulSet as data.

A slot is one (StatefulSet, ordinal) pair. It is not an API object: its
state is derived from the pod named `<set>-<ordinal>` and the claims of the
set's volumeClaimTemplates for that ordinal
(controllers/statefulset.py slot_state); tests check that the trace of a run
only ever moves a slot along these edges:

- Absent: no pod and no claim.
- Claimed: the claims exist, the pod does not (created before the pod, and
  kept after it under the Retain policy).
- Creating: the pod exists and is Pending (not scheduled or starting).
- Running: the pod is Running but not Ready.
- Ready: the pod is Running and Ready.
- Failed: the pod is Failed or Succeeded and not yet deleted.
- Terminating: the pod is being deleted (its replacement waits until the
  object is gone: same name).
"""

NAME = "statefulslot"

STATES = ("Absent", "Claimed", "Creating", "Running", "Ready", "Failed", "Terminating")
INITIAL = "Absent"
TERMINAL = ()

_LIVE = ["Creating", "Running", "Ready"]

TRANSITIONS = (
    ("claim", "Absent", "Claimed"),
    ("create", ["Absent", "Claimed"], "Creating"),
    ("start", ["Creating"], "Running"),
    ("ready", ["Creating", "Running"], "Ready"),
    ("unready", ["Ready"], "Running"),
    ("fail", _LIVE, "Failed"),
    ("delete", _LIVE + ["Failed"], "Terminating"),
    ("removed", ["Terminating", "Failed"], "Claimed"),
    ("removed_unclaimed", ["Terminating", "Failed"], "Absent"),
    ("release", ["Claimed"], "Absent"),
)

#: the trigger that leads from one state to another (one per pair).
TRIGGER_FOR = {}
for _trig, _srcs, _dest in TRANSITIONS:
    for _src in ([_srcs] if isinstance(_srcs, str) else _srcs):
        TRIGGER_FOR.setdefault((_src, _dest), _trig)
