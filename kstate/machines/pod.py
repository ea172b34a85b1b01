"""The Pod lifecycle as data (no per-object state here).

States follow what the kubelet does to a pod (pkg/kubelet/kubelet.go SyncPod,
kubelet_pods.go getPhase); the Kubernetes `status.phase` is derived from the
container statuses, the state says where in its life the pod is:

- Pending: created, not bound to a node.
- Scheduled: bound (spec.nodeName set); the kubelet has not acted yet.
- Initializing: init containers running, one after another.
- ContainerCreating: app containers being created (kstate.io/start-after).
- Running: app containers running (readiness is a condition, not a state: a
  pod without probes enters Running already Ready, in the same write).
- Terminated: containers have just exited; the kubelet decides next.
- CrashLoopBackOff: waiting out the restart back-off (§1.2 of the reference).
- Succeeded / Failed: terminal phases.
- Terminating: deletionTimestamp set, the kubelet is stopping the containers.
- Deleted: the object is gone from the store.
"""

NAME = "pod"

STATES = (
    "Pending", "Scheduled", "Initializing", "ContainerCreating", "Running",
    "Terminated", "CrashLoopBackOff", "Succeeded", "Failed", "Terminating", "Deleted",
)
INITIAL = "Pending"
TERMINAL = ("Deleted",)

_LIVE = ["Scheduled", "Initializing", "ContainerCreating", "Running", "Terminated", "CrashLoopBackOff"]

TRANSITIONS = (
    # (trigger, source(s), dest)
    ("bind", "Pending", "Scheduled"),
    ("init", "Scheduled", "Initializing"),
    ("create_containers", ["Scheduled", "Initializing"], "ContainerCreating"),
    ("start", "ContainerCreating", "Running"),
    ("exit", "Running", "Terminated"),
    ("restart", ["Terminated", "CrashLoopBackOff"], "Running"),
    ("back_off", "Terminated", "CrashLoopBackOff"),
    ("succeed", ["Terminated", "Terminating"], "Succeeded"),
    ("fail", ["Terminated", "Terminating", "Scheduled", "Initializing", "ContainerCreating",
              "Running", "CrashLoopBackOff"], "Failed"),
    ("delete", _LIVE, "Terminating"),
    # A node object re-created under the same name: its kubelet finds these
    # pods bound to it with no sandbox and starts them again.
    ("sandbox_lost", ["Initializing", "ContainerCreating", "Running", "Terminated", "CrashLoopBackOff"],
     "Scheduled"),
    ("remove", ["Pending", "Succeeded", "Failed", "Terminating"] + _LIVE, "Deleted"),
)
