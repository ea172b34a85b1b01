"""Controllers: pure `observe_<x>(view, key)` and `reconcile_<x>(obs, now) -> Result`.

Owns: the registration of the built-in controllers — each with its tier and
the watches that wake it (`kstate.registry.Watch`: a watched kind and a pure
map from a change to keys). Must not import engine/ or io/, and no controller
touches the store, the clock, randomness or I/O.

Watch orders reproduce the order in which the informer handlers of one change
enqueue their keys (it decides the order of reconciles at one instant).
"""
from __future__ import annotations

from kstate.controllers import (
    cronjob, daemonset, deployment, endpoints, garbagecollector, hpa, job, kubelet, kubeproxy, metrics,
    nodelifecycle, replicaset, scheduler,
)
from kstate.controllers import statefulset, volumes
from kstate.controllers import disruption, kubelet_batch
from kstate.controllers.actions import (  # noqa: F401  (re-exported)
    NOTHING, Bind, Create, Delete, RecordEvent, Result, SetMemory, Update, UpdateStatus,
)
from kstate.registry import ON_ADD, ON_DELETE, ON_UPDATE, REGISTRY, ControllerSpec, Watch, register_controller

#: add or update: the change has a new object (a watch that only reads `new`).
_LIVE = frozenset({"add", "update"})
#: what the DaemonSet and StatefulSet controllers' owned-object watches need
#: stored (`Watch.requires`: owned_keys maps nothing while no set exists).
_DS, _STS = ("DaemonSet",), ("StatefulSet",)
#: the Endpoints and EndpointSlice controllers' pod watch maps nothing while no Service selects pods.
_SERVICES = endpoints.SERVICES_BY_SELECTOR

#: the type of a registered controller (name, observe, reconcile, tier, watches, ...).
Controller = ControllerSpec

