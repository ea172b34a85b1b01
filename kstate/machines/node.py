"""The Node lifecycle as data, from the node lifecycle controller's view
(pkg/controller/nodelifecycle/node_lifecycle_controller.go tryUpdateNodeHealth).

- Ready: the kubelet posts status; condition Ready=True.
- Silent: the kubelet stopped posting (node down, partition); the condition is
  still Ready=True until the node-monitor grace period (50 s) has passed.
- Unknown: grace period passed; Ready=Unknown reason NodeStatusUnknown.
- NotReady: the kubelet itself reports Ready=False.
- Removed: the Node object was deleted.
Cordoning is `spec.unschedulable`, orthogonal to these states.
"""

NAME = "node"

STATES = ("Ready", "Silent", "Unknown", "NotReady", "Removed")
INITIAL = "Ready"
TERMINAL = ("Removed",)

TRANSITIONS = (
    ("stop_heartbeat", ["Ready", "NotReady"], "Silent"),
    ("grace_expired", "Silent", "Unknown"),
    ("resume_heartbeat", ["Silent", "Unknown"], "Ready"),
    ("report_not_ready", "Ready", "NotReady"),
    ("report_ready", "NotReady", "Ready"),
    ("remove", ["Ready", "Silent", "Unknown", "NotReady"], "Removed"),
)
