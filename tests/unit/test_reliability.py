"""Regressions of issue 13 ("Reliability"): each test fails before its fix."""
import pytest

import kstate

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
       "spec": {"containers": [{"name": "app", "image": "nginx"}]}}


def _pod(**meta):
    doc = {**POD, "metadata": {**POD["metadata"], **meta}}
    return doc


# -- item 6: a client-supplied uid is ignored on create (FillObjectMetaSystemFields)

def test_client_uid_is_ignored_on_create():
    c = kstate.Cluster(nodes=1, seed=0)
    pod = c.apply(_pod(uid="11111111-1111-1111-1111-111111111111"))
    assert pod.metadata.uid and pod.metadata.uid != "11111111-1111-1111-1111-111111111111"
    # two objects claiming the same uid get distinct ones
    other = c.apply(_pod(name="web2", uid="11111111-1111-1111-1111-111111111111"))
    assert other.metadata.uid != pod.metadata.uid


# -- item 7: deletionTimestamp / deletionGracePeriodSeconds ignored on create (BeforeCreate)

def test_client_deletion_timestamp_is_ignored_on_create():
    c = kstate.Cluster(nodes=1, seed=0)
    pod = c.apply(_pod(deletionTimestamp="2026-01-01T00:00:00Z", deletionGracePeriodSeconds=0))
    assert pod.metadata.deletion_timestamp is None
    assert pod.metadata.deletion_grace_period_seconds is None
    c.run_until_stable()
    assert c.get("pod", "web").status.phase == "Running"


# -- item 11: operations validate their arguments before changing anything

def test_drain_validates_grace_period_before_cordoning():
    c = kstate.Cluster(nodes=1, seed=0)
    before = c.snapshot()
    with pytest.raises(kstate.SpecError) as e:
        c.drain("node-0", grace_period="x")
    assert e.value.path == "gracePeriodSeconds"
    assert c.snapshot() == before
    assert not c.get("node", "node-0").spec.unschedulable


def test_add_node_with_a_taken_name_is_already_exists():
    c = kstate.Cluster(nodes=1, seed=0)
    before = c.snapshot()
    with pytest.raises(kstate.AlreadyExists):
        c.add_node("node-0", labels={"a": "b"}, cpu="8")
    assert c.snapshot() == before


# -- item 12: bad arguments are SpecErrors with a path, never raw exceptions

@pytest.mark.parametrize("snap,path", [
    ({}, "snapshot.format"),
    ({"format": 1}, "snapshot.profile"),
    ([], "snapshot"),
    ("x", "snapshot"),
])
def test_restore_of_a_non_snapshot_is_a_spec_error(snap, path):
    with pytest.raises(kstate.SpecError) as e:
        kstate.Cluster.restore(snap)
    assert e.value.path == path


def test_restore_of_a_truncated_or_edited_snapshot_is_a_spec_error():
    snap = kstate.Cluster(nodes=1).snapshot()
    for broken in ({k: v for k, v in list(snap.items())[:3]}, {**snap, "engine": {}},
                   {**snap, "objects": [1, 2]}, {**snap, "engine": "x"}):
        with pytest.raises(kstate.SpecError) as e:
            kstate.Cluster.restore(broken)
        assert e.value.path.startswith("snapshot")


@pytest.mark.parametrize("kwargs,path", [
    ({"nodes": None}, "nodes"),
    ({"nodes": 1.5}, "nodes"),
    ({"nodes": 100_001}, "nodes"),
    ({"cluster_cidr": "x"}, "cluster_cidr"),
    ({"cluster_cidr": 5}, "cluster_cidr"),
    ({"node_cidr_mask": 40}, "node_cidr_mask"),
    ({"node_cidr_mask": 8}, "node_cidr_mask"),
    ({"node_cidr_mask": "24"}, "node_cidr_mask"),
    ({"start": 10**20}, "start"),
])
def test_cluster_arguments_are_checked(kwargs, path):
    with pytest.raises(kstate.SpecError) as e:
        kstate.Cluster(**{"nodes": 0, **kwargs})
    assert e.value.path == path


