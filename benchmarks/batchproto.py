"""Prototype for issue 12 item 3: the scale workload run batch-per-instant over a column store.

Not a benchmark script and not part of kstate: `prototype_batch.py` measures
it, `tests/unit/test_batch_prototype.py` checks it against the engine. It
owns a second run loop for exactly one workload — bare pods of one template
(no labels, owners, probes, init containers, volumes, config references) on
untainted nodes, apply → every pod Running and Ready — built on top of a real
`kstate.Cluster`: the cluster makes the nodes, and the prototype then takes
over its engine's seeded uid stream, resource-version counter, clock,
scheduler node table, pod-IP allocator, profile and memory, so that its
output can be compared with what the engine itself does from the same state.
It imports kstate's pure functions (the scheduler's scoring and tie-breaking,
the node table's `best_simple`, the kubelet's `reconcile_kubelet`, the
trace wording) and changes nothing in kstate.

The three ideas it measures (docs/performance.md says why and what they cost):

1. *Batch per instant.* The workqueue is one FIFO as in the engine; a batch is
   the maximal run of consecutive keys of one controller at its head. The
   batch reconcile is a fold of the one-pod reconcile over the run, each item
   seeing the effects of the items before it through an overlay the batch
   keeps (the scheduler: a copy of the node table it binds into, as
   kube-scheduler's cache "assumes" a pod; the kubelet: admission totals and
   the images each node holds). The engine applies the items' results in
   item order, so the writes, the trace, the events and the keys enqueued are
   those of the one-at-a-time run. One step per item, then return.
2. *Equivalence classes.* The kubelet's outcome for a pod depends on its spec,
   its status and a few facts of its node, not on its name: the batch runs
   the real `reconcile_kubelet` once per class (declared key: status object,
   spec object, node facts) on a materialised representative and applies the
   outcome to every member, with the per-pod fields (pod IP, host IP, event
   subject) put back per member.
3. *Hot status in columns.* A pod is a row: cold data (the applied metadata,
   the admitted spec) referenced, never copied; hot data (resource version,
   node, pod IP, host IP, and one shared `PodStatus` "core" per class and
   step — a flyweight, so 150,000 pods in one state share one object) written
   by index. A frozen `Pod` equal to the engine's is materialised on read.
   The trace and the events are integer-coded (row, interned detail) and
   rendered on read into exactly the engine's tuples.

Beside them: the apply validates, plans and admits once per template (the
name checked per object), and the scheduler's window comes from the node
table's block summaries (kstate.indexes.nodetable.ScoreWindow, built into
the engine since) instead of three scans per pod.
"""
from __future__ import annotations

import heapq
import operator
import time
from collections import deque
from typing import Any

import attrs

from batchwindow import scan_best
from kstate.controllers import kubelet as kl
from kstate.controllers import scheduler as sched
from kstate.controllers.actions import RecordEvent, SetMemory, UpdateStatus
from kstate.controllers.configrefs import pod_refs
from kstate.io.fields import dns1123_subdomain_error
from kstate.io.manifests import parse_sourced_manifests
from kstate.kinds.core import allocate_pod_ip
from kstate.resources.frozen import EMPTY, evolve
from kstate.resources.meta import Condition, ObjectMeta, set_condition
from kstate.resources.pod import Pod, is_admitted

SCHED, KUBELET = 0, 1
_ROW_BITS = 22                    # rows per run: up to 4 M pods
_ROW_MASK = (1 << _ROW_BITS) - 1
_NO_TIMER = -1


_META_BUT_NAME = operator.attrgetter(*[f.name for f in attrs.fields(ObjectMeta) if f.name != "name"])


class Unsupported(Exception):
    """The workload left the path the prototype covers (the engine would
    take the general path here)."""


class _Named:
    """What tie_break_draw reads of a pod: metadata.uid and metadata.name."""
    __slots__ = ("metadata",)

    def __init__(self, uid: str, name: str) -> None:
        self.metadata = _Meta(uid, name)


class _Meta:
    __slots__ = ("uid", "name")

    def __init__(self, uid: str, name: str) -> None:
        self.uid, self.name = uid, name


class _SpecOnly:
    """What pod_requests / can_admit_pod read of a pod: its spec."""
    __slots__ = ("spec",)

    def __init__(self, spec) -> None:
        self.spec = spec


