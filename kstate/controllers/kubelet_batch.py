"""The kubelet's batch form: a run of pods synced in one call, pods in the
same situation sharing one reconcile (docs/performance.md, "Equivalence
classes").

Owns: `reconcile_kubelet_batch` (ControllerSpec.reconcile_batch for the
kubelet) — the overlay that lets item i of a run see what items 0..i-1
change in the kubelet's observations (each node's admission totals and the
images its pulls left there), the class key (everything the one-pod
reconcile reads of a pod in the bare-pod path besides the pod's identity)
and the derivation of a member's Result from its class representative's.
The one-pod reconcile stays `kubelet.reconcile_kubelet`: every outcome here
is that function's, on a representative, with what is per pod put back.
Must not import engine/ or io/; pure, like every reconcile: the overlay and
the class table are built and dropped inside one call; what outlives it
(`spec_facts`, `node_facts`) is memoised on the identity of immutable
objects it holds, so it answers as recomputing would.

Kubernetes has no counterpart (each kubelet syncs its own pods, one pod
worker each); the admission it mirrors is lifecycle/predicate.go
GeneralPredicates, checked against the pods the node admitted before
(kubelet.go HandlePodAdditions: canAdmitPod with the admitted pods so far).
"""
from __future__ import annotations

import itertools
import operator
from typing import Optional

import attrs

from kstate.controllers import kubelet as kl
from kstate.controllers.actions import RecordEvent, Result, SetMemory, UpdateStatus, ref_of
from kstate.controllers.prober import has_probes
from kstate.controllers.scheduler import pod_requests
from kstate.resources.event import ObjectReference
from kstate.resources.frozen import evolve, field_replacer
from kstate.resources.meta import ObjectMeta
from kstate.resources.pod import TERMINAL_PHASES, Pod, PodStatus, is_admitted

#: lifecycle states whose sync a class may share: admission (Scheduled →
#: ContainerCreating, or a rejection) and the containers' start
#: (ContainerCreating → Running and Ready), the bare pod's two steps.
CLASS_STATES = frozenset({"Scheduled", "ContainerCreating"})

#: what is per pod and put back into a member's outcome instead of being part
#: of its class key: the pod's name, uid and resource version (its events'
#: subject, the status it writes), and its addresses (the pod IP the CNI
#: allocator gave it, the host IP of its node).
_META_IDENTITY = ("name", "uid", "resource_version")
_STATUS_IDENTITY = ("pod_ip", "host_ip")
#: status parts keyed by the identity of their objects (not hashed: the
#: stored pods share equal ones, kinds/core.py _STATUS_PARTS), the
#: conditions by the identity of their elements (flyweights,
#: resources.meta.condition); a miss only makes the class finer.
_STATUS_BY_ID = ("conditions", "container_statuses", "init_container_statuses")
#: every other field of the metadata and the status is part of the key, a
#: field added to either class included.
_META_KEY = operator.attrgetter(*[f.name for f in attrs.fields(ObjectMeta) if f.name not in _META_IDENTITY])
_STATUS_KEY = operator.attrgetter(
    *[f.name for f in attrs.fields(PodStatus) if f.name not in _STATUS_IDENTITY + _STATUS_BY_ID])
#: a member's status: the representative's with the member's addresses
_with_addresses = field_replacer(PodStatus, *_STATUS_IDENTITY)
#: a member's actions and Result: the representative's copied with the
#: member's parts swapped in (a copy fills its slots directly; the attrs
#: __init__ goes through object.__setattr__ once a field)
_ref_with = field_replacer(ObjectReference, "name", "uid")
_event_about = field_replacer(RecordEvent, "involved")
_update_of = field_replacer(UpdateStatus, "obj")
_memory_under = field_replacer(SetMemory, "key")
_result_with = field_replacer(Result, "actions")
#: how each field of what a recipe copies enters a member's copy: put back
#: per pod ("member"), in the class key ("key"), checked on the
#: representative not to name its identity or to be the same for every pod
#: ("checked"), or the same for every Result of the kubelet's ("same").
#: A copy carries every field of the representative's, so
#: tests/unit/test_kubelet_batch.py checks that this names every field: a
#: field added to one of these classes must be placed here.
RECIPE_FIELDS = {
    ObjectReference: {"kind": "same", "name": "member", "namespace": "key", "uid": "member", "api_version": "same"},
    RecordEvent: {"involved": "member", "reason": "checked", "message": "checked", "type": "key", "source": "same"},
    UpdateStatus: {"obj": "member", "trigger": "key"},
    SetMemory: {"controller": "checked", "key": "member", "value": "key"},
    Result: {"actions": "member", "requeue_after": "key"},
}

