"""policy/v1 PodDisruptionBudget, and the pods/eviction subresource the API
server serves against it.

Owns: the PodDisruptionBudget KindSpec (codec, spec updates, status reset on
create, `kubectl get pdb` columns) and `evict_pod`, the eviction handler
(pkg/registry/core/pod/storage/eviction.go EvictionREST.Create,
checkAndDecrement, addConditionAndDeletePod at the declared version): a pod
that is terminal, Pending or already deleting is deleted without a budget
check; one selected by several budgets is refused (500); an unready pod is
deleted without spending the budget when the budget allows it
(unhealthyPodEvictionPolicy AlwaysAllow, or IfHealthyBudget with enough
healthy pods); otherwise the budget must allow a disruption, which the
eviction spends (disruptionsAllowed − 1, the pod entered in disruptedPods)
before the pod gets the DisruptionTarget condition (EvictionByEvictionAPI)
and is deleted gracefully. Must not be imported by engine/.
"""
from __future__ import annotations

from typing import Optional

from kstate.controllers.actions import UpdateStatus
from kstate.controllers.disruption import pdb_infos, pdbs_for_pod, update_disruption_allowed_condition
from kstate.controllers.scheduling import preemption
from kstate.errors import EvictionForbidden, InternalError, TooManyRequests
from kstate.io import policy_v1, tables
from kstate.registry import KindSpec, register_kind
from kstate.resources.frozen import evolve
from kstate.resources.meta import Condition, set_condition
from kstate.resources.pod import is_pod_ready
from kstate.resources.policy import (
    ALWAYS_ALLOW, DISRUPTION_ALLOWED, DISRUPTION_BUDGET_CAUSE, SYNC_FAILED, PodDisruptionBudget,
    PodDisruptionBudgetStatus, find_status_condition,
)

KIND = "PodDisruptionBudget"
#: MaxDisruptedPodSize: evictions the controller has not yet confirmed, per budget.
MAX_DISRUPTED_POD_SIZE = 2000
TOO_MANY_REQUESTS = "Cannot evict pod as it would violate the pod's disruption budget."
MULTIPLE_PDBS = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."


def _fresh_status(obj, api):
    return evolve(obj, status=PodDisruptionBudgetStatus())


def _validate_update(cur, obj, meta):
    """policy/v1: the whole spec may change (ValidatePodDisruptionBudgetUpdate
    checks only the new spec)."""
    return evolve(cur, metadata=meta, spec=obj.spec)


def _int_or_na(v) -> str:
    return "N/A" if v is None else str(v)


PDB_COLUMNS = ("NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE")


