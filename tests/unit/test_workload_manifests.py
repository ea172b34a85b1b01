"""kstate.io.apps_v1, kstate.io.core_v1 and kstate.io.selectors: apps/v1
Deployment and ReplicaSet, v1 ReplicationController — strict decoding, API-server defaults, validation with
field paths, to_manifest, and round trips."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.manifest_fuzz import mutate, spec_error_or_round_trip

from kstate.errors import SpecError, UnknownFieldError
from kstate.io import load_file, parse_manifests, parse_object, to_manifest
from kstate.io.selectors import parse_label_selector
from kstate.resources import (
    Condition, Deployment, DeploymentStatus, DeploymentStrategy, FrozenDict,
    LabelSelector, ReplicaSet, ReplicaSetStatus, ReplicationController, Requirement,
    RollingUpdateDeployment,
)
from kstate.resources.selector import matches

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = ROOT / "tests" / "data"
WORKLOAD_BAD = sorted((DATA / "bad").glob("workload-*.yaml"))
WORKLOAD_GOOD = sorted(p for pattern in ("deployment*.yaml", "replicaset*.yaml",
                                         "replicationcontroller*.yaml")
                       for p in (DATA / "good").glob(pattern))
WEB_DEPLOYMENT = ROOT / "specs" / "manifests" / "web-deployment.yaml"


def template(labels=None, **spec) -> dict:
    spec.setdefault("containers", [{"name": "nginx", "image": "nginx:1.25"}])
    return {"metadata": {"labels": {"app": "web"} if labels is None else labels}, "spec": spec}


def deployment(**spec) -> dict:
    spec.setdefault("selector", {"matchLabels": {"app": "web"}})
    spec.setdefault("template", template())
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": spec}


def replicaset(**spec) -> dict:
    doc = deployment(**spec)
    doc["kind"] = "ReplicaSet"
    return doc


def rc(**spec) -> dict:
    spec.setdefault("template", template())
    return {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "web"},
            "spec": spec}


def error_of(doc) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_object(doc)
    return info.value


def _set(doc: dict, path: str, value) -> dict:
    """doc with `a.b.c` set to value (None deletes)."""
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node.setdefault(key, {})
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value
    return doc


# ------------------------------------------------------------ registration


def test_kinds_registered():
    from kstate.registry import REGISTRY
    assert REGISTRY.kind("Deployment").cls is Deployment
    assert REGISTRY.kind("ReplicaSet").cls is ReplicaSet
    assert REGISTRY.kind("ReplicationController").cls is ReplicationController
    assert isinstance(parse_object(deployment()), Deployment)
    assert isinstance(parse_object(replicaset()), ReplicaSet)
    assert isinstance(parse_object(rc()), ReplicationController)


@pytest.mark.parametrize("api_version, kind", [
    ("v1", "Deployment"), ("extensions/v1beta1", "Deployment"), ("apps/v1beta2", "ReplicaSet"),
    ("apps/v1", "ReplicationController"),
])
def test_wrong_api_version_points_at_api_version(api_version, kind):
    doc = deployment()
    doc["apiVersion"], doc["kind"] = api_version, kind
    err = error_of(doc)
    assert err.path == "apiVersion"
    assert f'no matches for kind "{kind}" in version "{api_version}"' in err.message


# ------------------------------------------------------------ defaults


def test_deployment_defaults():
    d = parse_object(deployment())
    assert d.metadata.namespace == "default"
    s = d.spec
    assert s.replicas == 1
    assert s.strategy == DeploymentStrategy("RollingUpdate", RollingUpdateDeployment("25%", "25%"))
    assert s.revision_history_limit == 10
    assert s.progress_deadline_seconds == 600
    assert s.min_ready_seconds == 0
    assert s.paused is False
    assert s.selector == LabelSelector(match_labels={"app": "web"})
    assert s.template.metadata.labels == {"app": "web"}
    assert s.template.metadata.namespace == "" and s.template.metadata.name == ""
    assert s.template.spec.restart_policy == "Always"
    assert s.template.spec.containers[0].extra["imagePullPolicy"] == "IfNotPresent"
    assert d.status == DeploymentStatus()
    assert d.metadata.labels == {}  # apps/v1 does not copy the template labels


@pytest.mark.parametrize("strategy, expected", [
    ({"type": "RollingUpdate"}, RollingUpdateDeployment("25%", "25%")),
    ({"rollingUpdate": {}}, RollingUpdateDeployment("25%", "25%")),
    ({"rollingUpdate": {"maxSurge": 2}}, RollingUpdateDeployment("25%", 2)),
    ({"rollingUpdate": {"maxUnavailable": "50%"}}, RollingUpdateDeployment("50%", "25%")),
    ({"rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}, RollingUpdateDeployment(1, 0)),
    ({"rollingUpdate": {"maxUnavailable": "100%", "maxSurge": "200%"}},
     RollingUpdateDeployment("100%", "200%")),
    ({"rollingUpdate": {"maxUnavailable": "1%", "maxSurge": 0}},
     RollingUpdateDeployment("1%", 0)),
    ({"type": None, "rollingUpdate": None}, RollingUpdateDeployment("25%", "25%")),
])
def test_rolling_update_defaults_each_field_only_if_unset(strategy, expected):
    d = parse_object(deployment(strategy=strategy))
    assert d.spec.strategy.type == "RollingUpdate"
    assert d.spec.strategy.rolling_update == expected


def test_recreate_gets_no_rolling_update():
    d = parse_object(deployment(strategy={"type": "Recreate"}))
    assert d.spec.strategy == DeploymentStrategy("Recreate", None)
    # null means unset, so it is not "specified"
    d = parse_object(deployment(strategy={"type": "Recreate", "rollingUpdate": None}))
    assert d.spec.strategy.rolling_update is None


def test_deployment_explicit_values_kept():
    d = parse_object(deployment(replicas=0, minReadySeconds=7, revisionHistoryLimit=0,
                                progressDeadlineSeconds=8, paused=True))
    s = d.spec
    assert (s.replicas, s.min_ready_seconds, s.revision_history_limit,
            s.progress_deadline_seconds, s.paused) == (0, 7, 0, 8, True)


def test_null_fields_take_defaults():
    d = parse_object(deployment(replicas=None, revisionHistoryLimit=None,
                                progressDeadlineSeconds=None, strategy=None, paused=None))
    assert d.spec == parse_object(deployment()).spec


def test_replicaset_defaults():
    r = parse_object(replicaset())
    assert r.spec.replicas == 1 and r.spec.min_ready_seconds == 0
    assert r.spec.selector == LabelSelector(match_labels={"app": "web"})
    assert r.status == ReplicaSetStatus()
    assert r.metadata.namespace == "default"


def test_rc_selector_and_labels_default_to_template_labels():
    c = parse_object(rc())
    assert c.spec.selector == {"app": "web"}
    assert c.metadata.labels == {"app": "web"}
    assert c.spec.replicas == 1


def test_rc_explicit_selector_and_labels_are_kept():
    doc = rc(selector={"app": "web"}, template=template({"app": "web", "v": "1"}))
    doc["metadata"]["labels"] = {"owner": "a"}
    c = parse_object(doc)
    assert c.spec.selector == {"app": "web"}
    assert c.metadata.labels == {"owner": "a"}
    # empty selector and labels count as unset
    doc = rc(selector={}, template=template({"app": "web", "v": "1"}))
    doc["metadata"]["labels"] = {}
    c = parse_object(doc)
    assert c.spec.selector == {"app": "web", "v": "1"}
    assert c.metadata.labels == {"app": "web", "v": "1"}


def test_rc_good_file_defaults():
    (c,) = load_file(DATA / "good" / "replicationcontroller.yaml")
    assert c.spec.selector == {"app": "nginx"} and c.metadata.labels == {"app": "nginx"}
    assert c.spec.replicas == 3


def test_selector_expressions_decoded():
    doc = deployment(selector={"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["a", "b"]},
        {"key": "canary", "operator": "DoesNotExist"},
    ]}, template=template({"app": "web", "tier": "a"}))
    sel = parse_object(doc).spec.selector
    assert sel.match_expressions == (Requirement("tier", "In", ("a", "b")),
                                     Requirement("canary", "DoesNotExist"))
    assert matches(sel, {"app": "web", "tier": "b"})
    assert not matches(sel, {"app": "web", "tier": "b", "canary": "x"})


def test_parse_label_selector_helper():
    assert parse_label_selector({"matchLabels": {"a": "b"}}) == LabelSelector({"a": "b"})
    assert parse_label_selector({}) == LabelSelector()
    with pytest.raises(SpecError) as info:
        parse_label_selector({"matchExpressions": [{"key": "a", "operator": "Gt"}]},
                             source="x.yaml")
    assert info.value.path == "spec.selector.matchExpressions[0].operator"
    assert info.value.source == "x.yaml"


def test_status_and_generation_are_kept_as_given():
    (d,) = load_file(DATA / "good" / "deployment-full.yaml")
    assert d.metadata.generation == 3
    st_ = d.status
    assert (st_.observed_generation, st_.replicas, st_.updated_replicas, st_.ready_replicas,
            st_.available_replicas, st_.unavailable_replicas, st_.collision_count) == (
        3, 5, 2, 4, 4, 1, 0)
    assert st_.conditions[0] == Condition(
        type="Available", status="True", reason="MinimumReplicasAvailable",
        message="Deployment has minimum availability.",
        last_update_time=1767225630000, last_transition_time=1767225630000)
    assert d.spec.strategy.rolling_update == RollingUpdateDeployment("0%", 1)
    (r,) = load_file(DATA / "good" / "replicaset.yaml")
    assert (r.status.replicas, r.status.fully_labeled_replicas, r.status.ready_replicas,
            r.status.available_replicas, r.status.observed_generation) == (3, 3, 2, 2, 1)
    assert r.metadata.owner_references[0].kind == "Deployment"


def test_web_deployment_spec_manifest():
    (d,) = load_file(WEB_DEPLOYMENT)
    assert isinstance(d, Deployment)
    assert d.spec.replicas == 10
    assert d.spec.strategy.rolling_update == RollingUpdateDeployment("25%", "25%")
    assert d.spec.selector == LabelSelector({"app": "web"})
    assert d.metadata.labels == {"app": "web"}
    c = d.spec.template.spec.containers[0]
    assert c.image == "nginx:1.25"
    assert c.resources.requests == {"cpu": "100m", "memory": "64Mi"}


# ------------------------------------------------------------ validation


@pytest.mark.parametrize("doc, path, message", [
    (_set(deployment(), "spec.selector", None), "spec.selector", "Required value"),
    (deployment(selector={}), "spec.selector", "empty selector is invalid for deployment"),
    (deployment(selector={"matchLabels": {}, "matchExpressions": []}), "spec.selector",
     "empty selector is invalid for deployment"),
    (deployment(selector={"matchLabels": {"app": "api"}}), "spec.template.metadata.labels",
     'Invalid value: map[string]string{"app":"web"}: `selector` does not match template '
     '`labels`'),
    (deployment(template=template({})), "spec.template.metadata.labels",
     "map[string]string(nil)"),
    (deployment(template=template(restartPolicy="Never")), "spec.template.spec.restartPolicy",
     'Unsupported value: "Never": supported values: "Always"'),
    (deployment(template=template(restartPolicy="Sometimes")), "spec.template.spec.restartPolicy",
     'supported values: "Always", "Never", "OnFailure"'),
    (deployment(template=template(activeDeadlineSeconds=5)),
     "spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet"),
    (deployment(template=template(containers=[{"name": "a"}])),
     "spec.template.spec.containers[0].image", "Required value"),
    (deployment(template={"metadata": {"labels": {"app": "web"}}}),
     "spec.template.spec.containers", "Required value"),
    (deployment(template=[]), "spec.template", "must be a mapping"),
    (_set(deployment(), "spec.template", None), "spec.template.spec.containers", "Required value"),
    (deployment(strategy={"type": "Recreate", "rollingUpdate": {}}), "spec.strategy.rollingUpdate",
     "Forbidden: may not be specified when strategy `type` is 'Recreate'"),
    (deployment(strategy={"type": "Canary"}), "spec.strategy.type",
     'Unsupported value: "Canary": supported values: "Recreate", "RollingUpdate"'),
    (deployment(strategy={"type": 1}), "spec.strategy.type", "must be a string"),
    (deployment(strategy={"rollingUpdate": {"maxSurge": "5"}}),
     "spec.strategy.rollingUpdate.maxSurge",
     "a valid percent string must be a numeric string followed by an ending '%'"),
    (deployment(strategy={"rollingUpdate": {"maxUnavailable": "-5%"}}),
     "spec.strategy.rollingUpdate.maxUnavailable", "a valid percent string"),
    (deployment(strategy={"rollingUpdate": {"maxUnavailable": "1.5%"}}),
     "spec.strategy.rollingUpdate.maxUnavailable", "a valid percent string"),
    (deployment(strategy={"rollingUpdate": {"maxSurge": -1}}),
     "spec.strategy.rollingUpdate.maxSurge", "must be greater than or equal to 0"),
    (deployment(strategy={"rollingUpdate": {"maxSurge": True}}),
     "spec.strategy.rollingUpdate.maxSurge", "must be an integer"),
    (deployment(strategy={"rollingUpdate": {"maxSurge": 2**40}}),
     "spec.strategy.rollingUpdate.maxSurge", "32-bit integer"),
    (deployment(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     "spec.strategy.rollingUpdate.maxUnavailable",
     "Invalid value: 0: may not be 0 when `maxSurge` is 0"),
    (deployment(strategy={"rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "0%"}}),
     "spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when `maxSurge` is 0"),
    (deployment(strategy={"rollingUpdate": {"maxSurge": "00%", "maxUnavailable": 0}}),
     "spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when `maxSurge` is 0"),
    (deployment(strategy={"rollingUpdate": {"maxUnavailable": "101%"}}),
     "spec.strategy.rollingUpdate.maxUnavailable", "must not be greater than 100%"),
    (deployment(strategy={"rollingUpdate": {"maxSurgee": 1}}),
     "spec.strategy.rollingUpdate.maxSurgee", 'unknown field'),
    (deployment(strategy="RollingUpdate"), "spec.strategy", "must be a mapping"),
    (deployment(replicas=-1), "spec.replicas", "must be greater than or equal to 0"),
    (deployment(replicas=1.5), "spec.replicas", "must be an integer"),
    (deployment(minReadySeconds=-1), "spec.minReadySeconds", "must be greater than or equal to 0"),
    (deployment(revisionHistoryLimit=-1), "spec.revisionHistoryLimit",
     "must be greater than or equal to 0"),
    (deployment(progressDeadlineSeconds=-1), "spec.progressDeadlineSeconds",
     "must be greater than or equal to 0"),
    (deployment(progressDeadlineSeconds=10, minReadySeconds=10), "spec.progressDeadlineSeconds",
     "Invalid value: 10: must be greater than minReadySeconds"),
    # defaulting runs before validation: the default 600 must exceed minReadySeconds too
    (deployment(minReadySeconds=600), "spec.progressDeadlineSeconds",
     "Invalid value: 600: must be greater than minReadySeconds"),
    (deployment(paused="true"), "spec.paused", "must be a boolean"),
    (deployment(rollbackTo={"revision": 1}), "spec.rollbackTo", "unknown field"),
    (deployment(selector={"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "tier", "operator": "Gt", "values": ["1"]}]}),
     "spec.selector.matchExpressions[0].operator",
     'Invalid value: "Gt": not a valid selector operator'),
    (deployment(selector={"matchExpressions": [{"key": "app"}]}),
     "spec.selector.matchExpressions[0].operator", "not a valid selector operator"),
    (deployment(selector={"matchExpressions": [{"key": "app", "operator": "NotIn"}]}),
     "spec.selector.matchExpressions[0].values",
     "Required value: must be specified when `operator` is 'In' or 'NotIn'"),
    (deployment(selector={"matchExpressions": [
        {"key": "app", "operator": "DoesNotExist", "values": ["x"]}]}),
     "spec.selector.matchExpressions[0].values", "Forbidden: may not be specified"),
    (deployment(selector={"matchExpressions": [{"key": "", "operator": "Exists"}]}),
     "spec.selector.matchExpressions[0].key", "name part must be non-empty"),
    (deployment(selector={"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["ok", "not ok"]}]}),
     "spec.selector.matchExpressions[0].values[1]", "a valid label must be"),
    (deployment(selector={"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["web"], "extra": 1}]}),
     "spec.selector.matchExpressions[0].extra", "unknown field"),
    (deployment(selector={"matchExpressions": [None]}),
     "spec.selector.matchExpressions[0]", "must not be null"),
    (deployment(selector={"matchLabels": {"app": 1}}), "spec.selector.matchLabels",
     'value of "app" must be a string'),
    (deployment(selector={"matchLabels": {"a b": "web"}}), "spec.selector.matchLabels",
     'Invalid value: "a b"'),
    (deployment(selector={"app": "web"}), "spec.selector.app", "unknown field"),
    (deployment(selector="app=web"), "spec.selector", "must be a mapping"),
    (_set(deployment(), "spec", None), "spec.selector", "Required value"),
    (_set(deployment(), "spec", []), "spec", "must be a mapping"),
    (_set(deployment(), "metadata", None), "metadata.name", "name or generateName is required"),
    (_set(deployment(), "metadata.name", "Web"), "metadata.name", "RFC 1123 subdomain"),
    (_set(deployment(), "status", {"replicas": -1}), "status.replicas",
     "must be greater than or equal to 0"),
    (_set(deployment(), "status", {"conditions": [{"status": "True"}]}),
     "status.conditions[0].type", "Required value"),
    (_set(deployment(), "status", {"state": "Complete"}), "status.state", "unknown field"),
    (_set(deployment(), "status", {"collisionCount": "1"}), "status.collisionCount",
     "must be an integer"),
])
def test_deployment_validation(doc, path, message):
    err = error_of(doc)
    assert err.path == path, str(err)
    assert message in err.message, str(err)


@pytest.mark.parametrize("doc, path, message", [
    (_set(replicaset(), "spec.selector", None), "spec.selector", "Required value"),
    (replicaset(selector={}), "spec.selector", "empty selector is invalid for deployment"),
    (replicaset(selector={"matchExpressions": [
        {"key": "app", "operator": "NotIn", "values": ["web"]}]}),
     "spec.template.metadata.labels", "`selector` does not match template `labels`"),
    (replicaset(replicas=-2), "spec.replicas", "must be greater than or equal to 0"),
    (replicaset(minReadySeconds=-2), "spec.minReadySeconds", "must be greater than or equal to 0"),
    (replicaset(template=template(restartPolicy="OnFailure")), "spec.template.spec.restartPolicy",
     'supported values: "Always"'),
    (replicaset(strategy={}), "spec.strategy", "unknown field"),
    (_set(replicaset(), "status", {"fullyLabeledReplicas": -1}), "status.fullyLabeledReplicas",
     "must be greater than or equal to 0"),
])
def test_replicaset_validation(doc, path, message):
    err = error_of(doc)
    assert err.path == path, str(err)
    assert message in err.message, str(err)


@pytest.mark.parametrize("doc, path, message", [
    (_set(rc(), "spec.template", None), "spec.selector", "Required value"),
    (_set(rc(selector={"app": "web"}), "spec.template", None), "spec.template", "Required value"),
    (rc(template=template({})), "spec.selector", "Required value"),
    (rc(selector={"app": "api"}), "spec.template.metadata.labels",
     'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'),
    (rc(selector={"app": "web", "v": "2"}), "spec.template.metadata.labels", "does not match"),
    (rc(template=template(restartPolicy="Never")), "spec.template.spec.restartPolicy",
     'Unsupported value: "Never": supported values: "Always"'),
    (rc(template=template(activeDeadlineSeconds=9)), "spec.template.spec.activeDeadlineSeconds",
     "activeDeadlineSeconds in ReplicationController is not Supported"),
    (rc(selector={"matchLabels": {"app": "web"}}), "spec.selector",
     'value of "matchLabels" must be a string'),
    (rc(selector={"-bad": "web"}), "spec.selector", 'Invalid value: "-bad"'),
    (rc(replicas=-1), "spec.replicas", "must be greater than or equal to 0"),
    (rc(minReadySeconds="5"), "spec.minReadySeconds", "must be an integer"),
    (rc(strategy={}), "spec.strategy", "unknown field"),
    (_set(rc(), "spec", None), "spec.selector", "Required value"),
])
def test_rc_validation(doc, path, message):
    err = error_of(doc)
    assert err.path == path, str(err)
    assert message in err.message, str(err)


def test_unknown_field_error_type():
    with pytest.raises(UnknownFieldError):
        parse_object(deployment(replica=3))


def test_errors_collected_in_manifest_order_and_summarised():
    err = error_of(deployment(replicas=-1, minReadySeconds=-1, paused=1))
    assert err.path == "spec.replicas"
    assert "and 2 more errors" in err.message
    assert "spec.minReadySeconds" in err.message and "spec.paused" in err.message


def test_maxsurge_zero_with_positive_percent_unavailable_is_valid():
    # checked on the raw values: "1%" of 10 rounds down to 0, the controller then uses 1
    d = parse_object(deployment(strategy={"rollingUpdate": {"maxSurge": 0,
                                                            "maxUnavailable": "1%"}}))
    assert d.spec.strategy.rolling_update == RollingUpdateDeployment("1%", 0)


def test_bad_corpus_has_enough_workload_files():
    assert len(WORKLOAD_BAD) >= 15
    kinds = {p.read_text().split("kind: ", 1)[1].split()[0] for p in WORKLOAD_BAD}
    assert kinds == {"DaemonSet", "Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"}


@pytest.mark.parametrize("path", WORKLOAD_BAD, ids=[p.stem for p in WORKLOAD_BAD])
def test_workload_bad_files_raise_spec_error_before_the_engine(path: Path):
    """Decoding alone rejects them, so applying them never reaches the engine."""
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: ")
    with pytest.raises(SpecError) as info:
        load_file(path)
    assert info.value.path == first.split(":", 1)[1].strip()


def test_manifest_input_is_not_mutated():
    doc = deployment(strategy={"rollingUpdate": {"maxSurge": 1}})
    doc["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = {"httpGet": {"port": 80}}
    before = copy.deepcopy(doc)
    parse_object(doc)
    r = rc()
    before_rc = copy.deepcopy(r)
    parse_object(r)
    assert doc == before and r == before_rc


def test_list_and_multi_document_inputs():
    text = (WEB_DEPLOYMENT.read_text() + "\n---\n"
            + (DATA / "good" / "replicationcontroller.yaml").read_text())
    objs = parse_manifests(text)
    assert [type(o) for o in objs] == [Deployment, ReplicationController]
    objs = parse_manifests({"apiVersion": "v1", "kind": "List", "items": [replicaset(), rc()]})
    assert [type(o) for o in objs] == [ReplicaSet, ReplicationController]
    with pytest.raises(SpecError) as info:
        parse_manifests({"apiVersion": "v1", "kind": "List",
                         "items": [rc(), deployment(replicas=-1)]})
    assert info.value.path == "items[1].spec.replicas"


# ------------------------------------------------------------ to_manifest


def test_to_manifest_exact_small_deployment():
    doc = deployment(replicas=3, strategy={"rollingUpdate": {"maxSurge": 1}})
    doc["metadata"]["labels"] = {"app": "web"}
    assert to_manifest(parse_object(doc)) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{
                        "name": "nginx",
                        "image": "nginx:1.25",
                        "resources": {},
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
            },
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {},
    }


def test_to_manifest_key_order_follows_go_structs():
    m = to_manifest(parse_object(deployment(minReadySeconds=5, paused=True)))
    assert list(m) == ["apiVersion", "kind", "metadata", "spec", "status"]
    assert list(m["spec"]) == ["replicas", "selector", "template", "strategy", "minReadySeconds",
                               "revisionHistoryLimit", "paused", "progressDeadlineSeconds"]
    m = to_manifest(parse_object(replicaset(minReadySeconds=5)))
    assert list(m["spec"]) == ["replicas", "minReadySeconds", "selector", "template"]


def test_to_manifest_recreate_and_expressions():
    (d,) = load_file(DATA / "good" / "deployment-recreate.yaml")
    m = to_manifest(d)
    assert m["spec"]["strategy"] == {"type": "Recreate"}
    assert m["spec"]["replicas"] == 0 and m["spec"]["revisionHistoryLimit"] == 0
    assert m["spec"]["selector"] == {"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["db"]}]}


def test_to_manifest_status_omits_zeros_and_internal_fields():
    d = parse_object(deployment())
    running = attrs.evolve(d, status=attrs.evolve(
        d.status, observed_generation=2, replicas=1, ready_replicas=0, state="Complete",
        state_since=5000, conditions=(Condition("Available", "True", "MinimumReplicasAvailable",
                                                last_update_time=1000,
                                                last_transition_time=2500),)))
    status = to_manifest(running)["status"]
    assert status == {
        "observedGeneration": 2, "replicas": 1,
        "conditions": [{"type": "Available", "status": "True",
                        "lastTransitionTime": "1970-01-01T00:00:02Z",
                        "lastUpdateTime": "1970-01-01T00:00:01Z",
                        "reason": "MinimumReplicasAvailable"}],
    }
    again = parse_object(to_manifest(running))
    assert again.status.state == "Progressing" and again.status.state_since is None
    assert again.status.observed_generation == 2
    collided = attrs.evolve(d, status=attrs.evolve(d.status, collision_count=0))
    assert to_manifest(collided)["status"] == {"collisionCount": 0}


def test_to_manifest_replicaset_and_rc():
    r = parse_object(replicaset())
    m = to_manifest(r)
    assert m["apiVersion"] == "apps/v1" and m["kind"] == "ReplicaSet"
    assert m["status"] == {"replicas": 0}  # ReplicaSetStatus.replicas has no omitempty
    internal = attrs.evolve(r, status=attrs.evolve(r.status, state="Scaling"))
    assert "state" not in to_manifest(internal)["status"]
    c = parse_object(rc())
    m = to_manifest(c)
    assert m["apiVersion"] == "v1" and m["kind"] == "ReplicationController"
    assert m["spec"]["selector"] == {"app": "web"}
    assert m["metadata"]["labels"] == {"app": "web"}
    assert m["status"] == {"replicas": 0}
    json.dumps(m)


def test_to_manifest_programmatic_objects():
    from kstate.resources import ObjectMeta, PodTemplateSpec, ReplicaSetSpec
    r = ReplicaSet(metadata=ObjectMeta(name="x", namespace="default"),
                   spec=ReplicaSetSpec(selector=LabelSelector({"a": "b"}),
                                       template=PodTemplateSpec(ObjectMeta(labels=FrozenDict(
                                           {"a": "b"})))))
    m = to_manifest(r)
    assert m["spec"]["template"] == {"metadata": {"labels": {"a": "b"}}}
    d = parse_object(deployment())
    m = to_manifest(attrs.evolve(d, spec=attrs.evolve(
        d.spec, revision_history_limit=None, progress_deadline_seconds=None,
        strategy=DeploymentStrategy("RollingUpdate", RollingUpdateDeployment(None, 3)))))
    assert "revisionHistoryLimit" not in m["spec"] and "progressDeadlineSeconds" not in m["spec"]
    assert m["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3}}


# ------------------------------------------------------------ round trips


@pytest.mark.parametrize("path", WORKLOAD_GOOD + [WEB_DEPLOYMENT],
                         ids=[p.stem for p in WORKLOAD_GOOD + [WEB_DEPLOYMENT]])
def test_good_workload_files_round_trip(path: Path):
    objs = load_file(path)
    assert objs
    for obj in objs:
        manifest = to_manifest(obj)
        json.dumps(manifest)
        again = parse_object(manifest)
        assert again == obj
        assert to_manifest(again) == manifest


def test_good_corpus_covers_every_workload_kind():
    kinds = {type(o) for p in WORKLOAD_GOOD for o in load_file(p)}
    assert kinds == {Deployment, ReplicaSet, ReplicationController}


# ------------------------------------------------------------ properties

_SPEC_KEYS = [
    "replicas", "selector", "template", "strategy", "minReadySeconds", "paused",
    "revisionHistoryLimit", "progressDeadlineSeconds", "matchLabels", "matchExpressions",
    "key", "operator", "values", "type", "rollingUpdate", "maxSurge", "maxUnavailable",
    "metadata", "spec", "labels", "containers", "name", "image", "restartPolicy",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12) | st.sampled_from(["25%", "0%", "100%", "101%", "0", "In", "Exists",
                                             "Recreate", "RollingUpdate", "Always", "web"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12) | st.sampled_from(_SPEC_KEYS), children, max_size=4),
    max_leaves=30,
)

_KIND_DOCS = [deployment, replicaset, rc]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_KIND_DOCS), json_values)
def test_random_spec_raises_only_spec_error(make, value):
    doc = make()
    doc["spec"] = value
    spec_error_or_round_trip(doc)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_KIND_DOCS), st.sampled_from(_SPEC_KEYS), json_values)
def test_random_spec_field_raises_only_spec_error(make, key, value):
    doc = make()
    doc["spec"][key] = value
    spec_error_or_round_trip(doc)


_SEED_DOCS = [to_manifest(o) for p in WORKLOAD_GOOD for o in load_file(p)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_workload_manifests_raise_only_spec_error(data):
    spec_error_or_round_trip(mutate(data, st, _SEED_DOCS, _SPEC_KEYS, json_values))
