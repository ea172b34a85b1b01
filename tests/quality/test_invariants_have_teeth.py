"""Quality: every invariant catches a deliberately broken controller.

For each name in `kstate.invariants.INVARIANTS` there is a scenario run on a
broken controller registry (passed to `Cluster(controllers=...)`) that the
invariant must report — and the same scenario on kstate's own controllers
that it must not. A newly registered invariant without a case here fails
`test_invariant_catches_a_broken_controller` until one is added.

The second half does the same for `ClusterMachine`'s liveness checks: a
controller that silently stops doing its job must make `settle` fail.
"""
from __future__ import annotations

import pathlib

from typing import Callable, Optional

import attrs
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from kstate import Cluster, InvalidTransition
from kstate.controllers import CONTROLLERS
from kstate.controllers import cronjob, daemonset, deployment, hpa, job, kubelet, nodelifecycle, replicaset, scheduler
from kstate.controllers import statefulset
from kstate.controllers.actions import NOTHING, Bind, Create, Delete, Result, SetMemory, Update, UpdateStatus
from kstate.invariants import INVARIANTS
from kstate.resources.meta import Condition, set_condition
from kstate.resources.pod import is_pod_ready
from kstate.testing.machine import ClusterMachine


# ---------------------------------------------------------------- helpers


def pod(name: str = "web", cpu: Optional[str] = None, **annotations) -> dict:
    c = {"name": "app", "image": "nginx"}
    if cpu:
        c["resources"] = {"requests": {"cpu": cpu}}
    meta = {"name": name}
    if annotations:
        meta["annotations"] = {f"kstate.io/{k.replace('_', '-')}": v for k, v in annotations.items()}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": [c]}}


def replace(name: str, reconcile: Callable = None, observe: Callable = None) -> dict:
    """kstate's controller registry with one controller's functions swapped
    (everything else about it, e.g. its workqueue tier, kept)."""
    reg = dict(CONTROLLERS)
    c = reg[name]
    reg[name] = c._replace(observe=observe or c.observe, reconcile=reconcile or c.reconcile)
    return reg


def rewrite_actions(name: str, fn: Callable) -> dict:
    """A registry where controller `name` runs as usual but each action it
    returns passes through `fn(action)` (or `fn(obs, action)` when `fn` takes
    two arguments), which returns an action, a list of actions, or None to
    drop it."""
    real = CONTROLLERS[name].reconcile
    two = fn.__code__.co_argcount == 2

    def reconcile(obs, now):
        r = real(obs, now)
        out = []
        for a in r.actions:
            b = fn(obs, a) if two else fn(a)
            out.extend(() if b is None else b if isinstance(b, list) else (b,))
        return Result(tuple(out), r.requeue_after)
    return replace(name, reconcile=reconcile)


def fired(cluster: Cluster, name: str) -> list:
    return list(INVARIANTS[name](cluster.engine))


def status_of(a, **changes):
    return attrs.evolve(a, obj=attrs.evolve(a.obj, status=attrs.evolve(a.obj.status, **changes)))


def is_update(a, trigger) -> bool:
    return isinstance(a, UpdateStatus) and a.trigger == trigger


# ---------------------------------------------------------------- broken controllers, one per invariant


def kubelet_skipping_container_creating():
    """Scheduled → Running in one step ('start' is not an edge from Scheduled)."""
    return rewrite_actions(kubelet.NAME, lambda a: UpdateStatus(
        status_of(a, state="Running").obj, "start") if is_update(a, "create_containers") else a)


def scheduler_ignoring_capacity(registry: Optional[dict] = None) -> dict:
    """Binds every pending pod to the first node, whatever it has room for."""
    def reconcile(obs, now):
        if obs.pod is None or not obs.table.size:
            return NOTHING
        m = obs.pod.metadata
        return Result((Bind(m.namespace, m.name, m.uid, obs.table.names[0]),))
    reg = dict(registry or CONTROLLERS)
    reg[scheduler.NAME] = reg[scheduler.NAME]._replace(reconcile=reconcile)
    return reg


def kubelet_skipping_admission() -> dict:
    """Admits every pod bound to it, as if the node were empty."""
    nothing = attrs.fields(kubelet.KubeletObs).admitted.default   # "nothing admitted yet"

    def observe(view, key):
        return attrs.evolve(kubelet.observe_kubelet(view, key), admitted=nothing)
    return replace(kubelet.NAME, observe=observe)


def podgc_never_collecting():
    return replace(nodelifecycle.PODGC, reconcile=lambda obs, now: NOTHING)


def kubelet_writing_wrong_phase():
    """Writes phase Pending whenever the containers run."""
    return rewrite_actions(kubelet.NAME, lambda a: status_of(a, phase="Pending")
                           if isinstance(a, UpdateStatus) and a.obj.status.state == "Running" else a)


def kubelet_ready_too_early():
    """Marks a pod Ready while its containers are still being created (and
    skips the status sync that would recompute the condition)."""
    def reconcile(obs, now):
        pod = obs.pod
        if (pod is not None and obs.node_alive and pod.metadata.deletion_timestamp is None
                and pod.status.state == "ContainerCreating"):
            if not is_pod_ready(pod):
                conds = set_condition(pod.status.conditions, Condition("Ready", "True"), now)
                return Result((UpdateStatus(attrs.evolve(pod, status=attrs.evolve(pod.status, conditions=conds))),))
            return kubelet._fire_rules(obs, now)
        r = kubelet.reconcile_kubelet(obs, now)
        if any(is_update(a, "create_containers") for a in r.actions):
            # look again at once, not only at the start (its own write does not wake the kubelet)
            return Result(r.actions, requeue_after=0)
        return r
    return replace(kubelet.NAME, reconcile=reconcile)


def kubelet_with_fixed_ip(ip: str):
    """Sets the sandbox IP itself (the engine only allocates when it is empty)."""
    return rewrite_actions(kubelet.NAME, lambda a: status_of(a, pod_ip=ip) if is_update(a, "create_containers") else a)


def node_controller_reusing_first_cidr():
    """Rewrites every node's podCIDR to the first node's subnet."""
    real = CONTROLLERS[nodelifecycle.NAME].reconcile

    def reconcile(obs, now):
        node = obs.node
        if node is not None and node.spec.pod_cidr != "10.244.0.0/24":
            spec = attrs.evolve(node.spec, pod_cidr="10.244.0.0/24", pod_cidrs=("10.244.0.0/24",))
            return Result((Update(attrs.evolve(node, spec=spec)),))
        return real(obs, now)
    return replace(nodelifecycle.NAME, reconcile=reconcile)


# ---------------------------------------------------------------- scenarios: (broken registry) -> cluster


