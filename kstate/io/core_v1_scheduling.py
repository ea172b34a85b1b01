"""core/v1 scheduling constraints of a PodSpec: tolerations and node affinity
— strict decoding, validation with field paths, and the way back to the
Kubernetes JSON shape.

Owns: `toleration`, `affinity` (typed: nodeAffinity's required terms; the
preferred terms and pod (anti-)affinity carried verbatim), their emitters
`toleration_out` and `affinity_out`, `TAINT_EFFECTS` (shared with Node
taints) and `PART_EMITTERS` for Toleration, Affinity, NodeSelectorTerm and
NodeSelectorRequirement. Imports the stdlib, `kstate.resources.*` and
`kstate.io.fields`; never another kind module, yaml, the engine or the
controllers.

Mirrors pkg/apis/core/validation/validation.go validateTolerations,
ValidateNodeSelector, ValidateNodeSelectorRequirement and
validateNodeFieldSelectorRequirement.
"""
from __future__ import annotations

import re
from functools import partial
from typing import Any, Callable

from kstate.io.fields import (
    BAD, Ctx, at_index, dot, int64, json_list, json_object, list_of, one_of, ordered, string,
    strings, struct, validated,
)
from kstate.resources import (
    EMPTY, Affinity, FrozenDict, NodeSelectorRequirement, NodeSelectorTerm, Toleration, thaw,
)
from kstate.resources.selector import validate_label_key, validate_label_value

__all__ = [
    "PART_EMITTERS", "TAINT_EFFECTS", "affinity", "affinity_out", "toleration", "toleration_out",
]

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def toleration(ctx: Ctx, v: Any, path: str) -> Any:
    """validation.go validateTolerations (one entry). An empty operator means
    Equal; an empty key needs operator Exists."""
    r = struct(ctx, v, path, {
        "key": validated(lambda k: validate_label_key(k) if k else None),
        "operator": one_of(("Equal", "Exists"), allow_empty=True),
        "value": string,
        "effect": one_of(TAINT_EFFECTS, allow_empty=True),
        "tolerationSeconds": int64,
    })
    if r is None:
        return BAD
    key, op, value = r.get("key", ""), r.get("operator", ""), r.get("value", "")
    effect, seconds = r.get("effect", ""), r.get("tolerationSeconds")
    if r.ok("key") and r.ok("operator") and not key and op != "Exists":
        ctx.invalid(dot(path, "operator"), op,
                    'operator must be Exists when `key` is empty, which means "match all values '
                    'and all keys"')
    if op == "Exists" and value:
        ctx.invalid(dot(path, "operator"), value,
                    "value must be empty when `operator` is 'Exists'")
    elif op in ("Equal", "") and value:
        msg = validate_label_value(value)
        if msg:
            ctx.invalid(dot(path, "value"), value, msg)
    if seconds is not None and r.ok("effect") and effect != "NoExecute":
        ctx.invalid(dot(path, "effect"), effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set")
    return Toleration(key=key, operator=op or "Equal", value=value, effect=effect,
                      toleration_seconds=seconds)


_NODE_SELECTOR_OPS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")


def _node_selector_requirement(ctx: Ctx, v: Any, path: str, fields: bool) -> Any:
    """validation.go ValidateNodeSelectorRequirement (matchExpressions) and
    validateNodeFieldSelectorRequirement (matchFields: only metadata.name)."""
    r = struct(ctx, v, path, {
        "key": string,
        "operator": one_of(("In", "NotIn") if fields else _NODE_SELECTOR_OPS),
        "values": strings,
    })
    if r is None:
        return BAD
    key, op, values = r.get("key", ""), r.get("operator", ""), r.get("values", ())
    if r.ok("key"):
        if fields:
            if key != "metadata.name":
                ctx.invalid(dot(path, "key"), key, "a valid field selector key is required")
        elif not key:
            ctx.required(dot(path, "key"))
        else:
            msg = validate_label_key(key)
            if msg:
                ctx.invalid(dot(path, "key"), key, msg)
    if r.ok("operator") and not op:
        ctx.required(dot(path, "operator"))
    vpath = dot(path, "values")
    if op in ("In", "NotIn"):
        if fields and len(values) != 1:
            ctx.required(vpath, "must be only one value when `operator` is 'In' or 'NotIn' "
                                "for node field selector")
        elif not values:
            ctx.required(vpath, "must be specified when `operator` is 'In' or 'NotIn'")
    elif op in ("Exists", "DoesNotExist"):
        if values:
            ctx.forbidden(vpath, "may not be specified when `operator` is 'Exists' or "
                                 "'DoesNotExist'")
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            ctx.required(vpath, "must be specified single value when `operator` is 'Lt' or 'Gt'")
        elif not re.fullmatch(r"[+-]?[0-9]{1,19}", values[0]):
            ctx.invalid(at_index(vpath, 0), values[0], "must be an integer")
    return NodeSelectorRequirement(key=key, operator=op, values=values)


def _node_selector_term(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "matchExpressions": lambda c, x, p: list_of(
            c, x, p, partial(_node_selector_requirement, fields=False)),
        "matchFields": lambda c, x, p: list_of(
            c, x, p, partial(_node_selector_requirement, fields=True)),
    })
    if r is None:
        return BAD
    return NodeSelectorTerm(match_expressions=r.get("matchExpressions", ()),
                            match_fields=r.get("matchFields", ()))