def test_operation_arguments_are_checked_and_change_nothing():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(POD)
    c.run_until_stable()
    before = c.snapshot()
    for call, path in [
        (lambda: c.add_node(labels=["a"]), "metadata.labels"),
        (lambda: c.add_node(taints="x"), "spec.taints"),
        (lambda: c.list("pods", selector=5), "selector"),
        (lambda: c.list("pods", selector={"a": ["x"]}), "selector.a"),
        (lambda: c.list("pods", selector={"a b": "x"}), "selector"),
        (lambda: c.crash_container("web", exit_code="boom"), "exitCode"),
        (lambda: c.crash_container("web", exit_code=2**40), "exitCode"),
        (lambda: c.advance(10**20), "duration"),
    ]:
        with pytest.raises(kstate.SpecError) as e:
            call()
        assert e.value.path == path
        assert c.snapshot() == before


def test_times_past_year_9999_do_not_overflow():
    from kstate.io import to_manifest
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(POD)
    c.run_until_stable()
    with pytest.raises(kstate.SpecError):
        c.delete("pod", "web", grace_period=2**63)
    c.delete("pod", "web", grace_period=2**63 - 1)
    assert to_manifest(c.get("pod", "web"))["metadata"]["deletionTimestamp"] == "9999-12-31T23:59:59Z"
    c.run_until_stable("1000000h")
    assert c.now.year == 2026


@pytest.mark.parametrize("mutate,path", [
    (lambda r: r[3]["exit-code"].update(default="x"), "rules[3].exit-code.default"),
    (lambda r: r[0].update(fire=[1]), "rules[0].fire"),
    (lambda r: r[0].update(select={"labels": ["a"]}), "rules[0].select.labels"),
    (lambda r: r[0].update(select={"image": 5}), "rules[0].select.image"),
    (lambda r: r[0].update(name=["x"]), "rules[0].name"),
])
def test_malformed_timing_profiles_are_spec_errors(mutate, path):
    import copy
    from kstate.io.profile import load_profile
    from kstate.io.yamlio import load_documents
    from kstate.io.profile import PROFILE_DIR
    import os
    base = load_documents(open(os.path.join(PROFILE_DIR, "default.yaml")).read(), "p")[0]
    data = copy.deepcopy(base)
    mutate(data["rules"])
    with pytest.raises(kstate.SpecError) as e:
        load_profile(data)
    assert e.value.path == path


# -- item 4: bounds (int32 replicas, node count, run length, long runs cheap)

RS = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs"},
      "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "rs"}},
               "template": {"metadata": {"labels": {"app": "rs"}},
                            "spec": {"containers": [{"name": "a", "image": "x"}]}}}}


def test_scale_is_bounded_to_int32():
    c = kstate.Cluster(nodes=0, seed=0)
    c.apply(RS)
    before = c.snapshot()
    with pytest.raises(kstate.SpecError) as e:
        c.scale("rs", "rs", 2**31)
    assert e.value.path == "spec.replicas"
    assert c.snapshot() == before


def test_scenario_scale_and_nodes_are_bounded():
    import yaml
    from kstate.io.scenario import parse_scenario

    def parse_scenario_text(text):
        return parse_scenario(yaml.safe_load(text))
    base = "name: x\nrun: {until: 1s}\n"
    with pytest.raises(kstate.SpecError) as e:
        parse_scenario_text(base + "cluster: {nodes: 100001}\n")
    assert e.value.path == "cluster.nodes"
    with pytest.raises(kstate.SpecError) as e:
        parse_scenario_text(base + "timeline:\n  - at: 0s\n    scale: {kind: rs, name: rs, replicas: 2147483648}\n")
    assert e.value.path.endswith("replicas")


def test_until_override_is_bounded_and_lazy(tmp_path):
    from kstate.io.scenario import load_scenario
    sc = load_scenario("specs/scenarios/crash-loop.yaml")
    with pytest.raises(kstate.SpecError) as e:
        sc.with_overrides(until=1_000_000 * 3_600_000)
    assert e.value.path == "--until"


