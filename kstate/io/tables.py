"""kubectl-style tables of a cluster, as `kstate run` prints them after a
scenario: `kubectl get pods -o wide`, `kubectl get nodes`, `kubectl get
deployments`, `kubectl get rs`, plus the ReplicaSet sizes over time.

Owns: `human_duration`, `table`, `age`, `pod_status`, `pods_table`,
`nodes_table`, `deployments_table`, `replicasets_table`, `replicaset_sizes`.
Reads objects through `to_manifest` (the Kubernetes JSON shape kubectl
prints from) and the cluster's `list`, `engine.now` and `engine.trace`.
Imports the stdlib, `kstate.resources.meta` and `kstate.io.manifests`; never
the scenario modules, yaml, or the engine and controllers directly.
"""
from __future__ import annotations

import re
from typing import Optional

from kstate.io.manifests import to_manifest
from kstate.registry import REGISTRY
from kstate.resources.meta import parse_time
from kstate.resources.scheduling import SYSTEM_PRIORITY_CLASS_PREFIX

__all__ = [
    "age", "deployment_row", "deployments_table", "generic_row", "kind_table", "node_row", "other_tables",
    "pod_row", "replicaset_row", "human_duration", "nodes_table", "pod_status", "pods_table",
    "replicaset_sizes", "replicasets_table", "restarts_cell", "table",
]


def human_duration(ms: int) -> str:
    """kubectl's AGE column (k8s.io/apimachinery/pkg/util/duration
    HumanDuration): 45s, 119s, 2m, 5m12s, 15m, 3h, 3h20m, 2d, …"""
    seconds = ms // 1000
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """kubectl's tabwriter layout: columns padded to the widest cell + 3."""
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    out = []
    for r in [header] + rows:
        cells = [c.ljust(widths[i] + 3) if i < len(r) - 1 else c for i, c in enumerate(r)]
        out.append("".join(cells).rstrip())
    return out


def age(cluster, created: Optional[str]) -> str:
    if not created:
        return "<unknown>"
    return human_duration(cluster.engine.now - parse_time(created))