#: how KubeletObs's fields enter a class: in the key, or per pod (the pod;
#: the node's name and addresses, see `_Classes.key`); `admitted` through the
#: admission verdict; `backoff`, `config` and `crashed` only when empty
#: (`classable`). tests/unit/test_kubelet_batch.py checks that this names
#: every field, so a field added to KubeletObs must be placed here.
OBS_FIELDS = {"pod": "key and identity", "node": "key and identity", "node_alive": "key", "profile": "key",
              "backoff": "empty", "admitted": "verdict", "config": "empty", "images": "key", "listed": "key",
              "crashed": "empty"}

#: the kinds of action a member's outcome is rebuilt from (`_Outcome.of`).
_STATUS, _EVENT, _IMAGES = 0, 1, 2
#: a class whose representative's Result cannot be rebuilt for another pod:
#: each member runs the one-pod reconcile.
_APART = object()
#: a class's outcome leaves its node's images as they were.
_KEEP = object()


def classable(obs: kl.KubeletObs) -> bool:
    """A pod whose sync may be shared with others of its class: not being
    deleted, awaiting admission or the start of its containers, with no
    per-pod memory (back-off, a pull in progress, a failed mount, a crash
    seen), no ConfigMap or Secret it references, no probes (the prober reads
    the pod IP), no init containers and not on the host's network (the
    kubelet then writes the node's IP as the pod's). Whatever else its sync
    reads is in the class key (`_Classes.key`); what it reads of its
    identity is checked on the representative's outcome (`_Outcome.of`)."""
    return _state_classable(obs) and _spec_classable(obs.pod)


def _state_classable(obs: kl.KubeletObs) -> bool:
    """What `classable` reads of the pod's metadata, status and memory."""
    pod = obs.pod
    return (pod.metadata.deletion_timestamp is None and pod.status.state in CLASS_STATES and not obs.backoff
            and not obs.config and obs.crashed is None)


def _spec_classable(pod: Pod) -> bool:
    """What `classable` reads of the pod's spec (`spec_facts` remembers it
    a spec object)."""
    spec = pod.spec
    return not spec.init_containers and not has_probes(pod) and spec.extra.get("hostNetwork") is not True


#: id(spec) → (spec, its class number, `_spec_classable`, its requests —
#: pod_requests, which reads only the spec). A bound pod's spec
#: is shared by the pods of its template on its node (kinds/core.py
#: bound_spec), so this is worked out once a spec object, not once a batch
#: call: a call of 8,192 pods spread over 5,000 nodes meets most nodes' specs
#: once or twice. Memoised on identity, the entry holding the spec.
_SPECS: dict = {}
#: the spec without its node's name → its class number (pods of one template
#: share it on every node). Numbers come from one counter and are never
#: reused, so clearing the memos when full only makes later classes finer.
_SPEC_CLASSES: dict = {}
_SPECS_MAX = 1 << 14
_spec_numbers = itertools.count()


def spec_facts(pod: Pod) -> tuple:
    """(spec, class number, `_spec_classable`, pod_requests) of the pod's spec."""
    spec = pod.spec
    hit = _SPECS.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit
    if len(_SPECS) >= _SPECS_MAX:
        _SPECS.clear()
        _SPEC_CLASSES.clear()
    unbound = evolve(spec, node_name="")
    try:
        number = _SPEC_CLASSES.get(unbound)
        if number is None:
            number = _SPEC_CLASSES[unbound] = next(_spec_numbers)
    except TypeError:      # an unhashable part (a value of an unforeseen type): a class of its own
        number = next(_spec_numbers)
    hit = _SPECS[id(spec)] = (spec, number, _spec_classable(pod), pod_requests(pod))
    return hit


def node_host_ip(node) -> str:
    """The node's InternalIP, as admit_pod reads it for the pod's hostIP
    (kubelet_pods.go generateAPIPodStatus: the node's address), "" without one."""
    if node is None:
        return ""
    return next((a.address for a in node.status.addresses if a.type == "InternalIP"), "")