def _node_selector(ctx: Ctx, v: Any, path: str) -> Any:
    """validation.go ValidateNodeSelector: at least one term."""
    r = struct(ctx, v, path, {
        "nodeSelectorTerms": lambda c, x, p: list_of(c, x, p, _node_selector_term),
    })
    if r is None:
        return BAD
    terms = r.get("nodeSelectorTerms", ())
    if r.ok("nodeSelectorTerms") and not terms:
        ctx.required(dot(path, "nodeSelectorTerms"), "must have at least one node selector term")
    return terms


def _node_affinity(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "requiredDuringSchedulingIgnoredDuringExecution": _node_selector,
    }, extra={"preferredDuringSchedulingIgnoredDuringExecution": json_list})
    if r is None:
        return BAD
    return r.get("requiredDuringSchedulingIgnoredDuringExecution"), r.extra


def affinity(ctx: Ctx, v: Any, path: str) -> Any:
    """Typed: nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution; the
    preferred node terms and pod (anti-)affinity are carried in `extra`
    (`extra["nodeAffinity"]` holds only the node-affinity remainder)."""
    r = struct(ctx, v, path, {"nodeAffinity": _node_affinity},
                extra={"podAffinity": json_object, "podAntiAffinity": json_object})
    if r is None:
        return BAD
    required, rest = r.get("nodeAffinity", (None, {}))
    extra = {}
    if rest:
        extra["nodeAffinity"] = FrozenDict(rest)
    extra.update(r.extra)
    return Affinity(required_node_terms=required, extra=FrozenDict(extra) if extra else EMPTY)


# ============================================================ to_manifest


def toleration_out(t: Toleration) -> dict:
    d: dict = {}
    if t.key:
        d["key"] = t.key
    d["operator"] = t.operator
    if t.value:
        d["value"] = t.value
    if t.effect:
        d["effect"] = t.effect
    if t.toleration_seconds is not None:
        d["tolerationSeconds"] = t.toleration_seconds
    return d


def _requirement_out(r: NodeSelectorRequirement) -> dict:
    d: dict = {"key": r.key, "operator": r.operator}
    if r.values:
        d["values"] = list(r.values)
    return d


def _term_out(t: NodeSelectorTerm) -> dict:
    d: dict = {}
    if t.match_expressions:
        d["matchExpressions"] = [_requirement_out(r) for r in t.match_expressions]
    if t.match_fields:
        d["matchFields"] = [_requirement_out(r) for r in t.match_fields]
    return d


def affinity_out(a: Affinity) -> dict:
    d: dict = thaw(a.extra)
    node = d.pop("nodeAffinity", {})
    if a.required_node_terms is not None:
        node = {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [_term_out(t) for t in a.required_node_terms]}, **node}
    if node:
        d["nodeAffinity"] = node
    return ordered(d, ("nodeAffinity", "podAffinity", "podAntiAffinity"))


#: part emitters for the generic to_manifest fallback.
PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    Toleration: toleration_out,
    Affinity: affinity_out,
    NodeSelectorTerm: _term_out,
    NodeSelectorRequirement: _requirement_out,
}
