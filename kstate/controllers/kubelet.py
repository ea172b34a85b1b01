"""The kubelet, one pod at a time: a pure reconcile over the Pod lifecycle.

Owns: admission onto the node, init containers in order, container start,
readiness, exits, restarts with the crash-loop back-off, graceful termination
and the final grace-0 delete; the phase computation and the pod conditions;
native sidecars (init containers with restartPolicy Always, 1.29+); pods
waiting for ConfigMaps and Secrets (FailedMount while a volume cannot be set
up, CreateContainerConfigError while a container's env cannot be made; see
controllers/configrefs.py), woken through the pod-config-refs index.
Timing comes from the declarative `Profile` (controllers/timing.py); the
probes' timeline from controllers/prober.py (only for pods with probes).
Also owns the container events (Pulling, Pulled, Created, Started, Killing,
Unhealthy, BackOff, SandboxChanged) with the declared version's wording, the
images each node holds (imagePullPolicy; a `Never` pull of a missing image —
ErrImageNeverPull — is not modelled), preStop hooks and the SIGTERM exit code
in graceful termination, and the containers a crashed node lost.
Also when it syncs a pod: on an add or a semantic change of it, or a Ready
condition that needs reconciling (watch_pods), never because of a status
write alone — its own writes included; after a write, the reconcile asks to
be requeued for what that write leaves to do (next_look).
Must not import engine/ or io/, touch a store, the clock or randomness.

Sidecars: the next init container starts as soon as a sidecar has started
(computeInitContainerActions); a sidecar counts as initialized once started,
stays running beside the app containers, is ready at once without a
readinessProbe, restarts after every exit with the crash-loop back-off
whatever the pod's restartPolicy, and is stopped after the app containers —
the last sidecar first — when the pod finishes or is deleted
(kuberuntime_termination_order.go). A sidecar's own exit comes from the
profile's `SidecarRunning` rules (kstate.io/sidecar-exit-after).

Kubernetes sources: pkg/kubelet/kubelet.go (SyncPod, SyncTerminatingPod),
pkg/kubelet/kubelet_pods.go (getPhase, generateAPIPodStatus),
pkg/kubelet/status/generate.go (conditions), pkg/kubelet/prober/
prober_manager.go (UpdatePodStatus: started / ready), pkg/kubelet/kuberuntime/
kuberuntime_manager.go (computePodActions, computeInitContainerActions,
doBackOff), kuberuntime_container.go (killContainer),
kuberuntime_termination_order.go and client-go util/flowcontrol/backoff.go.
"""
from __future__ import annotations

from functools import lru_cache, partial
from typing import Optional

import attrs

from kstate.controllers.actions import (
    NOTHING, Delete, RecordEvent, Result, SetMemory, UpdateStatus, ref_of,
)
from kstate.controllers.configrefs import container_config_error, env_ref_free, volume_errors
from kstate.controllers.images import docker_ref, image_size, listed_names, node_status_images
from kstate.controllers.prober import failure_output, has_probes, plan_container, probe_of
from kstate.controllers.scheduler import pod_requests
from kstate.controllers.timing import SIDECAR_RUNNING, Profile, due
from kstate.controllers.view import key_of, pods_on_node
from kstate.resources.frozen import EMPTY, FrozenDict, evolve, field_replacer
from kstate.resources.meta import Condition, condition, get_condition
from kstate.resources.pod import (
    ContainerState, ContainerStatus, NO_STATE, Pod, PodStatus, TERMINAL_PHASES, is_pod_ready,
)
from kstate.resources.quantity import cpu_millis, to_int

NAME = "kubelet"
#: the declared index of what each kubelet admitted (kstate.indexes):
#: {"totals": node → [cpu m, memory B, pods], "by_pod": (ns, name) → (node, requests)}.
KUBELET_ADMISSION = "kubelet-admission"
#: the declared index of which pods reference which ConfigMaps and Secrets (kstate.indexes):
#: {"by_ref": (kind, ns, name) → {pod keys}, "by_pod": (ns, name) → frozenset of (kind, ns, name)}.
POD_CONFIG_REFS = "pod-config-refs"

#: the volume manager's retry of a failed mount (pkg/util/goroutinemap/exponentialbackoff
#: exponential_backoff.go: initialDurationBeforeRetry 500 ms, doubling, maxDurationBeforeRetry 2m2s).
INITIAL_MOUNT_BACKOFF_MS = 500
MAX_MOUNT_BACKOFF_MS = 122_000
#: keys of the kubelet's per-pod memory beside the containers' back-off entries
#: (container names are DNS labels, so they never start with "#"):
#: MOUNT_KEY → (last failed mount ms, durationBeforeRetry ms) while volumes fail to mount;
#: MOUNTED_KEY → when they mounted after failing (containers are created from then on).
MOUNT_KEY = "#mount"
MOUNTED_KEY = "#mounted"
#: kuberuntime_container.go startContainer: generateContainerConfig failed (ErrCreateContainerConfig).
CONFIG_ERROR = "CreateContainerConfigError"

#: client-go backoff as the kubelet configures it (kubelet.go newCrashLoopBackOff;
#: v1beta1 MaxContainerBackOff): 10 s initial, 300 s cap; an entry older than
#: 600 s is forgotten (backoff.go hasExpired, ≈1.32+ HasExpiredFunc).
INITIAL_BACKOFF_MS = 10_000
MAX_BACKOFF_MS = 300_000
BACKOFF_EXPIRY_MS = 600_000
#: exit codes of a container that dies of SIGTERM / is killed by SIGKILL at the end of the grace period.
EXIT_SIGTERM = 143
EXIT_SIGKILL = 137
#: kuberuntime_container.go minimumGracePeriodInSeconds: killContainer never stops a container faster.
MIN_GRACE_PERIOD_S = 2
#: the kubelet's memory of the images on a node: key (IMAGES_KEY, node name) → frozenset of image names
#: (the image manager asks the runtime; kstate remembers what its pulls left there).
IMAGES_KEY = "#images"
#: per-pod memory: when the pull of the app containers' missing images began (the profile's `pull` rule).
PULL_KEY = "#pull"
ANN_SIGTERM_EXIT_CODE = "kstate.io/sigterm-exit-code"
ANN_PRE_STOP_TAKES = "kstate.io/pre-stop-takes"
#: per-pod memory: the Killing events of a graceful deletion were recorded.
KILL_KEY = "#killing"
#: the kubelet's memory of a node that crashed: key (CRASH_KEY, node name) → when. Containers
#: that ran then are gone when the node comes back (Cluster.fail_node(mode="crash")).
CRASH_KEY = "#crashed"
#: per-pod memory: the crash (its time) whose lost containers this pod has been through.
CRASH_SEEN_KEY = "#crash-seen"
#: containerd's status of a container lost with its node (seen after a reboot): Unknown, exit code 255.
EXIT_LOST = 255
#: per-pod memory: the time of the last failed probe whose Unhealthy event was recorded.
PROBE_KEY = "#probed"
NO_IMAGES: frozenset = frozenset()


def sigterm_exit_code(pod: Pod) -> int:
    """The exit code of a container that stops on SIGTERM (graceful deletion,
    a failed liveness probe): `kstate.io/sigterm-exit-code`, else 0 — a
    well-behaved app exits 0 on SIGTERM (reason Completed); 143 (128 + 15) is
    what one gets that dies of the signal."""
    ann = pod.metadata.annotations.get(ANN_SIGTERM_EXIT_CODE)
    return int(ann) if ann is not None else 0


def is_sidecar(c) -> bool:
    """podutil.IsRestartableInitContainer: an init container with restartPolicy Always."""
    return c.restart_policy == "Always"


@attrs.frozen
class KubeletObs:
    pod: Optional[Pod]
    node: object = None
    node_alive: bool = False
    profile: Optional[Profile] = None
    #: container name → (backoff ms, last update ms): the kubelet's in-memory back-off.
    backoff: FrozenDict = EMPTY
    #: for a pod awaiting admission: (cpu m, memory B, pods) this kubelet already admitted.
    admitted: tuple = (0, 0, 0)
    #: the ConfigMaps and Secrets the pod references: (kind, name) → object, or None when missing.
    config: FrozenDict = EMPTY
    #: the images already on the pod's node (IMAGES_KEY memory).
    images: frozenset = NO_IMAGES
    #: the names the node's status.images lists (containerd's names, controllers/images.py).
    listed: frozenset = NO_IMAGES
    #: when the pod's node last crashed (CRASH_KEY memory), None if it never did.
    crashed: Optional[int] = None


def observe_kubelet(view, key) -> KubeletObs:
    namespace, name = key
    pod = view.get("Pod", namespace, name)
    if pod is None or not pod.spec.node_name:
        return KubeletObs(pod=pod)
    node_name = pod.spec.node_name
    node = view.get("Node", "", node_name)
    alive = node is not None and node.status.state in ("Ready", "NotReady")
    admitted = admitted_on_node(view.index(KUBELET_ADMISSION), node_name) if pod.status.state == "Scheduled" \
        else (0, 0, 0)
    refs = view.index(POD_CONFIG_REFS)["by_pod"].get(key)
    config = FrozenDict({(kind, ref_name): view.get(kind, ns, ref_name) for kind, ns, ref_name in sorted(refs)}) \
        if refs else EMPTY
    return _new_obs(_NO_OBS, pod, node, alive, view.profile(), view.memory(NAME, pod.metadata.uid, EMPTY),
                    admitted, config, view.memory(NAME, (IMAGES_KEY, node_name), NO_IMAGES),
                    listed_names(node) if node is not None and node.status.images else NO_IMAGES,
                    view.memory(NAME, (CRASH_KEY, node_name), None))


#: a KubeletObs from all its fields in order: a copy fills the slots directly
#: (the attrs __init__ takes keywords and sets each field through a call)
_new_obs = field_replacer(KubeletObs, *[f.name for f in attrs.fields(KubeletObs)])
_NO_OBS = KubeletObs(pod=None)


def observe_kubelet_run(view, keys) -> list:
    """`observe_kubelet` of each key of a run, at one instant
    (ControllerSpec.observe_batch): equal observations, with what the pods of
    one node share — the node, its liveness, the images remembered and
    listed there, its last crash, its admission totals — looked up once."""
    get, memory = view.get, view.memory
    totals = view.index(KUBELET_ADMISSION)["totals"]
    refs_of = view.index(POD_CONFIG_REFS)["by_pod"]
    profile = view.profile()
    nodes: dict = {}
    out = []
    append = out.append
    for key in keys:
        pod = get("Pod", key[0], key[1])
        if pod is None or not pod.spec.node_name:
            append(KubeletObs(pod=pod))
            continue
        node_name = pod.spec.node_name
        shared = nodes.get(node_name)
        if shared is None:
            node = get("Node", "", node_name)
            tot = totals.get(node_name)
            shared = nodes[node_name] = (
                node, node is not None and node.status.state in ("Ready", "NotReady"),
                memory(NAME, (IMAGES_KEY, node_name), NO_IMAGES),
                listed_names(node) if node is not None and node.status.images else NO_IMAGES,
                memory(NAME, (CRASH_KEY, node_name), None),
                (tot[0], tot[1], tot[2]) if tot is not None else (0, 0, 0))
        node, alive, images, listed, crashed, admitted = shared
        refs = refs_of.get(key) if refs_of else None      # most runs: no pod references a ConfigMap or Secret
        config = FrozenDict({(kind, ref_name): get(kind, ns, ref_name) for kind, ns, ref_name in sorted(refs)}) \
            if refs else EMPTY
        append(_new_obs(_NO_OBS, pod, node, alive, profile, memory(NAME, pod.metadata.uid, EMPTY),
                        admitted if pod.status.state == "Scheduled" else (0, 0, 0), config, images, listed,
                        crashed))
    return out


