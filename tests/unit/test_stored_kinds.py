"""Kinds kstate stores but does not simulate, and custom resources
(the kind-registry issue, item 4): accepted whole, listed, deleted,
garbage-collected, snapshotted, and returned as applied."""
from __future__ import annotations

import pathlib

import pytest

import kstate
from kstate.errors import SpecError

ROOT = pathlib.Path(__file__).resolve().parents[2]

CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, shortNames: [wd]}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
"""


def test_documentation_bundle_applies_and_the_deployment_runs():
    c = kstate.Cluster(nodes=2, seed=0)
    stored = c.apply_file(ROOT / "specs" / "manifests" / "web-bundle.yaml")
    assert [o.KIND for o in stored] == ["ServiceAccount", "ConfigMap", "Service", "Deployment"]
    c.run_until_stable()
    assert c.get("deploy", "web").status.ready_replicas == 3
    assert [o.metadata.name for o in c.list("configmaps")] == ["web-config"]
    assert [o.metadata.name for o in c.list("sa")] == ["web"]
    assert [o.metadata.name for o in c.list("svc", selector="app=web")] == ["web"]
    restored = kstate.Cluster.restore(c.snapshot())
    for kind in ("cm", "sa", "svc"):
        assert restored.list(kind) == c.list(kind)
    assert kstate.to_manifest(restored.get("cm", "web-config"))["data"] == {
        "LOG_LEVEL": "info", "index.html": "<h1>hello</h1>\n"}


def test_to_manifest_returns_what_was_applied_plus_server_metadata():
    c = kstate.Cluster(nodes=0)
    doc = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"},
           "spec": {"rules": [{"host": "a.example", "http": {"paths": [
               {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}
    obj = c.apply(doc)
    out = kstate.to_manifest(obj)
    assert out["spec"] == doc["spec"]
    assert out["metadata"]["namespace"] == "default" and out["metadata"]["uid"] == obj.metadata.uid
    assert kstate.parse_manifests(out)[0].body == obj.body


def test_cluster_scoped_stored_kind_has_no_namespace():
    c = kstate.Cluster(nodes=0)
    obj = c.apply({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "high"},
                   "spec": {"controller": "example.com/ingress"}})
    assert obj.metadata.namespace == ""
    assert c.get("ingressclasses", "high").field("spec") == {"controller": "example.com/ingress"}


@pytest.mark.parametrize("doc,path,message", [
    ({"apiVersion": "apps/v1", "kind": "Pod", "metadata": {"name": "x"}}, "apiVersion",
     'no matches for kind "Pod" in version "apps/v1"'),
    ({"apiVersion": "v1", "kind": "Deployment", "metadata": {"name": "x"}}, "apiVersion",
     'no matches for kind "Deployment" in version "v1"'),
    ({"apiVersion": "v1", "kind": "Gadget", "metadata": {"name": "x"}}, "kind",
     'no matches for kind "Gadget" in version "v1"'),
    ({"apiVersion": "apps/v1", "kind": "Widget", "metadata": {"name": "x"}}, "kind",
     'no matches for kind "Widget" in version "apps/v1"'),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}}, "metadata.name", "Invalid value"),
    ({"apiVersion": "v1", "kind": "ConfigMap"}, "metadata.name", "Required value"),
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1web"}}, "metadata.name", "DNS-1035"),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "b c"}}},
     "metadata.labels", "Invalid value"),
    ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x", "ownerReferences": [{"kind": "Pod"}]}},
     "metadata.ownerReferences[0]", "Required value"),
])
def test_bad_stored_manifests_are_refused_and_change_nothing(doc, path, message):
    c = kstate.Cluster(nodes=0)
    before = c.snapshot()
    with pytest.raises(SpecError) as e:
        c.apply([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ok"}}, doc])
    assert e.value.path.startswith(path) and message in e.value.message
    assert c.snapshot() == before


def test_rbac_names_may_contain_colons():
    c = kstate.Cluster(nodes=0)
    obj = c.apply({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                   "metadata": {"name": "system:controller:web"}, "rules": []})
    assert c.get("clusterroles", "system:controller:web") == obj


def test_stored_objects_are_deleted_and_garbage_collected_with_their_owner():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply_file(ROOT / "specs" / "manifests" / "web-bundle.yaml")
    c.run_until_stable()
    d = c.get("deploy", "web")
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owned", "ownerReferences": [
        {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": d.metadata.uid}]}})
    c.delete("cm", "web-config")
    assert [o.metadata.name for o in c.list("cm")] == ["owned"]
    c.delete("deploy", "web")
    c.run_until_stable()
    assert c.list("cm") == []
    assert c.list("pods") == []


def test_apply_replaces_the_body_of_a_stored_object():
    c = kstate.Cluster(nodes=0)
    first = c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}})
    second = c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"b": "2"}})
    assert second.field("data") == {"b": "2"} and c.get("ConfigMap", "cfg").field("data") == {"b": "2"}
    assert second.metadata.uid == first.metadata.uid
    assert int(second.metadata.resource_version) > int(first.metadata.resource_version)
    again = c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"b": "2"}})
    assert again.metadata.resource_version == second.metadata.resource_version   # nothing changed, nothing written


def test_update_of_an_immutable_configmap_is_refused():
    c = kstate.Cluster(nodes=0)
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "1"},
             "immutable": True})
    with pytest.raises(SpecError, match="immutable"):
        c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "2"},
                 "immutable": True})
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"l": "v"}},
             "data": {"a": "1"}, "immutable": True})
    assert c.get("cm", "x").metadata.labels == {"l": "v"}


def test_custom_resource_needs_its_definition():
    c = kstate.Cluster(nodes=0)
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}}
    with pytest.raises(SpecError, match="ensure CRDs are installed first"):
        c.apply(widget)
    c.apply(CRD)
    obj = c.apply(widget)
    assert obj.metadata.namespace == "default"
    assert [w.metadata.name for w in c.list("wd")] == ["w"]
    assert [w.metadata.name for w in c.list("widgets.example.com")] == ["w"]
    with pytest.raises(SpecError, match="no matches"):
        c.apply({**widget, "apiVersion": "example.com/v2"})


def test_custom_resource_and_definition_in_one_file():
    c = kstate.Cluster(nodes=0)
    c.apply(CRD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: kube-system}\n")
    assert c.get("Widget", "w", "kube-system").field("spec") is None
