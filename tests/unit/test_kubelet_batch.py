"""The kubelet's batch form (`kstate.controllers.kubelet_batch`): for every
run of pods the engine hands it, its Results must be the ones the one-pod
kubelet gives when each pod is observed after the items before it were
applied — the plain fold — and two members of a class must get the same
outcome but for their identity.

The run property draws clusters (nodes of several sizes, some without a pod
CIDR) and pods (bare ones of several sizes and images, pods bound to a node
by name that may not fit, pods with probes, ConfigMap volumes and env, init
containers, sidecars, the host's network, annotations that change their
timing, image sizes, exits, readiness gates; some deleted, a node crashed)
under four profiles (the default one, one whose start rule selects on a
label, one with a jitter, one with control-plane latency), and compares the
kubelet's Results in the order they were applied, the trace, the events,
the snapshot and the step count with the kubelet's batch form switched off
(the run's observations, `observe_kubelet_run`, checked against the one-key
`observe_kubelet`). The class property draws pairs of
observations that differ in one input or in their identity and checks that
equal class keys mean equal outcomes, identity put back."""
from __future__ import annotations

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import kstate
from kstate.controllers import CONTROLLERS, kubelet, kubelet_batch
from kstate.controllers.kubelet import KubeletObs
from kstate.controllers.timing import Profile, Rule
from kstate.io.profile import load_profile
from kstate.resources.frozen import evolve, freeze

SIZES = (("100m", "64Mi"), ("500m", "256Mi"), ("1", "1Gi"), ("0", "0"), ("3", "6Gi"))
KINDS = ("bare",) * 12 + ("tagged",) * 4 + ("pinned",) * 4 + (
    "probe", "volume", "env", "init", "sidecar", "hostnet", "slow", "labelled", "sized", "exit", "never-ready",
    "gates")


def _profile(flavour: str) -> Profile:
    """The default profile, or one whose containers start after 300 ms for
    pods labelled tier=slow, or one whose start rule has a 2 s jitter (drawn
    from the pod's uid), or the default one with control-plane latency."""
    base = load_profile("default")
    if flavour == "labelled":
        fast = Rule(name="start-labelled", state="ContainerCreating", fire="start", default=300,
                    labels=freeze({"tier": "slow"}))
        return Profile(name=flavour, rules=(fast,) + base.rules)
    if flavour == "jitter":
        return Profile(name=flavour, rules=tuple(attrs.evolve(r, jitter=2000) if r.fire == "start" else r
                                                 for r in base.rules))
    if flavour == "latency":
        # control-plane latency: watch events reach every controller up to 300 ms late (seeded draws)
        return Profile(name=flavour, rules=base.rules, latency=freeze({"*": 300}))
    return base