# -- the crash-loop back-off (client-go flowcontrol.Backoff as the kubelet uses it)


def is_in_backoff_since(entry: Optional[tuple[int, int]], finished_at: int, now: int) -> bool:
    """backoff.go IsInBackOffSince(id, eventTime=finishedAt): an entry exists,
    has not expired (finishedAt − lastUpdate ≤ 600 s) and now − finishedAt < backoff.

    Example: entry (10 s, lastUpdate 5 s), crash at 10 s → in back-off until 20 s.
    """
    if entry is None:
        return False
    backoff, last_update = entry
    if finished_at - last_update > BACKOFF_EXPIRY_MS:
        return False
    return now - finished_at < backoff


def next_backoff(entry: Optional[tuple[int, int]], finished_at: int, now: int) -> tuple[int, int]:
    """backoff.go Next(id, eventTime=finishedAt): a missing or expired entry
    starts at 10 s, otherwise the back-off doubles up to 300 s; lastUpdate = now.

    Example: a container that crashes 5 s after every start restarts at
    0, 5, 20, 45, 90, 175, 340, 645 s (delays 0, 10, 20, 40, 80, 160, 300).
    """
    if entry is None or finished_at - entry[1] > BACKOFF_EXPIRY_MS:
        return (INITIAL_BACKOFF_MS, now)
    return (min(entry[0] * 2, MAX_BACKOFF_MS), now)


def format_go_duration(ms: int) -> str:
    from kstate.units import format_duration
    return format_duration(ms)


# -- phase and conditions


def get_phase(pod: Pod, init_statuses, statuses) -> str:
    """kubelet_pods.go getPhase. Regular init containers: running, waiting
    without a termination or no status → pending; exited non-zero (or
    waiting after a non-zero exit) → failed. Sidecars: running → running (and
    pending until started); waiting without a termination → waiting and
    pending; exited, or waiting after an exit → ignored; no status → unknown.
    Pending sidecars keep the pod Pending only until a regular container has
    started (HasAnyRegularContainerStarted).

    Example: restartPolicy Never, one container terminated with exit 1 → Failed;
    restartPolicy Always, the same → Running (it will be restarted); Never,
    the app container exited 0 but a sidecar still runs → Running.
    """
    policy = pod.spec.restart_policy
    init_by = {st.name: st for st in init_statuses}
    pending_init = failed_init = pending_sidecar = 0
    running = waiting = stopped = succeeded = unknown = 0
    for c in pod.spec.init_containers:
        st = init_by.get(c.name)
        if is_sidecar(c):
            if st is None:
                unknown += 1
                continue
            s = st.state
            if s.kind == "running":
                if not st.started:
                    pending_sidecar += 1
                running += 1
            elif s.kind == "waiting" and st.last_state.kind != "terminated":
                pending_sidecar += 1
                waiting += 1
            elif s.kind == "":
                pending_sidecar += 1
                unknown += 1
            continue
        if st is None:
            pending_init += 1
            continue
        s = st.state
        if s.kind == "running" or (s.kind == "waiting" and st.last_state.kind != "terminated") or s.kind == "":
            pending_init += 1
        elif (s.kind == "terminated" and s.exit_code) or (
                s.kind == "waiting" and st.last_state.kind == "terminated" and st.last_state.exit_code):
            failed_init += 1
    if failed_init and policy == "Never":
        return "Failed"
    by = {st.name: st for st in statuses}
    for c in pod.spec.containers:
        st = by.get(c.name)
        if st is None:
            unknown += 1
            continue
        s = st.state
        if s.kind == "running":
            running += 1
        elif s.kind == "terminated":
            stopped += 1
            if s.exit_code == 0:
                succeeded += 1
        elif s.kind == "waiting":
            if st.last_state.kind == "terminated":
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    if pending_init or (pending_sidecar and not has_any_regular_container_started(pod, statuses)) or waiting:
        return "Pending"
    if running and not unknown:
        return "Running"
    if not running and stopped and not unknown:
        if pod.status.phase in TERMINAL_PHASES:
            return "Succeeded" if succeeded == stopped else "Failed"
        if policy == "Always":
            return "Running"
        if succeeded == stopped:
            return "Succeeded"
        if policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


def has_any_regular_container_started(pod: Pod, statuses) -> bool:
    """kubelet/container/helpers.go HasAnyRegularContainerStarted: an app
    container is running or terminated (waiting after an exit does not count)."""
    names = {c.name for c in pod.spec.containers}
    return any(st.name in names and st.state.kind in ("running", "terminated") for st in statuses)


_KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")


def pod_conditions(pod: Pod, status: PodStatus, now: int) -> tuple[Condition, ...]:
    """status/generate.go: conditions the kubelet does not own first (copied
    through), then PodReadyToStartContainers, Initialized, Ready,
    ContainersReady, PodScheduled. An unchanged condition keeps its object;
    a changed reason keeps lastTransitionTime unless the status flips."""
    return _conditions(pod, status.conditions, status.phase, status.state, status.init_container_statuses,
                       status.container_statuses, now)


def _conditions(pod: Pod, conditions, phase: str, state: str, init_statuses, statuses,
                now: int) -> tuple[Condition, ...]:
    old = {c.type: c for c in conditions}
    sandbox = "True" if state not in ("Pending", "Scheduled") else "False"
    # Initialized (isInitContainerInitialized): a regular init container has
    # exited 0, a sidecar has started; True anyway once an app container ran.
    init_by = {s.name: s for s in init_statuses}
    incomplete = []
    for c in pod.spec.init_containers:
        st = init_by.get(c.name)
        if st is None:
            incomplete.append(c.name)
        elif is_sidecar(c):
            if not st.started:
                incomplete.append(c.name)
        elif not (st.state.kind == "terminated" and st.state.exit_code == 0):
            incomplete.append(c.name)
    if phase == "Succeeded" and all(c.name in init_by for c in pod.spec.init_containers):
        init = ("True", "PodCompleted", "")     # also without init containers
    elif not incomplete or has_any_regular_container_started(pod, statuses):
        init = ("True", "", "")
    else:
        init = ("False", "ContainersNotInitialized", f"containers with incomplete status: [{' '.join(incomplete)}]")
    # ContainersReady (sidecars first, then the app containers), then Ready copies it (readiness gates aside)
    ready_names = {s.name for s in statuses if s.ready} | {s.name for s in init_statuses if s.ready}
    unready = [c.name for c in pod.spec.init_containers if is_sidecar(c) and c.name not in ready_names] + [
        c.name for c in pod.spec.containers if c.name not in ready_names]
    if not unready:
        cready = ("True", "", "")
    elif phase == "Succeeded":
        cready = ("False", "PodCompleted", "")
    elif phase == "Failed":
        cready = ("False", "PodFailed", "")
    else:
        cready = ("False", "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]")
    ready = cready
    if cready[0] == "True" and pod.spec.readiness_gates:
        missing = [g for g in pod.spec.readiness_gates if not (g in old and old[g].status == "True")]
        if missing:
            ready = ("False", "ReadinessGatesNotReady", "corresponding condition of pod readiness gate "
                     + ", ".join(f'"{g}"' for g in missing) + " does not exist.")
    desired = (("PodReadyToStartContainers", (sandbox, "", "")), ("Initialized", init), ("Ready", ready),
               ("ContainersReady", cready), ("PodScheduled", ("True", "", "")))
    out = [c for c in conditions if c.type not in _KUBELET_CONDITIONS]
    for type_, (st, reason, message) in desired:
        prev = old.get(type_)
        if prev is not None and prev.status == st and prev.reason == reason and prev.message == message:
            out.append(prev)
        else:
            since = prev.last_transition_time if prev is not None and prev.status == st else now
            out.append(condition(type_, st, reason, message, since))
    return tuple(out)


def _zip_statuses(containers, statuses):
    by = {s.name: s for s in statuses}
    return [(c, by.get(c.name)) for c in containers]


#: (phase, conditions) _with_status derived, keyed on the identity of what
#: they are computed from (the spec's container tuples and readiness gates,
#: the statuses written, each old condition) and the plain values beside
#: them. Pods of one template changing at one instant get the same
#: conditions tuple, which the engine's store then shares as it is
#: (kinds/core.py _STATUS_PARTS: no second copy of the status). The entry
#: holds the objects whose ids it is keyed on, so an equal id is the same
#: object. Bounded: cleared when full, which only costs recomputing.
_DERIVED: dict = {}
_DERIVED_MAX = 4096


def _phase_and_conditions(pod: Pod, st: PodStatus, phase: Optional[str], state: str, inits, conts,
                          now: int) -> tuple[str, tuple[Condition, ...]]:
    """`phase` (None: get_phase's, a terminal phase kept) and the pod
    conditions (_conditions) of status `st` with these container statuses."""
    spec = pod.spec
    conds = st.conditions
    key = (id(spec.init_containers), id(spec.containers), id(spec.readiness_gates), spec.restart_policy, phase,
           st.phase, state, id(inits), id(conts), now, *map(id, conds))
    hit = _DERIVED.get(key)
    if hit is not None:
        return hit[1], hit[2]
    if phase is None:
        # generateAPIPodStatus never leaves a terminal phase.
        phase = st.phase if st.phase in TERMINAL_PHASES else get_phase(pod, inits, conts)
    out = _conditions(pod, conds, phase, state, inits, conts, now)
    if len(_DERIVED) >= _DERIVED_MAX:
        _DERIVED.clear()
    _DERIVED[key] = ((spec.init_containers, spec.containers, spec.readiness_gates, inits, conts, conds), phase, out)
    return phase, out


def _with_status(pod: Pod, now: int, state: Optional[str] = None, **changes) -> Pod:
    """A copy of the pod whose status has `changes`, the lifecycle state
    `state` (entered now) and a recomputed phase and conditions."""
    st = pod.status
    if state is not None and state != st.state:
        changes["state"] = state
        changes["state_since"] = now
    else:
        state = st.state
    inits = changes.get("init_container_statuses", st.init_container_statuses)
    conts = changes.get("container_statuses", st.container_statuses)
    changes["phase"], changes["conditions"] = _phase_and_conditions(pod, st, changes.get("phase"), state, inits,
                                                                    conts, now)
    key = (st.__class__, *changes)
    copy = _STATUS_COPIERS.get(key)
    if copy is None:
        copy = _STATUS_COPIERS[key] = field_replacer(st.__class__, *changes)
    return with_pod_status(pod, copy(st, *changes.values()))


#: the copies every status the kubelet writes costs, without evolve's keyword
#: dicts: the pod with a new status (the engine keeps only the status of it),
#: and the status's fields a write changes → their field_replacer (a few
#: dozen sets of names, used on every write)
with_pod_status = field_replacer(Pod, "status")
_STATUS_COPIERS: dict = {}


def default_waiting_reason(pod: Pod) -> str:
    """kubelet_pods.go convertToAPIContainerStatuses: an app container without
    a runtime status waits as ContainerCreating, or as PodInitializing in a
    pod with init containers — also once they are done, until it is created."""
    return "PodInitializing" if pod.spec.init_containers else "ContainerCreating"


#: container-status tuples the kubelet builds, shared by the pods of one
#: template that reach the same step at one instant (as _DERIVED, whose keys
#: they then match; the entry holds what it is keyed on by id).
_STATUSES: dict = {}