def run_one_pod(controllers, **annotations) -> Cluster:
    c = Cluster(nodes=1, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(pod(**annotations))
    c.advance("5s")
    return c


def run_two_pods_on_one_small_node(controllers) -> Cluster:
    c = Cluster(nodes=0, seed=0, controllers=controllers, enforce_machines=False)
    c.add_node("node-0", cpu="1")
    c.apply([pod("a", cpu="800m"), pod("b", cpu="800m")])
    c.advance("5s")
    return c


def run_two_pinned_pods_on_one_small_node(controllers) -> Cluster:
    c = Cluster(nodes=0, seed=0, controllers=controllers, enforce_machines=False)
    c.add_node("node-0", cpu="1")
    pinned = [pod("a", cpu="800m"), pod("b", cpu="800m")]
    for p in pinned:
        p["spec"]["nodeName"] = "node-0"
    c.apply(pinned)
    c.advance("5s")
    return c


def test_kubelet_admission_rejects_what_a_capacity_blind_scheduler_overcommits():
    c = run_two_pods_on_one_small_node(scheduler_ignoring_capacity())
    assert sorted(p.status.phase for p in c.list("Pod")) == ["Failed", "Running"]
    assert fired(c, "no-node-over-capacity") == []


def run_node_removed_under_a_pod(controllers) -> Cluster:
    c = Cluster(nodes=2, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(pod())
    c.advance("5s")
    node = c.get("Pod", "web").spec.node_name
    assert node
    c.remove_node(node)
    assert not fired(c, "pods-bound-to-existing-nodes"), "GC is queued: nothing to report yet"
    c.advance("30s")
    return c


def run_pod_creating_containers(controllers) -> Cluster:
    c = Cluster(nodes=1, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(pod(start_after="30s"))
    c.advance("1s")
    assert c.get("Pod", "web").status.state == "ContainerCreating"
    return c


def run_two_pods(controllers) -> Cluster:
    c = Cluster(nodes=1, seed=0, controllers=controllers, enforce_machines=False)
    c.apply([pod("a"), pod("b")])
    c.advance("5s")
    return c


def run_two_nodes(controllers) -> Cluster:
    c = Cluster(nodes=2, seed=0, controllers=controllers, enforce_machines=False)
    c.advance("5s")
    return c


# ---------------------------------------------------------------- Deployments


def deployment_manifest(replicas: int = 3) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}}


def rollout(controllers=None, *, enforce: bool = False, check_every: Optional[list] = None) -> Cluster:
    """A 3-replica Deployment that completes, then a set-image rollout run to
    the end one second at a time (checking `check_every` invariants each second)."""
    c = Cluster(nodes=3, seed=0, controllers=controllers, enforce_machines=enforce)
    c.apply(deployment_manifest())
    c.advance("30s")
    c.set_image("Deployment", "web", "app", "nginx:1.27")
    for _ in range(60):
        c.advance("1s")
        for name in check_every or ():
            assert fired(c, name) == [], name
    return c


def replica_sets(c: Cluster) -> list:
    return sorted(c.list("ReplicaSet"), key=lambda rs: rs.metadata.creation_timestamp or 0)


def write(c: Cluster, action) -> Cluster:
    """Feed one broken write through the engine, as a buggy controller would
    issue it, and look before any controller reacts."""
    c.engine.apply_action(action)
    return c


def rs_scaled(rs, replicas: int) -> Update:
    return Update(attrs.evolve(rs, spec=attrs.evolve(rs.spec, replicas=replicas)))


def run_rs_scaled_beyond_surge(broken: bool) -> Cluster:
    """The Deployment controller writing replicas + maxSurge + 1 on the new RS."""
    c = rollout(check_every=["deployment-max-surge"])
    new = replica_sets(c)[-1]
    return write(c, rs_scaled(new, 3 + 1 + 1)) if broken else c


def run_rs_scaled_below_available(broken: bool) -> Cluster:
    """The Deployment controller scaling its only RS to 0 (ignoring maxUnavailable)."""
    c = rollout(check_every=["deployment-min-available"])
    new = replica_sets(c)[-1]
    return write(c, rs_scaled(new, 0)) if broken else c


def run_complete_mid_rollout(broken: bool) -> Cluster:
    """The Deployment controller reporting Complete while the old RS still
    runs pods. (The invariant judges only what the controller has observed:
    the broken status is its own answer, not a write it has yet to see.)"""
    controllers = None
    if broken:
        def fn(obs, a):
            # once two ReplicaSets run pods: claim Complete, and write nothing more
            if isinstance(a, UpdateStatus) and a.obj.KIND == "Deployment" and sum(
                    rs.spec.replicas > 0 for rs in obs.rss) == 2:
                return None if obs.d.status.state == "Complete" else status_of(a, state="Complete")
            return a
        controllers = rewrite_actions(deployment.NAME, fn)
    c = Cluster(nodes=3, seed=0, enforce_machines=False, controllers=controllers)
    c.apply(deployment_manifest())
    c.advance("30s")
    c.set_image("Deployment", "web", "app", "nginx:1.27")
    c.advance("0s")
    assert len([rs for rs in c.list("ReplicaSet") if rs.spec.replicas > 0]) == 2
    return c


def deployment_syncing_new_rs_while_paused():
    """sync() called getNewReplicaSet with create=True: a paused Deployment
    whose template changed gets its new ReplicaSet anyway."""
    real = CONTROLLERS[deployment.NAME].reconcile

    def reconcile(obs, now):
        d = obs.d
        if d is not None and d.spec.paused and d.status.state == "Paused":
            rss = list(obs.rss)
            new_rs = deployment.find_new_replica_set(d, rss)
            old = deployment.find_old_replica_sets(d, rss, new_rs)
            step = deployment.get_new_replica_set(d, rss, new_rs, old, True, now)
            creates = tuple(a for a in step.actions if isinstance(a, Create)) if step is not None else ()
            if creates:
                return Result(creates)
        return real(obs, now)
    return replace(deployment.NAME, reconcile=reconcile)


def run_paused_then_new_image(controllers) -> Cluster:
    c = Cluster(nodes=3, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(deployment_manifest())
    c.advance("30s")
    c.rollout_pause("web")
    c.advance("5s")
    c.set_image("Deployment", "web", "app", "nginx:1.27")
    c.advance("30s")
    return c


def deployment_creating_each_replicaset_twice():
    def fn(a):
        if isinstance(a, Create) and a.obj.KIND == "ReplicaSet":
            m = a.obj.metadata
            return [a, Create(attrs.evolve(a.obj, metadata=attrs.evolve(m, name=m.name + "-again")))]
        return a
    return rewrite_actions(deployment.NAME, fn)


def replicaset_creating_pods_in_another_namespace():
    """The GC collects such pods at once (their owner is absent in their
    namespace), so the state shows them only while it is not running."""
    def fn(a):
        if isinstance(a, Create) and a.obj.KIND == "Pod":
            return Create(attrs.evolve(a.obj, metadata=attrs.evolve(a.obj.metadata, namespace="kube-public")))
        return a
    controllers = rewrite_actions(replicaset.NAME, fn)
    controllers.pop("garbage-collector")
    return controllers


def gc_resolving_owners_across_namespaces():
    """Issue 13 item 5: the GC looks an owner up by uid alone, so a
    dependent naming an owner of another namespace keeps it."""
    from kstate.controllers import garbagecollector as gc
    real = CONTROLLERS[gc.NAME].observe

    def observe(view, uid):
        obs = real(view, uid)
        return attrs.evolve(obs, resolves=tuple(True for _ in obs.resolves))
    return replace(gc.NAME, observe=observe)


def run_cross_namespace_owner(controllers) -> Cluster:
    """A user writes a ConfigMap in namespace `b` naming a Deployment of
    `default` as its owner; the GC must collect it."""
    c = run_deployment(controllers)
    d = c.get("Deployment", "web")
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}})
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "b", "ownerReferences": [
        {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": d.metadata.uid}]}})
    c.advance("1s")
    return c


def run_deployment(controllers) -> Cluster:
    c = Cluster(nodes=3, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(deployment_manifest())
    c.advance("30s")
    return c



def daemonset_manifest(**template_spec) -> dict:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "logs"},
            "spec": {"selector": {"matchLabels": {"app": "logs"}},
                     "template": {"metadata": {"labels": {"app": "logs"}},
                                  "spec": {"containers": [{"name": "agent", "image": "fluentd"}], **template_spec}}}}


def daemonset_dropping_pod_deletes():
    """The DaemonSet controller never deletes a pod (misscheduled, excess or failed)."""
    return rewrite_actions(daemonset.NAME, lambda a: None if isinstance(a, Delete) and a.kind == "Pod" else a)


def daemonset_creating_each_pod_twice_and_never_deleting():
    """Every pod create issued twice (a lost expectations check), and the
    excess never pruned."""
    def fn(a):
        if isinstance(a, Delete) and a.kind == "Pod":
            return None
        if isinstance(a, Create) and a.obj.KIND == "Pod":
            return [a, a]
        return a
    return rewrite_actions(daemonset.NAME, fn)


def run_daemonset(controllers) -> Cluster:
    c = Cluster(nodes=3, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(daemonset_manifest())
    c.advance("10s")
    return c


def run_daemonset_node_relabelled(controllers) -> Cluster:
    """A node-selected DaemonSet on three labelled nodes; node-0 loses the label."""
    c = Cluster(nodes=0, seed=0, controllers=controllers, enforce_machines=False)
    for i in range(3):
        c.add_node(f"node-{i}", labels={"logging": "on"})
    c.apply(daemonset_manifest(nodeSelector={"logging": "on"}))
    c.advance("10s")
    node = c.get("Node", "node-0")
    c.engine.update(attrs.evolve(node, metadata=attrs.evolve(node.metadata, labels={"logging": "off"})))
    c.advance("10s")
    return c



# -- StatefulSets


def statefulset_manifest(replicas: int = 3, claims: bool = False, **spec) -> dict:
    d = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
         "spec": {"replicas": replicas, "serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "c", "image": "nginx"}]}}, **spec}}
    if claims:
        d["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
    return d


def statefulset_zero_padding_duplicates():
    """Each pod also created as `<set>-<ordinal>0`-style zero-padded twin of
    ordinal 0 (`web-00`), which parses to the same ordinal."""
    def fn(a):
        if isinstance(a, Create) and a.obj.KIND == "Pod" and a.obj.metadata.name == "web-0":
            twin = attrs.evolve(a.obj, metadata=attrs.evolve(a.obj.metadata, name="web-00"))
            return [a, Create(twin)]
        return a
    return rewrite_actions(statefulset.NAME, fn)


def statefulset_ordered_as_parallel():
    """An OrderedReady set managed as if it were Parallel (creates and
    deletes everything at once)."""
    real = CONTROLLERS[statefulset.NAME].reconcile

    def reconcile(obs, now):
        if obs.sts is None:
            return real(obs, now)
        spec = attrs.evolve(obs.sts.spec, pod_management_policy="Parallel")
        return real(attrs.evolve(obs, sts=attrs.evolve(obs.sts, spec=spec)), now)
    return replace(statefulset.NAME, reconcile=reconcile)


def statefulset_mounting_ordinal_zero_claims():
    """updateStorage off by its ordinal: every pod mounts ordinal 0's claim."""
    def fn(a):
        if isinstance(a, Create) and a.obj.KIND == "Pod":
            vols = tuple({"name": "data", "persistentVolumeClaim": {"claimName": "data-web-0"}}
                         for v in a.obj.spec.extra.get("volumes", ()))
            extra = {**a.obj.spec.extra, "volumes": vols}
            from kstate.resources.frozen import FrozenDict, deep_freeze
            return attrs.evolve(a, obj=attrs.evolve(a.obj, spec=attrs.evolve(a.obj.spec, extra=FrozenDict(
                {k: deep_freeze(v) for k, v in extra.items()}))))
        return a
    return rewrite_actions(statefulset.NAME, fn)


def statefulset_never_creating_ordinal_two():
    return rewrite_actions(statefulset.NAME, lambda a: None if isinstance(a, Create) and a.obj.KIND == "Pod"
                           and a.obj.metadata.name == "web-2" else a)


def run_statefulset(controllers, **spec) -> Cluster:
    c = Cluster(nodes=3, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(statefulset_manifest(**spec))
    c.advance("20s")
    return c


def run_statefulset_scale_down(controllers) -> Cluster:
    c = Cluster(nodes=3, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(statefulset_manifest(podManagementPolicy="OrderedReady"))
    c.advance("20s")
    c.apply(statefulset_manifest(replicas=0, podManagementPolicy="OrderedReady"))
    c.advance("20s")
    return c


def run_statefulset_to_stable(controllers) -> Cluster:
    c = Cluster(nodes=3, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(statefulset_manifest())
    c.run_until_stable()
    return c


# -- batch


def job_manifest(name="pi", runs="100s", **spec) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {"metadata": {"annotations": {"kstate.io/exit-after": runs}},
                                  "spec": {"restartPolicy": "Never",
                                           "containers": [{"name": "c", "image": "busybox"}]}}, **spec}}


def cronjob_manifest(runs="7m", **spec) -> dict:
    j = job_manifest(runs=runs)
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
            "spec": {"schedule": "*/5 * * * *", **spec, "jobTemplate": {"spec": j["spec"]}}}


def job_ignoring_parallelism():
    """Runs as many pods as completions, whatever parallelism says."""
    real = CONTROLLERS[job.NAME].reconcile

    def reconcile(obs, now):
        if obs.job is None:
            return real(obs, now)
        spec = attrs.evolve(obs.job.spec, parallelism=obs.job.spec.completions)
        return real(attrs.evolve(obs, job=attrs.evolve(obs.job, spec=spec)), now)
    return replace(job.NAME, reconcile=reconcile)


def job_double_counting_successes():
    return rewrite_actions(job.NAME, lambda a: status_of(a, succeeded=a.obj.status.succeeded + 1)
                           if isinstance(a, UpdateStatus) and a.obj.status.succeeded else a)


def job_repeating_an_index():
    """Writes completedIndexes with its first index repeated at the end
    ("0,1" → "0,1,0"), an interval merge that lost track of what it saw."""
    def rewrite(a):
        if isinstance(a, UpdateStatus) and a.obj.KIND == "Job" and a.obj.status.completed_indexes:
            ci = a.obj.status.completed_indexes
            return status_of(a, completed_indexes=f"{ci},{ci.split(',')[0].split('-')[0]}")
        return a
    return rewrite_actions(job.NAME, rewrite)


def job_creating_after_finish():
    """Creates one more pod once the Job is finished."""
    real = CONTROLLERS[job.NAME].reconcile

    def reconcile(obs, now):
        j = obs.job
        if j is not None and job.is_finished(j):
            end = max(c.last_transition_time for c in j.status.conditions)
            if now == end:
                return Result(requeue_after=1000)
            if not any((p.metadata.creation_timestamp or 0) > end for p in obs.pods):
                return Result((Create(job.pod_from_template(j)),))
            return NOTHING
        return real(obs, now)
    return replace(job.NAME, reconcile=reconcile)


def cronjob_ignoring_forbid():
    real = CONTROLLERS[cronjob.NAME].reconcile

    def reconcile(obs, now):
        cj = obs.cronjob
        if cj is None:
            return real(obs, now)
        spec = attrs.evolve(cj.spec, concurrency_policy="Allow")
        return real(attrs.evolve(obs, cronjob=attrs.evolve(cj, spec=spec)), now)
    return replace(cronjob.NAME, reconcile=reconcile)


def cronjob_creating_each_job_twice():
    def dup(a):
        if isinstance(a, Create) and a.obj.KIND == "Job":
            twin = attrs.evolve(a.obj, metadata=attrs.evolve(a.obj.metadata, name=a.obj.metadata.name + "-twin"))
            return [a, Create(twin)]
        return a
    return rewrite_actions(cronjob.NAME, dup)


def cronjob_keeping_all_history():
    """Never deletes a finished Job (cleanupFinishedJobs skipped)."""
    return rewrite_actions(cronjob.NAME, lambda a: None if isinstance(a, Delete) and a.kind == "Job" else a)


def run_job(controllers, **spec) -> Cluster:
    c = Cluster(nodes=2, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(job_manifest(**spec))
    c.advance("30s")
    return c


def run_cronjob(controllers, **spec) -> Cluster:
    c = Cluster(nodes=2, seed=0, controllers=controllers, enforce_machines=False, start="2026-01-01T10:00:00Z")
    c.apply(cronjob_manifest(**spec))
    c.advance("16m")
    return c


def write_it() -> bool:
    """For the scenarios that take `broken: bool`: do the broken write."""
    return True


# ---------------------------------------------------------------- HorizontalPodAutoscaler


def hpa_manifest(max_replicas: int = 10) -> dict:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": 1, "maxReplicas": max_replicas,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": 50}}}]}}


