"""Invalid scenarios are refused with a SpecError naming the scenario field.

Each file in tests/data/scenarios/bad/ starts with `# expect: <field path>`
(a YAML scalar; '' is the document itself), optionally `# message: <text>`
(a substring of the error) and `# source: <path>` (the file the error is
reported against when it is not the scenario, e.g. a referenced manifest).
"""
from __future__ import annotations

import glob
import io
import os

import pytest
import yaml

from kstate.errors import SpecError
from kstate.io.scenario import _parse_path, load_scenario, parse_scenario, run_scenario

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BAD_DIR = os.path.join("tests", "data", "scenarios", "bad")
BAD = sorted(glob.glob(os.path.join(ROOT, BAD_DIR, "*.yaml")))


def _header(path: str) -> dict:
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("# "):
                break
            key, sep, value = line[2:].partition(":")
            if sep and key in ("expect", "message", "source"):
                out[key] = yaml.safe_load(value) if key == "expect" else value.strip()
    return out


def test_the_corpus_is_big_enough():
    assert len(BAD) >= 10
    for path in BAD:
        assert "expect" in _header(path), f"{path} has no '# expect:' first line"


@pytest.mark.parametrize("path", BAD, ids=[os.path.basename(p) for p in BAD])
def test_bad_scenario_is_refused_with_its_field_path(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    rel = os.path.relpath(path, ROOT)
    want = _header(path)
    with pytest.raises(SpecError) as info:
        load_scenario(rel)
    err = info.value
    assert err.path == (want["expect"] or ""), str(err)
    if "source" in want:
        assert os.path.normpath(err.source) == os.path.normpath(want["source"]), str(err)
    else:
        assert err.source == rel, str(err)
    if "message" in want:
        assert want["message"] in str(err)
    # The message reads like the API server's: `<file>: <path>: <what>`.
    assert str(err).startswith(err.source + ": ")


def test_missing_scenario_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="cannot read file") as info:
        load_scenario(str(tmp_path / "nope.yaml"))
    assert info.value.source.endswith("nope.yaml")


def _minimal(**extra):
    doc = {"cluster": {"nodes": 1}, "run": {"until": "1m"}}
    doc.update(extra)
    return doc


@pytest.mark.parametrize("text, segments", [
    ("status.phase", (("key", "status"), ("key", "phase"))),
    ("status.containerStatuses[0].restartCount",
     (("key", "status"), ("key", "containerStatuses"), ("index", 0), ("key", "restartCount"))),
    ("metadata.annotations[kstate.io/exit-code]",
     (("key", "metadata"), ("key", "annotations"), ("key", "kstate.io/exit-code"))),
    ("status.conditions[type=Ready].status",
     (("key", "status"), ("key", "conditions"), ("filter", "type", "Ready"), ("key", "status"))),
    ("spec.containers[-1]", (("key", "spec"), ("key", "containers"), ("index", -1))),
])
def test_path_syntax(text, segments):
    assert _parse_path(text) == segments


@pytest.mark.parametrize("text", ["", ".status", "status.", "status..phase", "status[0", "status[]",
                                  "status.[0]", "status[0]x", "a b", "status[=x]"])
def test_bad_path_syntax(text):
    assert _parse_path(text) is None


def test_timeline_is_kept_in_order_and_parsed():
    sc = parse_scenario(_minimal(timeline=[
        {"at": "5s", "cordon": "node-0"},
        {"at": "5s", "drain": {"name": "node-0", "force": True, "ignore-daemonsets": True, "timeout": "1m"}},
        {"at": 10, "add-node": {"name": "big", "cpu": 128}},
        {"at": "30s", "delete": {"kind": "pods", "name": "web", "grace-period": 0}},
    ]), "inline.yaml")
    assert [(op.at, op.verb) for op in sc.timeline] == [(5000, "cordon"), (5000, "drain"), (10000, "add-node"),
                                                        (30000, "delete")]
    # (name, force, grace-period, ignore-daemonsets, delete-emptydir-data, disable-eviction, timeout ms)
    assert sc.timeline[1].args == ("node-0", True, None, True, False, False, 60000)
    assert sc.timeline[1].text == "drain node-0 force ignore-daemonsets timeout=1m0s"
    assert sc.timeline[2].args == ({"name": "big", "cpu": "128"},)
    assert sc.timeline[3].args == ("Pod", "web", "default", 0, None)
    assert sc.timeline[3].text == "delete Pod default/web grace-period=0"


def test_equal_timestamps_are_allowed_but_not_going_back():
    parse_scenario(_minimal(timeline=[{"at": "5s", "cordon": "node-0"}, {"at": "5s", "uncordon": "node-0"}]))
    with pytest.raises(SpecError) as info:
        parse_scenario(_minimal(timeline=[{"at": "5s", "cordon": "node-0"}, {"at": "4999ms", "uncordon": "node-0"}]))
    assert info.value.path == "timeline[1].at"


def test_defaults():
    sc = parse_scenario({"run": {"until": "1m"}}, "specs/scenarios/x.yaml")
    assert sc.name == "x"
    assert sc.cluster.nodes == 3 and sc.cluster.seed == 0 and sc.step == 1000 and sc.until == 60000
    assert sc.always is None and sc.eventually == () and sc.at_end == () and sc.timeline == ()