def _shared_statuses(key: tuple, held: tuple, build) -> tuple[ContainerStatus, ...]:
    hit = _STATUSES.get(key)
    if hit is None:
        if len(_STATUSES) >= _DERIVED_MAX:
            _STATUSES.clear()
        hit = _STATUSES[key] = (held, build())
    return hit[1]


def _waiting(pod: Pod, containers, reason: str) -> tuple[ContainerStatus, ...]:
    sts = pod.status.container_statuses
    return _shared_statuses(("waiting", id(containers), id(sts), reason), (containers, sts),
                            lambda: _waiting_statuses(sts, containers, reason))


#: a new container status, field by field (name, image, ready, started,
#: restart_count, state, last_state) without attrs' __init__ (a call per
#: field); container_id stays empty, as the kubelet never sets it
_container_status = partial(field_replacer(ContainerStatus, "name", "image", "ready", "started", "restart_count",
                                           "state", "last_state"), ContainerStatus(name=""))
#: an init container's state before it runs
_INIT_WAITING = ContainerState("waiting", "PodInitializing")


def _waiting_statuses(sts, containers, reason: str) -> tuple[ContainerStatus, ...]:
    prev = {s.name: s for s in sts}
    out = []
    for c in containers:
        old = prev.get(c.name)
        out.append(_container_status(c.name, c.image, False, False, old.restart_count if old else 0,
                                     ContainerState("waiting", reason), old.last_state if old else NO_STATE))
    return tuple(out)


def _running(c, now: int, restart_count: int = 0, last_state: ContainerState = NO_STATE) -> ContainerStatus:
    """A container instance running from `now`: not ready, and not started
    while a startup probe has not succeeded (prober_manager.go isContainerStarted)."""
    return _container_status(c.name, c.image, False, c.startup_probe is None, restart_count,
                             ContainerState("running", started_at=now), last_state)


def _exit_reason(code: int) -> str:
    """containerd's reason for a terminated container (pkg/cri/server/helpers.go)."""
    return "Completed" if code == 0 else "Error"


def _terminated(st: ContainerStatus, code: int, now: int) -> ContainerStatus:
    return evolve(st, ready=False, started=False, state=ContainerState(
        "terminated", _exit_reason(code), exit_code=code, started_at=st.state.started_at, finished_at=now))


# -- container events (kuberuntime_container.go startContainer and killContainer, images/image_manager.go)

#: startContainer's Created and Started messages at 1.35: the container's name left the
#: message in kubernetes PR #134043 (it is in the event's involvedObject.fieldPath).
CREATED_MESSAGE = "Container created"
STARTED_MESSAGE = "Container started"


@lru_cache(maxsize=4096)
def _pulling_message(image: str) -> str:
    """image_manager.go EnsureImageExists before a pull: events.PullingImage."""
    return f'Pulling image "{image}"'


@lru_cache(maxsize=4096)
def _present_message(image: str) -> str:
    """image_manager.go EnsureImageExists when no pull is needed: events.PulledImage."""
    return f'Container image "{image}" already present on machine and can be accessed by the pod'


@lru_cache(maxsize=4096)
def _pulled_message(image: str, ms: int, size: int = 0) -> str:
    """image_manager.go after a pull: the time of the pull and, in brackets, with the
    wait in the pull queue (kstate has no queue: the same), and the image's size
    (`kstate.io/image-size`, 0 bytes unless given)."""
    d = format_go_duration(ms)
    return f'Successfully pulled image "{image}" in {d} ({d} including waiting). Image size: {size} bytes.'


def should_pull_image(c, images: frozenset, listed: frozenset = NO_IMAGES) -> bool:
    """image_manager.go shouldPullImage: imagePullPolicy Always pulls at every
    start, Never never pulls, IfNotPresent (the default for a tagged image)
    pulls when the node does not have the image — neither pulled there
    (`images`) nor listed in its status.images (`listed`, containerd's names).

    Example: IfNotPresent, "nginx:1.25" already on the node → no pull."""
    policy = c.extra.get("imagePullPolicy", "IfNotPresent")
    if policy == "Always":
        return True
    if policy == "Never":
        return False
    return c.image not in images and (not listed or docker_ref(c.image) not in listed)


def _stopping_event(pod: Pod, name: str, message: str = "") -> RecordEvent:
    """killContainer: Normal Killing "Stopping container app", or the reason
    computePodActions gave ("Container app failed liveness probe, will be restarted")."""
    return RecordEvent(ref_of(pod), "Killing", message or f"Stopping container {name}", "Normal", NAME)


def _starts_now(statuses, now: int) -> bool:
    for st in statuses:
        s = st.state
        if s.started_at == now and s.kind == "running":
            return True
    return False


def _add_start_events(obs: KubeletObs, result: Result, now: int) -> Result:
    """The events of every container instance the result starts now (init,
    sidecar, app container; first start or restart): Pulling and Pulled — or
    Pulled "already present" — then Created and Started, in startContainer's
    order; the node remembers the images pulled (IMAGES_KEY). A pull the
    profile made wait (PULL_KEY) had its Pulling event when it began."""
    new = None
    for a in result.actions:
        if type(a) is UpdateStatus:
            new = a.obj
    if new is None or not (_starts_now(new.status.container_statuses, now)
                           or _starts_now(new.status.init_container_statuses, now)):
        return result
    pod = obs.pod
    events: list = []
    images = obs.images
    pulled: dict = {}
    pull_start = obs.backoff.get(PULL_KEY)
    ref = None
    for old_sts, new_sts, specs in (
            (pod.status.init_container_statuses, new.status.init_container_statuses, pod.spec.init_containers),
            (pod.status.container_statuses, new.status.container_statuses, pod.spec.containers)):
        for st in new_sts:
            s = st.state
            if s.kind != "running" or s.started_at != now:
                continue
            old = next((o for o in old_sts if o.name == st.name), None)
            if old is not None and old.state.kind == "running" and old.state.started_at == now:
                continue
            c = next((c for c in specs if c.name == st.name), None)
            if c is None:
                continue
            if ref is None:
                ref = ref_of(pod)
            if should_pull_image(c, images, obs.listed):
                if pull_start is None or specs is pod.spec.init_containers:
                    events.append(RecordEvent(ref, "Pulling", _pulling_message(c.image), "Normal", NAME))
                    took = 0
                else:
                    took = now - pull_start
                size = image_size(pod)
                events.append(RecordEvent(ref, "Pulled", _pulled_message(c.image, took, size), "Normal", NAME))
                if size:
                    pulled[docker_ref(c.image)] = size
                if c.image not in images:
                    images = images | {c.image}
            else:
                events.append(RecordEvent(ref, "Pulled", _present_message(c.image), "Normal", NAME))
            events.append(RecordEvent(ref, "Created", CREATED_MESSAGE, "Normal", NAME))
            events.append(RecordEvent(ref, "Started", STARTED_MESSAGE, "Normal", NAME))
    if not events:
        return result
    if images is not obs.images:
        events.append(SetMemory(NAME, (IMAGES_KEY, pod.spec.node_name), images))
    if pulled and obs.node is not None:
        # the Images node-status setter: the node lists what its pulls brought
        listed = node_status_images(obs.node.status.images, pulled)
        if listed != obs.node.status.images:
            events.append(UpdateStatus(evolve(obs.node, status=evolve(obs.node.status, images=listed))))
    return Result(result.actions + tuple(events), result.requeue_after)


# -- sidecars (restartable init containers)


def sidecar_ready_delay(c) -> Optional[int]:
    """ms after a sidecar starts until it is ready: None without a
    readinessProbe (prober_manager.go UpdatePodStatus: no probe → ready as
    soon as it runs), else the probe's first successes, as the profile's
    `probe: readinessProbe` rules compute it for app containers:
    (initialDelaySeconds + (successThreshold − 1) × periodSeconds) s."""
    p = c.readiness_probe
    if p is None:
        return None
    return (p.initial_delay_seconds + (p.success_threshold - 1) * p.period_seconds) * 1000


def _start_sidecar(c, now: int, restart_count: int = 0, last_state: ContainerState = NO_STATE) -> ContainerStatus:
    """A sidecar instance that runs from `now`: started at once (kstate has
    no startup probes), ready at once unless it has a readinessProbe."""
    return evolve(_running(c, now, restart_count, last_state), started=True, ready=sidecar_ready_delay(c) is None)


def _start_init_containers(pod: Pod, inits: list, i: int, now: int, config=EMPTY, events=None) -> bool:
    """Start init container `i` now; while it is a sidecar, the next one
    starts at once too (kuberuntime_manager.go computeInitContainerActions:
    a started restartable init container lets the next one start). Returns
    True when the last init container is reached: the pod is initialized.
    An init container whose env cannot be made (`config`, see
    configrefs.container_config_error) is not created: it waits with
    CreateContainerConfigError (a Failed event goes to `events`) and nothing
    after it starts (SyncPod returns after a failed init container start)."""
    specs = pod.spec.init_containers
    while i < len(specs):
        c = specs[i]
        err = container_config_error(pod, c, config)
        if err is not None:
            inits[i] = _config_error_status(c, inits[i] if i < len(inits) else None, err)
            if events is not None:
                events.append(_failed_event(pod, err))
            return False
        if not is_sidecar(c):
            inits[i] = _running(c, now)
            return False
        inits[i] = _start_sidecar(c, now)
        i += 1
    return True


def _config_error_status(c, old: Optional[ContainerStatus], message: str) -> ContainerStatus:
    """A container the kubelet could not create: kuberuntime_container.go
    startContainer returns ErrCreateContainerConfig when generateContainerConfig
    (makeEnvironmentVariables) fails; the status shows waiting
    CreateContainerConfigError with the error's message."""
    return _container_status(c.name, c.image, False, False, old.restart_count if old is not None else 0,
                             ContainerState("waiting", CONFIG_ERROR, message),
                             old.last_state if old is not None else NO_STATE)


def _failed_event(pod: Pod, message: str) -> RecordEvent:
    """startContainer's recordContainerEvent(Warning, events.FailedToCreateContainer = "Failed", "Error: %v")."""
    return RecordEvent(ref_of(pod), "Failed", f"Error: {message}", "Warning", NAME)


def _is_config_error(st: Optional[ContainerStatus]) -> bool:
    return st is not None and st.state.kind == "waiting" and st.state.reason == CONFIG_ERROR


def _any_config_error(statuses) -> bool:
    for st in statuses:
        if st.state.reason == CONFIG_ERROR and st.state.kind == "waiting":
            return True
    return False


def _sidecar_exit_due(obs: KubeletObs, st: ContainerStatus):
    """(time, rule) of the earliest `sidecar_exit` rule for this running sidecar instance, or None."""
    best = None
    for rule in obs.profile.rules_for(SIDECAR_RUNNING) if obs.profile is not None else ():
        t = due(rule, obs.pod, st.state.started_at)
        if t is not None and (best is None or t < best[0]):
            best = (t, rule)
    return best