def autoscaled(controllers, max_replicas: int) -> Cluster:
    """Deployment web (2 × 100m) past the cpu initialization period, its HPA
    (50 %, 1..max) and a 400m load."""
    c = Cluster(nodes=3, seed=0, controllers=controllers)
    d = deployment_manifest(2)
    d["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "100m"}}
    c.apply(d)
    c.advance("6m")
    c.apply(hpa_manifest(max_replicas))
    c.set_load("deployment", "web", cpu="400m")
    return c


def hpa_ignoring_max_replicas():
    """Every decision clamped to maxReplicas becomes maxReplicas + 1 (the target's
    scale and status.desiredReplicas alike)."""
    def fn(obs, a):
        top = obs.hpa.spec.max_replicas
        if isinstance(a, Update) and a.obj.KIND == "Deployment" and a.obj.spec.replicas == top:
            return attrs.evolve(a, obj=attrs.evolve(a.obj, spec=attrs.evolve(a.obj.spec, replicas=top + 1)))
        if isinstance(a, UpdateStatus) and a.obj.KIND == "HorizontalPodAutoscaler" \
                and a.obj.status.desired_replicas == top:
            return status_of(a, desired_replicas=top + 1)
        return a
    return rewrite_actions(hpa.NAME, fn)


def run_hpa_capped(controllers) -> Cluster:
    c = autoscaled(controllers, max_replicas=3)
    c.advance("2m")
    return c


def hpa_without_stabilization():
    """Records recommendations but scales to the latest one (no downscale window)."""
    real = CONTROLLERS[hpa.NAME].reconcile

    def reconcile(obs, now):
        orig = hpa.stabilize_recommendation
        hpa.stabilize_recommendation = lambda recs, desired, t: (desired, orig(recs, desired, t)[1])
        try:
            return real(obs, now)
        finally:
            hpa.stabilize_recommendation = orig
    return replace(hpa.NAME, reconcile=reconcile)


def run_hpa_load_drop(controllers) -> Cluster:
    """Scaled to 8, then the load drops to a quarter: run until the first
    scale-down (at most 7 minutes) and stop there."""
    c = autoscaled(controllers, max_replicas=10)
    c.advance("3m")
    c.set_load("deployment", "web", cpu="100m")
    for _ in range(28):
        c.advance("15s")
        if c.get("hpa", "web").status.state == "ScalingDown":
            break
    return c


def hpa_ignoring_behavior_policies():
    """Applies the stabilized recommendation without the behavior's rate limits."""
    real = CONTROLLERS[hpa.NAME].reconcile

    def reconcile(obs, now):
        orig = hpa.convert_desired_replicas_with_behavior_rate

        def unlimited(desired, current, min_r, max_r, *rest):
            return max(min_r, min(desired, max_r)), "DesiredWithinRange", "within range"
        hpa.convert_desired_replicas_with_behavior_rate = unlimited
        try:
            return real(obs, now)
        finally:
            hpa.convert_desired_replicas_with_behavior_rate = orig
    return replace(hpa.NAME, reconcile=reconcile)


def run_hpa_spike_with_policies(controllers) -> Cluster:
    """scaleUp at most 1 pod per minute; a 400m load wants 8 at once."""
    c = Cluster(nodes=3, seed=0, controllers=controllers)
    d = deployment_manifest(2)
    d["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "100m"}}
    c.apply(d)
    c.advance("6m")
    h = hpa_manifest(10)
    h["spec"]["behavior"] = {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}
    c.apply(h)
    c.set_load("deployment", "web", cpu="400m")
    for _ in range(8):
        c.advance("15s")
        if c.get("hpa", "web").status.state == "ScalingUp":
            break
    return c


# -- Services: a broken API-server allocator, a broken kube-proxy

_FB = pathlib.Path(__file__).resolve().parents[2] / "specs" / "manifests" / "frontend-backend.yaml"


def _svc(name: str, typ: str = "ClusterIP") -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": typ, "selector": {"app": name}, "ports": [{"port": 80}]}}


def run_services_with_allocator(broken: bool, attr: str, fixed) -> Cluster:
    """Two NodePort Services, created while ipallocator.<attr> is, if
    `broken`, an allocator that ignores what is in use and hands out `fixed`."""
    from kstate.network import ipallocator
    real = getattr(ipallocator, attr)
    if broken:
        setattr(ipallocator, attr, lambda *args: fixed)
    try:
        c = Cluster(nodes=1, seed=0)
        c.apply([_svc("a", "NodePort"), _svc("b", "NodePort")])
    finally:
        setattr(ipallocator, attr, real)
    return c


def run_lb_services_with_broken_pool(broken: bool) -> Cluster:
    """Two LoadBalancer Services from a pool whose allocator, if `broken`,
    hands out its first address whatever is in use."""
    from kstate.network import ipallocator
    real = ipallocator.allocate_lb_ip
    if broken:
        ipallocator.allocate_lb_ip = lambda pool, used, requested="": "192.0.2.0"
    try:
        c = Cluster(nodes=1, seed=0, load_balancer_pool="192.0.2.0/29")
        c.apply([_svc("a", "LoadBalancer"), _svc("b", "LoadBalancer")])
    finally:
        ipallocator.allocate_lb_ip = real
    return c


def kube_proxy_with_one_nth_on_every_rule(services, slices, node, config):
    """The classic bug: rule i of an n-endpoint chain matches with 1/n
    instead of 1/(n−i), so later endpoints get less than 1/n."""
    import re as _re
    from kstate.network import kubeproxy as kp
    text = kp.iptables_save(services, slices, node, config)
    n: dict = {}
    for line in text.splitlines():
        m = _re.match(r"-A (KUBE-SVC-\w+) .*-j KUBE-SEP-", line)
        if m and "--rcheck" not in line:
            n[m.group(1)] = n.get(m.group(1), 0) + 1
    out = []
    for line in text.splitlines():
        m = _re.match(r"-A (KUBE-SVC-\w+) ", line)
        if m and "--probability" in line:
            line = _re.sub(r"--probability \S+", f"--probability {1 / n[m.group(1)]:.10f}", line)
        out.append(line)
    return "\n".join(out) + "\n"


def kube_proxy_ignoring_readiness(services, slices, node, config):
    """A kube-proxy that sends to every endpoint of the slices, ready or not."""
    from kstate.network import kubeproxy as kp
    ready = {k: [attrs.evolve(s, endpoints=tuple(attrs.evolve(e, ready=True) for e in s.endpoints)) for s in v]
             for k, v in slices.items()}
    return kp.iptables_save(services, ready, node, config)


def endpoints_controller_ignoring_readiness() -> dict:
    """The Endpoints controller writing every selected pod into `addresses`."""
    from kstate.controllers import endpoints as ctl

    def reconcile(obs, now):
        r = ctl.reconcile_endpoints(obs, now)
        out = []
        for a in r.actions:
            if isinstance(a, (Create, Update)):
                subsets = tuple(attrs.evolve(s, addresses=s.addresses + s.not_ready_addresses, not_ready_addresses=())
                                for s in a.obj.spec.subsets)
                a = attrs.evolve(a, obj=attrs.evolve(a.obj, spec=attrs.evolve(a.obj.spec, subsets=subsets)))
            out.append(a)
        return Result(tuple(out), r.requeue_after)
    return {**CONTROLLERS, ctl.ENDPOINTS: CONTROLLERS[ctl.ENDPOINTS]._replace(reconcile=reconcile)}


def kube_proxy_reading_no_slices() -> dict:
    """kube-proxy's sync loop recording every service with no endpoints."""
    from kstate.controllers import kubeproxy as ctl

    def reconcile(obs, now):
        r = ctl.reconcile_kube_proxy(obs, now)
        out = []
        for a in r.actions:
            if isinstance(a, SetMemory) and isinstance(a.key, tuple) and a.key[0] == "sync":
                a = attrs.evolve(a, value=tuple((k, s, ()) for k, s, _ in a.value))
            out.append(a)
        return Result(tuple(out), r.requeue_after)
    return {**CONTROLLERS, ctl.NAME: CONTROLLERS[ctl.NAME]._replace(reconcile=reconcile)}


def run_frontend_backend_with_controllers(controllers: Optional[dict]) -> Cluster:
    """frontend/backend; node-2 fails so that its backend pod is not ready."""
    c = Cluster(nodes=3, seed=0, controllers=controllers)
    c.apply_file(_FB)
    c.run_until_stable()
    c.fail_node("node-2")
    c.advance("60s")
    return c


def run_frontend_backend(broken: Optional[Callable], fail_a_node: bool = False) -> Cluster:
    c = Cluster(nodes=3, seed=0, kube_proxy=broken if callable(broken) else None)
    c.apply_file(_FB)
    c.run_until_stable()
    if fail_a_node:
        c.fail_node("node-2")
        c.advance("60s")
    return c



# -- scheduling: anti-affinity, topology spread, preemption

def _web(replicas: int, **pod_spec) -> dict:
    spec = {"containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}}], **pod_spec}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": spec}}}


