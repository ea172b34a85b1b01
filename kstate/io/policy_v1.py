"""policy/v1 PodDisruptionBudget: strict decoding, the API server's
validation, and the way back.

Owns: `DECODERS`, `EMITTERS`. Imports only fields, selectors and resources.

Mirrors pkg/apis/policy/validation/validation.go
ValidatePodDisruptionBudgetSpec: minAvailable and maxUnavailable not both
set, each an int ≥ 0 or a percent ≤ 100% (ValidatePositiveIntOrPercent,
IsNotMoreThan100Percent), the selector valid, unhealthyPodEvictionPolicy one
of IfHealthyBudget / AlwaysAllow. policy/v1 has no defaults (a budget with
neither field allows no disruption). The API server ignores a client's
status on create.
"""
from __future__ import annotations

import re
from typing import Any

from kstate.io.fields import (
    BAD, Ctx, dot, integer, json_data, object_meta, object_meta_out, one_of, struct, time_out, top_level,
)
from kstate.io.selectors import label_selector, label_selector_to_manifest
from kstate.resources import ObjectMeta
from kstate.resources.policy import (
    UNHEALTHY_POD_EVICTION_POLICIES, PodDisruptionBudget, PodDisruptionBudgetSpec,
)

__all__ = ["DECODERS", "EMITTERS", "pdb_to_manifest"]

_PERCENT_RE = re.compile(r"[0-9]+%")
_PERCENT_ERR = ("a valid percent string must be a numeric string followed by an ending '%' "
                "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")


def _int_or_percent(ctx: Ctx, v: Any, path: str) -> Any:
    """ValidatePositiveIntOrPercent + IsNotMoreThan100Percent."""
    if isinstance(v, str):
        if not _PERCENT_RE.fullmatch(v):
            ctx.invalid(path, v, _PERCENT_ERR)
            return BAD
        if int(v[:-1]) > 100:
            ctx.invalid(path, v, "must not be greater than 100%")
        return v
    r = integer(ctx, v, path)
    if r is not BAD and r < 0:
        ctx.invalid(path, r, "must be greater than or equal to 0")
    return r


def _spec(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "minAvailable": _int_or_percent,
        "maxUnavailable": _int_or_percent,
        "selector": label_selector,
        "unhealthyPodEvictionPolicy": one_of(UNHEALTHY_POD_EVICTION_POLICIES),
    })
    if r is None:
        return BAD
    if r.given("minAvailable") and r.given("maxUnavailable"):
        ctx.invalid(path, r.raw, "minAvailable and maxUnavailable cannot be both set")
    return PodDisruptionBudgetSpec(
        min_available=r.get("minAvailable"), max_unavailable=r.get("maxUnavailable"),
        selector=r.get("selector"), unhealthy_pod_eviction_policy=r.get("unhealthyPodEvictionPolicy"))


def _decode(ctx: Ctx, doc: dict) -> PodDisruptionBudget:
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, PodDisruptionBudget),
        "spec": _spec,
        "status": json_data,
    })
    spec = r.get("spec")
    if not isinstance(spec, PodDisruptionBudgetSpec):
        spec = PodDisruptionBudgetSpec()
    return PodDisruptionBudget(metadata=r.get("metadata", ObjectMeta(namespace="default")), spec=spec)


def pdb_to_manifest(pdb: PodDisruptionBudget) -> dict:
    s, st = pdb.spec, pdb.status
    spec: dict[str, Any] = {}
    if s.min_available is not None:
        spec["minAvailable"] = s.min_available
    if s.selector is not None:
        spec["selector"] = label_selector_to_manifest(s.selector)
    if s.max_unavailable is not None:
        spec["maxUnavailable"] = s.max_unavailable
    if s.unhealthy_pod_eviction_policy is not None:
        spec["unhealthyPodEvictionPolicy"] = s.unhealthy_pod_eviction_policy
    status: dict[str, Any] = {}
    if st.observed_generation:
        status["observedGeneration"] = st.observed_generation
    if st.disrupted_pods:
        status["disruptedPods"] = {k: time_out(st.disrupted_pods[k]) for k in sorted(st.disrupted_pods)}
    status["disruptionsAllowed"] = st.disruptions_allowed
    status["currentHealthy"] = st.current_healthy
    status["desiredHealthy"] = st.desired_healthy
    status["expectedPods"] = st.expected_pods
    if st.conditions:
        status["conditions"] = [
            {"type": c.type, "status": c.status, "observedGeneration": c.observed_generation,
             "lastTransitionTime": time_out(c.last_transition_time), "reason": c.reason, "message": c.message}
            for c in st.conditions]
    return {"apiVersion": PodDisruptionBudget.API_VERSION, "kind": "PodDisruptionBudget",
            "metadata": object_meta_out(pdb.metadata, True), "spec": spec, "status": status}


DECODERS = {(PodDisruptionBudget.API_VERSION, "PodDisruptionBudget"): _decode}
EMITTERS = {PodDisruptionBudget: pdb_to_manifest}