def test_long_quiet_runs_skip_idle_steps():
    """A pod that runs and does nothing: 11 days in 1 s steps is ~1M check
    points, nearly all idle; the runner skips the idle ones."""
    import time
    import yaml
    from kstate.io.scenario import parse_scenario, run_scenario
    sc = parse_scenario(yaml.safe_load(
        "name: idle\ncluster: {nodes: 1}\nrun: {until: 270h, step: 1s}\nmanifests:\n"
        "  - {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x}]}}\n"))
    t0 = time.perf_counter()
    report = run_scenario(sc)
    assert report.ok
    assert time.perf_counter() - t0 < 20


# -- item 10: a forbidden pod update is refused whole (ValidatePodUpdate)

def _running_pod():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply({**POD, "spec": {"containers": [{"name": "app", "image": "nginx"}],
                             "initContainers": [{"name": "init", "image": "busybox"}]}})
    c.run_until_stable()
    return c


@pytest.mark.parametrize("containers,msg", [
    ([{"name": "app", "image": "nginx", "command": ["sh"]}], "may not change fields"),
    ([{"name": "renamed", "image": "nginx"}], "may not change fields"),
    ([{"name": "app", "image": "nginx"}, {"name": "b", "image": "x"}], "may not add or remove containers"),
])
def test_forbidden_pod_update_changes_nothing(containers, msg):
    c = _running_pod()
    before = c.snapshot()
    doc = {**POD, "metadata": {"name": "web", "labels": {"new": "label"}},
           "spec": {"containers": containers, "initContainers": [{"name": "init", "image": "busybox"}]}}
    with pytest.raises(kstate.SpecError) as e:
        c.apply(doc)
    assert msg in e.value.message
    assert c.snapshot() == before
    assert not c.get("pod", "web").metadata.labels


def test_pod_image_updates_apply_by_index_including_init_containers():
    c = _running_pod()
    c.apply({**POD, "metadata": {"name": "web", "labels": {"new": "label"}},
             "spec": {"containers": [{"name": "app", "image": "nginx:2"}],
                      "initContainers": [{"name": "init", "image": "busybox:2"}]}})
    pod = c.get("pod", "web")
    assert pod.spec.containers[0].image == "nginx:2"
    assert pod.spec.init_containers[0].image == "busybox:2"
    assert pod.metadata.labels == {"new": "label"}


# -- item 15: errors carry their source and path; delete takes a propagation policy

NS_POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: %s}\nspec: {containers: [{name: a, image: x}]}\n"


@pytest.mark.parametrize("second,path", [
    (NS_POD % "missing", "metadata.namespace"),                       # namespace not found
    (NS_POD % "default", "metadata.name"),                            # duplicate in one apply
    ("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", "kind"),   # no CRD
])
def test_apply_errors_name_their_document(tmp_path, second, path):
    c = kstate.Cluster(nodes=0)
    f = tmp_path / "two.yaml"
    f.write_text(NS_POD % "default" + "---\n" + second)
    for call, src in ((lambda: c.apply_file(f), f"{f} (document 2)"),
                      (lambda: c.apply(f.read_text(), source="two.yaml"), "two.yaml (document 2)")):
        with pytest.raises(kstate.SpecError) as e:
            call()
        assert e.value.source == src
        assert e.value.path == path


def test_forbidden_update_error_names_its_document():
    c = kstate.Cluster(nodes=0)
    c.apply(NS_POD % "default")
    with pytest.raises(kstate.SpecError) as e:
        c.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n---\n" + (NS_POD % "default").replace("image: x", "image: x, command: [sh]"), source="up.yaml")
    assert e.value.source == "up.yaml (document 2)"
    assert e.value.path == "spec"


def test_operation_errors_carry_a_path():
    c = kstate.Cluster(nodes=1)
    c.apply(NS_POD % "default")
    with pytest.raises(kstate.InvalidOperation) as e:
        c.crash_container("a")   # not running yet
    assert e.value.path == "status.phase"
    c.run_until_stable()
    with pytest.raises(kstate.InvalidOperation) as e:
        c.drain("node-0")   # the pod has no controller
    assert e.value.path == "force"