def scheduler_blind_to_pod_relations():
    """Schedules as if no pod had (anti-)affinity terms or spread constraints."""
    def observe(view, key):
        obs = scheduler.observe_scheduler(view, key)
        return attrs.evolve(obs, inputs=scheduler.PLAIN) if obs.pod is not None and obs.table is not None else obs
    return replace(scheduler.NAME, observe=observe)


def run_anti_affine_replicas(controllers) -> Cluster:
    c = Cluster(nodes=3, seed=0, controllers=controllers)
    c.apply(_web(5, affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}]}}))
    c.advance("30s")
    return c


def run_zone_spread(controllers) -> Cluster:
    c = Cluster(nodes=0, seed=0, controllers=controllers)
    for name, zone in (("a0", "a"), ("a1", "a"), ("a2", "a"), ("b0", "b")):
        c.add_node(name, labels={"topology.kubernetes.io/zone": zone})
    c.apply(_web(6, topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                                 "whenUnsatisfiable": "DoNotSchedule",
                                                 "labelSelector": {"matchLabels": {"app": "web"}}}]))
    c.advance("30s")
    return c


def scheduler_preempting_anyone():
    """On a failed attempt, preempts the first other pod on the first node,
    whatever its priority."""
    real = CONTROLLERS[scheduler.NAME].reconcile

    def reconcile(obs, now):
        r = real(obs, now)
        if obs.pod is None or obs.cache is None or any(isinstance(a, (Bind, Delete)) for a in r.actions):
            return r
        for node in sorted(obs.cache.pods):
            for key, v in sorted(obs.cache.pods[node].items()):
                if v.metadata.deletion_timestamp is None:
                    conds = set_condition(v.status.conditions, Condition(
                        "DisruptionTarget", "True", "PreemptionByScheduler", "broken"), now)
                    victim = UpdateStatus(attrs.evolve(v, status=attrs.evolve(v.status, conditions=conds)))
                    return Result((victim, Delete("Pod", key[0], key[1], uid=v.metadata.uid)) + r.actions,
                                  r.requeue_after)
        return r
    return replace(scheduler.NAME, reconcile=reconcile)


