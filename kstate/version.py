"""The Kubernetes release kstate models.

Every rule kstate implements follows the Kubernetes source at this version
(kubernetes/kubernetes tag v1.35.0); where behaviour changed between
releases (node-monitor grace period 50 s since 1.32, MaxUnavailableStatefulSet
on by default from 1.35, KubeletCrashLoopBackOffMax beta in 1.35, …), kstate
follows this one. Imports nothing.
"""

KUBERNETES_VERSION = "1.35"