def _pod(name: str, kind: str, size: tuple, node: int) -> dict:
    cpu, mem = size
    container: dict = {"name": "c", "image": "nginx:1.25" if kind == "tagged" else "nginx"}
    if cpu != "0":
        container["resources"] = {"requests": {"cpu": cpu, "memory": mem}}
    spec: dict = {"containers": [container]}
    meta: dict = {"name": name}
    if kind == "pinned":
        spec["nodeName"] = f"node-{node}"
    elif kind == "probe":
        container["readinessProbe"] = {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 2}
    elif kind == "volume":
        spec["volumes"] = [{"name": "v", "configMap": {"name": "cfg"}}]
        container["volumeMounts"] = [{"name": "v", "mountPath": "/etc/cfg"}]
    elif kind == "env":
        container["env"] = [{"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "level"}}}]
    elif kind == "init":
        spec["initContainers"] = [{"name": "setup", "image": "busybox"}]
    elif kind == "sidecar":
        spec["initContainers"] = [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]
    elif kind == "hostnet":
        spec["hostNetwork"] = True
    elif kind == "slow":
        meta["annotations"] = {"kstate.io/start-after": "2s"}
    elif kind == "labelled":
        meta["labels"] = {"tier": "slow"}
    elif kind == "sized":
        container["image"] = "redis:7"
        meta["annotations"] = {"kstate.io/image-size": "1000"}
    elif kind == "exit":
        meta["annotations"] = {"kstate.io/exit-after": "1s"}
        spec["restartPolicy"] = "Never"
    elif kind == "never-ready":
        meta["annotations"] = {"kstate.io/never-ready": "true"}
    elif kind == "gates":
        spec["readinessGates"] = [{"conditionType": "example.com/ready"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


NODES = st.lists(st.tuples(st.sampled_from(("1", "2", "4")), st.sampled_from(("3", "110"))), min_size=1, max_size=5)
POD = st.tuples(st.sampled_from(KINDS), st.sampled_from(SIZES[:2] * 4 + SIZES), st.integers(0, 4))
PODS = st.lists(POD, min_size=4, max_size=30)
SCENARIO = st.fixed_dictionaries({
    "nodes": NODES, "pods": PODS, "seed": st.integers(0, 3),
    # a /23 cluster CIDR has room for two /24 node ranges: later nodes get no pod CIDR
    "cidr": st.sampled_from(("10.244.0.0/16", "10.244.0.0/16", "10.244.0.0/23")),
    "profile": st.sampled_from(("default", "default", "labelled", "jitter", "latency")),
    "config_late": st.booleans(), "more": st.lists(POD, max_size=20),
    "deleted": st.lists(st.integers(0, 29), max_size=4), "crash": st.booleans()})


def _run(sc: dict, batch: bool, note: bool = False):
    """The cluster after the scenario; the kubelet's Results in the order they were applied."""
    applied: list = []
    spec = CONTROLLERS[kubelet.NAME]

    def reconcile(obs, now):
        result = kubelet.reconcile_kubelet(obs, now)
        applied.append(result)
        return result

    calls: list = []

    def reconcile_batch(observations, now):
        results = kubelet_batch.reconcile_kubelet_batch(observations, now)
        calls.append((len(observations), len(results)))
        return results

    def observe_batch(view, keys):      # the run's observations: each the one-key observe's
        observations = kubelet.observe_kubelet_run(view, keys)
        assert observations == [kubelet.observe_kubelet(view, key) for key in keys]
        return observations

    ctrls = dict(CONTROLLERS)
    ctrls[kubelet.NAME] = spec._replace(reconcile=reconcile, reconcile_batch=reconcile_batch if batch else None,
                                        observe_batch=observe_batch if batch else None)
    c = kstate.Cluster(nodes=0, seed=sc["seed"], controllers=ctrls, cluster_cidr=sc["cidr"],
                       profile=_profile(sc["profile"]))
    engine = c.engine
    checked = engine._apply_checked

    def apply_checked(result):          # the batch's Results, as the engine applies them
        applied.append(result)
        return checked(result)

    engine._apply_checked = apply_checked
    derive = kubelet_batch._Outcome.result_for
    derived = [0]

    def result_for(self, obs, host_ip):
        derived[0] += 1
        return derive(self, obs, host_ip)

    kubelet_batch._Outcome.result_for = result_for
    try:
        _scenario(c, sc)
    finally:
        kubelet_batch._Outcome.result_for = derive
    if note:
        event("results rebuilt" if derived[0] else "no result rebuilt")
        event("a prefix answered" if any(answered < asked for asked, answered in calls) else "whole runs answered")
        assert all(0 < answered <= asked for asked, answered in calls)
    return c, applied, calls


def _scenario(c, sc: dict) -> None:
    for i, (cpu, max_pods) in enumerate(sc["nodes"]):
        c.add_node(f"node-{i}", cpu=cpu, memory="8Gi", pods=max_pods)
    n = len(sc["nodes"])
    c.advance("1s")
    c.apply([_pod(f"p{j:02d}", kind, size, node % n) for j, (kind, size, node) in enumerate(sc["pods"])])
    c.advance("1500ms")
    if sc["config_late"]:
        c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"level": "debug"}})
    c.apply([_pod(f"q{j:02d}", kind, size, node % n) for j, (kind, size, node) in enumerate(sc["more"])])
    names = sorted(p.metadata.name for p in c.list("Pod"))
    for i in sorted(set(sc["deleted"])):
        if i < len(names):
            c.delete("Pod", names[i])
    c.advance("1s")
    if sc["crash"]:
        c.fail_node("node-0", mode="crash")
        c.advance("2s")
        c.recover_node("node-0")
    c.advance("5s")


@settings(deadline=None)
@given(sc=SCENARIO)
def test_the_batch_gives_the_folds_results_on_random_runs(sc):
    batched, b_results, _ = _run(sc, True, note=True)
    folded, f_results, _ = _run(sc, False)
    assert b_results == f_results
    assert batched.trace() == folded.trace()
    assert batched.events() == folded.events()
    assert batched.snapshot() == folded.snapshot()
    assert batched.engine.steps == folded.engine.steps


def _bare(kind: str) -> dict:
    """40 pods of one template on 4 equal nodes."""
    return {"nodes": [("4", "110")] * 4, "pods": [(kind, ("100m", "64Mi"), 0)] * 40, "seed": 0,
            "cidr": "10.244.0.0/16", "profile": "default", "config_late": False, "more": [], "deleted": [],
            "crash": False}


def _count_reconciles(monkeypatch) -> list:
    """A one-item list counting the real one-pod reconciles from now on."""
    real = kubelet.reconcile_kubelet
    count = [0]

    def counted(obs, now):
        count[0] += 1
        return real(obs, now)

    monkeypatch.setattr(kubelet, "reconcile_kubelet", counted)
    return count


@pytest.mark.parametrize("kind", ["bare", "tagged"])
def test_pods_of_one_template_share_three_reconciles_in_two_batches(monkeypatch, kind):
    """40 pods of one template on 4 nodes: the admission run (one class: all
    fit) and the start run (two classes: a node's first start records the
    image it pulled, the later ones find it there — for a tagged image,
    IfNotPresent, without pulling it again) — three real reconciles for 80
    Results, each the fold's."""
    count = _count_reconciles(monkeypatch)
    batched, b_results, calls = _run(_bare(kind), True)
    assert calls == [(40, 40), (40, 40)]
    assert count[0] == 3
    folded, f_results, _ = _run(_bare(kind), False)
    assert b_results == f_results
    assert batched.trace() == folded.trace() and batched.events() == folded.events()
    assert batched.snapshot() == folded.snapshot()
    assert all(p.status.phase == "Running" for p in batched.list("Pod"))


@pytest.mark.parametrize("kind", ["probe", "init", "hostnet"])
def test_pods_outside_every_class_each_run_the_one_pod_reconcile(monkeypatch, kind):
    """40 pods of one template with probes, an init container or the host's
    network (not `classable`: the batch remembers that a spec object): every
    Result applied is a real reconcile's, and the fold's."""
    count = _count_reconciles(monkeypatch)
    batched, b_results, calls = _run(_bare(kind), True)
    assert calls and count[0] == len(b_results)
    folded, f_results, _ = _run(_bare(kind), False)
    assert b_results == f_results


def test_a_recipe_that_misses_part_of_its_representatives_result_keeps_the_class_apart(monkeypatch):
    """Were a field added to an action and not carried by the recipe (here:
    the rebuilt Result loses its last action), the representative's own
    Result does not come back from it: every member runs the real reconcile
    and the Results stay the fold's."""
    real, rebuild = kubelet.reconcile_kubelet, kubelet_batch._Outcome.result_for
    count = [0]

    def counted(obs, now):
        count[0] += 1
        return real(obs, now)

    def lossy(self, obs, host_ip):
        result = rebuild(self, obs, host_ip)
        return attrs.evolve(result, actions=result.actions[:-1])

    folded, f_results, _ = _run(_bare("tagged"), False)
    monkeypatch.setattr(kubelet, "reconcile_kubelet", counted)
    monkeypatch.setattr(kubelet_batch._Outcome, "result_for", lossy)
    batched, b_results, calls = _run(_bare("tagged"), True)
    assert calls == [(40, 40), (40, 40)] and count[0] == 80
    assert b_results == f_results


def test_the_batch_stops_after_a_write_it_does_not_model():
    """A pod whose pull makes the node list its image (kstate.io/image-size)
    writes the Node: the batch answers up to that pod and the engine folds
    the rest, which then observe the node as written."""
    ctrls = dict(CONTROLLERS)
    calls: list = []

    def reconcile_batch(observations, now):
        results = kubelet_batch.reconcile_kubelet_batch(observations, now)
        calls.append((len(observations), len(results)))
        return results

    ctrls[kubelet.NAME] = CONTROLLERS[kubelet.NAME]._replace(reconcile_batch=reconcile_batch)
    c = kstate.Cluster(nodes=1, seed=0, controllers=ctrls)
    pods = [_pod(f"p{j}", "bare", SIZES[0], 0) for j in range(3)] + [_pod("sized", "sized", SIZES[0], 0)] + [
        _pod(f"r{j}", "bare", SIZES[0], 0) for j in range(2)]
    c.apply(pods)
    c.run_until_stable()
    assert calls[0] == (6, 6)           # admission: nothing outside the overlay
    assert calls[1] == (6, 4)           # the start: stops after the node's write
    assert c.get("Node", "node-0").status.images


FULL_NODE = {"nodes": [("1", "110")], "pods": [("pinned", ("500m", "64Mi"), 0)] * 3 + [("pinned", ("0", "0"), 0)],
             "seed": 0, "cidr": "10.244.0.0/16", "profile": "default", "config_late": False, "more": [],
             "deleted": [], "crash": False}


def test_pods_beyond_a_nodes_capacity_are_rejected_as_in_the_fold():
    """Pods bound by name to a 1-CPU node, admitted in one run: the first
    two 500m pods fit, the third is rejected (OutOfcpu, with the totals the
    two before it left), a pod without requests after it fits — as in the fold."""
    batched, b_results, _ = _run(FULL_NODE, True)
    folded, f_results, _ = _run(FULL_NODE, False)
    assert b_results == f_results and batched.trace() == folded.trace()
    assert [p.status.phase for p in sorted(batched.list("Pod"), key=lambda p: p.metadata.name)] == [
        "Running", "Running", "Failed", "Running"]


def test_the_run_comparison_can_fail(monkeypatch):
    """The comparison above has teeth: an overlay that forgets what the
    run's earlier items admitted lets every pod of a full node in."""
    folded, f_results, _ = _run(FULL_NODE, False)
    monkeypatch.setattr(kubelet_batch._Admission, "observed", lambda self, obs: obs.admitted)
    monkeypatch.setattr(kubelet_batch._Admission, "_fits_all", staticmethod(lambda waiting: True))
    batched, b_results, _ = _run(FULL_NODE, True)
    assert b_results != f_results
    assert not any(p.status.phase == "Failed" for p in batched.list("Pod"))


def test_the_obs_fields_are_all_placed():
    """A field added to KubeletObs must be placed in the class key or the
    classable predicate (kubelet_batch.OBS_FIELDS) and carried by the overlay."""
    assert set(kubelet_batch.OBS_FIELDS) == {f.name for f in attrs.fields(KubeletObs)}
    obs = KubeletObs(**{f.name: object() for f in attrs.fields(KubeletObs)})
    out = evolve(obs, admitted=(1, 2, 3), images=frozenset({"x"}))
    assert out == attrs.evolve(obs, admitted=(1, 2, 3), images=frozenset({"x"}))


# -- the class key: two members of a class, equal outcomes modulo identity

def _world():
    """Real pods and nodes to vary: pods awaiting admission (the kubelet
    stopped) and pods whose containers are being created, on nodes of two
    sizes, one without a pod CIDR."""
    c = kstate.Cluster(nodes=0, seed=0, cluster_cidr="10.244.0.0/23")
    for i, cpu in enumerate(("4", "4", "1")):
        c.add_node(f"node-{i}", cpu=cpu, memory="8Gi", pods=110)
    c.stop_controller(kubelet.NAME)
    docs = []
    for j, (kind, size) in enumerate([("bare", SIZES[0]), ("bare", SIZES[2]), ("tagged", SIZES[0]),
                                      ("slow", SIZES[0]), ("labelled", SIZES[0]), ("sized", SIZES[0]),
                                      ("never-ready", SIZES[0]), ("exit", SIZES[0])]):
        doc = _pod(f"w{j}", kind, size, 0)
        doc["spec"]["nodeName"] = "node-0"
        docs.append(doc)
    c.apply(docs)
    c.advance("10ms")
    scheduled = [c.get("Pod", d["metadata"]["name"]) for d in docs]
    c.start_controller(kubelet.NAME)
    c.advance("10ms")
    creating = [c.get("Pod", d["metadata"]["name"]) for d in docs]
    assert {p.status.state for p in scheduled} == {"Scheduled"}
    assert {p.status.state for p in creating} == {"ContainerCreating"}
    return c, scheduled, creating, [c.get("Node", f"node-{i}") for i in range(3)]


WORLD = _world()
PROFILES = (_profile("default"), _profile("labelled"))
IMAGES = (kubelet.NO_IMAGES, frozenset({"nginx:1.25"}), frozenset({"nginx", "redis:7"}))
ADMITTED = ((0, 0, 0), (3500, 0, 1), (3950, 0, 100), (0, 0, 109))


def _member(pod, draw, nodes):
    """Another pod like `pod`: its identity always its own, and maybe one other input changed."""
    i = draw(st.integers(0, 999))
    meta = evolve(pod.metadata, name=f"m{i}", uid=f"uid-{i}", resource_version=str(1000 + i))
    node = draw(st.sampled_from(nodes[:2] * 2 + nodes))
    spec = evolve(pod.spec, node_name=node.metadata.name)
    status = pod.status
    if status.pod_ip:
        status = evolve(status, pod_ip=f"10.244.1.{i % 250}")
    # its own node's IP once admitted (as the kubelet writes it), or the other pod's, another, none
    host = draw(st.sampled_from(("own", "own", "own", "same", "other", "")))
    if host != "same":
        own = kubelet_batch.node_host_ip(node) if status.host_ip else ""
        status = evolve(status, host_ip={"own": own, "other": "192.0.2.7"}.get(host, ""))
    change = draw(st.sampled_from(("none",) * 10 + ("labels", "annotations", "image", "requests",
                                   "state_since", "start_time", "conditions", "created")))
    if change == "labels":
        meta = evolve(meta, labels=freeze({"tier": "slow"}))
    elif change == "annotations":
        meta = evolve(meta, annotations=freeze({"kstate.io/start-after": "3s"}))
    elif change == "image":
        spec = evolve(spec, containers=tuple(evolve(c, image="nginx:1.25") for c in spec.containers))
    elif change == "requests":
        spec = evolve(spec, containers=tuple(evolve(c, resources=evolve(c.resources, requests=freeze(
            {"cpu": "2", "memory": "1Gi"}))) for c in spec.containers))
    elif change == "state_since":
        status = evolve(status, state_since=status.state_since - 500)
    elif change == "start_time":
        status = evolve(status, start_time=(status.start_time or 0) + 7)
    elif change == "conditions":
        status = evolve(status, conditions=status.conditions[:-1])
    elif change == "created":
        meta = evolve(meta, creation_timestamp=(meta.creation_timestamp or 0) + 1)
    return evolve(pod, metadata=meta, spec=spec, status=status), node


def _obs(pod, node, draw, like=None) -> KubeletObs:
    """An observation of `pod` on `node`; with `like`, mostly the same node state, profile, totals and images."""
    def pick(options, same):
        return draw(st.sampled_from(options if like is None else (same,) * 3 + options))

    alive = pick((True, True, True, False), like and like.node_alive)
    profile = pick(PROFILES, like and like.profile)
    admitted = pick(ADMITTED, like and like.admitted)
    images = pick(IMAGES, like and like.images)
    return KubeletObs(pod=pod, node=node, node_alive=alive, profile=profile,
                      admitted=admitted if pod.status.state == "Scheduled" else (0, 0, 0), images=images)


def _check_members(draw, pods):
    c, _, _, nodes = WORLD
    pod = draw(st.sampled_from(pods))
    node = nodes[0]
    if draw(st.booleans()):
        # a pod awaiting admission again after its sandbox was lost keeps its node's IP
        pod = evolve(pod, status=evolve(pod.status, host_ip=kubelet_batch.node_host_ip(node)))
    now = c.engine.now + draw(st.sampled_from((0, 1000, 2500, 4000)))
    a = _obs(pod, node, draw)
    b = _obs(*_member(pod, draw, nodes), draw, like=a)
    classes = kubelet_batch._Classes()
    keys = []
    for o in (a, b):
        assert kubelet_batch.classable(o)
        verdict = kubelet.can_admit_pod(o.pod, o.node, o.admitted) if o.pod.status.state == "Scheduled" else None
        keys.append(classes.key(o, o.images, verdict, kubelet_batch.host_ip(o.node)))
    if keys[0] != keys[1]:
        return False
    outcome = kubelet_batch._Outcome.of(a, kubelet.reconcile_kubelet(a, now), kubelet_batch.host_ip(a.node))
    if outcome is kubelet_batch._APART:
        return False
    assert outcome.result_for(b, kubelet_batch.host_ip(b.node)) == kubelet.reconcile_kubelet(b, now)
    return True


@settings(deadline=None, max_examples=200)
@given(st.data())
def test_two_pods_awaiting_admission_with_one_class_key_get_one_outcome(data):
    event("one class" if _check_members(data.draw, WORLD[1]) else "two classes")


@settings(deadline=None, max_examples=200)
@given(st.data())
def test_two_pods_being_created_with_one_class_key_get_one_outcome(data):
    event("one class" if _check_members(data.draw, WORLD[2]) else "two classes")


@pytest.mark.parametrize("pods", [1, 2], ids=["admission", "start"])
def test_pods_differing_only_in_identity_share_a_class(pods):
    """The class is not vacuous: a pod moved to an equal node under another
    name, uid and addresses has its class key and its outcome rebuilt."""
    c, _, _, nodes = WORLD
    shared = 0
    for pod in WORLD[pods]:
        draws = iter([7, nodes[1], "own", "none"])
        member, node = _member(pod, lambda strategy: next(draws), nodes)
        fixed = iter([True, PROFILES[0], (0, 0, 0), kubelet.NO_IMAGES] * 2)
        a = _obs(pod, nodes[0], lambda strategy: next(fixed))
        b = _obs(member, node, lambda strategy: next(fixed))
        classes = kubelet_batch._Classes()
        verdicts = [kubelet.can_admit_pod(o.pod, o.node, o.admitted) if pods == 1 else None for o in (a, b)]
        ka, kb = (classes.key(o, o.images, v, kubelet_batch.host_ip(o.node)) for o, v in zip((a, b), verdicts))
        assert ka == kb
        outcome = kubelet_batch._Outcome.of(a, kubelet.reconcile_kubelet(a, c.engine.now + 1000),
                                            kubelet_batch.host_ip(a.node))
        if outcome is not kubelet_batch._APART:
            shared += 1
            assert outcome.result_for(b, kubelet_batch.host_ip(b.node)) == kubelet.reconcile_kubelet(b, c.engine.now + 1000)
    assert shared >= len(WORLD[pods]) - 1       # only the pod whose pull writes the node stands apart


def test_the_recipe_fields_are_all_placed():
    """A member's actions are copies of its representative's: a field added
    to one of the copied classes must be placed (kubelet_batch.RECIPE_FIELDS)
    before the copy may carry it to every member."""
    for cls, placed in kubelet_batch.RECIPE_FIELDS.items():
        assert set(placed) == {f.name for f in attrs.fields(cls)}, cls.__name__


def test_replacing_observe_drops_the_run_observe():
    """`observe_kubelet_run` is a claim about `observe_kubelet` and no other
    observe: replacing the observe drops it, replacing the reconcile keeps it."""
    spec = CONTROLLERS[kubelet.NAME]
    assert spec.observe_batch is kubelet.observe_kubelet_run
    assert spec._replace(reconcile=kubelet.reconcile_kubelet).observe_batch is kubelet.observe_kubelet_run
    assert spec._replace(observe=kubelet.observe_kubelet).observe_batch is None
    assert spec._replace(observe=kubelet.observe_kubelet, observe_batch=len).observe_batch is len


def test_spec_and_node_facts_follow_the_objects_they_were_taken_from(monkeypatch):
    """`spec_facts` and `node_facts` outlive a batch call, memoised on
    identity: pods of one template bound to two nodes share a spec class, a
    spec that differs beyond the node's name does not, and a node written
    anew (another InternalIP, no pod CIDR) is read anew, not answered from
    the facts of the node object it replaced."""
    for memo in ("_SPECS", "_SPEC_CLASSES", "_NODES"):     # empty, so that no clearing when full interferes
        monkeypatch.setattr(kubelet_batch, memo, {})
    c, scheduled, _, nodes = WORLD
    pod = scheduled[0]
    elsewhere = evolve(pod, spec=evolve(pod.spec, node_name="node-1"))
    bigger = evolve(pod, spec=evolve(pod.spec, restart_policy="Never"))
    number = kubelet_batch.spec_facts(pod)[1]
    assert kubelet_batch.spec_facts(elsewhere)[1] == number
    assert kubelet_batch.spec_facts(bigger)[1] != number
    assert kubelet_batch.spec_facts(pod)[3] == kstate.controllers.scheduler.pod_requests(pod)
    node = nodes[0]
    assert kubelet_batch.node_facts(node)[1:] == (kubelet_batch.node_host_ip(node), True)
    moved = evolve(node, spec=evolve(node.spec, pod_cidr=""), status=evolve(node.status, addresses=tuple(
        evolve(a, address="192.0.2.99") if a.type == "InternalIP" else a for a in node.status.addresses)))
    assert kubelet_batch.node_facts(moved)[1:] == ("192.0.2.99", False)
    assert kubelet_batch.host_ip(node) == kubelet_batch.node_host_ip(node) != "192.0.2.99"


def test_a_spec_with_an_unhashable_part_is_a_class_of_its_own():
    """A spec holding a value that cannot be hashed (a type the freezing
    did not foresee) gets a class number of its own instead of raising."""
    pod = WORLD[1][0]
    odd = evolve(pod, spec=evolve(pod.spec, extra=pod.spec.extra.set("x-unforeseen", ["a list"])))
    twin = evolve(odd, spec=evolve(odd.spec))
    first, second = kubelet_batch.spec_facts(odd), kubelet_batch.spec_facts(twin)
    assert first[1] != second[1] and first[1] != kubelet_batch.spec_facts(pod)[1]
    assert kubelet_batch.spec_facts(odd) is first