def run_low_priority_pod_on_a_full_node(controllers) -> Cluster:
    c = Cluster(nodes=1, seed=0, controllers=controllers)
    important = pod("important", cpu="3", stop_after="20s")
    important["spec"]["priorityClassName"] = "important"
    c.apply([{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "important"},
              "value": 1000}, important])
    c.advance("2s")
    c.apply(pod("ordinary", cpu="3"))
    c.advance("2s")
    return c


def disruption_ignoring_min_available():
    """Reads every budget as minAvailable 0, so it offers every healthy pod
    for eviction and a drain goes below the budget's minimum."""
    from kstate.controllers import disruption

    def observe(view, key):
        obs = disruption.observe_disruption(view, key)
        if obs.pdb is None:
            return obs
        spec = attrs.evolve(obs.pdb.spec, min_available=0, max_unavailable=None)
        return attrs.evolve(obs, pdb=attrs.evolve(obs.pdb, spec=spec))
    return replace(disruption.NAME, observe=observe)


def run_drain_with_budget(controllers) -> Cluster:
    c = Cluster(nodes=2, seed=0, controllers=controllers, enforce_machines=False)
    c.apply(deployment_manifest())
    c.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
             "spec": {"minAvailable": 2, "selector": {"matchLabels": deployment_manifest()["spec"]["selector"][
                 "matchLabels"]}}})
    c.advance("30s")
    c.drain("node-0", timeout="30s")
    c.advance("1s")
    return c