def _sidecar_events(obs: KubeletObs, now: int) -> tuple[Optional[Result], Optional[int]]:
    """Sidecars of a live pod, beside whatever the app containers do: a
    probe-ready sidecar becomes ready, a sidecar whose exit is due exits, an
    exited sidecar restarts — always, whatever restartPolicy says
    (computeInitContainerActions) — at once or after the crash-loop back-off
    (doBackOff; CrashLoopBackOff while it waits). Returns the write for what
    is due now, or (None, when the next sidecar event falls due)."""
    pod = obs.pod
    if not pod.spec.init_containers or not any(is_sidecar(c) for c in pod.spec.init_containers):
        return None, None
    inits = list(pod.status.init_container_statuses)
    where = {st.name: i for i, st in enumerate(inits)}
    memory = dict(obs.backoff)
    events = []
    changed = False
    next_due = None

    def later(t: int) -> None:
        nonlocal next_due
        next_due = t if next_due is None else min(next_due, t)

    for c in pod.spec.init_containers:
        i = where.get(c.name)
        if not is_sidecar(c) or i is None:
            continue
        st = inits[i]
        s = st.state
        if s.kind == "running":
            exit_due = _sidecar_exit_due(obs, st)
            if exit_due is not None and exit_due[0] <= now:
                inits[i] = _terminated(st, exit_due[1].code(pod), now)
                changed = True
                continue
            if exit_due is not None:
                later(exit_due[0])
            delay = sidecar_ready_delay(c)
            if not st.ready and delay is not None:
                if s.started_at + delay <= now:
                    inits[i] = evolve(st, ready=True)
                    changed = True
                else:
                    later(s.started_at + delay)
            continue
        crashed = s if s.kind == "terminated" else (
            st.last_state if s.kind == "waiting" and st.last_state.kind == "terminated" else None)
        if crashed is None:
            continue  # not started yet (waiting PodInitializing)
        entry = memory.get(c.name)
        if is_in_backoff_since(entry, crashed.finished_at, now):
            later(crashed.finished_at + entry[0])
            if s.kind == "terminated":
                msg = (f"back-off {format_go_duration(entry[0])} restarting failed container={c.name} "
                       f"pod={pod.metadata.name}_{pod.metadata.namespace}({pod.metadata.uid})")
                inits[i] = evolve(st, ready=False, started=False,
                                  state=ContainerState("waiting", "CrashLoopBackOff", msg), last_state=crashed)
                events.append(RecordEvent(ref_of(pod), "BackOff", f"Back-off restarting failed container {c.name} "
                                          f"in pod {pod.metadata.name}_{pod.metadata.namespace}({pod.metadata.uid})",
                                          "Warning", NAME))
                changed = True
            continue
        memory[c.name] = next_backoff(entry, crashed.finished_at, now)
        inits[i] = _start_sidecar(c, now, st.restart_count + 1, crashed)
        changed = True
    if not changed:
        return None, next_due
    actions = []
    if memory != dict(obs.backoff):
        actions.append(SetMemory(NAME, pod.metadata.uid, FrozenDict(memory)))
    actions.append(UpdateStatus(_with_status(pod, now, init_container_statuses=tuple(inits))))
    actions.extend(events)
    return Result(tuple(actions), requeue_after=0), None


def _sidecar_kill_schedule(obs: KubeletObs, t0: int, grace_s: int, mains_exit: int) -> dict:
    """When each sidecar that ran at `t0` (the kill) stops, as name →
    (time, exit code): kuberuntime_termination_order.go — a sidecar waits
    for every app container (`mains_exit`: when those running at t0 have
    exited, t0 if none ran) and for the next sidecar in spec order, but at
    most its grace period; killContainer then subtracts the whole seconds
    waited from the grace period, never below 2 s (minimumGracePeriodInSeconds),
    and stops it with SIGTERM (the profile's Terminating stop delay after
    its turn, exit `sigterm_exit_code`) or SIGKILL when that is longer (exit 137). With a
    grace period of 0 no sidecar waits.

    Example: grace 30 s, app containers exit at t0 + 10.5 s, stop delay 25 s
    → the last sidecar's turn at t0 + 10.5 s, 30 − 10 = 20 s left → SIGKILL
    at t0 + 30.5 s.
    """
    pod = obs.pod
    by = {st.name: st for st in pod.status.init_container_statuses}
    rules = obs.profile.rules_for("Terminating") if obs.profile is not None else ()
    out = {}
    prev_done = None          # when the next (later) sidecar's kill finished; None: it did not run
    for c in reversed(pod.spec.init_containers):
        if not is_sidecar(c):
            continue
        st = by.get(c.name)
        ran = st is not None and (st.state.kind == "running" or (
            st.state.kind == "terminated" and st.state.finished_at is not None and st.state.finished_at >= t0))
        if not ran:
            prev_done = None
            continue
        if grace_s > 0:
            turn = min(max(mains_exit, prev_done if prev_done is not None else t0), t0 + grace_s * 1000)
            left = grace_s - (turn - t0) // 1000
        else:
            turn, left = t0, grace_s
        left_ms = max(left, MIN_GRACE_PERIOD_S) * 1000
        stop = turn
        for rule in rules:
            t = due(rule, pod, turn)
            if t is not None:
                stop = t
                break
        if stop - turn > left_ms:
            out[c.name] = (turn + left_ms, EXIT_SIGKILL)
        else:
            out[c.name] = (stop, sigterm_exit_code(pod))
        if st.state.kind == "terminated":
            prev_done = st.state.finished_at
        else:
            prev_done = out[c.name][0]
    return out


def _stop_due_sidecars(inits: list, schedule: dict, now: int) -> Optional[int]:
    """Stop every running sidecar whose scheduled stop is due (in `inits`);
    returns when the next one falls due, or None."""
    nxt = None
    for i, st in enumerate(inits):
        if st.state.kind != "running" or st.name not in schedule:
            continue
        t, code = schedule[st.name]
        if t <= now:
            inits[i] = _terminated(st, code, now)
        else:
            nxt = t if nxt is None else min(nxt, t)
    return nxt


# -- the reconcile


def reconcile_kubelet(obs: KubeletObs, now: int) -> Result:
    """One step of the pod worker, asking to be requeued when that step
    leaves more to do (see `next_look`): the kubelet is not woken by its own
    status writes (`watch_pods`)."""
    result = _sync(obs, now)
    if not result.actions:
        return result
    if obs.pod.metadata.deletion_timestamp is None:
        result = _add_start_events(obs, result, now)
    return next_look(obs, result, now)


def _sync(obs: KubeletObs, now: int) -> Result:
    """The step itself: SyncTerminatingPod for a pod being deleted, else SyncPod."""
    pod = obs.pod
    if pod is None or not pod.spec.node_name or not obs.node_alive:
        return NOTHING
    if pod.metadata.deletion_timestamp is not None:
        return sync_terminating_pod(obs, now)
    return _sync_pod(obs, now)


def observed_after(obs: KubeletObs, result: Result) -> Optional[KubeletObs]:
    """What the kubelet would observe of its pod right after `result` is
    applied — the pod it wrote, its memory of the pod and of the node's
    images, the node's status images — or None when `result` writes no
    status of the pod (nothing of its own to look at again) or deletes it.

    Example: admit_pod's result (UpdateStatus → ContainerCreating) gives
    `obs` with that pod in place of the Scheduled one."""
    pod = obs.pod
    uid = pod.metadata.uid
    written = None
    backoff, images, node = obs.backoff, obs.images, obs.node
    for a in result.actions:
        t = type(a)
        if t is UpdateStatus:
            o = a.obj
            if o.KIND == "Pod":
                if o.metadata.uid == uid:
                    written = o
            elif o.KIND == "Node":
                node = o
        elif t is SetMemory:
            if a.controller != NAME:
                continue
            if a.key == uid:
                backoff = a.value if a.value is not None else EMPTY
            elif a.key == (IMAGES_KEY, pod.spec.node_name):
                images = a.value if a.value is not None else NO_IMAGES
        elif t is Delete:
            return None
    if written is None:
        return None
    listed = obs.listed
    if node is not obs.node:
        listed = listed_names(node) if node is not None and node.status.images else NO_IMAGES
    # every field of KubeletObs, by name (a new field belongs here too; the
    # fresh-look test of tests/unit/test_kubelet_sync_triggers.py checks it)
    return KubeletObs(pod=written, node=node, node_alive=obs.node_alive, profile=obs.profile, backoff=backoff,
                      admitted=obs.admitted, config=obs.config, images=images, listed=listed, crashed=obs.crashed)


def next_look(obs: KubeletObs, result: Result, now: int) -> Result:
    """`result` with the requeue its write leaves: when the kubelet must look
    at the pod again, computed from the status it writes. The real kubelet
    never syncs a pod because of its own status write — the pod config
    source calls a status-only change a RECONCILE, not an UPDATE
    (pkg/kubelet/config/config.go checkAndUpdatePod) — its pod worker goes
    on by itself: PLEG events, its own requeue (pkg/kubelet/pod_workers.go
    completeWork) and the periodic resync. So the next step the write
    leaves is decided here, by the same decisions on the written pod at the
    same instant: a step due now → requeue at once (0); a step due later →
    requeue then; none → no requeue. That is the answer the look woken by
    the write itself used to give (it replaced the timer `result` asked
    for), without the look.

    Example: admit_pod writes ContainerCreating at 0 ms; on that pod the
    start rule falls due at 1000 ms → requeue_after 1000. _fire_start writes
    Running and Ready with no rule left for the pod → no requeue."""
    if result.requeue_after == 0:
        return result
    after = observed_after(obs, result)
    if after is None:
        return result
    if after.pod.status.state == "Scheduled":
        # back to admission (a lost sandbox): the admission totals change with the write
        wait = 0
    else:
        nxt = _sync(after, now)
        wait = 0 if nxt.actions else nxt.requeue_after
    if wait == result.requeue_after:
        return result
    return Result(result.actions, wait)


def _sync_pod(obs: KubeletObs, now: int) -> Result:
    """SyncPod for a pod that is not being deleted, one step."""
    pod = obs.pod
    state = pod.status.state
    if obs.crashed is not None and state not in ("Scheduled", "Succeeded", "Failed"):
        lost = containers_lost(obs, now)
        if lost is not None:
            return lost
    if state == "Scheduled":
        return admit_pod(obs, now)
    if MOUNT_KEY in obs.backoff and state in ("Initializing", "ContainerCreating"):
        return sync_volumes(obs, now)
    sidecar_due = None
    if pod.spec.init_containers and (state in ("Initializing", "ContainerCreating", "Running", "CrashLoopBackOff") or (
            state == "Terminated" and _should_restart(pod))):
        # A finishing pod (Terminated, not restarted) stops its sidecars instead (restart_or_finish).
        sidecar_result, sidecar_due = _sidecar_events(obs, now)
        if sidecar_result is not None:
            return sidecar_result
    return _requeue_by(_reconcile_main(obs, now), sidecar_due, now)


