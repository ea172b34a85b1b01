"""The default profile's scheduling plugins, one module per plugin family.

Owns: the pure pieces kube-scheduler's framework runs per pod — the parsed
pod (anti-)affinity terms and topology spread constraints (`terms`), the
InterPodAffinity and PodTopologySpread filters and scores
(`interpodaffinity`, `podtopologyspread`), the other default scores
(`scores`: BalancedAllocation, TaintToleration, NodeAffinity preferred,
score normalisation and weights), DefaultPreemption (`preemption`) and the
cached path for pods whose only extra score is the system default spreading
(`defaultspread`).
`kstate.controllers.scheduler` wires them into schedulePod. Every function
here takes plain values (a pod, node objects, counts the observe step read
through indexes) and returns plain values; nothing imports engine/ or io/.

Kubernetes sources (1.35): pkg/scheduler/framework/plugins/<plugin>/,
pkg/scheduler/schedule_one.go, pkg/scheduler/framework/preemption.
"""