CASES: dict[str, list[tuple[str, Callable[[], dict], Callable[[Optional[dict]], Cluster]]]] = {
    "status-changes-are-machine-edges": [
        ("kubelet skipping ContainerCreating", kubelet_skipping_container_creating, run_one_pod),
    ],
    "no-node-over-capacity": [
        # the kubelet's admission alone would reject what the scheduler overcommits
        ("scheduler ignoring capacity, kubelet skipping admission",
         lambda: scheduler_ignoring_capacity(kubelet_skipping_admission()), run_two_pods_on_one_small_node),
        ("kubelet skipping admission of pods bound by nodeName", kubelet_skipping_admission,
         run_two_pinned_pods_on_one_small_node),
    ],
    "pods-bound-to-existing-nodes": [
        ("PodGC never collecting", podgc_never_collecting, run_node_removed_under_a_pod),
    ],
    "pod-phase-consistent": [
        ("kubelet writing phase Pending while running", kubelet_writing_wrong_phase, run_one_pod),
    ],
    "ready-pods-are-running": [
        ("kubelet Ready while creating containers", kubelet_ready_too_early, run_pod_creating_containers),
    ],
    "pod-ips-unique-in-node-cidr": [
        ("duplicate pod IPs", lambda: kubelet_with_fixed_ip("10.244.0.2"), run_two_pods),
        ("the bridge gateway as pod IP", lambda: kubelet_with_fixed_ip("10.244.0.1"), run_two_pods),
        ("the subnet's network address as pod IP", lambda: kubelet_with_fixed_ip("10.244.0.0"), run_two_pods),
        ("an IP outside the node's CIDR", lambda: kubelet_with_fixed_ip("10.244.7.9"), run_two_pods),
    ],
    "node-cidrs-disjoint": [
        ("node controller reusing the first CIDR", node_controller_reusing_first_cidr, run_two_nodes),
    ],
    # Deployments: where a broken controller would only fight the real one
    # (and the engine call it a livelock), the broken write is fed through
    # the engine directly (`write_it`); a broken registry otherwise.
    "deployment-max-surge": [
        ("new RS scaled past replicas + maxSurge", write_it, run_rs_scaled_beyond_surge),
    ],
    "deployment-min-available": [
        ("RS scaled below replicas - maxUnavailable", write_it, run_rs_scaled_below_available),
    ],
    "complete-deployment-has-one-active-replicaset": [
        ("Complete reported mid-rollout", write_it, run_complete_mid_rollout),
    ],
    "paused-deployment-creates-no-replicaset": [
        ("sync creating the new RS while paused", deployment_syncing_new_rs_while_paused, run_paused_then_new_image),
    ],
    "one-replicaset-per-template": [
        ("each RS created twice", deployment_creating_each_replicaset_twice, run_deployment),
    ],
    "daemonset-one-pod-per-node": [
        ("each pod created twice, excess never pruned", daemonset_creating_each_pod_twice_and_never_deleting,
         run_daemonset),
    ],
    "daemonset-no-pod-on-ineligible-node": [
        ("misscheduled pods never deleted", daemonset_dropping_pod_deletes, run_daemonset_node_relabelled),
    ],
    "hpa-replicas-within-bounds": [
        ("HPA ignoring maxReplicas", hpa_ignoring_max_replicas, run_hpa_capped),
    ],
    "hpa-no-scale-down-inside-window": [
        ("HPA without downscale stabilization", hpa_without_stabilization, run_hpa_load_drop),
    ],
    "hpa-scale-step-within-policies": [
        ("HPA ignoring its behavior's policies", hpa_ignoring_behavior_policies, run_hpa_spike_with_policies),
    ],
    "service-ips-and-node-ports-unique": [
        ("ClusterIP allocator ignoring used IPs", write_it,
         lambda broken: run_services_with_allocator(broken, "allocate_ip", "10.100.0.7")),
        ("NodePort allocator ignoring used ports", write_it,
         lambda broken: run_services_with_allocator(broken, "allocate_node_port", 31000)),
        ("load-balancer pool ignoring used IPs", write_it, run_lb_services_with_broken_pool),
    ],
    "ready-endpoints-share-equally": [
        ("kube-proxy printing 1/n on every rule", lambda: kube_proxy_with_one_nth_on_every_rule,
         run_frontend_backend),
        ("kube-proxy ignoring readiness", lambda: kube_proxy_ignoring_readiness,
         lambda broken: run_frontend_backend(broken, fail_a_node=True)),
    ],
    "endpoints-match-ready-pods": [
        ("Endpoints controller listing not-ready pods as ready", endpoints_controller_ignoring_readiness,
         lambda broken: run_frontend_backend_with_controllers(broken)),
    ],
    "job-active-within-parallelism": [
        ("Job ignoring parallelism", job_ignoring_parallelism,
         lambda reg: run_job(reg, completions=4, parallelism=1)),
    ],
    "job-succeeded-within-completions": [
        ("Job counting each success twice", job_double_counting_successes,
         lambda reg: run_job(reg, runs="2s", completions=2, parallelism=2)),
    ],
    "job-index-succeeds-once": [
        ("Indexed Job counting a success twice", job_double_counting_successes,
         lambda reg: run_job(reg, runs="2s", completions=2, parallelism=2, completionMode="Indexed")),
        ("completedIndexes repeating an index", job_repeating_an_index,
         lambda reg: run_job(reg, runs="2s", completions=2, parallelism=1, completionMode="Indexed")),
    ],
    "finished-job-creates-no-pods": [
        ("Job creating a pod after Complete", job_creating_after_finish, lambda reg: run_job(reg, runs="2s")),
    ],
    "cronjob-forbid-one-active-job": [
        ("CronJob treating Forbid as Allow", cronjob_ignoring_forbid,
         lambda reg: run_cronjob(reg, concurrencyPolicy="Forbid")),
    ],
    "cronjob-one-job-per-schedule-time": [
        ("CronJob creating each Job twice", cronjob_creating_each_job_twice, lambda reg: run_cronjob(reg)),
    ],
    "statefulset-one-pod-per-ordinal": [
        ("a zero-padded twin of ordinal 0", statefulset_zero_padding_duplicates, run_statefulset),
    ],
    "statefulset-ordered-ready": [
        ("OrderedReady managed as Parallel (scale-up)", statefulset_ordered_as_parallel, run_statefulset),
        ("OrderedReady managed as Parallel (scale-down)", statefulset_ordered_as_parallel,
         run_statefulset_scale_down),
    ],
    "statefulset-claim-one-pod-one-ordinal": [
        ("every pod mounting ordinal 0's claim", statefulset_mounting_ordinal_zero_claims,
         lambda reg: run_statefulset(reg, claims=True, podManagementPolicy="Parallel")),
    ],
    "statefulset-converged": [
        ("ordinal 2 never created", statefulset_never_creating_ordinal_two, run_statefulset_to_stable),
    ],
    "eviction-keeps-disruption-budget": [
        ("disruption controller ignoring minAvailable", disruption_ignoring_min_available, run_drain_with_budget),
    ],
    "cronjob-history-within-limits": [
        ("CronJob never cleaning up finished Jobs", cronjob_keeping_all_history,
         lambda reg: run_cronjob(reg, runs="1s", successfulJobsHistoryLimit=1)),
    ],
    "owners-in-same-namespace": [
        ("RS creating its pods in another namespace", replicaset_creating_pods_in_another_namespace, run_deployment),
        ("GC resolving owners across namespaces", gc_resolving_owners_across_namespaces, run_cross_namespace_owner),
    ],
    "kube-proxy-programs-what-the-api-holds": [
        ("kube-proxy syncing without reading EndpointSlices", kube_proxy_reading_no_slices,
         lambda controllers: run_frontend_backend_with_controllers(controllers)),
    ],
    "required-anti-affinity-respected": [
        ("scheduler blind to pod anti-affinity", scheduler_blind_to_pod_relations, run_anti_affine_replicas),
    ],
    "spread-skew-within-max-skew": [
        ("scheduler blind to DoNotSchedule spread constraints", scheduler_blind_to_pod_relations, run_zone_spread),
    ],
    "preemption-only-evicts-lower-priority": [
        ("scheduler preempting a higher-priority pod", scheduler_preempting_anyone,
         run_low_priority_pod_on_a_full_node),
    ],
}


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_invariant_catches_a_broken_controller(name):
    cases = CASES.get(name)
    assert cases, f"invariant {name!r} has no broken-controller case in {__name__}: add one"
    for label, broken, scenario in cases:
        found = fired(scenario(broken()), name)
        assert found, f"{name} missed: {label}"
        assert all(v.invariant == name for v in found)