def containers_lost(obs: KubeletObs, now: int) -> Optional[Result]:
    """The node crashed (CRASH_KEY) while these containers ran: after the
    reboot the runtime has no sandbox and no container for the pod
    (kuberuntime_manager.go computePodActions: createPodSandbox, Normal
    SandboxChanged "Pod sandbox changed, it will be killed and re-created.").
    A running pod's containers show terminated, reason Unknown, exit code 255,
    and are restarted as after an exit (restart counts grow; restartPolicy
    Never: the pod fails); a pod still initializing or creating its
    containers starts over from admission. None when nothing was lost."""
    pod = obs.pod
    t = obs.crashed
    if obs.backoff.get(CRASH_SEEN_KEY) == t:
        return None      # this pod already lost its containers to that crash
    state = pod.status.state

    def lost(st):
        return st.state.kind == "running" and st.state.started_at is not None and st.state.started_at <= t

    sts = pod.status.container_statuses
    inits = pod.status.init_container_statuses
    if not any(lost(st) for st in sts) and not any(lost(st) for st in inits) and not (
            state in ("Initializing", "ContainerCreating") and pod.status.state_since <= t):
        return None
    event = RecordEvent(ref_of(pod), "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.",
                        "Normal", NAME)
    seen = SetMemory(NAME, pod.metadata.uid, obs.backoff.set(CRASH_SEEN_KEY, t))
    if state in ("Initializing", "ContainerCreating"):
        st = evolve(pod.status, state="Scheduled", state_since=now, phase="Pending", container_statuses=(),
                    init_container_statuses=())
        st = evolve(st, conditions=pod_conditions(pod, st, now))
        return Result((seen, UpdateStatus(evolve(pod, status=st), "sandbox_lost"), event), requeue_after=0)

    def gone(st):
        return evolve(st, ready=False, started=False, state=ContainerState(
            "terminated", "Unknown", exit_code=EXIT_LOST, started_at=st.state.started_at, finished_at=t)) \
            if lost(st) else st
    new_sts = tuple(gone(st) for st in sts)
    new_inits = tuple(gone(st) for st in inits)
    trigger = "exit" if state == "Running" else None
    new = _with_status(pod, now, "Terminated" if state == "Running" else None, container_statuses=new_sts,
                       init_container_statuses=new_inits)
    return Result((seen, UpdateStatus(new, trigger), event), requeue_after=0)


def _requeue_by(result: Result, at: Optional[int], now: int) -> Result:
    """`result`, asking to be woken by `at` at the latest as well."""
    if at is None:
        return result
    wait = max(0, at - now)
    if result.requeue_after is not None and result.requeue_after <= wait:
        return result
    return Result(result.actions, requeue_after=wait)


def _reconcile_main(obs: KubeletObs, now: int) -> Result:
    """The pod's lifecycle as its app containers (and regular init containers) drive it."""
    pod = obs.pod
    state = pod.status.state
    if state in ("Initializing", "ContainerCreating", "Running", "CrashLoopBackOff") and \
            need_to_reconcile_pod_readiness(pod):
        fresh = _conditions(pod, pod.status.conditions, pod.status.phase, state, pod.status.init_container_statuses,
                            pod.status.container_statuses, now)
        if fresh != pod.status.conditions:
            # The status manager rewrites what the kubelet owns, e.g. Ready
            # after the node controller marked the pod NotReady.
            new = evolve(pod, status=evolve(pod.status, conditions=fresh))
            return Result((UpdateStatus(new),), requeue_after=0)
    if state in ("Initializing", "ContainerCreating", "Running"):
        retried = retry_config_errors(obs, now)
        if retried is not None:
            return retried
        if state == "ContainerCreating" and pod.status.container_statuses and all(
                _is_config_error(st) for st in pod.status.container_statuses):
            return NOTHING  # no app container could be created; retried when its ConfigMap or Secret changes
        if state == "Running" and has_probes(pod):
            probed, due_at = sync_probes(obs, now)
            if probed is not None:
                return probed
            return _requeue_by(_fire_rules(obs, now), due_at, now)
        return _fire_rules(obs, now)
    if state in ("Terminated", "CrashLoopBackOff"):
        return restart_or_finish(obs, now)
    return NOTHING


def can_admit_pod(pod: Pod, node, admitted: tuple[int, int, int]) -> Optional[tuple[str, str]]:
    """lifecycle/predicate.go GeneralPredicates (NodeResourcesFit) at kubelet
    admission: the pod's requests must fit beside the pods already admitted.
    Returns (reason, message) for a rejection, None to admit.

    Example: 1 CPU node, 800m admitted, 800m more → ("OutOfcpu", "Pod was
    rejected: Node didn't have enough resource: cpu, requested: 800, used: 800,
    capacity: 1000").
    """
    max_pods, cap_cpu, cap_mem = _admission_capacity(node.status.allocatable or node.status.capacity)
    used_cpu, used_mem, used_pods = admitted
    if used_pods + 1 > max_pods:
        return "OutOfpods", "Pod was rejected: Node didn't have enough resource: pods"
    req = pod_requests(pod)
    for name, want, have, cap in (("cpu", req.cpu, used_cpu, cap_cpu), ("memory", req.memory, used_mem, cap_mem)):
        if want and want + have > cap:
            return (f"OutOf{name}", f"Pod was rejected: Node didn't have enough resource: {name}, requested: {want}, "
                                  f"used: {have}, capacity: {cap}")
    return None


_CAPACITY: dict = {}


def _admission_capacity(alloc) -> tuple[int, int, int]:
    """(pods — 110 when unset —, cpu millicores, memory bytes) of a node's
    allocatable, as can_admit_pod compares them; memoised on the identity of
    the map, which a node keeps until its status changes it (the entry holds it)."""
    hit = _CAPACITY.get(id(alloc))
    if hit is not None:
        return hit[1]
    out = (to_int(alloc["pods"]) if "pods" in alloc else 110, cpu_millis(alloc["cpu"]) if "cpu" in alloc else 0,
           to_int(alloc["memory"]) if "memory" in alloc else 0)
    if len(_CAPACITY) >= _DERIVED_MAX:
        _CAPACITY.clear()
    _CAPACITY[id(alloc)] = (alloc, out)
    return out


def _ready_disagrees(pod: Pod, cond: Optional[Condition] = None) -> bool:
    """The only kubelet-owned condition another controller rewrites is Ready
    (MarkPodsNotReady); recompute when it disagrees with the containers.
    `cond`: the pod's Ready condition, when the caller has it."""
    sts = pod.status.container_statuses
    want = bool(sts)
    for s in sts:
        if not s.ready:
            want = False
            break
    if want and pod.spec.init_containers and any(is_sidecar(c) for c in pod.spec.init_containers):
        ready = {s.name for s in pod.status.init_container_statuses if s.ready}
        want = all(c.name in ready for c in pod.spec.init_containers if is_sidecar(c))
    if cond is None:
        cond = get_condition(pod.status.conditions, "Ready")
    return cond is not None and (cond.status == "True") != want and not (want and pod.spec.readiness_gates)


def admit_pod(obs: KubeletObs, now: int) -> Result:
    """Scheduled → Initializing (first init container runs) or ContainerCreating,
    once admission passes (a pod that does not fit fails: OutOfcpu …).
    Without a pod CIDR on the node the sandbox cannot be set up (flannel has
    no subnet.env), so the pod waits, as on a real node — unless it uses
    the host's network (hostNetwork: true), which takes the node's IP."""
    pod = obs.pod
    rejected = can_admit_pod(pod, obs.node, obs.admitted)
    if rejected is not None:
        reason, message = rejected
        # kubelet.go rejectPod: only phase, reason and message are written.
        new = _with_status(pod, now, "Failed", phase="Failed", reason=reason, message=message)
        return Result((UpdateStatus(new, "fail"),
                       RecordEvent(ref_of(pod), reason, message, "Warning", NAME)))
    host_network = pod.spec.extra.get("hostNetwork") is True
    if not obs.node.spec.pod_cidr and not host_network:
        return Result((RecordEvent(ref_of(pod), "FailedCreatePodSandBox",
                                   f'node "{pod.spec.node_name}" pod cidr not assigned', "Warning", NAME),))
    host_ip = next((a.address for a in obs.node.status.addresses if a.type == "InternalIP"), "")
    base = dict(start_time=pod.status.start_time or now, host_ip=host_ip)
    if host_network:
        # kubelet_pods.go generateAPIPodStatus: a host-network pod's IPs are
        # the node's; no CNI ADD, so no address from the node's pod CIDR
        base["pod_ip"] = host_ip
    mount_errors = volume_errors(pod, obs.config)
    if mount_errors:
        return _mount_failed(obs, now, mount_errors, base)
    if pod.spec.init_containers:
        inits = [_container_status(c.name, c.image, False, None, 0, _INIT_WAITING, NO_STATE)
                 for c in pod.spec.init_containers]
        events: list = []
        if not _start_init_containers(pod, inits, 0, now, obs.config, events):
            new = _with_status(pod, now, "Initializing", init_container_statuses=tuple(inits),
                               container_statuses=_waiting(pod, pod.spec.containers, "PodInitializing"), **base)
            return Result((UpdateStatus(new, "init"), *events))
        # Only sidecars: all started at once, the pod is initialized.
        new = _with_status(pod, now, "ContainerCreating", init_container_statuses=tuple(inits),
                           container_statuses=_waiting(pod, pod.spec.containers, default_waiting_reason(pod)), **base)
        return Result((UpdateStatus(new, "create_containers"),))
    new = _with_status(pod, now, "ContainerCreating",
                       container_statuses=_waiting(pod, pod.spec.containers, default_waiting_reason(pod)), **base)
    return Result((UpdateStatus(new, "create_containers"),))


# -- volumes (the volume manager) and container config (makeEnvironmentVariables)


def _mount_failed(obs: KubeletObs, now: int, errors, base: dict) -> Result:
    """Admitted, but a ConfigMap or Secret volume cannot be set up
    (configrefs.volume_errors): no container is created. The init
    containers and app containers wait (PodInitializing, or ContainerCreating
    without init containers); each failing volume gets a Warning FailedMount
    event (operation_generator.go GenerateMountVolumeFunc), and the volume
    manager retries after its exponential back-off (500 ms, doubling, at
    most 2m2s), emitting the event again on every failed attempt.

    kstate keeps the pod's sandbox modelled as it is for ContainerCreating
    (the pod gets its IP); the real kubelet mounts volumes before it creates
    the sandbox (kubelet.go SyncPod: WaitForAttachAndMount precedes
    containerRuntime.SyncPod)."""
    pod = obs.pod
    if pod.spec.init_containers:
        inits = tuple(_container_status(c.name, c.image, False, None, 0, _INIT_WAITING, NO_STATE)
                      for c in pod.spec.init_containers)
        new = _with_status(pod, now, "Initializing", init_container_statuses=inits,
                           container_statuses=_waiting(pod, pod.spec.containers, "PodInitializing"), **base)
        trigger = "init"
    else:
        new = _with_status(pod, now, "ContainerCreating",
                           container_statuses=_waiting(pod, pod.spec.containers, default_waiting_reason(pod)), **base)
        trigger = "create_containers"
    memory = dict(obs.backoff)
    memory[MOUNT_KEY] = (now, INITIAL_MOUNT_BACKOFF_MS)
    return Result((UpdateStatus(new, trigger), SetMemory(NAME, pod.metadata.uid, FrozenDict(memory)),
                   *_failed_mount_events(pod, errors)), requeue_after=INITIAL_MOUNT_BACKOFF_MS)


def _failed_mount_events(pod: Pod, errors) -> tuple:
    return tuple(RecordEvent(ref_of(pod), "FailedMount", message, "Warning", NAME) for _vol, message in errors)


