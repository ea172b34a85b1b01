"""kstate.io.manifests' shortcut for objects made from one template (the
validated-sibling memo) and the lazily made per-document sources of
`parse_manifest_sources`: both must answer exactly what decoding every
document on its own answers."""
from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kstate import Cluster
from kstate.errors import SpecError
from kstate.io import parse_object, parse_sourced_manifests, to_manifest
from kstate.io import manifests
from kstate.io.fields import dns1123_subdomain_error
from kstate.io.manifests import parse_manifest_sources
from kstate.resources import FrozenDict


def _template():
    return parse_object({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "tpl", "labels": {"app": "a"}},
                         "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})


def _named(tpl, name, **meta):
    return attrs.evolve(tpl, metadata=attrs.evolve(tpl.metadata, name=name, **meta))


def test_siblings_decode_as_each_document_alone():
    tpl = _template()
    docs = [_named(tpl, "p-0"), _named(tpl, "p-1"), _named(tpl, "p-2", labels=FrozenDict({"app": "b"})),
            _named(tpl, "p-3"), _named(tpl, "p-4", namespace="other"),
            attrs.evolve(_named(tpl, "p-5"), spec=attrs.evolve(tpl.spec, priority=None))]
    alone = [parse_object(to_manifest(d)) for d in docs]
    got = [o for o, _ in parse_sourced_manifests(docs)]
    assert got == alone
    assert [o.metadata.labels["app"] for o in got] == ["a", "a", "b", "a", "a", "a"]
    assert [o.metadata.namespace for o in got] == ["default"] * 4 + ["other", "default"]


def test_a_sibling_with_a_bad_name_is_refused_at_its_document():
    tpl = _template()
    docs = [_named(tpl, "p-0"), _named(tpl, "p-1"), _named(tpl, "Bad_Name"), _named(tpl, "p-3")]
    with pytest.raises(SpecError) as info:
        parse_sourced_manifests(docs, source="gen")
    assert info.value.path == "metadata.name"
    assert info.value.source == "gen (document 3)"
    assert "RFC 1123 subdomain" in str(info.value)


def test_sources_follow_list_items_and_count_from_one():
    tpl = _template()
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    lst = {"apiVersion": "v1", "kind": "List", "items": [ns, to_manifest(_named(tpl, "q"))]}
    empty = {"apiVersion": "v1", "kind": "List", "items": []}
    objs, sources = parse_manifest_sources([_named(tpl, "p-0"), lst, empty, _named(tpl, "p-1")], "in")
    assert [o.metadata.name for o in objs] == ["p-0", "shop", "q", "p-1"]
    want = ["in (document 1)", "in (document 2)", "in (document 2)", "in (document 4)"]
    assert list(sources) == want
    assert sources[-1] == want[-1] and sources[1:3] == want[1:3] and len(sources) == 4
    with pytest.raises(IndexError):
        sources[4]
    objs, sources = parse_manifest_sources([_named(tpl, "p-0"), _named(tpl, "p-1")], "in")
    assert list(sources) == ["in (document 1)", "in (document 2)"]
    objs, sources = parse_manifest_sources(_named(tpl, "p-0"), "one")
    assert list(sources) == ["one"]
    text = "---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n" + \
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n"
    assert list(parse_manifest_sources(text, "t.yaml")[1]) == ["t.yaml (document 2)", "t.yaml (document 3)"]


def test_an_apply_names_the_document_of_the_object_it_refuses():
    tpl = _template()
    c = Cluster(nodes=1)
    with pytest.raises(SpecError) as info:
        c.apply([_named(tpl, "p-0"), _named(tpl, "p-1"), _named(tpl, "p-2", namespace="nowhere")])
    assert info.value.source == "<input> (document 3)"
    assert info.value.path == "metadata.namespace"
    assert c.engine.list("Pod") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab09-.A_", min_size=1, max_size=12) | st.sampled_from(
    ["a", "-a", "a-", "a..b", "a.b", "a.-b", "0", "x" * 253, "x" * 254, "a" * 63 + "." + "b" * 63]))
def test_the_sibling_name_check_is_dns1123_subdomain_error(name):
    ok = len(name) <= 253 and manifests._DNS1123_SUBDOMAIN.fullmatch(name) is not None
    assert ok == (dns1123_subdomain_error(name) is None)