@pytest.mark.parametrize("name", sorted(CASES))
def test_invariant_quiet_on_the_real_controllers(name):
    for label, broken, scenario in CASES[name]:
        c = scenario(False if broken is write_it else None)
        assert fired(c, name) == [], f"{name} fired on kstate's own controllers in the scenario for {label}"
        assert c.violations() == []


def test_cases_only_name_registered_invariants():
    assert set(CASES) <= set(INVARIANTS)


def test_pod_bound_to_missing_node_is_fine_until_gc_ran_with_real_podgc():
    c = run_node_removed_under_a_pod(None)
    c.advance("2m")
    assert c.list("Pod") == []  # PodGC collected it
    assert c.violations() == []


def test_trace_check_uses_the_since_cursor():
    c = run_one_pod(kubelet_skipping_container_creating())
    n = len(c.engine.trace)
    assert list(INVARIANTS["status-changes-are-machine-edges"](c.engine, since=0))
    assert list(INVARIANTS["status-changes-are-machine-edges"](c.engine, since=n)) == []


def test_machine_edge_invariant_sees_a_state_change_without_trigger():
    broken = rewrite_actions(kubelet.NAME, lambda a: UpdateStatus(a.obj, None)
                             if is_update(a, "create_containers") else a)
    c = run_one_pod(broken)
    assert c.get("Pod", "web").status.state == "Running"  # it did skip the edge's trigger
    assert fired(c, "status-changes-are-machine-edges")


def test_machine_edge_invariant_sees_a_deployment_state_change_that_is_not_an_edge():
    c = run_deployment(None)
    d = c.get("Deployment", "web")
    assert d.status.state == "Complete"
    # Complete --complete--> Failed is no edge (Failed comes from time_out)
    write(c, UpdateStatus(attrs.evolve(d, status=attrs.evolve(d.status, state="Failed")), "complete"))
    assert any("Complete->Failed" in line for line in c.trace())
    assert fired(c, "status-changes-are-machine-edges")


# ---------------------------------------------------------------- the engine's own machine check


def test_engine_refuses_a_transition_that_is_not_an_edge_and_changes_nothing():
    c = Cluster(nodes=1, seed=0)
    c.apply(pod())
    c.advance("5s")
    eng = c.engine
    before = eng.get("Pod", "default", "web")
    assert before.status.state == "Running"
    objects = dict(eng.store.objects)
    trace = list(eng.trace)
    events = len(eng.events())
    bad = attrs.evolve(before, status=attrs.evolve(before.status, state="Scheduled"))
    for trigger in ("bind", "start", None):
        with pytest.raises(InvalidTransition):
            eng.apply_action(UpdateStatus(bad, trigger))
    assert eng.get("Pod", "default", "web") is before
    assert eng.store.objects == objects
    assert eng.trace == trace
    assert len(eng.events()) == events
    assert c.violations() == []


def test_engine_refuses_a_node_transition_that_is_not_an_edge():
    c = Cluster(nodes=1, seed=0)
    eng = c.engine
    before = eng.get("Node", "", "node-0")
    bad = attrs.evolve(before, status=attrs.evolve(before.status, state="Unknown"))
    with pytest.raises(InvalidTransition):
        eng.apply_action(UpdateStatus(bad, "grace_expired"))  # only from Silent
    assert eng.get("Node", "", "node-0") is before


def test_broken_kubelet_is_stopped_by_the_engine_when_machines_are_enforced():
    c = Cluster(nodes=1, seed=0, controllers=kubelet_skipping_container_creating())
    c.apply(pod())
    with pytest.raises(InvalidTransition):
        c.advance("5s")


# ---------------------------------------------------------------- ClusterMachine liveness has teeth


def machine_with(controllers: Optional[dict]) -> ClusterMachine:
    cls = type("BrokenClusterMachine", (ClusterMachine,), {"controllers": controllers})
    m = cls()
    m.setup(k=1, seed=0)
    return m


def settle_fails(controllers: dict, drive: Callable[[ClusterMachine], None], match: str) -> None:
    """`drive` then `settle` passes on the real controllers and fails on `controllers`."""
    healthy = machine_with(None)
    drive(healthy)
    healthy.settle()
    broken = machine_with(controllers)
    drive(broken)
    with pytest.raises(AssertionError, match=match):
        broken.settle()


def create(m: ClusterMachine, *pods: dict) -> None:
    m.create_pods(list(pods))


def test_settle_catches_a_scheduler_that_never_binds():
    settle_fails(replace(scheduler.NAME, reconcile=lambda obs, now: NOTHING),
                 lambda m: create(m, pod()), "unscheduled although it fits")


def test_settle_catches_a_kubelet_that_never_starts_containers():
    settle_fails(rewrite_actions(kubelet.NAME, lambda a: None if is_update(a, "start") else a),
                 lambda m: create(m, pod()), r"is ContainerCreating .* want Running")