def sync_volumes(obs: KubeletObs, now: int) -> Result:
    """A pod whose volumes failed to mount: retry when the back-off allows
    (exponential_backoff.go SafeToRetry; a ConfigMap or Secret that appears
    in between is only seen at that retry). Still failing: FailedMount again
    and the back-off doubles. Mounted: the containers are created as after
    admission — the first init containers start now, or the app containers'
    creation (kstate.io/start-after) counts from now."""
    pod = obs.pod
    last, backoff = obs.backoff[MOUNT_KEY]
    if now < last + backoff:
        return Result(requeue_after=last + backoff - now)
    memory = dict(obs.backoff)
    errors = volume_errors(pod, obs.config)
    if errors:
        nxt = min(backoff * 2, MAX_MOUNT_BACKOFF_MS)
        memory[MOUNT_KEY] = (now, nxt)
        return Result((SetMemory(NAME, pod.metadata.uid, FrozenDict(memory)), *_failed_mount_events(pod, errors)),
                      requeue_after=nxt)
    del memory[MOUNT_KEY]
    memory[MOUNTED_KEY] = now
    remember = SetMemory(NAME, pod.metadata.uid, FrozenDict(memory))
    if not pod.spec.init_containers:
        return Result((remember,), requeue_after=0)
    inits = list(pod.status.init_container_statuses)
    events: list = []
    if not _start_init_containers(pod, inits, 0, now, obs.config, events):
        return Result((remember, UpdateStatus(_with_status(pod, now, init_container_statuses=tuple(inits))),
                       *events), requeue_after=0)
    new = _with_status(pod, now, "ContainerCreating", init_container_statuses=tuple(inits),
                       container_statuses=_waiting(pod, pod.spec.containers, default_waiting_reason(pod)))
    return Result((remember, UpdateStatus(new, "create_containers")), requeue_after=0)


def retry_config_errors(obs: KubeletObs, now: int) -> Optional[Result]:
    """Containers waiting with CreateContainerConfigError: the kubelet tries
    to create them again on its next sync; kstate syncs when a referenced
    ConfigMap or Secret is created or changes (the kubelet's watches on
    them, through the pod-config-refs index). A container whose env can now
    be made starts (an init container: the ones after it follow as after
    admission); one that still fails with another message shows it, with a
    new Failed event. None when nothing changed."""
    pod = obs.pod
    if not _any_config_error(pod.status.container_statuses) and \
            not _any_config_error(pod.status.init_container_statuses):
        return None
    inits = list(pod.status.init_container_statuses)
    sts = list(pod.status.container_statuses)
    events: list = []
    changed = False
    trigger = None
    state = pod.status.state
    specs = pod.spec.init_containers
    for i, st in enumerate(inits):
        if not _is_config_error(st) or i >= len(specs) or specs[i].name != st.name:
            continue
        c = specs[i]
        err = container_config_error(pod, c, obs.config)
        if err == st.state.message:
            continue
        changed = True
        if err is not None:
            inits[i] = _config_error_status(c, st, err)
            events.append(_failed_event(pod, err))
        elif not is_sidecar(c):
            inits[i] = _running(c, now, st.restart_count, st.last_state)
        else:
            inits[i] = _start_sidecar(c, now, st.restart_count, st.last_state)
            if _start_init_containers(pod, inits, i + 1, now, obs.config, events) and state == "Initializing":
                sts = list(_waiting(pod, pod.spec.containers, default_waiting_reason(pod)))
                state, trigger = "ContainerCreating", "create_containers"
        break   # init containers run one after another: only the first waiting one is retried
    by_name = {c.name: c for c in pod.spec.containers}
    for i, st in enumerate(sts):
        c = by_name.get(st.name)
        if not _is_config_error(st) or c is None:
            continue
        err = container_config_error(pod, c, obs.config)
        if err == st.state.message:
            continue
        changed = True
        if err is not None:
            sts[i] = _config_error_status(c, st, err)
            events.append(_failed_event(pod, err))
        else:
            sts[i] = _running(c, now, st.restart_count, st.last_state)
            if state == "ContainerCreating":
                state, trigger = "Running", "start"
    if not changed:
        return None
    sts = ready_as_started(obs, tuple(sts), now) if trigger == "start" else tuple(sts)
    new = _with_status(pod, now, state, init_container_statuses=tuple(inits), container_statuses=sts)
    return Result((UpdateStatus(new, trigger), *events), requeue_after=0)


def _anchor(pod: Pod, rule_state: str, mounted: Optional[int] = None) -> Optional[int]:
    if rule_state == "ContainerCreating":
        # containers are created once the volumes are mounted (after a failed mount: from then on)
        return pod.status.state_since if mounted is None else max(pod.status.state_since, mounted)
    if rule_state == "Initializing":
        for c, st in _zip_statuses(pod.spec.init_containers, pod.status.init_container_statuses):
            if st is not None and not is_sidecar(c) and st.state.kind == "running":
                return st.state.started_at
        return None
    if rule_state == "Running":
        starts = [st.state.started_at for st in pod.status.container_statuses if st.state.kind == "running"]
        return max(starts) if starts else None
    if rule_state == "Terminating":
        m = pod.metadata
        return m.deletion_timestamp - (m.deletion_grace_period_seconds or 0) * 1000
    return None


#: (profile, state) by id → (profile, the state's rules but `pull` — how long
#: a pull takes, consulted by _fire_start —, whether one reads the Ready
#: condition, whether one has a jitter, which reads the uid).
_RULE_FACTS: dict = {}
#: what _rule_delays found, keyed by the ids of the profile, the labels, the
#: annotations and the containers (the entry holds them), the state, and the
#: Ready condition and the uid where a rule reads them.
_RULE_DELAYS: dict = {}


def _rule_delays(profile: Profile, pod: Pod, state: str) -> tuple:
    """(rule, delay) of each timing rule for `state` (`pull` aside) that
    selects `pod` and has a delay for it, in the profile's order: timing.due
    without the anchor. Memoised on what Rule.selects and Rule.delay read —
    the labels, the annotations and the containers, which the pods of one
    template share, the Ready condition and the uid only where a rule
    reads them — so a pod's next look (next_look) and the next pod of its
    template find the lookups already done."""
    facts = _RULE_FACTS.get((id(profile), state))
    if facts is None:
        rules = tuple(r for r in profile.rules_for(state) if r.fire != "pull")
        facts = (profile, rules, any(r.ready is not None for r in rules), any(r.jitter for r in rules))
        if len(_RULE_FACTS) >= _DERIVED_MAX:
            _RULE_FACTS.clear()
        _RULE_FACTS[(id(profile), state)] = facts
    rules = facts[1]
    if not rules:
        return ()
    m = pod.metadata
    containers = pod.spec.containers
    key = (id(profile), state, id(m.labels), id(m.annotations), id(containers),
           is_pod_ready(pod) if facts[2] else None, m.uid if facts[3] else None)
    hit = _RULE_DELAYS.get(key)
    if hit is not None:
        return hit[1]
    out = []
    for rule in rules:
        if rule.selects(pod):
            d = rule.delay(pod)
            if d is not None:
                out.append((rule, d))
    out = tuple(out)
    if len(_RULE_DELAYS) >= _DERIVED_MAX:
        _RULE_DELAYS.clear()
    _RULE_DELAYS[key] = ((profile, m.labels, m.annotations, containers), out)
    return out


def _earliest_rule(profile: Profile, pod: Pod, state: str, anchor: Optional[int], statuses):
    """(time, rule) of the timing rule for `state` that falls due first (the
    first in the profile's order on a tie), or None; `statuses` are the app
    containers' statuses the `become_ready` rule looks at."""
    if anchor is None:
        return None
    best = None
    for rule, delay in _rule_delays(profile, pod, state):
        if rule.fire == "become_ready" and (all(s.ready for s in statuses if s.state.kind == "running")
                                            or has_probes(pod)):
            continue  # nothing left to make ready (a container that is not running cannot be), or the prober's
        t = anchor + delay
        if best is None or t < best[0]:
            best = (t, rule)
    return best


def _fire_rules(obs: KubeletObs, now: int) -> Result:
    """Fire the earliest due timing rule for the pod's state, or ask to be
    requeued when the next one falls due."""
    pod = obs.pod
    state = pod.status.state
    best = _earliest_rule(obs.profile, pod, state, _anchor(pod, state, obs.backoff.get(MOUNTED_KEY)),
                          pod.status.container_statuses)
    if best is None:
        return NOTHING
    t, rule = best
    if t > now:
        return Result(requeue_after=t - now)
    return _FIRE[rule.fire](obs, rule, now)


def sync_probes(obs: KubeletObs, now: int) -> tuple[Optional[Result], Optional[int]]:
    """The probe workers of a Running pod's app containers (controllers/prober.py):
    record the Unhealthy events of the probes failed since the last look
    (PROBE_KEY), write started and ready as the probes left them, and kill a
    container whose liveness or startup probe failed failureThreshold times
    (computePodActions: Killing "Container app failed liveness probe, will be
    restarted"; it is restarted as after an exit, with the crash-loop
    back-off). Returns the write for what is due now, or (None, when the
    next probe event falls due)."""
    pod = obs.pod
    w0 = pod.status.start_time if pod.status.start_time is not None else pod.status.state_since
    last = obs.backoff.get(PROBE_KEY)
    specs = {c.name: c for c in pod.spec.containers}
    sts = list(pod.status.container_statuses)
    events: list = []
    kills = False
    next_due = None
    seen = last
    for i, st in enumerate(sts):
        c = specs.get(st.name)
        if c is None or st.state.kind != "running":
            continue
        plan = plan_container(pod, c, st.state.started_at, w0)
        for t, kind in plan.failures:
            if t > now:
                next_due = t if next_due is None else min(next_due, t)
                break
            if last is None or t > last:
                events.append(RecordEvent(ref_of(pod), "Unhealthy", f"{kind} probe failed: "
                                          f"{failure_output(pod, probe_of(c, kind))}", "Warning", NAME))
                seen = t if seen is None else max(seen, t)
        if plan.kill is not None and plan.kill[0] <= now:
            kind = plan.kill[1].lower()
            msg = f"Container {c.name} failed {kind} probe"
            if pod.spec.restart_policy != "Never":
                msg += ", will be restarted"
            events.append(_stopping_event(pod, c.name, msg))
            sts[i] = _terminated(st, sigterm_exit_code(pod), now)
            kills = True
            continue
        started = plan.started_at is not None and plan.started_at <= now
        ready = started and plan.ready_at is not None and plan.ready_at <= now and not (
            plan.unready_at is not None and plan.unready_at <= now)
        for t in (plan.started_at, plan.ready_at, plan.unready_at, plan.kill[0] if plan.kill else None):
            if t is not None and t > now:
                next_due = t if next_due is None else min(next_due, t)
        if st.started != started or st.ready != ready:
            sts[i] = evolve(st, started=started, ready=ready)
    actions: list = []
    if sts != list(pod.status.container_statuses):
        if kills:
            actions.append(UpdateStatus(_with_status(pod, now, "Terminated", container_statuses=tuple(sts)), "exit"))
        else:
            actions.append(UpdateStatus(_with_status(pod, now, container_statuses=tuple(sts))))
    if seen != last:
        actions.append(SetMemory(NAME, pod.metadata.uid, obs.backoff.set(PROBE_KEY, seen)))
    if not actions:
        return None, next_due
    return Result((*actions, *events), requeue_after=0), None


def _fire_init_done(obs: KubeletObs, rule, now: int) -> Result:
    """The running regular init container exits 0; the next init container
    starts (and after a sidecar the one after it, computeInitContainerActions);
    past the last one the app containers are created."""
    pod = obs.pod
    inits = list(pod.status.init_container_statuses)
    specs = pod.spec.init_containers
    i = next(i for i, st in enumerate(inits) if st.state.kind == "running" and not is_sidecar(specs[i]))
    st = inits[i]
    inits[i] = evolve(st, ready=True, started=False, state=ContainerState(
        "terminated", "Completed", exit_code=0, started_at=st.state.started_at, finished_at=now))
    events: list = []
    if not _start_init_containers(pod, inits, i + 1, now, obs.config, events):
        return Result((UpdateStatus(_with_status(pod, now, init_container_statuses=tuple(inits))), *events))
    new = _with_status(pod, now, "ContainerCreating", init_container_statuses=tuple(inits),
                       container_statuses=_waiting(pod, pod.spec.containers, default_waiting_reason(pod)))
    return Result((UpdateStatus(new, "create_containers"), *events))