for _spec in (
    ControllerSpec(scheduler.NAME, scheduler.observe_scheduler, scheduler.reconcile_scheduler,
                   watches=(Watch("Pod", scheduler.watch_pods, order=10, events=ON_ADD),
                            Watch("Pod", scheduler.watch_gates_lifted, order=10, events=ON_UPDATE,
                                  ignores_status=True),
                            Watch("PersistentVolumeClaim", volumes.watch_claims_for_scheduler, order=20))),
    # scheduler.reconcile_scheduler_batch (the assume overlay) is not registered yet: with every
    # item still applied through the one-object write path it costs ~3 % more instructions than
    # the one-key loop (benchmarks/README.md "Issue 12: the batch drain"); it pays once the
    # kubelet's classes and the pod column store land (docs/performance.md, stages 4-5).
    # The kubelet's batch form (controllers/kubelet_batch.py): a run of pods in one call, pods
    # of one class sharing one reconcile (benchmarks/README.md "Issue 12: the kubelet's batch
    # form and class keys").
    ControllerSpec(kubelet.NAME, kubelet.observe_kubelet, kubelet.reconcile_kubelet,
                   watches=(Watch("Pod", kubelet.watch_pods, order=30, events=_LIVE),
                            Watch("Node", kubelet.watch_nodes_joined, order=5, events=ON_ADD),
                            Watch("Node", kubelet.watch_nodes_state, order=40, events=ON_UPDATE),
                            Watch("ConfigMap", kubelet.watch_config_refs, order=30, events=_LIVE),
                            Watch("Secret", kubelet.watch_config_refs, order=30, events=_LIVE)),
                   forget_uid_of="Pod", reconcile_batch=kubelet_batch.reconcile_kubelet_batch,
                   observe_batch=kubelet.observe_kubelet_run),
    ControllerSpec(nodelifecycle.NAME, nodelifecycle.observe_node_lifecycle, nodelifecycle.reconcile_node_lifecycle,
                   watches=(Watch("Node", nodelifecycle.watch_nodes, order=10, events=_LIVE),)),
    ControllerSpec(nodelifecycle.ZONE, nodelifecycle.observe_zone, nodelifecycle.reconcile_zone,
                   watches=(Watch("Node", nodelifecycle.watch_nodes_for_zones, order=20),)),
    ControllerSpec(nodelifecycle.TAINT_EVICTION, nodelifecycle.observe_taint_eviction,
                   nodelifecycle.reconcile_taint_eviction,
                   watches=(Watch("Pod", nodelifecycle.watch_pods_for_eviction, order=40, events=_LIVE,
                                  requires_index=nodelifecycle.NOEXECUTE_NODES),
                            Watch("Node", nodelifecycle.watch_nodes_for_eviction, order=50, events=ON_UPDATE))),
    ControllerSpec(nodelifecycle.PODGC, nodelifecycle.observe_podgc, nodelifecycle.reconcile_podgc,
                   watches=(Watch("Pod", nodelifecycle.watch_pods_for_podgc, order=20, events=_LIVE),
                            Watch("Node", nodelifecycle.watch_nodes_for_podgc, order=60,
                                  events=ON_UPDATE | ON_DELETE))),
    ControllerSpec(replicaset.NAME, replicaset.observe_replicaset, replicaset.reconcile_replicaset, 1,
                   watches=(Watch("ReplicaSet", replicaset.watch_self, order=10),
                            Watch("ReplicationController", replicaset.watch_self, order=10),
                            Watch("Pod", replicaset.watch_pods, order=50, requires=replicaset.KINDS))),
    ControllerSpec(daemonset.NAME, daemonset.observe_daemonset, daemonset.reconcile_daemonset, 1,
                   watches=(Watch("DaemonSet", daemonset.watch_self, order=10),
                            Watch("ControllerRevision", daemonset.watch_owned, order=10, requires=_DS),
                            Watch("Pod", daemonset.watch_owned, order=55, requires=_DS),
                            Watch("Node", daemonset.watch_nodes, order=70, events=_LIVE))),
    ControllerSpec(endpoints.ENDPOINTS, endpoints.observe_endpoints, endpoints.reconcile_endpoints, 1,
                   watches=(Watch("Service", endpoints.watch_services, order=10),
                            Watch("Pod", endpoints.watch_pods, order=55, requires_index=_SERVICES),
                            Watch("Node", endpoints.watch_nodes, order=70, events=ON_UPDATE))),
    ControllerSpec(endpoints.SLICES, endpoints.observe_slices, endpoints.reconcile_slices, 1,
                   watches=(Watch("Service", endpoints.watch_services, order=11),
                            Watch("Pod", endpoints.watch_pods, order=56, requires_index=_SERVICES),
                            Watch("Node", endpoints.watch_nodes, order=71, events=ON_UPDATE))),
    ControllerSpec(garbagecollector.NAME, garbagecollector.observe_gc, garbagecollector.reconcile_gc, 1,
                   watches=(Watch("*", garbagecollector.watch_removed, order=-100, events=ON_DELETE),
                            Watch("*", garbagecollector.watch_deleting, order=1000,
                                  events=_LIVE, ignores_status=True),
                            Watch("*", garbagecollector.watch_owner_refs, order=1001, events=_LIVE,
                                  ignores_status=True))),
    ControllerSpec(deployment.NAME, deployment.observe_deployment, deployment.reconcile_deployment, 2,
                   watches=(Watch("Deployment", deployment.watch_self, order=10),
                            Watch("ReplicaSet", deployment.watch_replica_sets, order=20),
                            Watch("Pod", deployment.watch_pods, order=60, events=ON_DELETE,
                                  requires=replicaset.KINDS))),
    ControllerSpec(metrics.NAME, metrics.observe_metrics, metrics.reconcile_metrics,
                   watches=(Watch("HorizontalPodAutoscaler", metrics.watch_hpas, order=10, events=ON_ADD),
                            Watch("Pod", metrics.watch_pods, order=70, events=ON_ADD))),
    ControllerSpec(hpa.NAME, hpa.observe_hpa, hpa.reconcile_hpa, 2,
                   watches=(Watch("HorizontalPodAutoscaler", hpa.watch_self, order=20, events=ON_ADD),),
                   forget_uid_of="HorizontalPodAutoscaler"),

    ControllerSpec(job.NAME, job.observe_job, job.reconcile_job, 1,
                   watches=(Watch("Job", job.watch_self, order=10),
                            Watch("Job", job.watch_self_status, order=10, events=frozenset({"update"}),
                                  delay=job.SYNC_JOB_BATCH_PERIOD),
                            Watch("Pod", job.watch_pods, order=55, delay=job.SYNC_JOB_BATCH_PERIOD,
                                  requires=("Job",)))),
    ControllerSpec(cronjob.NAME, cronjob.observe_cronjob, cronjob.reconcile_cronjob, 2,
                   watches=(Watch("CronJob", cronjob.watch_self, order=10),
                            Watch("CronJob", cronjob.watch_rescheduled, order=10, events=frozenset({"update"}),
                                  delay=cronjob.rescheduled_delay),
                            Watch("Job", cronjob.watch_jobs, order=30))),
    ControllerSpec(job.TTL_NAME, job.observe_ttl, job.reconcile_ttl, 2,
                   watches=(Watch("Job", job.watch_ttl, order=20),)),

    ControllerSpec(volumes.NAME, volumes.observe_volumes, volumes.reconcile_volumes,
                   watches=(Watch("PersistentVolumeClaim", volumes.watch_claims, order=10),
                            Watch("PersistentVolume", volumes.watch_volumes, order=10))),
    ControllerSpec(statefulset.NAME, statefulset.observe_statefulset, statefulset.reconcile_statefulset, 1,
                   watches=(Watch("StatefulSet", statefulset.watch_self, order=10),
                            Watch("ControllerRevision", statefulset.watch_owned, order=11, requires=_STS),
                            Watch("Pod", statefulset.watch_owned, order=57, requires=_STS),
                            Watch("PersistentVolumeClaim", statefulset.watch_claims, order=30, requires=_STS))),
    ControllerSpec(disruption.NAME, disruption.observe_disruption, disruption.reconcile_disruption, 1,
                   watches=(Watch("PodDisruptionBudget", disruption.watch_self, order=10),
                            Watch("Pod", disruption.watch_pods, order=58, requires=(disruption.KIND,)))),
    ControllerSpec(disruption.STALE_NAME, disruption.observe_stale, disruption.reconcile_stale, 1,
                   watches=(Watch("Pod", disruption.watch_pods_stale, order=59, events=_LIVE),)),
    # the last tier: kube-proxy syncs once the instant's endpoint changes are written;
    # the kube-proxy-sync index's Service and EndpointSlice handlers wake it
    ControllerSpec(kubeproxy.NAME, kubeproxy.observe_kube_proxy, kubeproxy.reconcile_kube_proxy, 3),
):
    if _spec.name not in REGISTRY.controllers:
        register_controller(_spec)

#: the registered controllers by name (the registry's own dict: a controller
#: registered later, by a plug-in or a test, appears here too).
CONTROLLERS = REGISTRY.controllers