class Columns:
    """Struct of arrays, one row per pod. Cold: the applied metadata and the
    admitted spec (shared by every pod of a template). Hot: resource
    version, node row, pod IP, host IP, and `core` — the status without the
    per-pod addresses, shared by every pod that took the same step at the
    same instant."""

    __slots__ = ("meta", "spec", "uid", "created", "rv", "node", "core", "ip", "host", "row_of")

    def __init__(self) -> None:
        self.meta: list = []
        self.spec: list = []
        self.uid: list[str] = []
        self.created: list[int] = []
        self.rv: list[int] = []
        self.node: list[int] = []
        self.core: list = []
        self.ip: list[str] = []
        self.host: list[str] = []
        self.row_of: dict = {}

    def __len__(self) -> int:
        return len(self.uid)


class BatchRun:
    """The prototype's run loop on top of `cluster` (which must hold only its
    nodes and system namespaces: the prototype owns every pod)."""

    def __init__(self, cluster, block_window: bool = True, by_class: bool = True, batched_parse: bool = True) -> None:
        self.cluster = cluster
        eng = self.eng = cluster.engine
        if eng.store.count("Pod") or eng.pending():
            raise Unsupported("the prototype starts from a settled cluster without pods")
        self.cache = eng.indexes[sched.SCHEDULER_CACHE]
        self.table = self.cache.table
        self.pods = Columns()
        self.fifo: deque = deque()
        self.queued = [bytearray(), bytearray()]
        self.waiting: list[int] = []        # kubelet timer per row, or _NO_TIMER
        self.buckets: dict[int, list] = {}  # instant → rows whose kubelet timer fires then
        self.instants: list[int] = []
        # integer-coded trace and events, rendered on read
        self.trace_codes: list[int] = []
        self.trace_marks: list[tuple[int, int]] = []   # (first entry index, t)
        self.details: list[tuple[str, str]] = []
        self._detail_id: dict = {}
        self.event_codes: list[int] = []
        self.event_times: list[int] = []
        self.event_index: dict[int, int] = {}
        self.event_repeats: dict[int, tuple[int, int]] = {}   # index → (count, last)
        self.event_kinds: list[tuple] = []
        self._event_id: dict = {}
        self.event_base = len(eng._event_log)
        self.admitted: dict[int, list] = {}   # node row → [cpu m, memory B, pods] (kubelet admission)
        self.images: dict[int, Any] = {}      # node row → images the node holds (kubelet memory)
        self.steps = 0
        self.cpu = [0.0, 0.0]   # CPU seconds in the scheduler's and the kubelet's batches
        self.batches = 0
        self.classes = 0
        self._bind_conds: dict = {}
        self._bind_core: dict = {}
        self._spec_node: dict = {}
        self._host_ip: dict[int, str] = {}
        self._cores: dict = {}
        #: node row → (trace code of its bind detail, event code of its Scheduled event)
        self._bind_codes: dict[int, tuple[int, int]] = {}
        #: the node table's window index (False: the scans it replaced, batchwindow.scan_best)
        self.block_window = block_window
        #: the kubelet's outcome once per equivalence class (False: the real reconcile for every pod)
        self.by_class = by_class
        #: validate once per template (False: kstate.io's per-object parse, as Cluster.apply does today)
        self.batched_parse = batched_parse

    # ------------------------------------------------------------- trace, events

    def _detail(self, verb: str, detail: str) -> int:
        key = (verb, detail)
        d = self._detail_id.get(key)
        if d is None:
            d = self._detail_id[key] = len(self.details)
            self.details.append(key)
        return d << _ROW_BITS

    def _mark(self) -> None:
        t = self.eng.now - self.eng.start
        if not self.trace_marks or self.trace_marks[-1][1] != t:
            self.trace_marks.append((len(self.trace_codes), t))

    def _event_kind(self, key: tuple) -> int:
        e = self._event_id.get(key)
        if e is None:
            e = self._event_id[key] = len(self.event_kinds)
            self.event_kinds.append(key)
        return e

    def _event(self, row: int, ev: int) -> None:
        code = (ev << _ROW_BITS) | row
        i = self.event_index.get(code)
        now = self.eng.now
        if i is not None:
            count, _ = self.event_repeats.get(i, (1, 0))
            self.event_repeats[i] = (count + 1, now)
            return
        self.event_index[code] = len(self.event_codes)
        self.event_codes.append(code)
        self.event_times.append(now)

    def trace(self) -> list[tuple]:
        """The engine's trace tuples (t, verb, kind, namespace, name, detail):
        what the engine recorded before the prototype took over, then the
        prototype's entries rendered."""
        out = list(self.eng.trace)
        marks = self.trace_marks + [(len(self.trace_codes), None)]
        meta, details = self.pods.meta, self.details
        for (i, t), (j, _) in zip(marks, marks[1:]):
            for code in self.trace_codes[i:j]:
                verb, detail = details[code >> _ROW_BITS]
                m = meta[code & _ROW_MASK]
                out.append((t, verb, "Pod", m.namespace, m.name, detail))
        return out

    def events(self) -> list[list]:
        """The engine's event records ([key, count, last, first, serial])."""
        out = engine_event_records(self.eng)
        names = self.table.names
        for i, (code, first) in enumerate(zip(self.event_codes, self.event_times)):
            row = code & _ROW_MASK
            kind = self.event_kinds[code >> _ROW_BITS]
            m = self.pods.meta[row]
            if kind[0] == "#scheduled":
                node = names[kind[1]]
                kind = ("Scheduled", f"Successfully assigned {m.namespace}/{m.name} to {node}", "Normal",
                        sched.NAME)
            reason, message, type_, source = kind
            count, last = self.event_repeats.get(i, (1, first))
            out.append([("Pod", m.namespace, m.name, self.pods.uid[row], reason, message, type_, source),
                        count, last, first, self.event_base + i])
        return out

    # ------------------------------------------------------------- materialise

    def pod(self, row: int) -> Pod:
        """The frozen Pod the engine would store for this row."""
        p = self.pods
        meta = evolve(p.meta[row], uid=p.uid[row], creation_timestamp=p.created[row],
                      resource_version=str(p.rv[row]), generation=0)
        spec = p.spec[row]
        node = p.node[row]
        if node >= 0:
            key = (id(spec), node)
            bound = self._spec_node.get(key)
            if bound is None:
                bound = self._spec_node[key] = evolve(spec, node_name=self.table.names[node])
            spec = bound
        status = p.core[row]
        if p.ip[row] or p.host[row]:
            status = evolve(status, pod_ip=p.ip[row], host_ip=p.host[row])
        return Pod(metadata=meta, spec=spec, status=status)

    # ------------------------------------------------------------- queue

    def _enqueue(self, ctrl: int, row: int) -> None:
        q = self.queued[ctrl]
        if not q[row]:
            q[row] = 1
            self.fifo.append((ctrl << _ROW_BITS) | row)

    def _enqueue_after(self, row: int, delay: int) -> None:
        if delay <= 0:
            self._enqueue(KUBELET, row)
            return
        at = self.eng.now + delay
        prev = self.waiting[row]
        if prev != _NO_TIMER and prev <= at:
            return
        self.waiting[row] = at
        bucket = self.buckets.get(at)
        if bucket is None:
            bucket = self.buckets[at] = []
            heapq.heappush(self.instants, at)
        bucket.append(row)

    # ------------------------------------------------------------- apply (create)

    def apply(self, objs: list) -> None:
        """Cluster.apply of new pods: the same parsing, per-object validation
        and admission (`Cluster._plan`), then the creates: a uid from the
        engine's stream, a resource version, a row, a trace entry, and the
        scheduler's watch (a pod without a node is queued)."""
        eng = self.eng
        objs = self._parse(objs) if self.batched_parse else [
            o for o, _ in parse_sourced_manifests(list(objs), source="<input>")]
        self._plan(objs)
        spec_kind = eng.registry.kind("Pod")
        admitted_spec: dict = {}
        p = self.pods
        rng_uid = eng.rng.uid
        now = eng.now
        self._mark()
        create = self._detail("create", "")
        for obj in objs:
            m = obj.metadata
            if m.deletion_timestamp is not None or not m.name or m.generate_name or obj.spec.node_name:
                raise Unsupported("generated names, deletion or nodeName on create")
            if (m.namespace, m.name) in p.row_of:
                raise Unsupported("duplicate pod")
            uid = rng_uid()
            hit = admitted_spec.get(id(obj.spec))
            if hit is None:
                # the create strategy (PrepareForCreate + admission), once per template
                made = spec_kind.prepare_create(evolve(obj, metadata=evolve(m, uid=uid)), eng)
                self._check_supported(made)
                hit = admitted_spec[id(obj.spec)] = (obj.spec, made.spec, made.status)
            eng._rv += 1
            row = len(p)
            p.row_of[(m.namespace, m.name)] = row
            p.meta.append(m)
            p.spec.append(hit[1])
            p.uid.append(uid)
            p.created.append(now)
            p.rv.append(eng._rv)
            p.node.append(-1)
            p.core.append(hit[2])
            p.ip.append("")
            p.host.append("")
            self.waiting.append(_NO_TIMER)
            self.trace_codes.append(create | row)
        for q in self.queued:
            q.extend(bytes(len(p) - len(q)))
        for row in range(len(p) - len(objs), len(p)):
            self._enqueue(SCHED, row)

    def _parse(self, objs: list) -> list:
        """Cluster.apply's validation (kstate.io parse_sourced_manifests: every
        object through its manifest shape and back), once per template: an
        object whose spec and status are the first sibling's objects and whose
        metadata equals it but for the name is that sibling's validated object
        with its own name — the rule kstate.io already applies
        (`_validated_sibling`), here without copying anything per object when
        validation gave back an object equal to the first sibling (then every
        sibling equals its own validated form). The name is still checked per
        object."""
        out = []
        first: dict = {}
        rest = _META_BUT_NAME
        for doc in objs:
            key = (type(doc), id(doc.spec), id(getattr(doc, "status", None)))
            hit = first.get(key)
            if hit is not None and rest(doc.metadata) == hit[1] and dns1123_subdomain_error(doc.metadata.name) is None:
                out.append(doc if hit[2] else hit[3])
                continue
            ((obj, _),) = parse_sourced_manifests(doc, source="<input>")
            if hit is None:
                same = obj == doc      # validation added nothing: each sibling is its own validated form
                if not same:
                    raise Unsupported("objects whose validation changes them (the per-object parse handles those)")
                first[key] = (doc, rest(doc.metadata), same, obj)
                obj = doc      # equal to its validated form: keep the template's shared spec
            out.append(obj)
        return out

    def _plan(self, objs: list) -> None:
        """Cluster._plan for every object, with the admission plugins run
        once per template: their answer (the Priority plugin's) depends on
        the spec and the namespace, which the pods of a template share. The
        per-object checks (a name twice in the apply, the namespace, a name
        already taken) stay per object; anything unusual goes through the
        real `_plan`, which raises the API server's error."""
        state = {"new_namespaces": set(), "seen": set(), "cidrs": {}}
        seen = state["seen"]
        admitted: set = set()
        ok_ns: set = set()
        plan = self.cluster._plan
        for obj in objs:
            if obj.KIND != "Pod":
                raise Unsupported("the prototype only creates pods")
            m = obj.metadata
            key = ("Pod", m.namespace, m.name)
            if (id(obj.spec), m.namespace) not in admitted or m.namespace not in ok_ns or key in seen:
                if plan(obj, state)[0] != "create":
                    raise Unsupported("the prototype only creates pods")
                admitted.add((id(obj.spec), m.namespace))
                ns = self.eng.get("Namespace", "", m.namespace)
                if ns is not None and ns.status.phase != "Terminating":
                    ok_ns.add(m.namespace)
                continue
            if (m.namespace, m.name) in self.pods.row_of:
                raise Unsupported("the prototype only creates pods")
            seen.add(key)

    def _check_supported(self, pod: Pod) -> None:
        s = pod.spec
        if (pod.metadata.labels or pod.metadata.owner_references or s.init_containers or s.readiness_gates
                or any(c.readiness_probe or c.liveness_probe or c.startup_probe for c in s.containers)
                or pod_refs(pod) or not sched.is_simple(pod) or sched.host_ports(pod) or sched.scalar_requests(pod)
                or s.extra.get("volumes") or s.extra.get("hostNetwork") or s.extra.get("schedulingGates")):
            raise Unsupported("only bare pods of the scale benchmark's shape")

    # ------------------------------------------------------------- run loop

    def run_until_stable(self) -> None:
        """Drain the FIFO at this instant, batch by batch; then jump to the
        next timer instant (Cluster.run_until_stable for this workload)."""
        eng = self.eng
        while True:
            self._drain()
            if not self.instants:
                return
            at = heapq.heappop(self.instants)
            eng.now = at
            for row in self.buckets.pop(at):
                if self.waiting[row] == at:
                    self.waiting[row] = _NO_TIMER
                    self._enqueue(KUBELET, row)

    def _drain(self) -> None:
        fifo = self.fifo
        while fifo:
            ctrl = fifo[0] >> _ROW_BITS
            rows = []
            while fifo and fifo[0] >> _ROW_BITS == ctrl:
                # a key of the run stays marked queued until its item is applied, as in
                # the engine, where it is still waiting while the items before it run
                rows.append(fifo.popleft() & _ROW_MASK)
            self.batches += 1
            self.steps += len(rows)
            t = time.process_time()
            if ctrl == SCHED:
                self._schedule(rows)
            else:
                self._kubelet(rows)
            self.cpu[ctrl] += time.process_time() - t

    # ------------------------------------------------------------- the scheduler's batch

    def _schedule(self, rows: list) -> None:
        """reconcile_scheduler folded over the run: each pod placed with the
        scheduler's fast path (NodeTable.best_simple, tie_break_draw,
        num_feasible_nodes_to_find) on a copy of the node table into which
        the earlier pods of the batch are bound (kube-scheduler's assumed
        pods), then the binds applied in order."""
        eng, p, table = self.eng, self.pods, self.table
        work = table.assumed()
        n = work.size
        if n == 0:
            raise Unsupported("no nodes")
        want = sched.num_feasible_nodes_to_find(n)
        next_start = eng.memory(sched.NAME, "next_start", 0)
        names = table.names
        decided = []
        reqs: dict = {}
        best = work.best_simple if self.block_window else (lambda *a: scan_best(work, *a))
        uids, metas, specs = p.uid, p.meta, p.spec
        draw_of = sched.tie_break_draw
        for row in rows:
            spec = specs[row]
            req = reqs.get(id(spec))
            if req is None:
                req = reqs[id(spec)] = sched.pod_requests(_SpecOnly(spec))
            start = next_start % n
            draw = draw_of(_Named(uids[row], metas[row].name), next_start)
            hit = best(req, start, want, draw)
            if hit is None:
                raise Unsupported("a window with an infeasible node (the filter path)")
            chosen, processed = hit
            next_start = (start + processed) % n
            # the pod is assumed on its node in the batch's copy of the table
            work.add_usage(names[chosen], req)
            decided.append((row, chosen))
        # -- apply: Bind (BindingREST) per pod, in order; the cache commits the assumed usage
        self._mark()
        now = eng.now
        eng.check_transition("Pod", "Pending", "bind", "Scheduled")
        per_node = self._bind_codes
        event_index, event_codes, event_times = self.event_index, self.event_codes, self.event_times
        kq, fifo_append, kcode = self.queued[KUBELET], self.fifo.append, KUBELET << _ROW_BITS
        trace = self.trace_codes
        rv = eng._rv
        cores, rvs, nodes_of = p.core, p.rv, p.node
        sq = self.queued[SCHED]
        for row, chosen in decided:
            sq[row] = 0
            core = cores[row]
            new = self._bind_core.get(id(core))
            if new is None:
                conds = set_condition(core.conditions, Condition("PodScheduled", "True"), now)
                new = evolve(core, conditions=conds, state="Scheduled", state_since=now)
                self._bind_core[id(core)] = new
                self._bind_conds[id(core)] = core   # keep the key's object alive
            rv += 1
            rvs[row] = rv
            nodes_of[row] = chosen
            cores[row] = new
            codes = per_node.get(chosen)
            if codes is None:
                codes = per_node[chosen] = (
                    self._detail("bind", f"Pending->Scheduled (bind) node={names[chosen]}"),
                    self._event_kind(("#scheduled", chosen)) << _ROW_BITS)
            trace.append(codes[0] | row)
            code = codes[1] | row
            if code in event_index:
                self._event(row, codes[1] >> _ROW_BITS)
            else:
                event_index[code] = len(event_codes)
                event_codes.append(code)
                event_times.append(now)
            if not kq[row]:          # the kubelet's pod watch: a bound pod is its node's
                kq[row] = 1
                fifo_append(kcode | row)
        eng._rv = rv
        _commit_table(table, work)
        self._bind_core.clear()
        self._bind_conds.clear()
        eng._memory[(sched.NAME, "next_start")] = next_start

    # ------------------------------------------------------------- the kubelet's batch

    def _kubelet(self, rows: list) -> None:
        """reconcile_kubelet folded over the run, memoised per equivalence
        class: (status core, spec, node facts the reconcile reads). The node
        facts are the node's state, the images it holds (an overlay the batch
        advances member by member, as each start records its pull) and, for a
        pod awaiting admission, whether it fits beside what the node's kubelet
        admitted before it and whether the node has a pod CIDR."""
        eng, p, table = self.eng, self.pods, self.table
        now = eng.now
        profile = eng.profile()
        memo: dict = {}
        fits = self._admission_fits(rows)
        self._mark()
        waiting, cores, specs, nodes_of, rvs = self.waiting, p.core, p.spec, p.node, p.rv
        node_objs, images_of, trace = table.nodes, self.images, self.trace_codes
        event = self._event
        event_index, event_codes, event_times = self.event_index, self.event_codes, self.event_times
        enqueue_after = self._enqueue_after
        kq, fifo_append, kcode = self.queued[KUBELET], self.fifo.append, KUBELET << _ROW_BITS
        node_key: dict = {}
        by_class = self.by_class
        host_ips, buckets = self._host_ip, self.buckets
        rv = eng._rv
        for row in rows:
            kq[row] = 0
            waiting[row] = _NO_TIMER     # a reconcile drops its key's pending wake-up
            core = cores[row]
            spec = specs[row]
            node = nodes_of[row]
            nk = node_key.get(node)
            if nk is None:
                images = images_of.get(node, kl.NO_IMAGES)
                n_obj = node_objs[node]
                nk = node_key[node] = (id(images), n_obj.status.state, images, bool(n_obj.spec.pod_cidr))
            if not by_class:
                key = row      # the plain fold: the real reconcile for every pod
            elif core.state == "Scheduled":
                key = (id(core), id(spec), nk[0], nk[1], fits(row, node), nk[3])
            else:
                key = (id(core), id(spec), nk[0], nk[1])
            outcome = memo.get(key)
            if outcome is None:
                eng._rv = rv
                outcome = memo[key] = self._outcome(row, core, node, nk[2], self._admitted_of(node), profile, now)
                self.classes += 1
            status, transition, detail, events, new_images, requeue, admits, addresses = outcome
            if status is not None:
                rv += 1
                rvs[row] = rv
                cores[row] = status
                if addresses:
                    host = host_ips.get(node)
                    p.host[row] = host if host is not None else self._node_host_ip(node)
                    if not p.ip[row]:
                        # the Pod kind's prepare_status: the CNI ADD gives the sandbox an address
                        p.ip[row] = allocate_pod_ip(eng, table.names[node])
                trace.append(detail | row)
                if admits is not None:
                    tot = self.admitted.get(node)
                    if tot is None:
                        tot = self.admitted[node] = [0, 0, 0]
                    tot[0] += admits.cpu
                    tot[1] += admits.memory
                    tot[2] += 1
                for ev in events:
                    code = ev | row
                    if code in event_index:
                        event(row, ev >> _ROW_BITS)
                    else:
                        event_index[code] = len(event_codes)
                        event_codes.append(code)
                        event_times.append(now)
                if new_images is not None and images_of.get(node) is not new_images:
                    images_of[node] = new_images
                    node_key.pop(node, None)
                    eng._memory[(kl.NAME, (kl.IMAGES_KEY, table.names[node]))] = new_images
                if not kq[row]:          # the kubelet's own pod watch
                    kq[row] = 1
                    fifo_append(kcode | row)
            elif events or new_images is not None:
                raise Unsupported("events without a status write")
            if requeue is not None:
                if requeue > 0:
                    # enqueue_after: a wake-up already due earlier is kept
                    at = now + requeue
                    prev = waiting[row]
                    if prev == _NO_TIMER or prev > at:
                        waiting[row] = at
                        bucket = buckets.get(at)
                        if bucket is None:
                            bucket = buckets[at] = []
                            heapq.heappush(self.instants, at)
                        bucket.append(row)
                else:
                    enqueue_after(row, requeue)
        eng._rv = rv

    def _admitted_of(self, node: int) -> tuple:
        tot = self.admitted.get(node)
        return (tot[0], tot[1], tot[2]) if tot is not None else (0, 0, 0)

    def _node_host_ip(self, node: int) -> str:
        host = self._host_ip.get(node)
        if host is None:
            n_obj = self.table.nodes[node]
            host = self._host_ip[node] = next((a.address for a in n_obj.status.addresses if a.type == "InternalIP"),
                                              "")
        return host

    def _admission_fits(self, rows: list):
        """can_admit_pod for every pod of the batch awaiting admission, as the
        one-at-a-time kubelet would see it (after the pods before it on its
        node were admitted), with one call per node and spec: admission is
        monotone in what was admitted, so if a spec fits beside everything
        the batch could admit on the node before it, it fits for each of its
        pods. Nodes where that does not hold are walked pod by pod."""
        p, table = self.pods, self.table
        per_node: dict = {}
        for row in rows:
            if p.core[row].state == "Scheduled":
                per_node.setdefault(p.node[row], []).append(row)
        whole: dict = {}
        exact: dict = {}
        for node, members in per_node.items():
            base = self._admitted_of(node)
            specs = {id(p.spec[r]): p.spec[r] for r in members}
            total = [base[0], base[1], base[2]]
            for r in members:
                req = sched.pod_requests(_SpecOnly(p.spec[r]))
                total[0] += req.cpu
                total[1] += req.memory
                total[2] += 1
            ok = True
            for spec in specs.values():
                req = sched.pod_requests(_SpecOnly(spec))
                if kl.can_admit_pod(_SpecOnly(spec), table.nodes[node],
                                    (total[0] - req.cpu, total[1] - req.memory, total[2] - 1)) is not None:
                    ok = False
                    break
            if ok:
                whole[node] = True
                continue
            tot = list(base)
            for r in members:   # pod by pod: a rejected pod is not admitted
                spec = p.spec[r]
                verdict = kl.can_admit_pod(_SpecOnly(spec), table.nodes[node], tuple(tot)) is None
                exact[r] = verdict
                if verdict:
                    req = sched.pod_requests(_SpecOnly(spec))
                    tot[0] += req.cpu
                    tot[1] += req.memory
                    tot[2] += 1

        def fits(row: int, node: int) -> bool:
            return True if node in whole else exact[row]
        return fits

    def _outcome(self, row: int, core, node: int, images, admitted: tuple, profile, now: int) -> tuple:
        """The real reconcile_kubelet on the class's first member,
        materialised, reduced to what every member shares: the status core,
        the transition, the trace detail, the events (interned), the node's
        images and the requeue."""
        eng = self.eng
        pod = self.pod(row)
        n_obj = self.table.nodes[node]
        alive = n_obj.status.state in ("Ready", "NotReady")
        crashed = eng.memory(kl.NAME, (kl.CRASH_KEY, n_obj.metadata.name), None)
        if crashed is not None or eng.memory(kl.NAME, pod.metadata.uid, None) is not None:
            raise Unsupported("crashed nodes or per-pod kubelet memory")
        obs = kl.KubeletObs(pod=pod, node=n_obj, node_alive=alive, profile=profile, backoff=EMPTY,
                            admitted=admitted, config=EMPTY, images=images, crashed=None)
        result = kl.reconcile_kubelet(obs, now)
        status = transition = detail = new_images = None
        events = []
        for a in result.actions:
            t = type(a)
            if t is UpdateStatus:
                new = a.obj.status
                old_state, new_state = core.state, new.state
                if a.trigger is not None or old_state != new_state:
                    transition = (old_state, a.trigger, new_state)
                    # the lifecycle check, once for the class: every member makes this transition
                    eng.check_transition("Pod", old_state, a.trigger, new_state)
                    d = f"{old_state}->{new_state} ({a.trigger or '<none>'})"
                    # the engine's _apply_update_status: a transition that also
                    # changes conditions (Running already Ready) names them
                    extra = eng.registry.kind("Pod").transition_detail(pod.status, new)
                    if extra:
                        if "ip=" in extra:
                            raise Unsupported("an address in a transition detail (per pod)")
                        d = f"{d} {extra}"
                else:
                    d = eng.registry.kind("Pod").status_detail(pod.status, new)
                    if "ip=" in d:
                        raise Unsupported("an address in a status detail (per pod)")
                detail = self._detail("status", d)
                if new.host_ip and new.host_ip != pod.status.host_ip and core.state != "Scheduled":
                    raise Unsupported("host IP changed outside admission")
                status = evolve(new, pod_ip="", host_ip="")
                # hash-consed: classes that reach equal statuses share one core (and stay one class)
                status = self._cores.setdefault(status, status)
            elif t is RecordEvent:
                if a.involved.uid != pod.metadata.uid or pod.metadata.name in a.message:
                    raise Unsupported("an event naming another object or the pod itself")
                events.append(self._event_kind((a.reason, a.message, a.type, a.source)) << _ROW_BITS)
            elif t is SetMemory and a.controller == kl.NAME and a.key == (kl.IMAGES_KEY, n_obj.metadata.name):
                new_images = a.value
            else:
                raise Unsupported(f"kubelet action {t.__name__}")
        admits = None
        if status is not None and is_admitted_status(status) and not is_admitted_status(core):
            admits = sched.pod_requests(pod)
        addresses = status is not None and core.state == "Scheduled" and status.state != "Scheduled"
        if status is not None and status.state in ("Initializing", "ContainerCreating") and not addresses:
            raise Unsupported("a sandbox made outside admission")
        return (status, transition, detail, tuple(events), new_images, result.requeue_after, admits, addresses)