#: id(node) → (node, `node_host_ip`, whether it has a pod CIDR): what the
#: class key reads of a node, which a batch call meets once or twice (a call
#: of 8,192 pods on 5,000 nodes), so worked out once a node object — its
#: identity compared, the node object not read again (at 150,000 pods it is
#: rarely in the CPU's cache). The entry holds the node; cleared when full.
_NODES: dict = {}
_NODES_MAX = 1 << 13


def node_facts(node) -> tuple:
    """(node, `node_host_ip`, a pod CIDR or not)."""
    hit = _NODES.get(id(node))
    if hit is not None and hit[0] is node:
        return hit
    if len(_NODES) >= _NODES_MAX:
        _NODES.clear()
    hit = _NODES[id(node)] = (node, node_host_ip(node), node is not None and bool(node.spec.pod_cidr))
    return hit


def host_ip(node) -> str:
    """`node_host_ip`, memoised on the node's identity (`node_facts`)."""
    return node_facts(node)[1]


def _counted(pod: Pod) -> bool:
    """Whether the kubelet-admission index counts the pod in its node's
    totals (kstate.indexes `_admission_on_pod`)."""
    return bool(pod.spec.node_name) and pod.status.phase not in TERMINAL_PHASES and is_admitted(pod)


class _Admission:
    """The admission totals item i would observe: what the run's earlier
    items admitted on its node added to the totals observed when the run
    began (every item of a run is observed then; the one-pod engine would
    observe item i after items 0..i-1 were applied).

    The verdict of can_admit_pod for a pod awaiting admission is the class
    key's admission input. It is monotone in what the node admitted, so it
    is checked once per node and distinct requests against everything the
    run could admit there (the totals observed plus the requests of every
    other pod of the run awaiting admission on that node, summed in one pass
    over the run): if that fits, every such pod fits whatever was admitted
    before it. Only nodes where that fails are checked pod by pod, against
    the exact totals."""

    def __init__(self, observations) -> None:
        #: node → the bound of what the run can admit there: [the totals
        #: observed, the node, cpu m, memory B, pods — the totals plus the
        #: requests of every item awaiting admission there —, (requests, pod)
        #: of each distinct requests among them]; the totals None when the
        #: items disagree on the totals or the node (no bound: pod by pod)
        bounds = self._bounds = {}
        for obs in observations:
            pod = obs.pod
            if pod is not None and obs.node is not None and pod.status.state == "Scheduled":
                facts = _SPECS.get(id(pod.spec))
                if facts is None or facts[0] is not pod.spec:
                    facts = spec_facts(pod)
                req = facts[3]
                b = bounds.get(pod.spec.node_name)
                if b is None:
                    a = obs.admitted
                    bounds[pod.spec.node_name] = [a, obs.node, a[0] + req.cpu, a[1] + req.memory, a[2] + 1,
                                                  [(req, pod)]]
                    continue
                if b[0] is None:
                    continue
                if obs.admitted != b[0] or obs.node is not b[1]:
                    b[0] = None
                    continue
                b[2] += req.cpu
                b[3] += req.memory
                b[4] += 1
                if req is not b[5][0][0] and all(r is not req for r, _ in b[5]):
                    b[5].append((req, pod))
        #: node → [cpu m, memory B, pods] admitted by the run's items applied so far
        self._added: dict = {}
        #: node → whether every pod of the run awaiting admission there fits (computed on first use)
        self._all_fit: dict = {}

    def observed(self, obs: kl.KubeletObs) -> tuple:
        """The totals the pod's node admitted, as the one-pod engine observes them."""
        added = self._added.get(obs.pod.spec.node_name)
        if added is None:
            return obs.admitted
        a = obs.admitted
        return (a[0] + added[0], a[1] + added[1], a[2] + added[2])

    def verdict(self, obs: kl.KubeletObs) -> Optional[tuple]:
        """can_admit_pod for a pod awaiting admission, as the one-pod engine would check it."""
        node = obs.pod.spec.node_name
        fit = self._all_fit.get(node)
        if fit is None:
            fit = self._all_fit[node] = self._fits_all(self._bounds.get(node))
        if fit:
            return None
        return kl.can_admit_pod(obs.pod, obs.node, self.observed(obs))

    @staticmethod
    def _fits_all(bound) -> bool:
        """Each distinct requests fits beside the bound less itself (can_admit_pod
        reads of the pod only its requests, pod_requests: one object for the
        pods of a template)."""
        if bound is None or bound[0] is None:
            return False
        _, node, cpu, mem, pods, distinct = bound
        for req, pod in distinct:
            if kl.can_admit_pod(pod, node, (cpu - req.cpu, mem - req.memory, pods - 1)) is not None:
                return False
        return True

    def advance(self, obs: kl.KubeletObs, new: Pod) -> bool:
        """Item `obs` wrote `new`: count it as the index will. False when the
        write takes a pod out of the totals (the index subtracts what it
        recorded at admission, which the batch does not know)."""
        was, now = _counted(obs.pod), _counted(new)
        if was == now:
            return True
        if was:
            return False
        self.admit(obs, new)
        return True

    def admit(self, obs: kl.KubeletObs, new: Pod) -> None:
        """Item `obs` wrote its pod admitted (`new`): its requests count on
        its node from the next item on, as the index counts them."""
        node = new.spec.node_name
        facts = _SPECS.get(id(new.spec))
        req = facts[3] if facts is not None and facts[0] is new.spec else pod_requests(new)
        added = self._added.get(node)
        if added is None:
            added = self._added[node] = [0, 0, 0]
        added[0] += req.cpu
        added[1] += req.memory
        added[2] += 1
        if obs.pod.status.state != "Scheduled":
            # admitted from another state: outside the bound `_fits_all` assumed
            self._all_fit[node] = False