def pod_status(doc: dict) -> tuple[str, int, int, int, Optional[str]]:
    """kubectl's STATUS, READY and RESTARTS for a pod in Kubernetes JSON shape:
    k8s.io/kubernetes pkg/printers/internalversion/printers.go printPod (the
    server-side table `kubectl get pods` prints). Returns (reason, ready,
    total, restarts, last restart finishedAt).

    - total: app containers plus native sidecars (init containers with
      restartPolicy Always).
    - The init loop walks initContainerStatuses in order, adding restarts and
      the latest lastState.terminated.finishedAt; an init container that
      exited 0 is skipped, a started sidecar is skipped and counts as ready if
      ready; the first other one decides the reason (Init:<terminated reason>,
      Init:Signal:n / Init:ExitCode:n, Init:<waiting reason> other than
      PodInitializing, else Init:i/len(initContainers)) and stops the loop.
    - Once not initializing, or when the Initialized condition is True, the
      restarts and last restart are the sidecars' (those the loop reached)
      plus the app containers'; app containers are walked last to first: a
      waiting or terminated reason overrides, a ready running one counts as
      ready; "Completed" with one still running reads Running (Ready
      condition True) or NotReady.
    - deletionTimestamp: Unknown with reason NodeLost, else Terminating
      unless the phase is terminal.

    Example: two started sidecars (one restarted 3 times), one ready app
    container restarted 4 times → ("Running", 1, 3, 7, ...).
    """
    spec, status = doc.get("spec", {}), doc.get("status", {})
    meta = doc.get("metadata", {})
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    conditions = status.get("conditions") or []
    if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated" for c in conditions):
        reason = "SchedulingGated"
    init_specs = spec.get("initContainers") or []
    sidecars = {c.get("name") for c in init_specs if c.get("restartPolicy") == "Always"}
    total = len(spec.get("containers") or []) + sum(1 for c in init_specs if c.get("restartPolicy") == "Always")
    restarts = sidecar_restarts = ready = 0
    last_restart: Optional[str] = None
    last_sidecar_restart: Optional[str] = None

    def later(a: Optional[str], c: dict) -> Optional[str]:
        finished = ((c.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        return finished if finished and (a is None or parse_time(a) < parse_time(finished)) else a

    initializing = False
    for i, c in enumerate(status.get("initContainerStatuses") or []):
        restarts += c.get("restartCount", 0)
        last_restart = later(last_restart, c)
        sidecar = c.get("name") in sidecars
        if sidecar:
            sidecar_restarts += c.get("restartCount", 0)
            last_sidecar_restart = later(last_sidecar_restart, c)
        state = c.get("state") or {}
        term, waiting = state.get("terminated"), state.get("waiting")
        if term is not None and term.get("exitCode", 0) == 0:
            continue
        if sidecar and c.get("started"):
            if c.get("ready"):
                ready += 1
            continue
        if term is not None:
            reason = "Init:" + term["reason"] if term.get("reason") else (
                f"Init:Signal:{term['signal']}" if term.get("signal") else f"Init:ExitCode:{term.get('exitCode', 0)}")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    initialized = any(c.get("type") == "Initialized" and c.get("status") == "True" for c in conditions)
    if not initializing or initialized:
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for c in reversed(status.get("containerStatuses") or []):
            restarts += c.get("restartCount", 0)
            last_restart = later(last_restart, c)
            state = c.get("state") or {}
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                reason = f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode', 0)}"
            elif c.get("ready") and "running" in state:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            ready_cond = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
            reason = "Running" if ready_cond else "NotReady"
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason, ready, total, restarts, last_restart


def restarts_cell(restarts: int, last: Optional[str], now: int) -> str:
    """printPod's RESTARTS cell: `3`, or `3 (10s ago)` when a restart time is known."""
    if restarts and last:
        return f"{restarts} ({human_duration(now - parse_time(last))} ago)"
    return str(restarts)


def pod_row(p, now: int) -> list[str]:
    """`kubectl get pods -o wide`: NAME READY STATUS RESTARTS AGE IP NODE."""
    doc = to_manifest(p)
    reason, ready, total, restarts, last = pod_status(doc)
    rs = restarts_cell(restarts, last, now)
    status = doc.get("status", {})
    return [p.metadata.name, f"{ready}/{total}", reason, rs, _age(now, p),
            status.get("podIP") or "<none>", doc.get("spec", {}).get("nodeName") or "<none>"]


POD_COLUMNS = ("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE")


def _age(now: int, obj) -> str:
    created = obj.metadata.creation_timestamp
    # metav1.Time has whole seconds, as kubectl sees it
    return "<unknown>" if created is None else human_duration(now - created // 1000 * 1000)


def kind_table(cluster, kinds, empty: Optional[str] = None, qualified: bool = False) -> list[str]:
    """`kubectl get <kind>` from the kind registry's columns (with a
    NAMESPACE column, like -A, when objects live in more than the default
    namespace). `kinds` lists kinds printed in one table (ReplicaSets and
    ReplicationControllers share one). Empty: `[empty]` or []. `qualified`
    names rows `kind/name`, as kubectl does when it prints several kinds."""
    if isinstance(kinds, str):
        kinds = (kinds,)
    spec = REGISTRY.kind(kinds[0])
    objs = [o for k in kinds for o in cluster.list(k)]
    if not objs:
        return [empty] if empty is not None else []
    if len(kinds) == 1:
        objs.sort(key=lambda o: (o.metadata.namespace, o.metadata.name))
    now = cluster.engine.now
    all_ns = spec.namespaced and any(o.metadata.namespace != "default" for o in objs)
    header = (["NAMESPACE"] if all_ns else []) + list(spec.columns)
    rows = []
    for o in objs:
        row = REGISTRY.kind(o.KIND).row(o, now)
        if qualified:
            row = [f"{o.KIND.lower()}/{row[0]}"] + row[1:]
        rows.append(([o.metadata.namespace] if all_ns else []) + row)
    return table(header, rows)


def pods_table(cluster) -> list[str]:
    """`kubectl get pods -o wide` (with a NAMESPACE column, like -A, when pods
    live in more than the default namespace)."""
    return kind_table(cluster, "Pod", empty="No resources found.")


def generic_row(obj, now: int) -> list[str]:
    """NAME AGE: what kubectl prints for a kind without printer columns."""
    return [obj.metadata.name, _age(now, obj)]


GENERIC_COLUMNS = ("NAME", "AGE")


_REPLICAS = re.compile(r"replicas=(?:(\d+)->)?(\d+)$")


def replicaset_sizes(entries) -> list[tuple[int, str]]:
    """Every change of a ReplicaSet's spec.replicas, as one line of all sizes
    (newest ReplicaSet first): `web-749c486774=3 web-596d7c75b=10`."""
    sizes: dict[str, int] = {}
    order: list[str] = []
    out: list[tuple[int, str]] = []
    for t, verb, kind, ns, name, detail in entries:
        if kind not in ("ReplicaSet", "ReplicationController"):
            continue
        key = f"{ns}/{name}" if ns != "default" else name
        if verb == "remove":
            if key in sizes:
                del sizes[key]
                order.remove(key)
                out.append((t, " ".join(f"{k}={sizes[k]}" for k in reversed(order)) or "(none)"))
            continue
        if verb not in ("create", "update"):
            continue
        m = _REPLICAS.search(detail or "")
        if m is None:
            continue
        if key not in sizes:
            order.append(key)
        sizes[key] = int(m.group(2))
        out.append((t, " ".join(f"{k}={sizes[k]}" for k in reversed(order))))
    return out


def deployment_row(d, now: int) -> list[str]:
    return [d.metadata.name, f"{d.status.ready_replicas}/{d.spec.replicas}", str(d.status.updated_replicas),
            str(d.status.available_replicas), _age(now, d)]


DEPLOYMENT_COLUMNS = ("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE")


def replicaset_row(rs, now: int) -> list[str]:
    return [rs.metadata.name, str(rs.spec.replicas), str(rs.status.replicas), str(rs.status.ready_replicas),
            _age(now, rs)]


REPLICASET_COLUMNS = ("NAME", "DESIRED", "CURRENT", "READY", "AGE")


def node_row(n, now: int) -> list[str]:
    doc = to_manifest(n)
    ready = next((c.get("status") for c in doc.get("status", {}).get("conditions") or []
                  if c.get("type") == "Ready"), None)
    status = "Ready" if ready == "True" else "NotReady"
    if doc.get("spec", {}).get("unschedulable"):
        status += ",SchedulingDisabled"
    prefix = "node-role.kubernetes.io/"
    roles = sorted(k[len(prefix):] for k in (doc["metadata"].get("labels") or {}) if k.startswith(prefix))
    return [n.metadata.name, status, ",".join(r for r in roles if r) or "<none>", _age(now, n)]


NODE_COLUMNS = ("NAME", "STATUS", "ROLES", "AGE")


def deployments_table(cluster) -> list[str]:
    """`kubectl get deployments` (NAME READY UP-TO-DATE AVAILABLE AGE); empty when there are none."""
    return kind_table(cluster, "Deployment")


def replicasets_table(cluster) -> list[str]:
    """`kubectl get rs` (NAME DESIRED CURRENT READY AGE) of ReplicaSets and RCs; empty when there are none."""
    return kind_table(cluster, ("ReplicaSet", "ReplicationController"))


def nodes_table(cluster) -> list[str]:
    """`kubectl get nodes` (NAME STATUS ROLES AGE)."""
    return kind_table(cluster, "Node", empty="No resources found.")


#: kinds `kstate run` prints in its own order (or, namespaces, not at all).
OWN_TABLES = ("Pod", "Node", "Deployment", "ReplicaSet", "ReplicationController", "Namespace")


def _only_system_priority_classes(cluster) -> bool:
    """Every cluster has the two system PriorityClasses the API server
    creates; like `kubectl get all`, the summary leaves them out unless the
    user made a class of their own (then it prints them all)."""
    return all(pc.metadata.name.startswith(SYSTEM_PRIORITY_CLASS_PREFIX) for pc in cluster.list("PriorityClass"))


def other_tables(cluster) -> list[list[str]]:
    """A table for every other kind that has objects, by kind name, rows
    named `kind/name`."""
    return [kind_table(cluster, kind, qualified=True) for kind, spec in sorted(REGISTRY.kinds.items())
            if kind not in OWN_TABLES and spec.row is not None and cluster.engine.has_any(kind)
            and not (kind == "PriorityClass" and _only_system_priority_classes(cluster))]


def daemonset_row(ds, now: int) -> list[str]:
    """printers.go printDaemonSet: NODE SELECTOR is labels.FormatLabels of the
    template's nodeSelector (sorted k=v, "<none>" when empty)."""
    st = ds.status
    sel = ds.spec.template.spec.node_selector if ds.spec.template.spec is not None else {}
    node_selector = ",".join(f"{k}={v}" for k, v in sorted(sel.items())) or "<none>"
    return [ds.metadata.name, str(st.desired_number_scheduled), str(st.current_number_scheduled),
            str(st.number_ready), str(st.updated_number_scheduled), str(st.number_available), node_selector,
            _age(now, ds)]


DAEMONSET_COLUMNS = ("NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE")


def controllerrevision_row(cr, now: int) -> list[str]:
    """printers.go printControllerRevision: CONTROLLER is `<kind lower>.<group>/<name>`
    of the controller reference, "<none>" without one."""
    ctrl = next((r for r in cr.metadata.owner_references if r.controller), None)
    if ctrl is None:
        owner = "<none>"
    else:
        group = ctrl.api_version.rpartition("/")[0]
        owner = f"{ctrl.kind.lower()}.{group}/{ctrl.name}" if group else f"{ctrl.kind.lower()}/{ctrl.name}"
    return [cr.metadata.name, owner, str(cr.revision), _age(now, cr)]


CONTROLLERREVISION_COLUMNS = ("NAME", "CONTROLLER", "REVISION", "AGE")

def _hpa_metric(spec, status) -> str:
    """printers.go formatHPAMetrics, one metric: `cpu: 50%/80%`."""
    t = spec.target
    if spec.type in ("Resource", "ContainerResource"):
        if t.average_utilization is not None:
            cur = "<unknown>"
            if status is not None and status.average_utilization is not None:
                cur = f"{status.average_utilization}%"
            return f"{spec.name}: {cur}/{t.average_utilization}%"
        cur = status.average_value if status is not None and status.average_value is not None else "<unknown>"
        return f"{spec.name}: {cur}/{t.average_value}"
    cur = "<unknown>"
    if status is not None:
        cur = status.average_value or status.value or cur
    return f"{cur}/{t.average_value or t.value}"


def hpa_row(h, now: int) -> list[str]:
    """printers.go printHorizontalPodAutoscaler."""
    ref = h.spec.scale_target_ref
    statuses = h.status.current_metrics
    items = [_hpa_metric(m, statuses[i] if i < len(statuses) else None) for i, m in enumerate(h.spec.metrics)]
    targets = ", ".join(items[:4]) + (f" + {len(items) - 4} more..." if len(items) > 4 else "")
    return [h.metadata.name, f"{ref.kind}/{ref.name}", targets or "<none>", str(h.spec.min_replicas),
            str(h.spec.max_replicas), str(h.status.current_replicas), _age(now, h)]


HPA_COLUMNS = ("NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE")

def _has_condition(obj, type_: str) -> bool:
    return any(c.type == type_ and c.status == "True" for c in obj.status.conditions)


def job_row(j, now: int) -> list[str]:
    """printers.go printJob: STATUS from the conditions (Complete, Failed,
    Terminating, Suspended, FailureTarget, SuccessCriteriaMet, else Running),
    COMPLETIONS `succeeded/completions` (`n/1` or `n/1 of p` for a work
    queue), DURATION from startTime to completionTime or now."""
    s = j.status
    if _has_condition(j, "Complete"):
        status = "Complete"
    elif _has_condition(j, "Failed"):
        status = "Failed"
    elif j.metadata.deletion_timestamp is not None:
        status = "Terminating"
    elif _has_condition(j, "Suspended"):
        status = "Suspended"
    elif _has_condition(j, "FailureTarget"):
        status = "FailureTarget"
    elif _has_condition(j, "SuccessCriteriaMet"):
        status = "SuccessCriteriaMet"
    else:
        status = "Running"
    if j.spec.completions is not None:
        completions = f"{s.succeeded}/{j.spec.completions}"
    elif (j.spec.parallelism or 0) > 1:
        completions = f"{s.succeeded}/1 of {j.spec.parallelism}"
    else:
        completions = f"{s.succeeded}/1"
    if s.start_time is None:
        duration = ""
    else:
        start = s.start_time // 1000 * 1000
        end = now if s.completion_time is None else s.completion_time // 1000 * 1000
        duration = human_duration(end - start)
    return [j.metadata.name, status, completions, duration, _age(now, j)]


JOB_COLUMNS = ("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE")


def cronjob_row(cj, now: int) -> list[str]:
    """printers.go printCronJob: SCHEDULE, TIMEZONE (<none>), SUSPEND,
    ACTIVE (len status.active), LAST SCHEDULE (<none> or the age)."""
    last = cj.status.last_schedule_time
    return [cj.metadata.name, cj.spec.schedule, cj.spec.time_zone or "<none>", str(cj.spec.suspend),
            str(len(cj.status.active)), "<none>" if last is None else human_duration(now - last // 1000 * 1000),
            _age(now, cj)]


CRONJOB_COLUMNS = ("NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE")


def statefulset_row(s, now: int) -> list[str]:
    """printers.go printStatefulSet: READY is readyReplicas/spec.replicas."""
    return [s.metadata.name, f"{s.status.ready_replicas}/{s.spec.replicas}", _age(now, s)]


STATEFULSET_COLUMNS = ("NAME", "READY", "AGE")

#: printers.go / helper.GetAccessModesAsString: the short names, in this order.
_ACCESS_MODE_SHORT = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
                      ("ReadWriteOncePod", "RWOP"))


def access_modes_string(modes) -> str:
    return ",".join(short for mode, short in _ACCESS_MODE_SHORT if mode in modes)


def pvc_row(c, now: int) -> list[str]:
    """printers.go printPersistentVolumeClaim: a Pending claim shows no
    volume, capacity or access modes; a claim being deleted is Terminating;
    VOLUMEATTRIBUTESCLASS is "<unset>" without one."""
    status = "Terminating" if c.metadata.deletion_timestamp is not None else c.status.phase
    bound = bool(c.spec.volume_name)
    return [c.metadata.name, status, c.spec.volume_name, c.status.capacity if bound else "",
            access_modes_string(c.status.access_modes) if bound else "", c.spec.storage_class_name or "",
            str(c.spec.extra.get("volumeAttributesClassName") or "<unset>"), _age(now, c)]


PVC_COLUMNS = ("NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE")


def pv_row(v, now: int) -> list[str]:
    """printers.go printPersistentVolume: CLAIM is namespace/name of claimRef."""
    ref = v.spec.claim_ref
    claim = f"{ref.namespace}/{ref.name}" if ref is not None else ""
    status = "Terminating" if v.metadata.deletion_timestamp is not None else v.status.phase
    return [v.metadata.name, v.spec.capacity, access_modes_string(v.spec.access_modes),
            v.spec.persistent_volume_reclaim_policy, status, claim, v.spec.storage_class_name,
            str(v.spec.extra.get("volumeAttributesClassName") or "<unset>"), v.status.reason, _age(now, v)]


PV_COLUMNS = ("NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS",
              "VOLUMEATTRIBUTESCLASS", "REASON", "AGE")