def test_error_hierarchy_matches_the_readme():
    assert issubclass(kstate.InvalidOperation, kstate.SpecError)
    for cls in (kstate.NotFound, kstate.AlreadyExists, kstate.NotStable):
        assert issubclass(cls, kstate.KstateError) and not issubclass(cls, kstate.SpecError)
    readme = open("README.md", encoding="utf-8").read()
    assert "are not SpecErrors: `NotFound`" in readme.replace("\n", " ")


OWNED = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}
spec:
  replicas: 2
  selector: {matchLabels: {app: rs}}
  template:
    metadata: {labels: {app: rs}}
    spec: {containers: [{name: a, image: x}]}
"""


@pytest.mark.parametrize("policy,pods_left", [("Orphan", 2), ("Foreground", 0), ("Background", 0)])
def test_delete_takes_a_propagation_policy(policy, pods_left):
    c = kstate.Cluster(nodes=1)
    c.apply(OWNED)
    c.run_until_stable()
    c.delete("rs", "rs", propagation_policy=policy)
    c.run_until_stable()
    assert len(c.list("pods")) == pods_left
    with pytest.raises(kstate.NotFound):
        c.get("rs", "rs")


def test_delete_refuses_an_unknown_propagation_policy():
    c = kstate.Cluster(nodes=0)
    c.apply(OWNED)
    before = c.snapshot()
    with pytest.raises(kstate.SpecError) as e:
        c.delete("rs", "rs", propagation_policy="Sideways")
    assert e.value.path == "propagationPolicy"
    assert c.snapshot() == before


def test_scenario_delete_takes_a_propagation_policy():
    import yaml
    from kstate.io.scenario import parse_scenario, run_scenario
    sc = parse_scenario(yaml.safe_load(
        "name: orphan\ncluster: {nodes: 1}\nrun: {until: 10s}\nmanifests:\n"
        + "".join("  " + line + "\n" for line in ("- " + OWNED.replace("\n", "\n  ")).splitlines())
        + "timeline:\n  - at: 5s\n    delete: {kind: rs, name: rs, propagation-policy: Orphan}\n"
        + "expect:\n  at-end:\n    - {kind: Pod, count: 2}\n"))
    report = run_scenario(sc)
    assert report.ok, report.failures


# -- item 13: resource objects validated like manifests; strict probes; images; podCIDRs

def test_apply_of_evolved_resource_objects_is_validated():
    import attrs
    from kstate.io import parse_manifests
    c = kstate.Cluster(nodes=1)
    (pod,) = parse_manifests(POD)
    before = c.snapshot()
    for bad, path in [
        (attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, name="Not_Valid")), "metadata.name"),
        (attrs.evolve(pod, spec=attrs.evolve(pod.spec, containers=(
            attrs.evolve(pod.spec.containers[0], image=""),))), "spec.containers[0].image"),
        (attrs.evolve(pod, spec=attrs.evolve(pod.spec, containers=(
            attrs.evolve(pod.spec.containers[0], image=5),))), "spec.containers[0].image"),
    ]:
        with pytest.raises(kstate.SpecError) as e:
            c.apply(bad)
        assert e.value.path == path
        assert c.snapshot() == before
    c.apply(pod)
    c.run_until_stable()
    assert c.apply(c.get("pod", "web")).status.phase == "Running"   # a live object applies back unchanged


@pytest.mark.parametrize("probe,path", [
    ({"httpGet": {"port": [1]}}, "httpGet.port"),
    ({"httpGet": {"port": 80, "path": 5}}, "httpGet.path"),
    ({"httpGet": {"port": 80, "bogus": 1}}, "httpGet.bogus"),
    ({"httpGet": {"port": 80, "scheme": "FTP"}}, "httpGet.scheme"),
    ({"httpGet": {"port": 80, "httpHeaders": [{"value": "x"}]}}, "httpGet.httpHeaders[0].name"),
    ({"tcpSocket": {"port": True}}, "tcpSocket.port"),
    ({"tcpSocket": {"port": 70000}}, "tcpSocket.port"),
    ({"tcpSocket": {"port": "Bad_Name"}}, "tcpSocket.port"),
    ({"tcpSocket": {"port": 80, "host": 1}}, "tcpSocket.host"),
    ({"exec": {"command": [1]}}, "exec.command[0]"),
    ({"grpc": {"port": 0}}, "grpc.port"),
])
def test_probe_handlers_are_strictly_typed(probe, path):
    doc = {**POD, "spec": {"containers": [{"name": "app", "image": "nginx", "readinessProbe": probe}]}}
    with pytest.raises(kstate.SpecError) as e:
        kstate.Cluster(nodes=0).apply(doc)
    assert e.value.path == "spec.containers[0].readinessProbe." + path


def test_probe_handlers_that_are_valid_still_apply():
    for probe in ({"httpGet": {"port": "http", "path": "/x", "httpHeaders": [{"name": "a", "value": "b"}]}},
                  {"tcpSocket": {"port": 8080}}, {"exec": {"command": ["a"]}}, {"grpc": {"port": 9000}}):
        doc = {**POD, "spec": {"containers": [{"name": "app", "image": "nginx", "readinessProbe": probe}]}}
        kstate.Cluster(nodes=0).apply(doc)


@pytest.mark.parametrize("image", [" x ", "x ", "\tx"])
def test_pod_image_with_surrounding_whitespace_is_refused(image):
    c = kstate.Cluster(nodes=1)
    with pytest.raises(kstate.SpecError) as e:
        c.apply({**POD, "spec": {"containers": [{"name": "app", "image": image}]}})
    assert e.value.path == "spec.containers[0].image"
    c.apply(POD)
    with pytest.raises(kstate.SpecError):
        c.set_image("pod", "web", "app", image)


def test_two_nodes_with_one_pod_cidr_in_one_apply_are_refused():
    c = kstate.Cluster(nodes=0)
    node = lambda n: {"apiVersion": "v1", "kind": "Node", "metadata": {"name": n},
                      "spec": {"podCIDR": "10.244.5.0/24"}}
    with pytest.raises(kstate.SpecError) as e:
        c.apply([node("a"), node("b")], source="nodes.yaml")
    assert e.value.path == "spec.podCIDR"
    assert e.value.source == "nodes.yaml (document 2)"
    assert c.list("nodes") == []


# -- item 14: the CLI never crashes with a traceback

SURROGATE_POD = ('apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {x: "\\ud800"}}\n'
                 'spec: {containers: [{name: a, image: x}]}\n')


def test_lone_surrogates_in_yaml_are_a_spec_error():
    with pytest.raises(kstate.SpecError) as e:
        kstate.Cluster(nodes=0).apply(SURROGATE_POD, source="s.yaml")
    assert "invalid Unicode character escape code" in e.value.message
    assert e.value.source == "s.yaml"


def _cli(args, capsys):
    from kstate.cli import main
    rc = main(args)
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    return rc, out


def test_cli_validate_and_run_with_lone_surrogates(tmp_path, capsys):
    f = tmp_path / "sur.yaml"
    f.write_text(SURROGATE_POD)
    sc = tmp_path / "sc.yaml"
    sc.write_text('name: s\ndescription: "\\ud800"\ncluster: {nodes: 1}\nrun: {until: 1s}\n')
    rc, out = _cli(["validate", str(f), str(sc)], capsys)
    assert rc == 1 and out.out.count("invalid Unicode character escape code") == 2
    rc, out = _cli(["run", str(sc)], capsys)
    assert rc == 2 and len(out.err.strip().splitlines()) == 1


def test_cli_refuses_devices_and_huge_until(tmp_path, capsys):
    sc = tmp_path / "z.yaml"
    sc.write_text("name: z\ncluster: {nodes: 1}\nrun: {until: 1s}\nmanifests:\n  - file: /dev/zero\n")
    rc, out = _cli(["run", str(sc)], capsys)
    assert rc == 2 and "not a regular file" in out.err and len(out.err.strip().splitlines()) == 1
    rc, out = _cli(["run", "/dev/zero"], capsys)
    assert rc == 2 and "not a regular file" in out.err
    rc, out = _cli(["validate", "/dev/zero"], capsys)
    assert rc == 1 and "not a regular file" in out.out
    rc, out = _cli(["run", "specs/scenarios/crash-loop.yaml", "--until", "1000000h"], capsys)
    assert rc == 2 and out.err.startswith("error: --until:")


def test_cli_turns_any_exception_into_one_line(monkeypatch, capsys):
    import kstate.io.scenario as scenario

    def boom(path):
        raise RuntimeError("unexpected\nsecond line")
    monkeypatch.setattr(scenario, "load_scenario", boom)
    rc, out = _cli(["run", "x.yaml"], capsys)
    assert rc == 2
    assert out.err == "error: internal error (RuntimeError): unexpected second line\n"


# -- item 16: YAML quirks as kubectl apply reads them (sigs.k8s.io/yaml → go-yaml v2)

def _pod_yaml(meta="name: web", image="nginx", extra=""):
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{{meta}}}\n"
            f"spec: {{containers: [{{name: app, image: {image}}}]{extra}}}\n")


def test_yaml_nul_escape_is_a_character_and_a_raw_nul_is_refused():
    c = kstate.Cluster(nodes=0)
    pod = c.apply(_pod_yaml(meta='name: web, annotations: {note: "a\\0b"}'))
    assert pod.metadata.annotations["note"] == "a\x00b"                  # go-yaml: \0 is U+0000
    with pytest.raises(kstate.SpecError):
        c.apply(_pod_yaml(meta="name: web2", image='"ng\x00inx"'))       # a raw NUL: not allowed
    with pytest.raises(kstate.SpecError) as e:
        c.apply(_pod_yaml(meta='name: "we\\0b"'))                         # and never a valid name
    assert e.value.path == "metadata.name"


def test_yaml_null_mapping_key_is_refused():
    for text in (_pod_yaml(meta="name: web, labels: {null: x}"), _pod_yaml(meta="name: web, labels: {~: x}")):
        with pytest.raises(kstate.SpecError) as e:
            kstate.Cluster(nodes=0).apply(text)
        assert "unsupported map key" in e.value.message


def test_yaml_sexagesimal_is_a_string():
    c = kstate.Cluster(nodes=0)
    pod = c.apply(_pod_yaml(meta="name: web, annotations: {at: 1:30}"))
    assert pod.metadata.annotations["at"] == "1:30"      # YAML 1.1 would say 90
    with pytest.raises(kstate.SpecError) as e:            # a string where an int belongs
        c.apply(_pod_yaml(meta="name: web2", extra=", terminationGracePeriodSeconds: 1:30"))
    assert e.value.path == "spec.terminationGracePeriodSeconds"


def test_yaml_timestamp_looking_name_stays_its_text():
    c = kstate.Cluster(nodes=0)
    assert c.apply(_pod_yaml(meta="name: 2026-01-01")).metadata.name == "2026-01-01"
    pod = c.apply(_pod_yaml(meta="name: web, annotations: {t: 2026-01-01 10:00:00}"))
    assert pod.metadata.annotations["t"] == "2026-01-01 10:00:00"


# -- items 5 and 8: owners resolve in the dependent's namespace; dangling owners are collected

def _rs_cluster():
    c = kstate.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    rs = c.apply(OWNED.replace("replicas: 2", "replicas: 1"))
    c.run_until_stable()
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": rs.metadata.uid, "controller": True}
    return c, rs, ref


def _pod_doc(name, ns="default", refs=()):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "ownerReferences": list(refs)},
            "spec": {"containers": [{"name": "a", "image": "x"}]}}


def test_owner_in_another_namespace_is_absent_for_the_dependent():
    c, rs, ref = _rs_cluster()
    own = [p.metadata.name for p in c.list("pods")]
    c.apply(_pod_doc("stray", "other", [ref]))
    c.run_until_stable()
    # the ReplicaSet does not count (or delete) the stray as one of its pods ...
    assert [p.metadata.name for p in c.list("pods", namespace="default")] == own
    assert c.get("rs", "rs").status.replicas == 1
    # ... and the GC, finding no owner in "other", collects it with a warning
    assert c.list("pods", namespace="other") == []
    ev = [e for e in c.events() if e.reason == "OwnerRefInvalidNamespace"]
    assert len(ev) == 1 and ev[0].type == "Warning" and 'does not exist in namespace "other"' in ev[0].message
    assert c.violations() == []


def test_dependent_with_only_dangling_owners_is_collected():
    c, rs, ref = _rs_cluster()
    ghost = {**ref, "uid": "00000000-0000-0000-0000-000000000001", "controller": False}
    ghost2 = {**ghost, "uid": "00000000-0000-0000-0000-000000000002"}
    c.apply(_pod_doc("dangling", refs=[ghost, ghost2]))
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "ownerReferences": [ghost]}})
    c.run_until_stable()
    names = [p.metadata.name for p in c.list("pods")]
    assert "dangling" not in names and len(names) == 1
    assert c.list("configmaps") == []


def test_dependent_with_one_live_owner_only_loses_the_dangling_reference():
    c, rs, ref = _rs_cluster()
    ghost = {**ref, "uid": "00000000-0000-0000-0000-000000000001", "controller": False}
    cm = c.apply({"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "cm", "ownerReferences": [ghost, {**ref, "controller": False}]}})
    c.run_until_stable()
    refs = c.get("configmap", "cm").metadata.owner_references
    assert [r.uid for r in refs] == [rs.metadata.uid]
    assert cm.metadata.uid == c.get("configmap", "cm").metadata.uid


# -- item 2: deleting a Deployment's ReplicaSet; the invariant judges observed state only

def test_deleted_replicaset_is_recreated_and_the_invariant_waits_for_the_controller():
    c = kstate.Cluster(nodes=3, seed=0)
    c.apply_file("specs/manifests/web-deployment.yaml")
    c.run_until_stable()
    (rs,) = c.list("rs")
    c.delete("rs", rs.metadata.name)
    assert c.violations() == []          # the controller has not observed the deletion yet
    c.advance("0s")
    assert c.violations() == []
    c.run_until_stable()
    (again,) = c.list("rs")
    assert again.metadata.name == rs.metadata.name and again.metadata.uid != rs.metadata.uid
    d = c.get("deploy", "web")
    assert (d.status.available_replicas, d.status.state) == (10, "Complete")
    assert c.violations() == []


# -- item 9: set_image on a Deployment's ReplicaSet

def test_set_image_on_a_deployments_replicaset_is_handled_as_kubernetes_does():
    c = kstate.Cluster(nodes=3, seed=0)
    c.apply_file("specs/manifests/web-deployment.yaml")
    c.run_until_stable()
    c.set_image("deploy", "web", "nginx", "nginx:2")
    c.run_until_stable()
    (cur,) = [rs for rs in c.list("rs") if rs.spec.replicas]
    # the user makes the current ReplicaSet's template equal to the old one's
    c.set_image("rs", cur.metadata.name, "nginx", "nginx:1.25")
    assert c.violations() == []
    c.run_until_stable()
    assert c.violations() == []
    d = c.get("deploy", "web")
    # FindNewReplicaSet no longer sees the edited RS as new; creating the new
    # one under its hash name collides with it, so collisionCount goes up and
    # a third ReplicaSet (another hash) takes the Deployment's template
    assert d.status.collision_count == 1
    rss = {rs.metadata.name: rs for rs in c.list("rs")}
    assert len(rss) == 3 and len({rs.metadata.labels["pod-template-hash"] for rs in rss.values()}) == 3
    (active,) = [rs for rs in rss.values() if rs.spec.replicas]
    assert active.spec.template.spec.containers[0].image == "nginx:2" and active.metadata.name != cur.metadata.name
    assert (d.status.available_replicas, d.status.state) == (10, "Complete")