class _Outcome:
    """A class representative's Result as a recipe for any member: its
    actions with what is per pod marked — the status written (carrying the
    member's pod IP, and its old host IP or its node's), the events (about
    the member), the node's images remembered (under the member's node)."""

    __slots__ = ("steps", "ref", "result", "admits", "images")

    def __init__(self, steps: tuple, result: Result, admits: bool, images) -> None:
        #: (kind, the representative's action, the status it wrote, whether
        #: its host IP is the node's — the last two for _STATUS only): the
        #: templates a member's actions are copied from
        self.steps = steps
        #: the events' subject (the representative), None without events
        self.ref = next((s[1].involved for s in steps if s[0] == _EVENT), None)
        #: the representative's Result (its requeue and any field added to Result)
        self.result = result
        #: what a member's Result changes in the overlay (`_advance` of the
        #: representative's, which let the run go on): it enters its node's
        #: admission totals; the images its node holds after it (_KEEP: unchanged)
        self.admits = admits
        self.images = images

    @classmethod
    def of(cls, obs: kl.KubeletObs, result: Result, host_ip: str):
        """The recipe, or _APART when the Result reads the representative's
        identity in a way no substitution can put back: a write of another
        object, a changed pod IP or an unexplained host IP, an event
        naming the pod, its uid, its node or its addresses, memory under the
        pod's uid or another key — or when the recipe does not give the
        representative its own Result back (a member's actions are copies of
        the representative's, `RECIPE_FIELDS`)."""
        pod = obs.pod
        m, st = pod.metadata, pod.status
        node = pod.spec.node_name
        ref = None
        names = [s for s in (m.name, m.uid, node, host_ip, st.pod_ip, st.host_ip) if s]
        steps = []
        admits, images = False, _KEEP
        for a in result.actions:
            t = type(a)
            if t is UpdateStatus:
                o = a.obj
                if type(o) is not Pod or o.metadata is not m or o.spec is not pod.spec:
                    return _APART
                new = o.status
                if new.pod_ip != st.pod_ip:
                    return _APART
                if new.host_ip == st.host_ip:
                    from_node = False      # carried (the key says whether it equals the node's)
                elif new.host_ip == host_ip:
                    from_node = True
                else:
                    return _APART
                steps.append((_STATUS, a, new, from_node))
                admits = _counted(o) and not _counted(pod)
            elif t is RecordEvent:
                if ref is None:
                    ref = ref_of(pod)
                if a.involved != ref or any(s in a.message or s in a.reason for s in names):
                    return _APART
                steps.append((_EVENT, a, None, False))
            elif t is SetMemory and a.controller == kl.NAME and a.key == (kl.IMAGES_KEY, node):
                steps.append((_IMAGES, a, None, False))
                images = a.value if a.value is not None else kl.NO_IMAGES
            else:
                return _APART
        outcome = cls(tuple(steps), result, admits, images)
        # the recipe must give the representative its own Result back: a part
        # it does not carry keeps the class apart
        return outcome if outcome.result_for(obs, host_ip) == result else _APART

    def result_for(self, obs: kl.KubeletObs, host_ip: str) -> Result:
        """The member's Result: the representative's, about `obs.pod` — each
        action a copy of the representative's with the member's parts put in."""
        pod = obs.pod
        m = pod.metadata
        ref = None if self.ref is None else _ref_with(self.ref, m.name, m.uid)
        actions = []
        append = actions.append
        for kind, template, new, from_node in self.steps:
            if kind == _EVENT:
                append(_event_about(template, ref))
            elif kind == _STATUS:
                st = pod.status
                status = _with_addresses(new, st.pod_ip, host_ip if from_node else st.host_ip)
                append(_update_of(template, kl.with_pod_status(pod, status)))
            else:
                append(_memory_under(template, (kl.IMAGES_KEY, pod.spec.node_name)))
        return _result_with(self.result, tuple(actions))