def pdb_row(pdb: PodDisruptionBudget, now: int) -> list[str]:
    """printers.go printPodDisruptionBudget."""
    created = pdb.metadata.creation_timestamp
    age = "<unknown>" if created is None else tables.human_duration(now - created // 1000 * 1000)
    return [pdb.metadata.name, _int_or_na(pdb.spec.min_available), _int_or_na(pdb.spec.max_unavailable),
            str(pdb.status.disruptions_allowed), age]


def _status_detail(old, new) -> str:
    return f"allowed={new.disruptions_allowed} healthy={new.current_healthy}/{new.desired_healthy}"


PDB = register_kind(KindSpec(
    kind=KIND, group="policy", version="v1", cls=PodDisruptionBudget, plural="poddisruptionbudgets",
    short_names=("pdb",),
    decode=policy_v1.DECODERS[(PodDisruptionBudget.API_VERSION, KIND)],
    encode=policy_v1.EMITTERS[PodDisruptionBudget],
    validate_update=_validate_update, prepare_create=_fresh_status,
    status_detail=_status_detail, columns=PDB_COLUMNS, row=pdb_row))


# ---------------------------------------------------------------- eviction


def can_ignore_pdb(pod) -> bool:
    """eviction.go canIgnorePDB: terminal, Pending or already deleting."""
    return (pod.status.phase in ("Succeeded", "Failed", "Pending")
            or pod.metadata.deletion_timestamp is not None)


def _too_many_requests(cause: str) -> TooManyRequests:
    return TooManyRequests(TOO_MANY_REQUESTS, ((DISRUPTION_BUDGET_CAUSE, cause),))


def check_and_decrement(pdb: PodDisruptionBudget, pod_name: str, now: int,
                        dry_run: bool = False) -> Optional[PodDisruptionBudget]:
    """eviction.go checkAndDecrement: the budget with one disruption spent
    (None on a dry run), or the refusal. Refused when the controller has not
    seen the budget's generation (429), when disruptionsAllowed is negative
    or too many evictions are unconfirmed (403), and when no disruption is
    allowed (429, with the reason as the cause).

    Example: allowed 1 → allowed 0, DisruptionAllowed False InsufficientPods,
    disruptedPods {pod: now}; allowed 0 with 2 of 2 healthy → 429 "The
    disruption budget web needs 2 healthy pods and has 2 currently"."""
    st, name = pdb.status, pdb.metadata.name
    if st.observed_generation < pdb.metadata.generation:
        raise _too_many_requests(f"The disruption budget {name} is still being processed by the server.")
    if st.disruptions_allowed < 0:
        raise EvictionForbidden(f'poddisruptionbudget.policy "{name}" is forbidden: pdb disruptions allowed is '
                                "negative", ((DISRUPTION_BUDGET_CAUSE, f"The disruption budget {name} does not allow "
                                             "evicting pods currently: pdb disruptions allowed is negative"),))
    if len(st.disrupted_pods) > MAX_DISRUPTED_POD_SIZE:
        raise EvictionForbidden(f'poddisruptionbudget.policy "{name}" is forbidden: DisruptedPods map too big - too '
                                "many evictions not confirmed by PDB controller",
                                ((DISRUPTION_BUDGET_CAUSE, f"The disruption budget {name} does not allow evicting "
                                  "pods currently: too many pending evictions not confirmed by PDB controller"),))
    if st.disruptions_allowed == 0:
        cond = find_status_condition(st.conditions, DISRUPTION_ALLOWED)
        if cond is not None and cond.status == "False" and cond.message and cond.reason == SYNC_FAILED:
            msg = f"The disruption budget {name} does not allow evicting pods currently because it failed sync: " \
                  f"{cond.message}"
        elif st.current_healthy <= st.desired_healthy:
            msg = (f"The disruption budget {name} needs {st.desired_healthy} healthy pods and has "
                   f"{st.current_healthy} currently")
        elif cond is not None and cond.status == "False" and cond.message:
            msg = f"The disruption budget {name} does not allow evicting pods currently ({cond.reason}): " \
                  f"{cond.message}"
        else:
            msg = f"The disruption budget {name} does not allow evicting pods currently"
        raise _too_many_requests(msg)
    new = evolve(st, disruptions_allowed=st.disruptions_allowed - 1)
    if new.disruptions_allowed == 0:
        new = update_disruption_allowed_condition(new, now)
    if dry_run:
        return None
    new = evolve(new, disrupted_pods=new.disrupted_pods.set(pod_name, now))
    return evolve(pdb, status=new)


def _add_condition_and_delete(api, pod, grace_period: Optional[int]) -> None:
    """eviction.go addConditionAndDeletePod: DisruptionTarget True
    (EvictionByEvictionAPI, "Eviction API: evicting"), then the delete."""
    conds = set_condition(pod.status.conditions, Condition(
        "DisruptionTarget", "True", "EvictionByEvictionAPI", "Eviction API: evicting"), api.now)
    if conds is not pod.status.conditions:
        api.apply_action(UpdateStatus(evolve(pod, status=evolve(pod.status, conditions=conds))))
    m = pod.metadata
    api.delete("Pod", m.namespace, m.name, grace_period, uid=m.uid)


def evict_pod(api, pod, grace_period: Optional[int] = None, dry_run: bool = False) -> None:
    """eviction.go EvictionREST.Create for `pod` (as stored): deletes it or
    raises TooManyRequests / EvictionForbidden / InternalError. Writes
    nothing when it raises; a dry run checks and writes nothing."""
    if can_ignore_pdb(pod):
        if not dry_run:
            _add_condition_and_delete(api, pod, grace_period)
        return
    pdbs = pdbs_for_pod(api, pod) if pod.metadata.labels else [
        p for p in api.list(KIND, pod.metadata.namespace) if p.spec.selector is not None and p.spec.selector.is_empty()]
    if len(pdbs) > 1:
        raise InternalError(MULTIPLE_PDBS)
    if pdbs:
        pdb = pdbs[0]
        healthy_budget = (pdb.status.current_healthy >= pdb.status.desired_healthy
                          and pdb.status.desired_healthy > 0)
        if not is_pod_ready(pod) and (pdb.spec.unhealthy_pod_eviction_policy == ALWAYS_ALLOW or healthy_budget):
            pass     # an unready pod goes without spending the budget
        else:
            spent = check_and_decrement(pdb, pod.metadata.name, api.now, dry_run)
            if spent is not None:
                api.apply_action(UpdateStatus(spent))
    if not dry_run:
        _add_condition_and_delete(api, pod, grace_period)

# DefaultPreemption reads the budgets through this lister (its pdbLister):
# victims whose eviction would break one are picked last.
preemption.set_pdb_lister(pdb_infos)