def is_admitted_status(status) -> bool:
    """kstate.resources.pod.is_admitted for a status."""
    return is_admitted(_StatusOnly(status))


class _StatusOnly:
    __slots__ = ("status",)

    def __init__(self, status) -> None:
        self.status = status


def _commit_table(table, work) -> None:
    for name in ("used_cpu", "used_mem", "used_pods", "nz_cpu", "nz_mem", "_scores"):
        setattr(table, name, getattr(work, name))


def node_table_usage(table) -> tuple:
    return tuple(tuple(getattr(table, name)) for name in ("used_cpu", "used_mem", "used_pods", "nz_cpu", "nz_mem"))


# ------------------------------------------------------------------ the reference

def engine_reference(pods: list, nodes: int, seed: int = 0, cluster_cidr: str = "10.0.0.0/8",
                     record_trace: bool = True):
    """The same workload through kstate's engine (one reconcile per key)."""
    from kstate import Cluster
    cluster = Cluster(nodes=nodes, seed=seed, cluster_cidr=cluster_cidr, record_trace=record_trace)
    cluster.apply(pods)
    cluster.run_until_stable(timeout="10m")
    return cluster


def prototype(pods: list, nodes: int, seed: int = 0, cluster_cidr: str = "10.0.0.0/8",
              block_window: bool = True, by_class: bool = True, batched_parse: bool = True) -> BatchRun:
    from kstate import Cluster
    cluster = Cluster(nodes=nodes, seed=seed, cluster_cidr=cluster_cidr)
    run = BatchRun(cluster, block_window=block_window, by_class=by_class, batched_parse=batched_parse)
    run.apply(pods)
    run.run_until_stable()
    return run