class _Classes:
    """The class key of a classable pod: everything its sync reads but its
    identity. The pod: its metadata but name, uid and resource version; its
    spec but the node's name (pods of one template share it on every node);
    its status but its addresses — whether its host IP is empty or its
    node's stands in for them. The node: alive or not, a pod CIDR or not,
    the images remembered and listed there, and for a pod awaiting admission
    the admission verdict. The profile, by identity, with no jitter (a rule's
    jitter is drawn from the pod's uid)."""

    def __init__(self) -> None:
        self.table: dict = {}
        self._plain: dict = {}         # id(profile) → no rule jitters
        #: id(conditions) → the identities of its elements: the pods that took
        #: one step at one instant share the tuple (the call's observations
        #: hold every pod, so an identity stays theirs for the call)
        self._conditions: dict = {}

    def plain(self, profile) -> bool:
        """No rule of the profile depends on the pod's identity (a jitter draws from its uid)."""
        ok = self._plain.get(id(profile))
        if ok is None:
            ok = self._plain[id(profile)] = profile is not None and not any(r.jitter for r in profile.rules)
        return ok

    def classify(self, obs: kl.KubeletObs) -> Optional[int]:
        """`classable`, with `plain` for the profile: the class number of the
        pod's spec if it is, else None."""
        spec = obs.pod.spec
        facts = _SPECS.get(id(spec))
        if facts is None or facts[0] is not spec:
            facts = spec_facts(obs.pod)
        if not facts[2] or not _state_classable(obs):
            return None
        plain = self._plain.get(id(obs.profile))
        return facts[1] if (self.plain(obs.profile) if plain is None else plain) else None

    def key(self, obs: kl.KubeletObs, images, verdict, host_ip: str, spec_class: Optional[int] = None,
            pod_cidr: Optional[bool] = None) -> tuple:
        """The class key; `spec_class` as `classify` gave it and `pod_cidr` as
        `node_facts` (else looked up)."""
        pod = obs.pod
        st = pod.status
        listed = obs.listed
        conditions = st.conditions
        ids = self._conditions.get(id(conditions))
        if ids is None:
            ids = self._conditions[id(conditions)] = tuple(map(id, conditions))
        return (_META_KEY(pod.metadata), spec_facts(pod)[1] if spec_class is None else spec_class, _STATUS_KEY(st),
                ids, id(st.container_statuses), id(st.init_container_statuses),
                st.host_ip == "", host_ip == "", st.host_ip == host_ip,
                obs.node_alive, node_facts(obs.node)[2] if pod_cidr is None else pod_cidr,
                # a restored snapshot gives the kubelet's memory of images back as a set
                images if type(images) is frozenset else frozenset(images),
                listed if type(listed) is frozenset else frozenset(listed),
                verdict, id(obs.profile))


