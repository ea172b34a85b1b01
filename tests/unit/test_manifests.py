"""kstate.io.manifests and kstate.io.names: loading, strict decoding, defaults,
validation with field paths, to_manifest, and round trips."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.manifest_fuzz import mutate, spec_error_or_round_trip

from kstate.errors import SpecError, UnknownFieldError
from kstate.io import (
    TIMING_ANNOTATIONS, load_documents, load_file, parse_manifests, parse_object, qos_class,
    to_camel, to_manifest, to_snake,
)
from kstate.io.names import EXCEPTIONS
from kstate.resources import (
    Affinity, Condition, Container, ContainerPort, ContainerState, ContainerStatus, Event,
    FrozenDict, Namespace, NamespaceStatus, Node, NodeAddress, NodeSelectorRequirement,
    NodeSelectorTerm, NodeSpec, NodeStatus, ObjectMeta, ObjectReference, OwnerReference, Pod,
    PodSpec, PodStatus, Probe, ResourceClaim, ResourceRequirements, Taint, Toleration,
)

DATA = Path(__file__).resolve().parent.parent / "data"
BAD = sorted((DATA / "bad").glob("*.yaml"))
GOOD = sorted((DATA / "good").glob("*.yaml"))


def pod_doc(**spec) -> dict:
    spec.setdefault("containers", [{"name": "app", "image": "nginx:1.27"}])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": spec}


def container(**kw) -> dict:
    return {"name": "app", "image": "nginx:1.27", **kw}


def error_of(value) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_manifests(value)
    return info.value


# ------------------------------------------------------------ bad corpus


def _expectation(path: Path) -> tuple[str, str | None]:
    text = path.read_text()
    m = re.search(r"^# expect(?:-path)?: ?(.*)$", text, re.M)
    assert m, f"{path.name} lacks a '# expect: <field path>' line"
    msg = re.search(r"^# message: (.*)$", text, re.M)
    return m.group(1).strip(), (msg.group(1).strip() if msg else None)


def test_bad_corpus_is_big_enough():
    assert len(BAD) >= 35


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_manifest_rejected_with_path(path: Path):
    expected_path, message = _expectation(path)
    try:
        load_file(path)
    except SpecError as exc:
        assert exc.path == expected_path, str(exc)
        assert exc.source.startswith(str(path)), exc.source
        if message is not None:
            assert message in str(exc)
    else:
        pytest.fail(f"{path.name} was accepted")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_manifest_rejected_from_text_too(path: Path):
    expected_path, _ = _expectation(path)
    with pytest.raises(SpecError) as info:
        parse_manifests(path.read_text(), source="x.yaml")
    assert info.value.path == expected_path
    assert info.value.source.startswith("x.yaml")


# ------------------------------------------------------------ loading


def test_load_documents_skips_empty_and_keeps_order():
    assert load_documents("a: 1\n---\n---\n# only a comment\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]
    assert load_documents("") == []


def test_load_documents_keeps_timestamps_and_equals_as_strings():
    docs = load_documents("a: 2024-01-01\nb: 2026-01-01T00:00:00Z\nc: =\n")
    assert docs == [{"a": "2024-01-01", "b": "2026-01-01T00:00:00Z", "c": "="}]


def test_load_documents_non_mapping_and_syntax_errors():
    with pytest.raises(SpecError, match=r"document 2 is not a mapping \(got list\)"):
        load_documents("a: 1\n---\n- x\n")
    with pytest.raises(SpecError, match=r"line 2, column"):
        load_documents("a: [1,\nb: }\n")


def test_load_documents_refuses_unsafe_tags():
    with pytest.raises(SpecError):
        load_documents("a: !!python/object/apply:os.system ['true']\n")


def test_billion_laughs_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghijk":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
        prev = name
    with pytest.raises(SpecError, match="excessive aliasing"):
        load_documents("\n".join(lines) + "\n")


def test_moderate_aliasing_is_fine():
    text = "x: &x {cpu: 1}\na: *x\nb: *x\n"
    assert load_documents(text) == [{"x": {"cpu": 1}, "a": {"cpu": 1}, "b": {"cpu": 1}}]


def test_deep_nesting_and_huge_input_are_spec_errors():
    with pytest.raises(SpecError, match="nested too deeply"):
        load_documents("a: " + "[" * 20000)
    with pytest.raises(SpecError, match="larger than"):
        load_documents("a" * (16 * 1024 * 1024 + 1))


def test_load_file_missing_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SpecError) as info:
        load_file(missing)
    assert info.value.source == str(missing)


def test_multi_document_error_names_the_document():
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n"
    )
    err = error_of(text)
    assert err.source == "<string> (document 2)"
    assert err.path == "spec.containers"


def test_parse_manifests_accepts_objects_dicts_lists_and_list_kind():
    pod = parse_object(pod_doc())
    assert parse_manifests(pod) == (pod,)
    assert parse_manifests(pod_doc()) == (pod,)
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    out = parse_manifests([ns, pod])
    assert [type(o) for o in out] == [Namespace, Pod]
    lst = {"apiVersion": "v1", "kind": "List", "items": [ns, pod_doc()]}
    assert [type(o) for o in parse_manifests(lst)] == [Namespace, Pod]
    with pytest.raises(SpecError):
        parse_manifests(42)


def test_all_or_nothing():
    good = pod_doc()
    bad = pod_doc(restartPolicy="Sometimes")
    with pytest.raises(SpecError) as info:
        parse_manifests([good, bad], source="both")
    assert info.value.source == "both (document 2)"


def test_unknown_field_error_type_and_message():
    doc = pod_doc(containers=[container(imagee="x")])
    with pytest.raises(UnknownFieldError) as info:
        parse_object(doc)
    assert info.value.path == "spec.containers[0].imagee"
    assert info.value.message == 'unknown field "spec.containers[0].imagee"'


def test_first_error_in_manifest_order_and_others_summarised():
    doc = pod_doc(restartPolicy="Sometimes", terminationGracePeriodSeconds=-1)
    err = error_of(doc)
    assert err.path == "spec.restartPolicy"
    assert "1 more error" in err.message and "terminationGracePeriodSeconds" in err.message


def test_source_is_carried():
    with pytest.raises(SpecError) as info:
        parse_object(pod_doc(restartPolicy="x"), source="web.yaml")
    assert info.value.source == "web.yaml"
    assert str(info.value).startswith("web.yaml: spec.restartPolicy: Unsupported value")


# ------------------------------------------------------------ defaults


def test_pod_defaults():
    pod = parse_object(pod_doc(containers=[
        container(image="nginx", ports=[{"containerPort": 80}],
                  readinessProbe={"httpGet": {"port": 80}}),
        container(name="b", image="nginx:latest"),
        container(name="c", image="registry:5000/nginx"),
        container(name="d", image="nginx@sha256:abc"),
        container(name="e", image="registry:5000/nginx:1.2"),
    ], tolerations=[{"key": "k", "value": "v"}]))
    assert pod.metadata.namespace == "default"
    spec = pod.spec
    assert spec.restart_policy == "Always"
    assert spec.termination_grace_period_seconds == 30
    assert spec.scheduler_name == "default-scheduler"
    assert spec.extra["dnsPolicy"] == "ClusterFirst"
    assert spec.extra["securityContext"] == {}
    assert spec.extra["enableServiceLinks"] is True
    pulls = [c.extra["imagePullPolicy"] for c in spec.containers]
    assert pulls == ["Always", "Always", "Always", "IfNotPresent", "IfNotPresent"]
    c0 = spec.containers[0]
    assert c0.extra["terminationMessagePath"] == "/dev/termination-log"
    assert c0.extra["terminationMessagePolicy"] == "File"
    assert c0.ports[0].protocol == "TCP"
    probe = c0.readiness_probe
    assert (probe.period_seconds, probe.timeout_seconds, probe.success_threshold,
            probe.failure_threshold, probe.initial_delay_seconds) == (10, 1, 1, 3, 0)
    assert probe.handler["httpGet"] == {"port": 80, "path": "/", "scheme": "HTTP"}
    assert spec.tolerations[0].operator == "Equal"


def test_limits_default_requests_and_qos():
    pod = parse_object(pod_doc(containers=[container(resources={"limits": {"cpu": "1", "memory": "1Gi"}})]))
    assert pod.spec.containers[0].resources.requests == {"cpu": "1", "memory": "1Gi"}
    assert qos_class(pod.spec) == "Guaranteed"
    burst = parse_object(pod_doc(containers=[container(resources={"requests": {"cpu": 0.5}})]))
    assert burst.spec.containers[0].resources.requests == {"cpu": "0.5"}
    assert qos_class(burst.spec) == "Burstable"
    assert qos_class(parse_object(pod_doc()).spec) == "BestEffort"


def test_explicit_values_are_kept():
    pod = parse_object(pod_doc(restartPolicy="Never", terminationGracePeriodSeconds=0,
                               dnsPolicy="Default", enableServiceLinks=False,
                               containers=[container(imagePullPolicy="Never")]))
    assert pod.spec.restart_policy == "Never"
    assert pod.spec.termination_grace_period_seconds == 0
    assert pod.spec.extra["dnsPolicy"] == "Default"
    assert pod.spec.extra["enableServiceLinks"] is False
    assert pod.spec.containers[0].extra["imagePullPolicy"] == "Never"


def test_null_means_unset():
    doc = pod_doc(restartPolicy=None, nodeSelector=None)
    doc["metadata"]["labels"] = None
    doc["metadata"]["creationTimestamp"] = None
    pod = parse_object(doc)
    assert pod.spec.restart_policy == "Always" and pod.metadata.labels == {}


def test_node_defaults():
    node = parse_object({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
                         "spec": {"podCIDR": "10.244.1.0/24"},
                         "status": {"capacity": {"cpu": 4, "memory": "8Gi"}}})
    assert node.status.capacity == {"cpu": "4", "memory": "8Gi", "pods": "110"}
    assert node.status.allocatable == node.status.capacity
    assert node.spec.pod_cidrs == ("10.244.1.0/24",)
    assert node.metadata.namespace == ""


def test_cluster_scoped_namespace_cleared_and_namespace_label():
    ns = parse_object({"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": "shop", "namespace": "whatever"}})
    assert ns.metadata.namespace == ""
    assert ns.metadata.labels["kubernetes.io/metadata.name"] == "shop"
    assert ns.status == NamespaceStatus("Active")


def test_metadata_server_fields_accepted():
    doc = pod_doc()
    doc["metadata"].update(resourceVersion="7", uid="u-1", generation=2,
                           creationTimestamp="2026-01-01T00:00:05Z", selfLink="/x",
                           managedFields=[{"manager": "kubectl"}])
    pod = parse_object(doc)
    assert pod.metadata.resource_version == "7"
    assert pod.metadata.creation_timestamp == 1767225605000
    assert pod.metadata.generation == 2


def test_timing_annotations():
    assert TIMING_ANNOTATIONS == {
        "kstate.io/start-after", "kstate.io/ready-after", "kstate.io/exit-after",
        "kstate.io/init-duration", "kstate.io/stop-after", "kstate.io/exit-code",
        "kstate.io/never-ready", "kstate.io/sidecar-exit-after", "kstate.io/sidecar-exit-code",
        "kstate.io/startup-takes", "kstate.io/readiness-fails-after", "kstate.io/liveness-fails-after",
        "kstate.io/pre-stop-takes", "kstate.io/sigterm-exit-code", "kstate.io/image-size",
    }
    doc = pod_doc()
    doc["metadata"]["annotations"] = {"kstate.io/init-duration": "1m", "kstate.io/stop-after": "0",
                                      "kstate.io/exit-code": "255", "kstate.io/never-ready": "true"}
    parse_object(doc)
    doc["metadata"]["annotations"] = {"kstate.io/stop-after": "1x"}
    err = error_of(doc)
    assert err.path == "metadata.annotations[kstate.io/stop-after]"
    doc["metadata"]["annotations"] = {"kstate.io/image-size": "512Mi"}
    parse_object(doc)
    for bad in ("-1", "big"):
        doc["metadata"]["annotations"] = {"kstate.io/image-size": bad}
        assert error_of(doc).path == "metadata.annotations[kstate.io/image-size]"


@pytest.mark.parametrize("mutate, path", [
    (lambda d: d["spec"]["containers"][0].update(ports=[{"containerPort": 80, "name": "http"},
                                                        {"containerPort": 81, "name": "http"}]),
     "spec.containers[0].ports[1].name"),
    (lambda d: d["spec"].update(hostNetwork="yes"), "spec.hostNetwork"),
    (lambda d: d["spec"]["containers"][0].update(restartPolicy="Always"),
     "spec.containers[0].restartPolicy"),
    (lambda d: d["spec"].update(initContainers=[
        container(name="i", readinessProbe={"exec": {"command": ["x"]}})]),
     "spec.initContainers[0].readinessProbe"),
    (lambda d: d["spec"]["containers"][0].update(readinessProbe={"periodSeconds": 3}),
     "spec.containers[0].readinessProbe"),
    (lambda d: d["spec"].update(affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"),
    (lambda d: d["spec"].update(affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}]}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
     ".nodeSelectorTerms[0].matchExpressions[0].values"),
    (lambda d: d["spec"].update(affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "a", "operator": "Lt", "values": ["x"]}]}]}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
     ".nodeSelectorTerms[0].matchExpressions[0].values[0]"),
    (lambda d: d["spec"].update(tolerations=[{"key": "a", "operator": "Maybe"}]),
     "spec.tolerations[0].operator"),
    (lambda d: d["metadata"].update(annotations={"a b": "x"}), "metadata.annotations"),
    (lambda d: d["metadata"].update(annotations={"big": "x" * (256 * 1024)}), "metadata.annotations"),
    (lambda d: d["spec"]["containers"][0].update(resources={"requests": {"example.com/gpu": "1.5"},
                                                            "limits": {"example.com/gpu": "1.5"}}),
     "spec.containers[0].resources.requests[example.com/gpu]"),
    (lambda d: d["spec"]["containers"][0].update(resources={"requests": {"example.com/gpu": "1"},
                                                            "limits": {"example.com/gpu": "2"}}),
     "spec.containers[0].resources.requests"),
    (lambda d: d["spec"]["containers"][0].update(resources={"requests": {"cpu": True}}),
     "spec.containers[0].resources.requests[cpu]"),
    (lambda d: d["spec"]["containers"][0].update(resources={"claims": [{"name": "Bad_Name"}]}),
     "spec.containers[0].resources.claims[0].name"),
    (lambda d: d["metadata"].update(creationTimestamp="yesterday"), "metadata.creationTimestamp"),
    (lambda d: d["metadata"].update(ownerReferences=[{"kind": "ReplicaSet", "name": "x", "uid": "u"}]),
     "metadata.ownerReferences[0].apiVersion"),
    (lambda d: d["spec"].update(priority=2**40), "spec.priority"),
    (lambda d: d["spec"].update(terminationGracePeriodSeconds=True), "spec.terminationGracePeriodSeconds"),
    (lambda d: d.update(apiVersion=None), "apiVersion"),
    (lambda d: d.update(kind=["Pod"]), "kind"),
])
def test_more_validation(mutate, path):
    doc = pod_doc()
    mutate(doc)
    assert error_of(doc).path == path


def test_node_validation():
    base = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}
    for spec, path in [
        ({"podCIDRs": ["10.0.0.0/24", "10.1.0.0/24"]}, "spec.podCIDRs"),
        ({"podCIDR": "10.0.0.0/24", "podCIDRs": ["10.1.0.0/24"]}, "spec.podCIDRs"),
        ({"podCIDR": "10.0.0.1"}, "spec.podCIDR"),
        ({"taints": [{"key": "bad key", "effect": "NoSchedule"}]}, "spec.taints[0].key"),
        ({"taints": [{"key": "a"}]}, "spec.taints[0].effect"),
        ({"unschedulable": "yes"}, "spec.unschedulable"),
    ]:
        assert error_of({**base, "spec": spec}).path == path
    assert error_of({**base, "status": {"capacity": {"bogus": "1"}}}).path == "status.capacity[bogus]"
    dual = parse_object({**base, "spec": {"podCIDRs": ["10.0.0.0/24", "fd00::/64"]}})
    assert dual.spec.pod_cidr == "10.0.0.0/24"


# ------------------------------------------------------------ to_manifest


def test_to_manifest_exact_small_pod():
    pod = parse_object({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                 "ports": [{"containerPort": 80}],
                                 "resources": {"requests": {"cpu": "100m"}}}]},
    })
    pod = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, uid="u1", creation_timestamp=5500),
                       status=PodStatus(
                           phase="Running", pod_ip="10.244.0.2", host_ip="192.168.0.10",
                           start_time=1000,
                           conditions=(Condition("Ready", "True", last_transition_time=3000),),
                           container_statuses=(ContainerStatus(
                               name="app", image="nginx:1.27", ready=True, started=True,
                               state=ContainerState(kind="running", started_at=2000)),),
                           state="Running", state_since=2000))
    assert to_manifest(pod) == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "uid": "u1",
                     "creationTimestamp": "1970-01-01T00:00:05Z", "labels": {"app": "web"}},
        "spec": {
            "containers": [{
                "name": "app",
                "image": "nginx:1.27",
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "100m"}},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent",
            }],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "securityContext": {},
            "schedulerName": "default-scheduler",
            "enableServiceLinks": True,
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": None,
                            "lastTransitionTime": "1970-01-01T00:00:03Z"}],
            "hostIP": "192.168.0.10",
            "hostIPs": [{"ip": "192.168.0.10"}],
            "podIP": "10.244.0.2",
            "podIPs": [{"ip": "10.244.0.2"}],
            "startTime": "1970-01-01T00:00:01Z",
            "containerStatuses": [{
                "name": "app",
                "state": {"running": {"startedAt": "1970-01-01T00:00:02Z"}},
                "lastState": {},
                "ready": True,
                "restartCount": 0,
                "image": "nginx:1.27",
                "started": True,
            }],
            "qosClass": "Burstable",
        },
    }


def test_to_manifest_waiting_and_terminated_states():
    s = ContainerStatus(name="a", state=ContainerState(kind="waiting", reason="CrashLoopBackOff"),
                        last_state=ContainerState(kind="terminated", exit_code=1, reason="Error",
                                                  started_at=1000, finished_at=2000))
    pod = Pod(metadata=ObjectMeta(name="p", namespace="default"),
              spec=PodSpec(containers=(Container(name="a", image="x"),)),
              status=PodStatus(container_statuses=(s,)))
    out = to_manifest(pod)["status"]["containerStatuses"][0]
    assert out["state"] == {"waiting": {"reason": "CrashLoopBackOff"}}
    assert out["lastState"] == {"terminated": {"exitCode": 1, "reason": "Error",
                                               "startedAt": "1970-01-01T00:00:01Z",
                                               "finishedAt": "1970-01-01T00:00:02Z"}}


def test_to_manifest_node_namespace_event():
    node = Node(metadata=ObjectMeta(name="n1", labels=FrozenDict({"a": "b"})),
                spec=NodeSpec(pod_cidr="10.244.0.0/24", unschedulable=True,
                              taints=(Taint("node.kubernetes.io/unschedulable", "NoSchedule",
                                            time_added=0),)),
                status=NodeStatus(capacity=FrozenDict({"cpu": "2", "pods": "110"}),
                                  conditions=(Condition("Ready", "True", last_heartbeat_time=0,
                                                        last_transition_time=0),),
                                  addresses=(NodeAddress("InternalIP", "10.0.0.1"),),
                                  state="Ready", last_heartbeat=123))
    m = to_manifest(node)
    assert m["spec"] == {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"],
                         "unschedulable": True,
                         "taints": [{"key": "node.kubernetes.io/unschedulable",
                                     "effect": "NoSchedule", "timeAdded": "1970-01-01T00:00:00Z"}]}
    assert "state" not in m["status"] and "lastHeartbeat" not in m["status"]
    assert m["status"]["conditions"][0]["lastHeartbeatTime"] == "1970-01-01T00:00:00Z"
    assert "namespace" not in m["metadata"]
    ns = to_manifest(Namespace(metadata=ObjectMeta(name="shop")))
    assert ns["status"] == {"phase": "Active"} and ns["kind"] == "Namespace"
    ev = Event(metadata=ObjectMeta(name="p.1", namespace="default"),
               involved_object=ObjectReference(kind="Pod", name="p", namespace="default", uid="u"),
               reason="Scheduled", message="assigned", source="default-scheduler",
               first_timestamp=0, last_timestamp=2000, count=2)
    e = to_manifest(ev)
    assert e["involvedObject"] == {"kind": "Pod", "namespace": "default", "name": "p", "uid": "u"}
    assert e["source"] == {"component": "default-scheduler"}
    assert (e["count"], e["type"], e["lastTimestamp"]) == (2, "Normal", "1970-01-01T00:00:02Z")
    for obj in (m, ns, e):
        json.dumps(obj)


def test_to_manifest_owner_references_and_programmatic_objects():
    meta = ObjectMeta(name="p", namespace="ns", owner_references=(
        OwnerReference("apps/v1", "ReplicaSet", "rs", "u", controller=True,
                       block_owner_deletion=True),))
    pod = Pod(metadata=meta, spec=PodSpec(
        containers=(Container(name="a", image="x", resources=ResourceRequirements(
            requests=FrozenDict({"cpu": "1"})),
            readiness_probe=Probe(handler=FrozenDict({"tcpSocket": FrozenDict({"port": 80})}))),),
        affinity=Affinity(required_node_terms=(NodeSelectorTerm(match_fields=(
            NodeSelectorRequirement("metadata.name", "In", ("n1",)),)),)),
        tolerations=(Toleration(operator="Exists"),)))
    m = to_manifest(pod)
    assert m["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u",
        "controller": True, "blockOwnerDeletion": True}]
    assert m["spec"]["affinity"] == {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                "values": ["n1"]}]}]}}}
    assert m["spec"]["tolerations"] == [{"operator": "Exists"}]
    json.dumps(m)
    # A programmatic object becomes a fixed point after one parse.
    again = to_manifest(parse_object(m))
    assert to_manifest(parse_object(again)) == again


# ------------------------------------------------------------ round trips


def _without_internal(obj):
    if isinstance(obj, Pod):
        return attrs.evolve(obj, status=attrs.evolve(obj.status, state="Pending", state_since=None))
    if isinstance(obj, Node):
        return attrs.evolve(obj, status=attrs.evolve(obj.status, state="Ready", state_since=None,
                                                     last_heartbeat=None))
    return obj


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_good_manifests_round_trip(path: Path):
    objs = load_file(path)
    assert objs
    for obj in objs:
        manifest = to_manifest(obj)
        json.dumps(manifest)
        again = parse_object(manifest)
        assert again == _without_internal(obj)
        assert to_manifest(again) == manifest


def test_good_pod_full_is_fully_typed():
    (pod,) = load_file(DATA / "good" / "pod-full.yaml")
    spec = pod.spec
    assert [c.name for c in spec.init_containers] == ["migrate", "log-shipper"]
    assert spec.init_containers[1].restart_policy == "Always"
    app = spec.containers[0]
    assert app.liveness_probe.handler["terminationGracePeriodSeconds"] == 10
    assert app.startup_probe.failure_threshold == 30
    assert app.extra["env"][0] == {"name": "MODE", "value": "production"}
    assert "volumes" in spec.extra and "topologySpreadConstraints" in spec.extra
    assert spec.affinity.required_node_terms[0].match_expressions[1] == NodeSelectorRequirement(
        "node.example.com/cores", "Gt", ("4",))
    assert set(spec.affinity.extra) == {"nodeAffinity", "podAntiAffinity"}
    assert spec.tolerations[1].toleration_seconds == 60
    assert spec.readiness_gates == ("example.com/feature-ready",)


def test_status_round_trip_with_internal_fields():
    (pod,) = load_file(DATA / "good" / "pod-status.yaml")
    assert pod.status.phase == "Running" and pod.status.pod_ip == "10.244.1.2"
    assert pod.status.container_statuses[0].last_state.exit_code == 137
    running = attrs.evolve(pod, status=attrs.evolve(pod.status, state="Running", state_since=5))
    assert parse_object(to_manifest(running)) == pod


def test_manifest_input_is_not_mutated():
    doc = pod_doc(containers=[container(readinessProbe={"httpGet": {"port": 80}})])
    before = copy.deepcopy(doc)
    parse_object(doc)
    assert doc == before


# ------------------------------------------------------------ names


def _all_field_names() -> set[str]:
    classes = [Affinity, Condition, Container, ContainerPort, ContainerState, ContainerStatus,
               Event, Namespace, NamespaceStatus, Node, NodeAddress, NodeSelectorRequirement,
               NodeSelectorTerm, NodeSpec, NodeStatus, ObjectMeta, ObjectReference,
               OwnerReference, Pod, PodSpec, PodStatus, Probe, ResourceClaim, ResourceRequirements,
               Taint, Toleration]
    return {f.name for cls in classes for f in attrs.fields(cls)}


def test_names_round_trip_every_resource_field():
    for name in _all_field_names():
        assert to_snake(to_camel(name)) == name, name


@pytest.mark.parametrize("camel, snake", [
    ("podCIDR", "pod_cidr"), ("podCIDRs", "pod_cidrs"), ("podIP", "pod_ip"), ("podIPs", "pod_ips"),
    ("hostIP", "host_ip"), ("clusterIP", "cluster_ip"), ("clusterIPs", "cluster_ips"),
    ("externalIPs", "external_ips"), ("loadBalancerIP", "load_balancer_ip"),
    ("containerID", "container_id"), ("providerID", "provider_id"), ("nodeName", "node_name"),
    ("apiVersion", "api_version"), ("terminationGracePeriodSeconds",
                                    "termination_grace_period_seconds"),
    ("uid", "uid"), ("lastHeartbeatTime", "last_heartbeat_time"),
    ("blockOwnerDeletion", "block_owner_deletion"),
])
def test_names_pairs(camel, snake):
    assert to_snake(camel) == snake
    assert to_camel(snake) == camel


def test_names_exceptions_are_bijective():
    for camel, snake in EXCEPTIONS.items():
        assert to_camel(to_snake(camel)) == camel
        assert to_snake(to_camel(snake)) == snake


# ------------------------------------------------------------ properties

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)

_KEYS = ["apiVersion", "kind", "metadata", "spec", "status", "name", "namespace", "labels",
         "annotations", "containers", "initContainers", "image", "ports", "containerPort",
         "resources", "requests", "limits", "cpu", "memory", "readinessProbe", "httpGet",
         "tolerations", "affinity", "nodeAffinity", "taints", "effect", "capacity", "podCIDR",
         "key", "operator", "values", "env", "restartPolicy", "kstate.io/exit-code", "claims"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_random_json_raises_only_spec_error(value):
    try:
        parse_object(value)
    except SpecError:
        pass


_SEED_DOCS = [to_manifest(o) for p in GOOD for o in load_file(p)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_manifests_raise_only_spec_error(data):
    spec_error_or_round_trip(mutate(data, st, _SEED_DOCS, _KEYS, json_values))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200)
       | st.lists(st.sampled_from(["a:", " b", "- ", "&x ", "*x", "[", "]", "{", "}", ",",
                                   "\n", "---\n", "!!int ", "'", '"', ":", "? ", "<<: ",
                                   "1", "null", "~", "|", ">", "#", "\t", "kind: Pod\n"]),
                  max_size=40).map("".join))
def test_random_text_raises_only_spec_error(text):
    try:
        load_documents(text)
        parse_manifests(text)
    except SpecError:
        pass


def test_pod_template_helpers():
    from kstate.io import parse_pod_template, pod_template_to_manifest
    tmpl = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}
    meta, spec = parse_pod_template(tmpl)
    assert meta.name == "" and meta.namespace == "" and meta.labels == {"app": "web"}
    assert spec.restart_policy == "Always"
    out = pod_template_to_manifest(meta, spec)
    assert out["metadata"] == {"labels": {"app": "web"}}
    assert parse_pod_template(out) == (meta, spec)
    with pytest.raises(SpecError) as info:
        parse_pod_template({"metadata": {}, "spec": {"containers": [{"name": "app"}]}})
    assert info.value.path == "spec.template.spec.containers[0].image"
    with pytest.raises(SpecError) as info:
        parse_pod_template({"metadata": {}})
    assert info.value.path == "spec.template.spec.containers"


# ------------------------------------------------------------ pod-level resources


def test_pod_level_resources_are_stored_and_round_trip():
    doc = pod_doc(resources={"requests": {"cpu": "500m"}, "limits": {"cpu": 1, "memory": "1Gi"}})
    pod = parse_object(doc)
    assert pod.spec.resources == ResourceRequirements(requests=FrozenDict({"cpu": "500m"}),
                                                      limits=FrozenDict({"cpu": "1", "memory": "1Gi"}))
    spec = to_manifest(pod)["spec"]
    assert spec["resources"] == {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}
    assert list(spec).index("resources") > list(spec).index("schedulerName")
    assert parse_object(to_manifest(pod)) == pod
    # Stored as given: no defaultPodRequests (requests from limits or from the containers).
    limits_only = parse_object(pod_doc(resources={"limits": {"memory": "1Gi"}}))
    assert limits_only.spec.resources == ResourceRequirements(limits=FrozenDict({"memory": "1Gi"}))
    assert to_manifest(limits_only)["spec"]["resources"] == {"limits": {"memory": "1Gi"}}
    empty = parse_object(pod_doc(resources={}))
    assert empty.spec.resources == ResourceRequirements()
    assert to_manifest(empty)["spec"]["resources"] == {}
    unset = parse_object(pod_doc(resources=None))
    assert unset.spec.resources is None and "resources" not in to_manifest(unset)["spec"]


@pytest.mark.parametrize("resources, path, message", [
    ({"requests": {"ephemeral-storage": "1Gi"}}, "spec.resources.requests[ephemeral-storage]",
     'Unsupported value: "ephemeral-storage": supported values: "cpu", "memory"'),
    ({"limits": {"cpu": "1", "example.com/gpu": 1}}, "spec.resources.limits[example.com/gpu]",
     'Unsupported value: "example.com/gpu": supported values: "cpu", "memory"'),
    ({"limits": {"hugepages-2Mi": "2Mi"}}, "spec.resources.limits[hugepages-2Mi]",
     'Unsupported value: "hugepages-2Mi": supported values: "cpu", "memory"'),
    ({"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}, "spec.resources.requests",
     'Invalid value: "2": must be less than or equal to cpu limit of 1'),
    ({"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi", "cpu": "1"}}, "spec.resources.requests",
     'Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi'),
    ({"requests": {"memory": "-1Gi"}}, "spec.resources.requests[memory]",
     'Invalid value: "-1Gi": must be greater than or equal to 0'),
    ({"limits": {"cpu": "lots"}}, "spec.resources.limits[cpu]", None),
    ({"requests": {"cpu": True}}, "spec.resources.requests[cpu]", None),
    ({"requests": ["cpu"]}, "spec.resources.requests", 'Invalid value: [...]: must be a mapping'),
    ({"request": {"cpu": "1"}}, "spec.resources.request", 'unknown field "spec.resources.request"'),
    ("1 cpu", "spec.resources", 'Invalid value: "1 cpu": must be a mapping'),
])
def test_pod_level_resources_validation(resources, path, message):
    err = error_of(pod_doc(resources=resources))
    assert err.path == path
    if message is not None:
        assert err.message == message


def test_pod_level_resources_in_a_template_and_the_template_hash():
    from kstate.controllers.deployment_util import compute_hash
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
           "spec": {"selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [container()]}}}}
    plain = parse_object(copy.deepcopy(dep))
    dep["spec"]["template"]["spec"]["resources"] = {"limits": {"cpu": "2"}}
    sized = parse_object(copy.deepcopy(dep))
    assert sized.spec.template.spec.resources == ResourceRequirements(limits=FrozenDict({"cpu": "2"}))
    assert to_manifest(sized)["spec"]["template"]["spec"]["resources"] == {"limits": {"cpu": "2"}}
    # Set, it is hashed (a new ReplicaSet); unset, it is left out (tests/golden keeps every old name).
    assert compute_hash(sized.spec.template, None) != compute_hash(plain.spec.template, None)
    dep["spec"]["template"]["spec"]["resources"] = {"limits": {"storage": "1Gi"}}
    assert error_of(dep).path == "spec.template.spec.resources.limits[storage]"


# ------------------------------------------------------------ resource claims


def test_container_resource_claims_are_stored_and_round_trip():
    claims = [{"name": "gpu"}, {"name": "gpu", "request": "big"}, {"name": "fpga-1", "request": ""}]
    pod = parse_object(pod_doc(containers=[container(resources={"limits": {"cpu": "1"}, "claims": claims})]))
    res = pod.spec.containers[0].resources
    assert res.claims == (ResourceClaim("gpu"), ResourceClaim("gpu", "big"), ResourceClaim("fpga-1"))
    assert res.requests == {"cpu": "1"} and res.limits == {"cpu": "1"}
    assert to_manifest(pod)["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "1"}, "requests": {"cpu": "1"},
        "claims": [{"name": "gpu"}, {"name": "gpu", "request": "big"}, {"name": "fpga-1"}]}
    assert parse_object(to_manifest(pod)) == pod
    assert parse_object(pod_doc(containers=[container(resources={"claims": []})])) \
        .spec.containers[0].resources == ResourceRequirements()
    assert "claims" not in to_manifest(parse_object(pod_doc()))["spec"]["containers"][0]["resources"]


@pytest.mark.parametrize("claims, path, message", [
    ([{"name": "Bad_Name"}], "spec.containers[0].resources.claims[0].name", None),
    ([{"name": "ok"}, {"name": ""}], "spec.containers[0].resources.claims[1]", "Required value"),
    ([{"request": "big"}], "spec.containers[0].resources.claims[0]", "Required value"),
    ([{"name": "ok", "request": 1}], "spec.containers[0].resources.claims[0].request",
     "Invalid value: 1: must be a string"),
    ([{"name": "ok", "device": "x"}], "spec.containers[0].resources.claims[0].device",
     'unknown field "spec.containers[0].resources.claims[0].device"'),
    (["gpu"], "spec.containers[0].resources.claims[0]", 'Invalid value: "gpu": must be a mapping'),
    ({"name": "gpu"}, "spec.containers[0].resources.claims", "Invalid value: {...}: must be a list"),
])
def test_container_resource_claims_validation(claims, path, message):
    err = error_of(pod_doc(containers=[container(resources={"claims": claims})]))
    assert err.path == path
    if message is not None:
        assert err.message == message


def test_pod_level_resources_may_not_have_claims():
    err = error_of(pod_doc(resources={"limits": {"cpu": "1"}, "claims": [{"name": "gpu"}]}))
    assert (err.path, err.message) == (
        "spec.resources.claims", "Forbidden: claims may not be set for Resources at pod-level")
    assert error_of(pod_doc(resources={"claims": []})).path == "spec.resources.claims"
    assert parse_object(pod_doc(resources={"claims": None})).spec.resources == ResourceRequirements()


@pytest.mark.parametrize("ann,value,message", [
    ("kstate.io/sidecar-exit-after", "soon", "Invalid value"),
    ("kstate.io/sidecar-exit-code", "256", "must be an integer between 0 and 255"),
    ("controller.kubernetes.io/pod-deletion-cost", "+10", "must be a 32bit integer"),
    ("controller.kubernetes.io/pod-deletion-cost", "2147483648", "must be a 32bit integer"),
])
def test_pod_specific_annotations_are_validated(ann, value, message):
    """ValidatePodSpecificAnnotations (pod-deletion-cost) and kstate's sidecar
    timing annotations, on a pod and on a pod template."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {ann: value}},
           "spec": {"containers": [{"name": "app", "image": "nginx"}]}}
    with pytest.raises(SpecError) as e:
        parse_object(pod)
    assert e.value.path == f"metadata.annotations[{ann}]" and message in e.value.message
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "r"},
          "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
              "metadata": {"labels": {"a": "b"}, "annotations": {ann: value}}, "spec": pod["spec"]}}}
    with pytest.raises(SpecError) as e:
        parse_object(rs)
    assert e.value.path == f"spec.template.metadata.annotations[{ann}]"


def test_valid_deletion_cost_is_accepted():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {
        "controller.kubernetes.io/pod-deletion-cost": "-008"}}, "spec": {"containers": [{"name": "a", "image": "x"}]}}
    assert parse_object(pod).metadata.annotations["controller.kubernetes.io/pod-deletion-cost"] == "-008"