def test_inline_manifest_error_keeps_the_kubernetes_field_path_under_the_scenario_field():
    bad = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Web_1"},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    with pytest.raises(SpecError) as info:
        parse_scenario(_minimal(timeline=[{"at": "1s", "apply": [bad]}]), "s.yaml")
    assert info.value.path == "timeline[0].apply[0].metadata.name"
    assert info.value.source == "s.yaml"


def test_runtime_operation_errors_are_failures_not_exceptions():
    sc = parse_scenario(_minimal(
        manifests=[{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}}],
        timeline=[{"at": "10s", "drain": "node-0"},          # refused: the pod has no controller
                  {"at": "20s", "fail-node": "node-9"},      # no such node
                  {"at": "30s", "delete": {"kind": "Pod", "name": "ghost"}}]))
    report = run_scenario(sc)
    assert not report.ok
    assert len(report.failures) == 3
    assert report.failures[0].startswith("+10.000s: timeline[0] drain node-0: ")
    assert "cannot delete Pods that declare no controller" in report.failures[0]
    assert report.failures[1].startswith("+20.000s: timeline[1] fail-node node-9: ")
    assert report.failures[2].startswith("+30.000s: timeline[2] delete Pod default/ghost: ")
    # The run went on: the pod is still there, running, and not cordoned off.
    assert report.cluster.get("Pod", "web").status.phase == "Running"
    assert "!!! timeline[0] drain node-0" in report.output
    assert report.output.rstrip().splitlines()[-4].startswith("FAIL")


def test_eventually_and_at_end_failures_name_the_field_and_what_was_seen():
    sc = parse_scenario(_minimal(
        manifests=[{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}}],
        expect={"eventually": [{"within": "30s", "that": [{"kind": "Pod", "name": "web", "path": "status.phase",
                                                            "equals": "Succeeded"}]}],
                "at-end": [{"kind": "Pod", "count": {"at-least": 2}},
                           {"kind": "Pod", "name": "web", "absent": True}]}))
    report = run_scenario(sc, out=io.StringIO())
    assert report.failures == [
        '+30.000s: expect.eventually[0]: not within 30s: Pod default/web status.phase equals "Succeeded" '
        '(status.phase is "Running")',
        "+1m0.000s: expect.at-end[0]: count of Pod at-least 2 (count is 1)",
        "+1m0.000s: expect.at-end[1]: Pod default/web absent (exists)",
    ]


def test_always_records_the_first_violation_of_each_invariant_with_its_time(monkeypatch):
    from kstate import invariants

    def no_pod_named_bad(view):
        for pod in view.store.list("Pod"):
            if pod.metadata.name == "bad":
                yield invariants.Violation("no-pod-named-bad", f"Pod default/{pod.metadata.name}", "is here")

    monkeypatch.setitem(invariants.INVARIANTS, "no-pod-named-bad", no_pod_named_bad)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad"},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    for always in ("all", ["no-pod-named-bad"]):
        sc = parse_scenario(_minimal(timeline=[{"at": "7s", "apply": pod}], expect={"always": always}))
        report = run_scenario(sc)
        assert report.failures == ["+7.000s: expect.always: invariant no-pod-named-bad: Pod default/bad: is here"]
    # Not checked when the scenario does not ask for it.
    sc = parse_scenario(_minimal(timeline=[{"at": "7s", "apply": pod}], expect={"always": "none"}))
    assert run_scenario(sc).ok


def test_node_manifests_and_a_profile_file(tmp_path):
    (tmp_path / "nodes.yaml").write_text(
        "apiVersion: v1\nkind: Node\nmetadata: {name: a, labels: {zone: z1}}\n"
        "status: {capacity: {cpu: '8', memory: 32Gi, pods: '110'}}\n"
        "---\napiVersion: v1\nkind: Node\nmetadata: {name: b}\n")
    (tmp_path / "fast.yaml").write_text(
        "name: fast\nrules:\n"
        "  - name: start-containers\n    on: {kind: Pod, state: ContainerCreating}\n"
        "    after: {default: 3s, annotation: kstate.io/start-after}\n    fire: start\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "cluster: {nodes: {file: nodes.yaml}, profile: fast.yaml}\n"
        "manifests:\n  - {apiVersion: v1, kind: Pod, metadata: {name: web}, "
        "spec: {containers: [{name: c, image: nginx}], nodeSelector: {zone: z1}}}\n"
        "expect:\n  at-end:\n"
        "    - {kind: Pod, name: web, path: spec.nodeName, equals: a}\n"
        "    - {kind: Node, count: 2}\n"
        "timeline:\n  - at: 2999ms\n    check: {kind: Pod, name: web, path: status.phase, equals: Pending}\n"
        "  - at: 3s\n    check: {kind: Pod, name: web, path: status.phase, equals: Running}\n"
        "run: {until: 10s}\n")
    sc = load_scenario(str(scenario))
    assert [n.metadata.name for n in sc.cluster.nodes] == ["a", "b"]
    assert sc.cluster.profile_name == "fast.yaml"
    report = run_scenario(sc)
    assert report.ok, report.output
    assert "cluster  2 nodes (a, b)" in report.output
