"""kstate.resources.selector against Kubernetes' label selectors.

Tables come from k8s.io/apimachinery/pkg/labels/selector_test.go
(TestSelectorParse, TestSelectorMatches, TestSetMatches,
TestRequirementSelectorMatching, TestSetSelectorParser, TestToString,
TestRequirementConstructor), k8s.io/apimachinery/pkg/apis/meta/v1/helpers_test.go
(LabelSelectorAsSelector: nil matches nothing, empty matches everything) and
k8s.io/apimachinery/pkg/util/validation/validation_test.go
(TestIsQualifiedName, TestIsValidLabelValue).
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kstate.errors import SpecError
from kstate.resources.frozen import EMPTY, FrozenDict
from kstate.resources.selector import (
    LabelSelector,
    Requirement,
    matches,
    parse_selector,
    selector_from_labels,
    selector_to_dict,
    selector_to_string,
    validate_label_key,
    validate_label_value,
)

NAME_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
    "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def sel(labels=None, *exprs):
    return LabelSelector(match_labels=FrozenDict(labels or {}), match_expressions=tuple(exprs))


# ----------------------------------------------------------------- matching

# TestSelectorMatches (selector_test.go), minus the Gt / Lt rows.
SELECTOR_MATCHES = [
    ("", {"x": "y"}, True),
    ("x=y", {"x": "y"}, True),
    ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
    ("notin=in", {"notin": "in"}, True),  # in and notin in exactMatch
    ("x", {"x": "z"}, True),
    ("!x", {"y": "z"}, True),
    ("x=z", {}, False),
    ("x=y", {"x": "z"}, False),
    ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
    ("x", {"y": "z"}, False),
    ("!x", {"x": "z"}, False),
    ("foo=bar", {"foo": "bar", "baz": "blah"}, True),
    ("baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=blah", {"foo": "bar", "baz": "blah"}, False),
    ("baz=bar", {"foo": "bar", "baz": "blah"}, False),
    ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
    # set-based forms
    ("x in (a,b)", {"x": "b"}, True),
    ("x in (a,b)", {"x": "c"}, False),
    ("x in (a,b)", {}, False),
    ("x notin (a,b)", {}, True),
    ("x notin (a,b)", {"x": "c"}, True),
    ("x notin (a,b)", {"x": "a"}, False),
    ("x=a,x=b", {"x": "a"}, False),  # repeated key: both must hold
    ("x=", {"x": ""}, True),
    ("x=", {}, False),
]


@pytest.mark.parametrize("text,labels,expected", SELECTOR_MATCHES)
def test_parsed_selector_matches(text, labels, expected):
    s = parse_selector(text)
    assert matches(s, labels) is expected
    assert s.matches(labels) is expected


# TestRequirementSelectorMatching (selector_test.go), on constructed values.
REQUIREMENT_MATCHES = [
    ({"x": "foo", "y": "baz"}, [Requirement("x", "In", ("foo",)), Requirement("y", "NotIn", ("alpha",))], True),
    ({"x": "foo", "y": "baz"}, [Requirement("x", "In", ("foo",)), Requirement("y", "In", ("alpha",))], False),
    ({"y": ""}, [Requirement("x", "NotIn", ("",)), Requirement("y", "Exists")], True),
    ({"y": ""}, [Requirement("x", "DoesNotExist"), Requirement("y", "Exists")], True),
    ({"y": ""}, [Requirement("x", "NotIn", ("",)), Requirement("y", "DoesNotExist")], False),
    ({"y": "baz"}, [Requirement("x", "In", ("",))], False),
]


@pytest.mark.parametrize("labels,reqs,expected", REQUIREMENT_MATCHES)
def test_requirements_match(labels, reqs, expected):
    assert matches(sel(None, *reqs), labels) is expected


def test_nil_selector_matches_nothing_and_empty_matches_everything():
    # helpers.go LabelSelectorAsSelector: nil -> labels.Nothing(), empty -> labels.Everything()
    assert matches(None, {}) is False
    assert matches(None, {"a": "b"}) is False
    assert matches(LabelSelector(), {}) is True
    assert matches(LabelSelector(), {"a": "b"}) is True
    assert LabelSelector().is_empty()
    assert parse_selector("").is_empty()
    assert not parse_selector("a").is_empty()
    assert not sel({"a": "b"}).is_empty()


def test_match_labels_and_expressions_are_anded():
    s = sel({"app": "web"}, Requirement("tier", "In", ("fe", "be")))
    assert matches(s, {"app": "web", "tier": "fe"})
    assert not matches(s, {"app": "web"})
    assert not matches(s, {"app": "db", "tier": "fe"})


@pytest.mark.parametrize(
    "labels,expected",
    [({}, True), ({"foo": "bar"}, True), ({"baz": "blah"}, True), ({"foo": "bar", "baz": "blah"}, True),
     ({"foo": "baz"}, False), ({"foo": "bar", "x": "y"}, False)],
)
def test_selector_from_labels(labels, expected):
    # TestSetMatches: SelectorFromSet(selector).Matches(labelset)
    s = selector_from_labels(labels)
    assert s.match_labels == labels and s.match_expressions == ()
    assert matches(s, {"foo": "bar", "baz": "blah"}) is expected
    assert selector_from_labels(None) == LabelSelector()


def test_matches_accepts_any_mapping():
    from types import MappingProxyType

    s = sel({"a": "1"}, Requirement("b", "Exists"))
    assert matches(s, MappingProxyType({"a": "1", "b": ""}))
    assert not matches(s, MappingProxyType({"a": "2", "b": ""}))
    assert matches(s, FrozenDict({"a": "1", "b": "x"}))


# ---------------------------------------------------------------- the model

def test_values_are_frozen_and_hashable():
    s = LabelSelector(match_labels={"a": "b"}, match_expressions=[Requirement("k", "In", ["x"])])
    assert isinstance(s.match_labels, FrozenDict)
    assert s.match_expressions == (Requirement("k", "In", ("x",)),)
    assert hash(s) == hash(LabelSelector(FrozenDict({"a": "b"}), (Requirement("k", "In", ("x",)),)))
    assert LabelSelector().match_labels is EMPTY
    with pytest.raises(AttributeError):
        s.match_labels = EMPTY  # type: ignore[misc]
    assert repr(Requirement("k", "Exists")) == "Requirement(key='k', operator='Exists', values=())"


@pytest.mark.parametrize("op,normal", [("=", "In"), ("==", "In"), ("!=", "NotIn"), ("in", "In"), ("notin", "NotIn")])
def test_operator_spellings_normalize(op, normal):
    assert Requirement("k", op, ("v",)).operator == normal


# TestRequirementConstructor (selector_test.go) and LabelSelectorAsSelector's operator check.
@pytest.mark.parametrize(
    "key,op,values,path,message",
    [
        ("x", "In", (), "values", "for 'in', 'notin' operators, values set can't be empty"),
        ("x", "NotIn", (), "values", "for 'in', 'notin' operators, values set can't be empty"),
        ("x", "Exists", ("a",), "values", "values set must be empty for exists and does not exist"),
        ("x", "DoesNotExist", ("a",), "values", "values set must be empty for exists and does not exist"),
        ("x", "Gt", ("1",), "operator", '"Gt" is not a valid label selector operator'),
        ("x", "exists", (), "operator", '"exists" is not a valid label selector operator'),
    ],
)
def test_invalid_requirements(key, op, values, path, message):
    with pytest.raises(SpecError) as info:
        Requirement(key, op, values)
    assert info.value.message == message
    assert info.value.path == path


# ------------------------------------------------------------------ parsing

# TestSetSelectorParser (selector_test.go): input -> (match_labels, match_expressions)
PARSE_CASES = [
    ("", {}, ()),
    ("\rx", {}, (Requirement("x", "Exists"),)),
    ("this-is-a-dns.domain.com/key-with-dash", {},
     (Requirement("this-is-a-dns.domain.com/key-with-dash", "Exists"),)),
    ("this-is-another-dns.domain.com/key-with-dash in (so,what)", {},
     (Requirement("this-is-another-dns.domain.com/key-with-dash", "In", ("so", "what")),)),
    ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", {},
     (Requirement("0.1.2.domain/99", "NotIn", ("10.10.100.1", "tick.tack.clock")),)),
    ("foo  in\t (abc)", {}, (Requirement("foo", "In", ("abc",)),)),
    ("x notin\n (abc)", {}, (Requirement("x", "NotIn", ("abc",)),)),
    ("x  notin\t\t\t(abc,def)", {}, (Requirement("x", "NotIn", ("abc", "def")),)),
    ("x in (abc,)", {}, (Requirement("x", "In", ("", "abc")),)),
    ("x in ()", {}, (Requirement("x", "In", ("",)),)),
    ("x notin (abc,def),bar,z in (),w", {},
     (Requirement("bar", "Exists"), Requirement("w", "Exists"),
      Requirement("x", "NotIn", ("abc", "def")), Requirement("z", "In", ("",)))),
    ("x=a", {"x": "a"}, ()),
    ("x==a", {"x": "a"}, ()),
    ("x = a , y == b", {"x": "a", "y": "b"}, ()),
    ("x=a,y!=b", {"x": "a"}, (Requirement("y", "NotIn", ("b",)),)),
    ("x=a,y!=b,z in (h,i,j)", {"x": "a"},
     (Requirement("y", "NotIn", ("b",)), Requirement("z", "In", ("h", "i", "j")))),
    ("x notin ( )", {}, (Requirement("x", "NotIn", ("",)),)),
    # labels.Parse's doc-comment example
    ("x in (foo,,baz),y,z notin ()", {},
     (Requirement("x", "In", ("", "baz", "foo")), Requirement("y", "Exists"), Requirement("z", "NotIn", ("",)))),
    ("x notin (, a)", {}, (Requirement("x", "NotIn", ("", "a")),)),
    ("a ", {}, (Requirement("a", "Exists"),)),
    ("a in (x,y,notin, z,in)", {}, (Requirement("a", "In", ("in", "notin", "x", "y", "z")),)),
    ("x=,z= ", {"x": "", "z": ""}, ()),
    ("!x", {}, (Requirement("x", "DoesNotExist"),)),
    ("in in (in)", {}, (Requirement("in", "In", ("in",)),)),
    # repeated keys never go to match_labels
    ("x=a,x=b", {}, (Requirement("x", "In", ("a",)), Requirement("x", "In", ("b",)))),
    ("a=1,a", {}, (Requirement("a", "In", ("1",)), Requirement("a", "Exists"))),
    ("b=2,a=1,a!=3", {"b": "2"}, (Requirement("a", "In", ("1",)), Requirement("a", "NotIn", ("3",)))),
]


@pytest.mark.parametrize("text,labels,exprs", PARSE_CASES)
def test_parse_selector(text, labels, exprs):
    assert parse_selector(text) == LabelSelector(FrozenDict(labels), exprs)


def test_deterministic_parse():
    # TestDeterministicParse
    assert selector_to_string(parse_selector("x=a,a=x")) == selector_to_string(parse_selector("a=x,x=a"))
    assert parse_selector("z,a in (b),m") == parse_selector("m,a in (b),z")


# TestSelectorParse's bad strings and TestSetSelectorParser's invalid rows.
PARSE_ERRORS = [
    ("x=a||y=b", "unable to parse requirement: "),
    ("x==a==b", "found '==', expected: ',' or 'end of string'"),
    ("!x=a", "found '=', expected: ',' or 'end of string'"),
    ("x<a", "unable to parse requirement: found '<'"),
    ("x>1", "unable to parse requirement: found '>'"),  # valid in labels.Parse, not a LabelSelector
    ("x,,y", "found ',', expected: identifier after ','"),
    (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
    ("x nott in (y)", "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !="),
    ("a in (xyz),", "found '', expected: identifier after ','"),
    ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
    ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
    ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
    ("a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !="),
    ("(", "found '(', expected: !, identifier, or 'end of string'"),
    ("x in a", "unable to parse requirement: found 'a' expected: '('"),
    ("x=(", "unable to parse requirement: found '(', expected: identifier"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("app: nginx", 'unable to parse requirement: Invalid value: "app:": ' + NAME_MSG),
    ("-x", 'unable to parse requirement: Invalid value: "-x": ' + NAME_MSG),
    ("a/b/c", 'unable to parse requirement: Invalid value: "a/b/c": a qualified name'),
    ("x=" + "v" * 64, "unable to parse requirement: values[0][x]: Invalid value: "),
    ("x in (ok,-bad)", 'unable to parse requirement: values[0][x]: Invalid value: "-bad": '),
]


@pytest.mark.parametrize("text,message", PARSE_ERRORS)
def test_parse_selector_errors(text, message):
    with pytest.raises(SpecError) as info:
        parse_selector(text)
    assert info.value.message.startswith(message)
    assert info.value.path == ""


@pytest.mark.parametrize("value", [None, 1, b"a=b", ["a=b"]])
def test_parse_selector_rejects_non_strings(value):
    with pytest.raises(SpecError):
        parse_selector(value)


# ---------------------------------------------------------------- rendering

# TestToString (selector_test.go), in the LabelSelector vocabulary.
@pytest.mark.parametrize(
    "selector,text",
    [
        (sel(None, Requirement("x", "In", ("abc", "def")), Requirement("y", "NotIn", ("jkl",)),
             Requirement("z", "Exists")), "x in (abc,def),y notin (jkl),z"),
        (sel(None, Requirement("x", "NotIn", ("def", "abc")), Requirement("z", "DoesNotExist")),
         "x notin (abc,def),!z"),
        (sel(None, Requirement("x", "NotIn", ("abc",)), Requirement("y", "In", ("jkl", "mno")),
             Requirement("z", "NotIn", ("",))), "x notin (abc),y in (jkl,mno),z notin ()"),
        (sel({"tier": "fe", "app": "web"}), "app=web,tier=fe"),
        (sel({"app": "web"}, Requirement("tier", "In", ("b", "a"))), "app=web,tier in (a,b)"),
        (sel({"b": ""}, Requirement("a", "Exists")), "a,b="),
        (LabelSelector(), ""),
        (None, "<none>"),
    ],
)
def test_selector_to_string(selector, text):
    assert selector_to_string(selector) == text


def test_selector_to_dict():
    s = sel({"tier": "fe", "app": "web"}, Requirement("env", "NotIn", ("dev",)), Requirement("x", "Exists"))
    assert selector_to_dict(s) == {
        "matchLabels": {"app": "web", "tier": "fe"},
        "matchExpressions": [
            {"key": "env", "operator": "NotIn", "values": ["dev"]},
            {"key": "x", "operator": "Exists"},
        ],
    }
    assert list(selector_to_dict(s)["matchLabels"]) == ["app", "tier"]
    assert selector_to_dict(LabelSelector()) == {}
    assert selector_to_dict(sel({"a": "b"})) == {"matchLabels": {"a": "b"}}
    assert selector_to_dict(None) is None


# --------------------------------------------------------------- validation

# TestIsQualifiedName (validation_test.go)
@pytest.mark.parametrize(
    "key",
    ["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple",
     "now-with-dashes/now-with-dashes", "now.with.dots/simple", "now-with.dashes-and.dots/simple",
     "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123",
     "requests.storage-foo", "a" * 63, "a" * 253 + "/" + "b" * 63],
)
def test_valid_label_keys(key):
    assert validate_label_key(key) is None


@pytest.mark.parametrize(
    "key,message",
    [
        ("nospecialchars%^=@", NAME_MSG),
        ("cantendwithadash-", NAME_MSG),
        ("-cantstartwithadash-", NAME_MSG),
        ("only/one/slash", "a qualified name must consist of alphanumeric characters"),
        ("Example.com/abc", "prefix part a lowercase RFC 1123 subdomain must consist of"),
        ("example_com/abc", "prefix part a lowercase RFC 1123 subdomain must consist of"),
        ("example.com/", "name part must be non-empty; " + NAME_MSG),
        ("/simple", "prefix part must be non-empty"),
        ("", "name part must be non-empty; " + NAME_MSG),
        ("a" * 64, "name part must be no more than 63 characters"),
        ("a" * 254 + "/abc", "prefix part must be no more than 253 characters"),
    ],
)
def test_invalid_label_keys(key, message):
    err = validate_label_key(key)
    assert err is not None and err.startswith(message)


def test_invalid_label_key_full_text():
    assert validate_label_key("cantendwithadash-") == NAME_MSG
    assert validate_label_key("only/one/slash") == (
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start "
        "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
        "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional "
        "DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    )


# TestIsValidLabelValue (validation_test.go)
@pytest.mark.parametrize(
    "value", ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63, "",
              "Uppercase_Is_OK_123", "a.b_c-d"]
)
def test_valid_label_values(value):
    assert validate_label_value(value) is None


@pytest.mark.parametrize(
    "value,message",
    [
        ("nospecialchars%^=@", "a valid label must be an empty string or consist of alphanumeric characters"),
        ("Tama-nui-te-rā", "a valid label must be an empty string"),
        ("toolongtoolongtoolongtoolongtoolongtoolongtoolongtoolongtoolongtoolong",
         "must be no more than 63 characters"),
        ("-dash", "a valid label must be an empty string"),
        ("dash-", "a valid label must be an empty string"),
        ("a b", "a valid label must be an empty string"),
    ],
)
def test_invalid_label_values(value, message):
    err = validate_label_value(value)
    assert err is not None and err.startswith(message)


def test_validate_rejects_non_strings():
    assert validate_label_key(None) is not None  # type: ignore[arg-type]
    assert validate_label_value(3) is not None  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties

KEYS = ["a", "b", "app", "example.com/tier", "in", "notin"]
VALUES = ["", "x", "y", "web", "in"]

requirements = st.one_of(
    st.builds(Requirement, st.sampled_from(KEYS), st.sampled_from(["In", "NotIn"]),
              st.lists(st.sampled_from(VALUES), min_size=1, max_size=3).map(tuple)),
    st.builds(Requirement, st.sampled_from(KEYS), st.sampled_from(["Exists", "DoesNotExist"])),
)
selectors = st.builds(
    LabelSelector,
    st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3).map(FrozenDict),
    st.lists(requirements, max_size=4).map(tuple),
)
label_sets = st.dictionaries(st.sampled_from(KEYS + ["other"]), st.sampled_from(VALUES + ["z"]), max_size=5)


@settings(max_examples=300)
@given(selectors, st.lists(label_sets, min_size=1, max_size=8))
def test_string_round_trip_matches_the_same_label_sets(s, label_list):
    text = selector_to_string(s)
    back = parse_selector(text)
    for labels in label_list:
        assert matches(back, labels) == matches(s, labels), (text, labels)
    # and rendering is canonical: a second round trip is a fixed point
    assert selector_to_string(parse_selector(text)) == selector_to_string(back)


@given(selectors, label_sets)
def test_method_and_function_agree(s, labels):
    assert s.matches(labels) == matches(s, labels)
    # matches == every requirement holds, as a reference implementation
    expected = all(labels.get(k) == v for k, v in s.match_labels.items()) and all(
        (r.operator == "In" and r.key in labels and labels[r.key] in r.values)
        or (r.operator == "NotIn" and (r.key not in labels or labels[r.key] not in r.values))
        or (r.operator == "Exists" and r.key in labels)
        or (r.operator == "DoesNotExist" and r.key not in labels)
        for r in s.match_expressions
    )
    assert matches(s, labels) == expected


@given(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=4))
def test_from_labels_round_trips_through_string(labels):
    s = selector_from_labels(labels)
    assert parse_selector(selector_to_string(s)) == s
    assert matches(s, labels)