def _fire_start(obs: KubeletObs, rule, now: int) -> Result:
    """The app containers are created and start (SyncPod step 7: each one in
    turn; one whose env cannot be made waits with CreateContainerConfigError
    and a Failed event, the others start anyway). If none starts the pod
    stays ContainerCreating."""
    pod = obs.pod
    pulling = _pull_wait(obs, now)
    if pulling is not None:
        return pulling
    if pod.spec.containers and env_ref_free(pod.spec.containers):
        # no container reads a ConfigMap or Secret: all of them start
        sts = _started(pod.spec.containers, pod.status.container_statuses, now)
        events = [SetMemory(NAME, pod.metadata.uid, obs.backoff.without(PULL_KEY) or None)] \
            if PULL_KEY in obs.backoff else ()
        return Result((UpdateStatus(_with_status(pod, now, "Running", container_statuses=ready_as_started(
            obs, sts, now)), "start"), *events))
    prev = {s.name: s for s in pod.status.container_statuses}
    sts, events = [], []
    for c in pod.spec.containers:
        old = prev.get(c.name)
        err = container_config_error(pod, c, obs.config)
        if err is not None:
            sts.append(_config_error_status(c, old, err))
            events.append(_failed_event(pod, err))
        else:
            sts.append(_running(c, now, old.restart_count if old else 0, old.last_state if old else NO_STATE))
    if PULL_KEY in obs.backoff:
        events.append(SetMemory(NAME, pod.metadata.uid, obs.backoff.without(PULL_KEY) or None))
    if not any(s.state.kind == "running" for s in sts):
        return Result((UpdateStatus(_with_status(pod, now, container_statuses=tuple(sts))), *events))
    sts = ready_as_started(obs, tuple(sts), now)
    return Result((UpdateStatus(_with_status(pod, now, "Running", container_statuses=sts), "start"), *events))


def _started(containers, sts, now: int) -> tuple[ContainerStatus, ...]:
    """Every app container running from `now` (_running), restart counts
    and last states kept from `sts`; shared as _waiting's."""
    def build():
        prev = {s.name: s for s in sts}
        out = []
        for c in containers:
            old = prev.get(c.name)
            out.append(_running(c, now, old.restart_count if old else 0, old.last_state if old else NO_STATE))
        return tuple(out)
    return _shared_statuses(("started", id(containers), id(sts), now), (containers, sts), build)


def _pull_wait(obs: KubeletObs, now: int) -> Optional[Result]:
    """The profile's `pull` rule (how long pulling the app containers' images
    takes; 0 s by default): when some image must be pulled
    (should_pull_image) and the pull takes time, the Pulling events come
    first and the containers start when the pull is done. None: start now."""
    pod = obs.pod
    rule = obs.profile.pull_rule
    started = obs.backoff.get(PULL_KEY)
    if started is None:
        took = rule.delay(pod) if rule is not None and rule.selects(pod) else None
        if not took:
            return None
        need = [c for c in pod.spec.containers if should_pull_image(c, obs.images, obs.listed)]
        if not need:
            return None
        return Result((SetMemory(NAME, pod.metadata.uid, obs.backoff.set(PULL_KEY, now)), *(
            RecordEvent(ref_of(pod), "Pulling", _pulling_message(c.image), "Normal", NAME) for c in need)),
            requeue_after=took)
    took = (rule.delay(pod) or 0) if rule is not None else 0
    if now < started + took:
        return Result(requeue_after=started + took - now)
    return None


def _fire_ready(obs: KubeletObs, rule, now: int) -> Result:
    pod = obs.pod
    sts = _all_ready(pod.status.container_statuses)
    return Result((UpdateStatus(_with_status(pod, now, container_statuses=sts)),))


def _all_ready(statuses) -> tuple:
    return _shared_statuses(("ready", id(statuses)), statuses, lambda: tuple(
        evolve(s, ready=True) if s.state.kind == "running" and not s.ready else s for s in statuses))


def ready_as_started(obs: KubeletObs, sts, now: int):
    """The app containers' statuses of a write that puts the pod in Running
    (`sts`), with the running containers already ready when nothing would
    stand between that write and the `become_ready` step: the kubelet's
    status manager writes Running and Ready=True in one update for containers
    without a readiness probe (prober_manager.go UpdatePodStatus: `ready =
    !exists`, no readiness worker → ready as soon as the container runs and
    has started; generateAPIPodStatus asks it before the status is sent).

    kstate keeps the separate step, and so `sts` unchanged, whenever the
    kubelet's next look at the pod would not make it Ready at this same
    instant: the pod has a probe (the prober drives started/ready), a
    sidecar (its own events come first), a container waiting on its config,
    a crash not yet handled; or the earliest due Running rule is not
    `become_ready` at `now` (kstate.io/ready-after, never-ready, a jitter,
    an exit due first). Control-plane latency does not count: it delays the
    watch events the kubelet gets, and its next look after its own write is
    no watch event but its own requeue (`next_look`). Example: the default
    profile, a pod without probes started at 1000 ms → its one status write
    says Running with Ready=True and ContainersReady=True (since 1000 ms)."""
    pod = obs.pod
    profile = obs.profile
    if profile is None or has_probes(pod):
        return sts
    if obs.crashed is not None and obs.backoff.get(CRASH_SEEN_KEY) != obs.crashed:
        return sts
    for c in pod.spec.init_containers:
        if is_sidecar(c):
            return sts
    anchor = None
    for st in sts:
        if _is_config_error(st):
            return sts
        s = st.state
        if s.kind == "running" and (anchor is None or s.started_at > anchor):
            anchor = s.started_at
    # The rules select on the pod's metadata, spec and Ready condition: the
    # written pod has the same metadata and spec, and is not Ready either
    # (the containers it starts are not ready yet), so `pod` stands for it.
    best = _earliest_rule(profile, pod, "Running", anchor, sts)
    if best is None or best[0] > now or best[1].fire != "become_ready":
        return sts
    return _all_ready(sts)


def _fire_exit(obs: KubeletObs, rule, now: int) -> Result:
    pod = obs.pod
    code = rule.code(pod)
    sts = tuple(evolve(s, ready=False, state=ContainerState(
        "terminated", _exit_reason(code), exit_code=code, started_at=s.state.started_at, finished_at=now))
        if s.state.kind == "running" else s for s in pod.status.container_statuses)
    return Result((UpdateStatus(_with_status(pod, now, "Terminated", container_statuses=sts), "exit"),))


_FIRE = {"init_done": _fire_init_done, "start": _fire_start, "become_ready": _fire_ready, "exit": _fire_exit}


def _should_restart(pod: Pod) -> bool:
    policy = pod.spec.restart_policy
    if policy == "Always":
        return True
    if policy == "Never":
        return False
    return any(_last_exit(s) not in (0, None) for s in pod.status.container_statuses)


def _last_exit(st: ContainerStatus) -> Optional[int]:
    if st.state.kind == "terminated":
        return st.state.exit_code
    if st.last_state.kind == "terminated":
        return st.last_state.exit_code
    return None


def restart_or_finish(obs: KubeletObs, now: int) -> Result:
    """After containers exited: finish the pod (Succeeded/Failed) when the
    restartPolicy does not restart them; otherwise restart at once unless the
    crash-loop back-off says wait (kuberuntime_manager.go doBackOff)."""
    pod = obs.pod
    if not _should_restart(pod):
        return finish_pod(obs, now)
    actions = []
    new_sts = []
    memory = dict(obs.backoff)
    wait_until = None
    for c, st in _zip_statuses(pod.spec.containers, pod.status.container_statuses):
        crashed = st.state if st.state.kind == "terminated" else (
            st.last_state if st.state.kind == "waiting" and st.last_state.kind == "terminated" else None)
        if crashed is None:
            new_sts.append(st)
            continue
        entry = memory.get(c.name)
        finished = crashed.finished_at
        if is_in_backoff_since(entry, finished, now):
            until = finished + entry[0]
            wait_until = until if wait_until is None else min(wait_until, until)
            msg = (f"back-off {format_go_duration(entry[0])} restarting failed container={c.name} "
                   f"pod={pod.metadata.name}_{pod.metadata.namespace}({pod.metadata.uid})")
            new_sts.append(evolve(st, ready=False, started=False,
                                        state=ContainerState("waiting", "CrashLoopBackOff", msg),
                                        last_state=crashed))
            continue
        memory[c.name] = next_backoff(entry, finished, now)
        new_sts.append(_running(c, now, st.restart_count + 1, crashed))
    if memory != dict(obs.backoff):
        actions.append(SetMemory(NAME, pod.metadata.uid, FrozenDict(memory)))
    any_running = any(s.state.kind == "running" for s in new_sts)
    if any_running:
        new = _with_status(pod, now, "Running", container_statuses=ready_as_started(obs, tuple(new_sts), now))
        actions.append(UpdateStatus(new, "restart"))
        return Result(tuple(actions))
    new = _with_status(pod, now, "CrashLoopBackOff", container_statuses=tuple(new_sts))
    if pod.status.state != "CrashLoopBackOff":
        actions.append(UpdateStatus(new, "back_off"))
        name = new_sts[0].name if new_sts else ""
        actions.append(RecordEvent(ref_of(pod), "BackOff", f"Back-off restarting failed container {name} in pod "
                                   f"{pod.metadata.name}_{pod.metadata.namespace}({pod.metadata.uid})",
                                   "Warning", NAME))
    return Result(tuple(actions), requeue_after=max(0, wait_until - now))


def finish_pod(obs: KubeletObs, now: int) -> Result:
    """The app containers exited and restartPolicy restarts none of them:
    computePodActions kills the pod, so running sidecars are stopped — the
    last one first (kuberuntime_termination_order.go), with the pod's grace
    period, from the moment the last app container exited — and none is
    restarted. Once nothing runs, the phase is terminal (sidecars do not count
    for it) and the pod is Succeeded or Failed."""
    pod = obs.pod
    inits = list(pod.status.init_container_statuses)
    requeue = None
    if _any_sidecar_running(pod, inits):
        t0 = max((st.state.finished_at for st in pod.status.container_statuses
                  if st.state.kind == "terminated" and st.state.finished_at is not None), default=now)
        schedule = _sidecar_kill_schedule(obs, t0, pod.spec.termination_grace_period_seconds, t0)
        requeue = _stop_due_sidecars(inits, schedule, now)
        if _any_sidecar_running(pod, inits):
            if inits == list(pod.status.init_container_statuses):
                return Result(requeue_after=max(0, requeue - now))
            return Result((UpdateStatus(_with_status(pod, now, init_container_statuses=tuple(inits))),),
                          requeue_after=0)
    new = _with_status(pod, now, init_container_statuses=tuple(inits))
    phase = new.status.phase
    if phase not in TERMINAL_PHASES:
        return NOTHING  # cannot happen: nothing runs and nothing restarts
    trigger = "succeed" if phase == "Succeeded" else "fail"
    return Result((UpdateStatus(_with_status(new, now, phase), trigger),))


def _any_sidecar_running(pod: Pod, inits) -> bool:
    sidecars = {c.name for c in pod.spec.init_containers if is_sidecar(c)}
    return any(st.name in sidecars and st.state.kind == "running" for st in inits)