def engine_event_records(eng) -> list[list]:
    """The engine's event log as records [key, count, last, first, serial]
    (kstate.engine.log.EventLog.records)."""
    return eng._event_log.records()


def differences(run: BatchRun, cluster) -> list[str]:
    """What differs between the prototype's outcome and the engine's: the
    trace, the events, every pod, the scheduler's node table, the kubelet's
    admission totals and the memory. Empty when they are the same."""
    eng = cluster.engine
    out = []
    trace = run.trace()
    if trace != eng.trace:
        i = next((i for i, (a, b) in enumerate(zip(trace, eng.trace)) if a != b), min(len(trace), len(eng.trace)))
        out.append(f"trace differs at entry {i}: {trace[i:i + 1]} vs {eng.trace[i:i + 1]} "
                   f"({len(trace)} vs {len(eng.trace)} entries)")
    events = run.events()
    ref_events = engine_event_records(eng)
    if events != ref_events:
        i = next((i for i, (a, b) in enumerate(zip(events, ref_events)) if a != b), min(len(events), len(ref_events)))
        out.append(f"events differ at {i}: {events[i:i + 1]} vs {ref_events[i:i + 1]}")
    ref_pods = eng.store.list("Pod")
    if len(ref_pods) != len(run.pods):
        out.append(f"{len(run.pods)} pods vs {len(ref_pods)}")
    for ref in ref_pods:
        row = run.pods.row_of.get((ref.metadata.namespace, ref.metadata.name))
        mine = run.pod(row) if row is not None else None
        if mine != ref:
            out.append(f"pod {ref.metadata.name} differs: {mine} vs {ref}")
            break
    if node_table_usage(run.table) != node_table_usage(eng.indexes[sched.SCHEDULER_CACHE].table):
        out.append("scheduler node table usage differs")
    ref_tot = {k: list(v) for k, v in eng.indexes[kl.KUBELET_ADMISSION]["totals"].items() if v != [0, 0, 0]}
    mine_tot = {run.table.names[k]: list(v) for k, v in run.admitted.items()}
    if ref_tot != mine_tot:
        out.append("kubelet admission totals differ")
    if run.eng._memory != eng._memory:
        out.append(f"memory differs: {sorted(set(run.eng._memory.items()) ^ set(eng._memory.items()))[:3]}")
    if run.eng._rv != eng._rv or run.eng.now != eng.now:
        out.append(f"resource version / clock differ: {run.eng._rv}/{run.eng.now} vs {eng._rv}/{eng.now}")
    return out
