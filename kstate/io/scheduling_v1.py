"""scheduling.k8s.io/v1 PriorityClass: strict decoding, the API server's
defaults and validation, and the way back.

Owns: `DECODERS`, `EMITTERS`. Imports only fields and resources.

Mirrors pkg/apis/scheduling/v1/defaults.go SetDefaults_PriorityClass
(preemptionPolicy PreemptLowerPriority) and
pkg/apis/scheduling/validation/validation.go ValidatePriorityClass: a name
with the `system-` prefix must be one of the system classes with its value
and globalDefault (IsKnownSystemPriorityClass); any other class's value is
at most HighestUserDefinablePriority; preemptionPolicy is one of the two
policies.
"""
from __future__ import annotations

from typing import Any, Optional

from kstate.io.fields import (
    Ctx, boolean, integer, object_meta, object_meta_out, one_of, string, top_level,
)
from kstate.resources import ObjectMeta
from kstate.resources.scheduling import (
    HIGHEST_USER_DEFINABLE_PRIORITY, PREEMPT_LOWER_PRIORITY, PREEMPTION_POLICIES, SYSTEM_PRIORITY_CLASS_PREFIX,
    SYSTEM_PRIORITY_CLASSES, PriorityClass, PriorityClassBody,
)

__all__ = ["DECODERS", "EMITTERS", "is_known_system_priority_class"]


def is_known_system_priority_class(name: str, value: int, global_default: bool) -> Optional[str]:
    """scheduling/v1 helpers.go IsKnownSystemPriorityClass: None when `name`
    is a system class with its value and globalDefault, else the error text.

    Example: ("system-node-critical", 5, False) → "value of
    system-node-critical PriorityClass must be 2000001000"."""
    for n, v, _ in SYSTEM_PRIORITY_CLASSES:
        if n == name:
            if v != value:
                return f"value of {n} PriorityClass must be {v}"
            if global_default:
                return f"globalDefault of {n} PriorityClass must be false"
            return None
    return f"{name} is not a known system priority class"


def _decode(ctx: Ctx, doc: dict) -> PriorityClass:
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, PriorityClass),
        "value": integer,
        "globalDefault": boolean,
        "description": string,
        "preemptionPolicy": one_of(PREEMPTION_POLICIES),
    })
    meta = r.get("metadata", ObjectMeta())
    value = r.get("value", 0)
    global_default = r.get("globalDefault", False)
    if meta.name.startswith(SYSTEM_PRIORITY_CLASS_PREFIX):
        err = is_known_system_priority_class(meta.name, value, global_default)
        if err is not None:
            ctx.forbidden("metadata.name", f"priority class names with '{SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are "
                                           f"reserved for system use only. error: {err}")
    elif value > HIGHEST_USER_DEFINABLE_PRIORITY:
        ctx.forbidden("value", f"maximum allowed value of a user defined priority is "
                               f"{HIGHEST_USER_DEFINABLE_PRIORITY}")
    return PriorityClass(metadata=meta, spec=PriorityClassBody(
        value=value, global_default=global_default, description=r.get("description", ""),
        preemption_policy=r.get("preemptionPolicy") or PREEMPT_LOWER_PRIORITY))


def priority_class_to_manifest(pc: PriorityClass) -> dict:
    d: dict[str, Any] = {"apiVersion": PriorityClass.API_VERSION, "kind": "PriorityClass",
                         "metadata": object_meta_out(pc.metadata, False), "value": pc.value}
    if pc.global_default:
        d["globalDefault"] = True
    if pc.description:
        d["description"] = pc.description
    d["preemptionPolicy"] = pc.preemption_policy
    return d


DECODERS = {(PriorityClass.API_VERSION, "PriorityClass"): _decode}
EMITTERS = {PriorityClass: priority_class_to_manifest}
