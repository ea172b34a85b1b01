"""Optional structural validation of stored kinds against Kubernetes' OpenAPI
schemas (kstate.io.schemas, extra `kstate[schemas]`; the test extra installs it)."""
from __future__ import annotations

import pytest

import kstate
from kstate.cli import main
from kstate.errors import SpecError, UnknownFieldError
from kstate.io import schemas


def cm(**body) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, **body}


@pytest.mark.parametrize("doc,want", [
    (cm(dataa={}), [("dataa", 'unknown field "dataa"')]),
    (cm(data=[1]), [("data", "Invalid value: [1]: must be object")]),
    (cm(data={"enabled": True}), [("data.enabled", "Invalid value: true: must be string")]),
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": "x"}]}},
     [("spec.ports[0].port", 'Invalid value: "x": must be integer')]),
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"name": "a"}]}},
     [("spec.ports[0].port", "Required value")]),
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 2**40}]}},
     [("spec.ports[0].port", "Invalid value: 1099511627776: must fit in int32")]),
    ({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p"},
      "spec": {"minAvailable": None}}, []),
    (cm(data={"a": "b"}), []),
    ({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"x": 1}}, []),
])
def test_validate_reports_every_error_in_kstate_wording(doc, want):
    assert schemas.validate(doc, kstate.KUBERNETES_VERSION) == want


def test_parse_checks_schemas_only_when_asked():
    doc = cm(data={"a": "b"}, dataa={})
    assert kstate.parse_manifests(doc)[0].field("dataa") == {}
    with pytest.raises(UnknownFieldError) as e:
        kstate.parse_manifests(doc, source="cm.yaml", schemas=True)
    assert (e.value.path, e.value.source) == ("dataa", "cm.yaml")


def test_cluster_with_schemas_refuses_and_changes_nothing():
    c = kstate.Cluster(nodes=0, validate_schemas=True)
    before = c.snapshot()
    with pytest.raises(SpecError) as e:
        c.apply([cm(data={"a": "b"}), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                                       "spec": {"ports": [{"port": "http"}]}}])
    assert e.value.path == "spec.ports[0].port"
    assert c.snapshot() == before
    c.apply(cm(data={"a": "b"}))
    assert c.get("cm", "c").field("data") == {"a": "b"}


def test_cli_validate_schemas(tmp_path, capsys):
    # (a Service is decoded strictly since it is simulated: its typo fails without --schemas too)
    f = tmp_path / "ing.yaml"
    f.write_text("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: s}\nspec:\n  ingressClassname: x\n")
    assert main(["validate", str(f)]) == 0
    assert main(["validate", "--schemas", str(f)]) == 1
    assert 'unknown field "spec.ingressClassname"' in capsys.readouterr().out
