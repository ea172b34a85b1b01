"""metav1.LabelSelector: strict decoding, validation with field paths, and the
way back to the Kubernetes JSON shape — shared by every kind that selects
pods by label (apps/v1 ReplicaSet and Deployment today, batch/v1 next).

Owns: `label_selector` (the handler), `parse_label_selector`,
`label_selector_to_manifest`, `selector_matcher` and `PART_EMITTERS` for
LabelSelector. Imports `kstate.resources.selector` and `kstate.io.fields`;
never a kind module, yaml, the engine or the controllers.

Mirrors apimachinery metav1validation ValidateLabelSelector and
ValidateLabelSelectorRequirement.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from kstate.io.fields import BAD, Ctx, dot, label_map, list_of, string, strings, struct
from kstate.resources import EMPTY
from kstate.resources.selector import (
    DOES_NOT_EXIST, EXISTS, IN, NOT_IN, LabelSelector, Requirement, matches, selector_to_dict,
    validate_label_key, validate_label_value,
)

__all__ = [
    "PART_EMITTERS", "label_selector", "label_selector_to_manifest", "parse_label_selector",
    "selector_matcher",
]

def _errors_since(ctx: Ctx, mark: int) -> bool:
    return len(ctx.errors) > mark


def _requirement(ctx: Ctx, v: Any, path: str) -> Any:
    """metav1validation.ValidateLabelSelectorRequirement: In / NotIn need
    values, Exists / DoesNotExist none, other operators invalid; the key a
    qualified name, each value a label value."""
    mark = len(ctx.errors)
    r = struct(ctx, v, path, {"key": string, "operator": string, "values": strings})
    if r is None:
        return BAD
    key, op, values = r.get("key", ""), r.get("operator", ""), r.get("values", ())
    vpath = dot(path, "values")
    if r.ok("operator"):
        if op in (IN, NOT_IN):
            if r.ok("values") and not values:
                ctx.required(vpath, "must be specified when `operator` is 'In' or 'NotIn'")
        elif op in (EXISTS, DOES_NOT_EXIST):
            if values:
                ctx.forbidden(vpath, "may not be specified when `operator` is 'Exists' or "
                                     "'DoesNotExist'")
        else:
            ctx.invalid(dot(path, "operator"), op, "not a valid selector operator")
    if r.ok("key"):
        msg = validate_label_key(key)
        if msg:
            ctx.invalid(dot(path, "key"), key, msg)
    for i, value in enumerate(values):
        msg = validate_label_value(value)
        if msg:
            ctx.invalid(f"{vpath}[{i}]", value, msg)
    if _errors_since(ctx, mark):
        return BAD
    return Requirement(key, op, values)


def label_selector(ctx: Ctx, v: Any, path: str) -> Any:
    """metav1.LabelSelector → LabelSelector (ValidateLabelSelector)."""
    mark = len(ctx.errors)
    r = struct(ctx, v, path, {
        "matchLabels": label_map,
        "matchExpressions": lambda c, x, p: list_of(c, x, p, _requirement),
    })
    if r is None or _errors_since(ctx, mark):
        return BAD
    return LabelSelector(match_labels=r.get("matchLabels", EMPTY) or EMPTY,
                         match_expressions=r.get("matchExpressions", ()))


def parse_label_selector(value: Any, path: str = "spec.selector",
                         source: str = "") -> LabelSelector:
    """A metav1.LabelSelector (`{matchLabels, matchExpressions}`) → LabelSelector,
    decoded strictly and validated (ValidateLabelSelector); errors carry paths
    under `path` (`spec.selector.matchExpressions[0].operator`)."""
    ctx = Ctx()
    sel = label_selector(ctx, value, path)
    ctx.raise_first(source)
    return sel


def label_selector_to_manifest(sel: Optional[LabelSelector]) -> Optional[dict]:
    """The Kubernetes JSON shape of a selector (None → None)."""
    return selector_to_dict(sel)


def selector_matcher(sel: Any) -> Optional[Callable[[Any], bool]]:
    """A labels → bool test for a non-empty LabelSelector, else None (an
    empty or missing selector matches nothing to check against)."""
    if isinstance(sel, LabelSelector) and not sel.is_empty():
        return lambda labels: matches(sel, labels)
    return None


#: part emitters for the generic to_manifest fallback (kinds embedding a selector).
PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    LabelSelector: selector_to_dict,
}