def sync_terminating_pod(obs: KubeletObs, now: int) -> Result:
    """kubelet.go SyncTerminatingPod: stop the containers (SIGTERM, SIGKILL at
    the end of the grace period), write the terminal phase — Succeeded only if
    every app container exited 0 — then delete the object with grace 0 (uid
    precondition). A pod whose containers never started just ends Failed.
    Sidecars stop after the app containers, the last one first
    (kuberuntime_termination_order.go, see _sidecar_kill_schedule); the
    app containers and a running regular init container first, in one write."""
    pod = obs.pod
    if pod.status.state in ("Succeeded", "Failed"):
        return Result((Delete("Pod", pod.metadata.namespace, pod.metadata.name, pod.metadata.uid, 0),))
    m = pod.metadata
    grace_s = m.deletion_grace_period_seconds or 0
    start = m.deletion_timestamp - grace_s * 1000
    plan = {c.name: kill_container_at(obs, c, start, grace_s) for c in pod.spec.containers}
    init_stop = kill_container_at(obs, None, start, grace_s)
    running = [plan[s.name][0] for s in pod.status.container_statuses if s.state.kind == "running" and s.name in plan]
    stop_at = max(running, default=init_stop[0])
    # killContainer records Killing as it begins to stop each running container (app
    # containers and init containers first, then sidecars); once per deletion (KILL_KEY).
    said = ()
    if KILL_KEY not in obs.backoff:
        said = tuple(_stopping_event(pod, st.name) for st in pod.status.container_statuses + pod.status.init_container_statuses
                     if st.state.kind == "running")
    first = min(running, default=init_stop[0])
    if now < first and not any(is_sidecar(c) for c in pod.spec.init_containers):
        if said:
            said += (SetMemory(NAME, pod.metadata.uid, obs.backoff.set(KILL_KEY, True)),)
        return Result(said, requeue_after=first - now)
    specs = pod.spec.init_containers
    sts = []
    requeue = None
    for st in pod.status.container_statuses:
        t, code = plan.get(st.name, init_stop)
        if st.state.kind != "running":
            sts.append(evolve(st, ready=False) if now >= first else st)
        elif t <= now:
            sts.append(_terminated(st, code, now))
        else:
            sts.append(st)
            requeue = t if requeue is None else min(requeue, t)
    inits = list(pod.status.init_container_statuses)
    if now >= init_stop[0]:
        inits = [_terminated(st, init_stop[1], now) if st.state.kind == "running" and i < len(specs)
                 and not is_sidecar(specs[i]) else st for i, st in enumerate(inits)]
    elif any(st.state.kind == "running" for st in inits):
        requeue = init_stop[0] if requeue is None else min(requeue, init_stop[0])
    if any(is_sidecar(c) for c in specs):
        # App containers that ran at the deletion exit at stop_at; those that did not let the sidecars go at once.
        mains_ran = any(s.state.kind == "running" or (s.state.kind == "terminated" and s.state.finished_at is not None
                                                       and s.state.finished_at >= start)
                        for s in pod.status.container_statuses)
        schedule = _sidecar_kill_schedule(obs, start, grace_s, stop_at if mains_ran else start)
        nxt = _stop_due_sidecars(inits, schedule, now)
        if nxt is not None:
            requeue = nxt if requeue is None else min(requeue, nxt)
    if requeue is not None:
        if said:
            said += (SetMemory(NAME, pod.metadata.uid, obs.backoff.set(KILL_KEY, True)),)
        if sts == list(pod.status.container_statuses) and inits == list(pod.status.init_container_statuses):
            return Result(said, requeue_after=max(0, requeue - now))
        new = _with_status(pod, now, container_statuses=tuple(sts), init_container_statuses=tuple(inits))
        return Result((UpdateStatus(new), *said), requeue_after=0)
    sts = tuple(sts)
    all_ok = bool(sts) and all(_last_exit(s) == 0 for s in sts)
    phase = "Succeeded" if all_ok else "Failed"
    changes = dict(container_statuses=sts, phase=phase)
    if inits != list(pod.status.init_container_statuses):
        changes["init_container_statuses"] = tuple(inits)
    new = _with_status(pod, now, phase, **changes)
    return Result((UpdateStatus(new, "succeed" if all_ok else "fail"), *said))



def pre_stop_takes(pod: Pod, c) -> Optional[int]:
    """ms the container's preStop hook runs, None without one: the
    `kstate.io/pre-stop-takes` annotation, else a `sleep` action's seconds
    (PodLifecycleSleepAction), else 0 s."""
    hooks = c.extra.get("lifecycle") if c is not None else None
    if not hooks or not hooks.get("preStop"):
        return None
    ann = pod.metadata.annotations.get(ANN_PRE_STOP_TAKES)
    if ann is not None:
        from kstate.units import parse_duration
        return parse_duration(ann)
    sleep = hooks["preStop"].get("sleep")
    if sleep and isinstance(sleep.get("seconds"), int):
        return sleep["seconds"] * 1000
    return 0


def kill_container_at(obs: KubeletObs, c, start: int, grace_s: int) -> tuple[int, int]:
    """When and with which exit code container `c` (None: a regular init
    container) stops after a deletion requested at `start`
    (kuberuntime_container.go killContainer): the Killing event, then the
    preStop hook for at most the grace period; the stop signal then gets the
    grace period less the whole seconds the hook took, never less than 2 s
    (minimumGracePeriodInSeconds); the app stops after the profile's
    Terminating delay (`kstate.io/stop-after`) with `sigterm_exit_code`, or is
    SIGKILLed (137) when that is longer.

    Example: grace 30 s, preStop 10.5 s, stop-after 25 s → SIGTERM at 10.5 s,
    30 − 10 = 20 s left → SIGKILL at 30.5 s; without the hook → exit at 25 s.
    """
    pod = obs.pod
    hook = pre_stop_takes(pod, c)
    if hook is None:
        sig_at, left_ms = start, grace_s * 1000
    else:
        hook = min(hook, grace_s * 1000)
        sig_at, left_ms = start + hook, max(grace_s - hook // 1000, MIN_GRACE_PERIOD_S) * 1000
    stop = sig_at
    for rule in obs.profile.rules_for("Terminating"):
        t = due(rule, pod, sig_at)
        if t is not None:
            stop = t
            break
    if stop > sig_at + left_ms:
        return sig_at + left_ms, EXIT_SIGKILL
    return stop, sigterm_exit_code(pod)


def admitted_on_node(admission: dict, node_name: str) -> tuple[int, int, int]:
    """(cpu millicores, memory bytes, pods) the node's kubelet has admitted."""
    tot = admission["totals"].get(node_name)
    return (tot[0], tot[1], tot[2]) if tot is not None else (0, 0, 0)


# -- watches (the kubelet's pod and node informers)

def pods_differ_semantically(old: Pod, new: Pod) -> bool:
    """pkg/kubelet/config/config.go podsDifferSemantically: the spec, the
    labels, the annotations, the deletion timestamp or the deletion grace
    period changed (the kubelet's own local annotations aside: kstate has
    none). A change of the status alone is no difference: checkAndUpdatePod
    calls it a reconcile, not an update.

    Example: the scheduler's bind (spec.nodeName set) → True; the node
    controller writing Ready=False → False."""
    if old.spec is not new.spec and (old.spec.node_name != new.spec.node_name or old.spec != new.spec):
        return True     # the node's name first: a bind differs there, without comparing the whole spec
    a, b = old.metadata, new.metadata
    if a is b:
        return False
    return (a.deletion_timestamp != b.deletion_timestamp
            or a.deletion_grace_period_seconds != b.deletion_grace_period_seconds
            or (a.labels is not b.labels and a.labels != b.labels)
            or (a.annotations is not b.annotations and a.annotations != b.annotations))


def need_to_reconcile_pod_readiness(pod: Pod) -> bool:
    """Whether the pod's Ready condition disagrees with the readiness the
    kubelet computes, so that a status-only change must still sync the pod.

    Two sources: pkg/kubelet/status/status_manager.go
    NeedToReconcilePodReadiness — for a pod with readiness gates, the Ready
    condition, if present, differs in status or message from the one
    generated from the containers and the gates (GeneratePodReadyCondition;
    here `_conditions`, which gives the same Ready the kubelet would write);
    and the status manager's own reconcile of what the kubelet owns
    (status_manager.go needsReconcile, isPodStatusByKubeletEqual): Ready
    rewritten by someone else, e.g. False by the node lifecycle controller
    (MarkPodsNotReady) while every container is ready (`_ready_disagrees`),
    which kstate syncs at once instead of at the next status-manager pass.

    Example: containers ready, Ready=True → False; the node controller
    sets Ready=False → True; a DisruptionTarget condition added → False."""
    st = pod.status
    spec = pod.spec
    plain = not spec.readiness_gates and not spec.init_containers
    if plain and st.conditions is _AGREEING[0] and st.container_statuses is _AGREEING[1]:
        return False
    for ready in st.conditions:
        if ready.type == "Ready":
            break
    else:
        return False
    if _ready_disagrees(pod, ready):
        return True
    if plain:
        # without gates or init containers the answer reads only these two
        # tuples, which pods written alike share: remember the last pair
        _AGREEING[0], _AGREEING[1] = st.conditions, st.container_statuses
        return False
    if not pod.spec.readiness_gates or st.state not in ("Initializing", "ContainerCreating", "Running",
                                                         "CrashLoopBackOff"):
        return False
    want = get_condition(_conditions(pod, st.conditions, st.phase, st.state, st.init_container_statuses,
                                     st.container_statuses, 0), "Ready")
    return want is not None and (want.status != ready.status or want.message != ready.message)


#: (conditions, container statuses) of the last plain pod (no readiness
#: gates, no init containers) whose Ready agreed with its containers
_AGREEING: list = [None, None]


def watch_pods(old, new, view) -> tuple:
    """A pod bound to a node is the kubelet's to sync — when it is added
    (created bound, or seen on a kubelet's start) or changes semantically
    (bound, deleted, its spec, labels or annotations changed), not on a
    status-only change, its own writes included (config.go
    checkAndUpdatePod: a RECONCILE; kubelet.go HandlePodReconcile syncs it
    only when status.NeedToReconcilePodReadiness; the evicted-pod container
    cleanup it also does is not modelled). The kubelet's reconcile asks to
    be requeued for what its own write leaves to do (`next_look`)."""
    if new is None or not new.spec.node_name:
        return ()
    if old is None or pods_differ_semantically(old, new) or need_to_reconcile_pod_readiness(new):
        return ((new.metadata.namespace, new.metadata.name),)
    return ()


def watch_nodes_joined(old, new, view) -> tuple:
    """Pods bound to a node name before that node joined get a kubelet now."""
    if old is None and new is not None:
        return tuple(key_of(pod) for pod in pods_on_node(view, new.metadata.name))
    return ()


def watch_nodes_state(old, new, view) -> tuple:
    """Node Ready ⇄ NotReady: the kubelet resyncs its pods."""
    if old is not None and new is not None and old.status.state != new.status.state \
            and new.status.state in ("Ready", "NotReady"):
        return tuple(key_of(pod) for pod in pods_on_node(view, new.metadata.name))
    return ()


def watch_config_refs(old, new, view) -> tuple:
    """A ConfigMap or Secret created or changed: the pods referencing it
    (volumes, env, envFrom) resync — the kubelet's configmap and secret
    managers watch the objects its pods use. Through the pod-config-refs
    index: no pod is scanned."""
    m = new.metadata
    pods = view.index(POD_CONFIG_REFS)["by_ref"].get((new.KIND, m.namespace, m.name))
    return tuple(sorted(pods)) if pods else ()
