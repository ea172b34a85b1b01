"""The per-node slot of a DaemonSet as data.

A slot is one (DaemonSet, node) pair. It is not an API object: its state is
derived from the node and the DaemonSet's pods for it
(controllers/daemonset.py slot_state), and the trace of a run must only ever
move a slot along these edges (tests check it at every controller step):

- Absent: the node (or the DaemonSet) is not there yet.
- Unwanted: NodeShouldRunDaemonPod says no and the node has no live pod.
- Wanted: the node should run a daemon pod and has none (a create is due,
  or waits for the only pod to finish terminating, or for a failed pod's
  back-off).
- Starting: one live pod, not ready.
- Running: one live pod, ready.
- Surging: two live pods (a surge rolling update, or a duplicate about to
  be pruned).
- Draining: live pods on a node they should not keep running on
  (selector/affinity mismatch, an untolerated NoExecute taint): the
  controller deletes them.
- Failed: the only pod is Failed and not yet deleted (per-node back-off).
- Terminating: the only pods are terminating.
- Gone: the node (or the DaemonSet) was removed.
"""

NAME = "daemonslot"

STATES = ("Absent", "Unwanted", "Wanted", "Starting", "Running", "Surging", "Draining", "Failed", "Terminating",
          "Gone")
INITIAL = "Absent"
TERMINAL = ("Gone",)

_PRESENT = ["Unwanted", "Wanted", "Starting", "Running", "Surging", "Draining", "Failed", "Terminating"]
_LIVE = ["Starting", "Running", "Surging"]

TRANSITIONS = (
    ("appear", "Absent", "Unwanted"),
    ("appear_wanted", "Absent", "Wanted"),
    ("become_eligible", ["Unwanted"], "Wanted"),
    ("become_ineligible", ["Wanted"], "Unwanted"),
    ("create", ["Wanted"], "Starting"),
    ("ready", ["Starting"], "Running"),
    ("unready", ["Running"], "Starting"),
    ("surge", ["Starting", "Running"], "Surging"),
    ("prune", ["Surging"], "Running"),
    ("prune_to_starting", ["Surging"], "Starting"),
    ("evict", _LIVE, "Draining"),
    ("readmit", ["Draining"], "Running"),
    ("readmit_starting", ["Draining"], "Starting"),
    ("fail", ["Starting", "Running"], "Failed"),
    ("delete", ["Starting", "Running", "Draining", "Surging"], "Terminating"),
    # with surge, syncNodes creates the replacement before deleting the old pod
    ("recreate_beside_terminating", ["Terminating"], "Starting"),
    ("replace_failed", ["Failed"], "Starting"),
    ("delete_unbound", ["Starting"], "Wanted"),
    ("removed", ["Terminating", "Failed", "Draining"], "Wanted"),
    ("removed_unwanted", ["Terminating", "Failed", "Draining"], "Unwanted"),
    ("gone", _PRESENT + ["Absent"], "Gone"),
)

#: the trigger that leads from one state to another (one per pair).
TRIGGER_FOR = {}
for _trig, _srcs, _dest in TRANSITIONS:
    for _src in ([_srcs] if isinstance(_srcs, str) else _srcs):
        TRIGGER_FOR.setdefault((_src, _dest), _trig)