def test_settle_catches_a_kubelet_that_never_marks_pods_ready():
    def fn(a):
        if isinstance(a, UpdateStatus) and is_pod_ready(a.obj):
            if a.trigger is None:
                return None
            # A start written Running and Ready at once (kubelet.ready_as_started): keep the start, not the Ready.
            st = a.obj.status
            st = attrs.evolve(st, container_statuses=tuple(attrs.evolve(s, ready=False)
                                                           for s in st.container_statuses))
            st = attrs.evolve(st, conditions=kubelet.pod_conditions(a.obj, st, st.state_since))
            return UpdateStatus(attrs.evolve(a.obj, status=st), a.trigger)
        return a
    settle_fails(rewrite_actions(kubelet.NAME, fn), lambda m: create(m, pod()), "but not Ready")


def test_settle_catches_a_kubelet_that_never_finishes_terminating():
    settle_fails(replace(kubelet.NAME, reconcile=lambda obs, now: NOTHING if obs.pod is not None
                         and obs.pod.metadata.deletion_timestamp is not None else kubelet.reconcile_kubelet(obs, now)),
                 lambda m: (create(m, pod()), m.advance("5s"), m.delete_pod(("default", "web"), None)),
                 "still terminating")


def test_settle_catches_a_podgc_that_never_collects():
    def drive(m):
        m.add_node({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"},
                    "status": {"capacity": {"cpu": "2", "memory": "4Gi", "pods": "10"}}})
        m.cordon("node-0")
        create(m, pod())
        m.advance("5s")
        m.remove_node("node-1")
    settle_fails(podgc_never_collecting(), drive, "was not garbage-collected")


def test_settle_catches_a_node_controller_that_never_removes_its_taints():
    real = CONTROLLERS[nodelifecycle.NAME].reconcile

    def reconcile(obs, now):
        r = real(obs, now)
        keep = tuple(a for a in r.actions if not (isinstance(a, Update) and len(a.obj.spec.taints)
                                                 < len(obs.node.spec.taints)))
        return Result(keep, r.requeue_after)
    settle_fails(replace(nodelifecycle.NAME, reconcile=reconcile),
                 lambda m: (m.fail_node("node-0"), m.advance("2m")), "keeps lifecycle taints")


def test_settle_catches_a_controller_that_never_goes_quiet():
    real = CONTROLLERS[nodelifecycle.NAME].reconcile

    def reconcile(obs, now):
        r = real(obs, now)
        return Result(r.actions, 1000)
    settle_fails(replace(nodelifecycle.NAME, reconcile=reconcile), lambda m: None, "not quiescent")


def test_settle_catches_a_lost_wakeup():
    """A scheduler that neither records PodScheduled=False nor parks the pod
    with the unschedulable ones is never retried when room appears, although
    a pure reconcile would bind the pod now."""
    def forgetful(a):
        if isinstance(a, UpdateStatus) or (isinstance(a, SetMemory) and isinstance(a.key, tuple)
                                           and a.key[:1] == ("unschedulable",)):
            return None
        return a
    broken = rewrite_actions(scheduler.NAME, forgetful)

    def drive(m):
        create(m, pod("a", cpu="3"), pod("b", cpu="3"))  # node-0 has 4 cpu: one waits
        m.advance("5s")
        bound = [p.metadata.name for p in m.cluster.list("Pod") if p.spec.node_name]
        assert len(bound) == 1
        m.delete_pod(("default", bound[0]), 0)
    settle_fails(broken, drive, "never woken up")


def test_the_hypothesis_machine_finds_a_broken_kubelet():
    """Driven by hypothesis, the machine checks its invariants after every
    step. Only pod-phase-consistent is kept (and `settle` dropped), so that
    open kstate bugs found by the other checks cannot decide the outcome."""
    from hypothesis.stateful import INVARIANT_MARKER
    body: dict = {"controllers": kubelet_writing_wrong_phase(), "settle": lambda self: None}
    for name in dir(ClusterMachine):
        if getattr(getattr(ClusterMachine, name), INVARIANT_MARKER, None) and name != "pod_phase_consistent":
            body[name] = lambda self: None
    cls = type("WrongPhaseMachine", (ClusterMachine,), body)
    with pytest.raises(AssertionError, match="invariant pod-phase-consistent violated"):
        run_state_machine_as_test(cls, settings=settings(
            max_examples=100, stateful_step_count=20, derandomize=True, database=None, deadline=None,
            phases=[Phase.generate], suppress_health_check=list(HealthCheck)))


def test_the_service_machine_finds_a_kube_proxy_that_reads_no_endpoint_slices():
    """Driven by hypothesis, the Service machine checks every registered
    invariant after every step (`settle` dropped so that liveness does not
    decide the outcome); a kube-proxy sync loop that programs every service
    without endpoints is found."""
    from kstate.testing.service_machine import ServiceMachine
    cls = type("BlindKubeProxyMachine", (ServiceMachine,),
               {"controllers": kube_proxy_reading_no_slices(), "settle": lambda self: None})
    with pytest.raises(AssertionError, match="kube-proxy-programs-what-the-api-holds"):
        run_state_machine_as_test(cls, settings=settings(
            max_examples=200, stateful_step_count=20, derandomize=True, database=None, deadline=None,
            phases=[Phase.generate], suppress_health_check=list(HealthCheck)))


def test_the_disruption_machine_finds_a_disruption_controller_ignoring_min_available():
    """The DisruptionMachine's budgets, evictions and drains reach the
    broken controller's over-generous budgets; only
    eviction-keeps-disruption-budget is kept (and `settle` dropped)."""
    from hypothesis.stateful import INVARIANT_MARKER
    from kstate.testing.disruption_machine import DisruptionMachine
    body: dict = {"controllers": disruption_ignoring_min_available(), "settle": lambda self: None}
    for name in dir(DisruptionMachine):
        if getattr(getattr(DisruptionMachine, name), INVARIANT_MARKER, None) and \
                name != "eviction_keeps_disruption_budget":
            body[name] = lambda self: None
    cls = type("GenerousBudgetMachine", (DisruptionMachine,), body)
    with pytest.raises(AssertionError, match="invariant eviction-keeps-disruption-budget violated"):
        run_state_machine_as_test(cls, settings=settings(
            max_examples=100, stateful_step_count=30, derandomize=True, database=None, deadline=None,
            phases=[Phase.generate], suppress_health_check=list(HealthCheck)))


def test_settle_catches_a_kubelet_that_forgets_what_its_own_write_leaves_to_do():
    """The kubelet is not woken by its own status writes (kubelet.watch_pods:
    a status-only change is no sync); one that does not ask to be requeued
    after such a write (kubelet.next_look) leaves its pods ContainerCreating,
    and settle's lost-wakeup check finds the start it would still make."""
    def reconcile(obs, now):
        r = kubelet.reconcile_kubelet(obs, now)
        return Result(r.actions) if any(isinstance(a, UpdateStatus) for a in r.actions) else r
    settle_fails(replace(kubelet.NAME, reconcile=reconcile), lambda m: create(m, pod()),
                 r"is ContainerCreating .* want Running|never woken up")