def reconcile_kubelet_batch(observations, now: int) -> list:
    """`reconcile_kubelet` over a run of pods taken at one instant
    (ControllerSpec.reconcile_batch): item i's Result is the one the one-pod
    kubelet gives when it observes the pod after items 0..i-1 were applied.

    Item i sees the earlier items' effects through an overlay: the admission
    totals of its node (what they admitted there) and the images its node
    holds (what their starts pulled there) — the only parts of a kubelet
    observation that writing another pod's status, its events and the
    node's images change. An item whose Result writes anything else (another
    object, memory under another key, a deletion, a pod leaving the
    admission totals) is answered, and the run stops after it: the engine
    folds the rest one pod at a time.

    Classable pods (`classable`) of one class share one reconcile: the first
    runs `reconcile_kubelet`, the others get its Result with their own
    identity put back (`_Outcome`). Other pods run `reconcile_kubelet` on
    their overlaid observation. Pure: the overlay and the class table live
    inside the call.

    Example: 30 bare pods of one template bound to 3 nodes at one instant,
    all fitting: one class (Scheduled, fits) — one reconcile, 30 Results
    ContainerCreating; at their start 1 s later two classes per template —
    a node's first start records the image it pulled, the later ones find
    it there."""
    out: list = []
    append = out.append
    admission = _Admission(observations)
    all_fit = admission._all_fit
    classes = _Classes()
    table = classes.table
    classify, key_of = classes.classify, classes.key
    nodes = _NODES
    last = (_APART, None)           # (key, outcome) of the last classable pod looked up
    images_on: dict = {}            # node → the images the run's starts left there
    reconcile = kl.reconcile_kubelet
    for obs in observations:
        pod = obs.pod
        if pod is None or not pod.spec.node_name or not obs.node_alive:
            result = reconcile(obs, now)         # nothing to do for it
            append(result)
            if result.actions:
                break
            continue
        node = pod.spec.node_name
        images = images_on.get(node, obs.images)
        scheduled = pod.status.state == "Scheduled"
        spec_class = classify(obs)
        if spec_class is not None:
            facts = nodes.get(id(obs.node))
            if facts is None or facts[0] is not obs.node:
                facts = node_facts(obs.node)
            ip = facts[1]
            # a node where every pod of the run awaiting admission fits: no verdict to take
            key = key_of(obs, images, None if not scheduled or all_fit.get(node) else admission.verdict(obs), ip,
                         spec_class, facts[2])
            if key == last[0]:
                # the previous classable pod's class (a run's pods mostly come class by class):
                # an equality test of parts that are mostly the same objects, no hash
                outcome = last[1]
            else:
                try:
                    outcome = table.get(key)
                except TypeError:      # an unhashable part (a value of an unforeseen type): no class
                    outcome = key = _APART
                last = (key, outcome)
            if outcome is None or outcome is _APART:
                result = reconcile(_overlaid(obs, admission, images, scheduled), now)
                if outcome is None:
                    outcome = table[key] = _Outcome.of(obs, result, ip)
                    last = (key, outcome)
            else:
                # the representative's Result passed `_advance`; the member's changes the overlay alike
                append(outcome.result_for(obs, ip))
                if outcome.admits:
                    admission.admit(obs, pod)     # the member's pod as written has its own spec
                if outcome.images is not _KEEP:
                    images_on[node] = outcome.images
                continue
        else:
            result = reconcile(_overlaid(obs, admission, images, scheduled), now)
        append(result)
        if not _advance(obs, result, admission, images_on):
            break
    return out


def _overlaid(obs: kl.KubeletObs, admission: _Admission, images, scheduled: bool) -> kl.KubeletObs:
    """`obs` as the one-pod engine would observe it after the run's earlier items."""
    admitted = admission.observed(obs) if scheduled else obs.admitted
    if admitted == obs.admitted and images is obs.images:
        return obs
    return evolve(obs, admitted=admitted, images=images)


def _advance(obs: kl.KubeletObs, result: Result, admission: _Admission, images_on: dict) -> bool:
    """Carry item `obs`'s Result into the overlay; False when it writes
    something the overlay does not model (the run stops after it)."""
    pod = obs.pod
    uid = pod.metadata.uid
    for a in result.actions:
        t = type(a)
        if t is RecordEvent:
            continue
        if t is UpdateStatus:
            o = a.obj
            if o.KIND != "Pod" or o.metadata.uid != uid or not admission.advance(obs, o):
                return False
        elif t is SetMemory and a.controller == kl.NAME:
            if a.key == uid:
                continue          # its own memory: read by no other pod
            if a.key != (kl.IMAGES_KEY, pod.spec.node_name):
                return False
            images_on[pod.spec.node_name] = a.value if a.value is not None else kl.NO_IMAGES
        else:
            return False
    return True
