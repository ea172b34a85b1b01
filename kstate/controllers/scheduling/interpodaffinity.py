"""InterPodAffinity: required (anti-)affinity filter, preferred terms score.

Owns: the plugin's PreFilter counts, Filter and PreScore/Score/NormalizeScore
(pkg/scheduler/framework/plugins/interpodaffinity/{filtering,scoring}.go at
1.35), over plain inputs: the incoming pod's parsed terms, the existing pods
that matter (each as (pod, its node's labels, its parsed terms)) and the
namespace labels a namespaceSelector needs. The scheduler's observe step
gathers those pods through the label index and the affinity-term index, so
the work is proportional to the pods the terms can match, not to the
cluster. Must not import engine/ or io/.
"""
from __future__ import annotations

import attrs

from kstate.controllers.scheduling.terms import PodAffinityInfo

MAX_NODE_SCORE = 100
#: config/v1 defaults: InterPodAffinityArgs.HardPodAffinityWeight.
HARD_POD_AFFINITY_WEIGHT = 1

ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"


@attrs.frozen
class Existing:
    """One bound pod as the plugin sees it in a NodeInfo."""
    pod: object
    node_labels: object
    info: PodAffinityInfo


@attrs.frozen
class PreFilterState:
    """filtering.go preFilterState: topology pair → count."""
    existing_anti_affinity: dict
    affinity: dict
    anti_affinity: dict
    info: PodAffinityInfo
    pod: object
    self_match_all: bool


def _add(counts: dict, key: str, labels, n: int = 1) -> None:
    v = labels.get(key)
    if v is not None:
        pair = (key, v)
        counts[pair] = counts.get(pair, 0) + n


def pod_matches_all_terms(terms, pod, ns_labels) -> bool:
    """filtering.go podMatchesAllAffinityTerms: false for no terms."""
    if not terms:
        return False
    return all(t.matches(pod, ns_labels.get(pod.metadata.namespace)) for t in terms)


def pre_filter(pod, info: PodAffinityInfo, existing_with_anti, candidates, ns_labels) -> PreFilterState:
    """filtering.go PreFilter: getExistingAntiAffinityCounts over the
    existing pods with required anti-affinity terms, and
    getIncomingAffinityAntiAffinityCounts over the pods the incoming pod's
    required terms may match (`candidates`).

    Example: incoming anti-affinity `app=web` on hostname, web pods on n1 and
    n2 → anti_affinity {(hostname, n1): 1, (hostname, n2): 1}.
    """
    own_ns = ns_labels.get(pod.metadata.namespace)
    existing: dict = {}
    for e in existing_with_anti:
        for t in e.info.required_anti_affinity:
            if t.matches(pod, own_ns):
                _add(existing, t.topology_key, e.node_labels)
    aff: dict = {}
    anti: dict = {}
    if info.required_affinity or info.required_anti_affinity:
        for e in candidates:
            if info.required_affinity and pod_matches_all_terms(info.required_affinity, e.pod, ns_labels):
                for t in info.required_affinity:
                    _add(aff, t.topology_key, e.node_labels)
            for t in info.required_anti_affinity:
                if t.matches(e.pod, ns_labels.get(e.pod.metadata.namespace)):
                    _add(anti, t.topology_key, e.node_labels)
    return PreFilterState(existing, aff, anti, info, pod,
                          pod_matches_all_terms(info.required_affinity, pod, ns_labels))


def filter_node(state: PreFilterState, labels):
    """filtering.go Filter: the first failing check's reason, in the
    plugin's order — the pod's affinity (UnschedulableAndUnresolvable), the
    pod's anti-affinity, existing pods' anti-affinity (both Unschedulable:
    preemption may help). Returns (reason, resolvable) or None."""
    if not _satisfy_pod_affinity(state, labels):
        return ERR_AFFINITY, False
    for t in state.info.required_anti_affinity:
        v = labels.get(t.topology_key)
        if v is not None and state.anti_affinity.get((t.topology_key, v), 0) > 0:
            return ERR_ANTI_AFFINITY, True
    if state.existing_anti_affinity:
        for k, v in labels.items():
            if state.existing_anti_affinity.get((k, v), 0) > 0:
                return ERR_EXISTING_ANTI_AFFINITY, True
    return None


def _satisfy_pod_affinity(state: PreFilterState, labels) -> bool:
    """filtering.go satisfyPodAffinity: every term's topology label present
    and a matching pod in that domain — or, for the first pod of a group
    with affinity to itself (no matching pod anywhere), the pod matching its
    own terms."""
    pods_exist = True
    for t in state.info.required_affinity:
        v = labels.get(t.topology_key)
        if v is None:
            return False
        if state.affinity.get((t.topology_key, v), 0) <= 0:
            pods_exist = False
    if not pods_exist:
        return not state.affinity and state.self_match_all
    return True


def pre_score(pod, info: PodAffinityInfo, candidates, existing_with_affinity, ns_labels) -> dict:
    """scoring.go PreScore/processExistingPod: topology key → value → score.
    `candidates` are the pods the incoming pod's preferred terms may match;
    `existing_with_affinity` the pods whose own terms may match the incoming
    pod (required affinity counts with HardPodAffinityWeight).

    Example: incoming preferred affinity weight 5 to `app=db` on zone, a db
    pod in zone a → {zone: {a: 5}}.
    """
    score: dict = {}

    def add(key, labels, w):
        v = labels.get(key)
        if v is None or w == 0:
            return
        d = score.setdefault(key, {})
        d[v] = d.get(v, 0) + w

    for e in candidates:
        ns = ns_labels.get(e.pod.metadata.namespace)
        for t in info.preferred_affinity:
            if t.matches(e.pod, ns):
                add(t.topology_key, e.node_labels, t.weight)
        for t in info.preferred_anti_affinity:
            if t.matches(e.pod, ns):
                add(t.topology_key, e.node_labels, -t.weight)
    own_ns = ns_labels.get(pod.metadata.namespace)
    for e in existing_with_affinity:
        for t in e.info.required_affinity:
            if t.matches(pod, own_ns):
                add(t.topology_key, e.node_labels, HARD_POD_AFFINITY_WEIGHT)
        for t in e.info.preferred_affinity:
            if t.matches(pod, own_ns):
                add(t.topology_key, e.node_labels, t.weight)
        for t in e.info.preferred_anti_affinity:
            if t.matches(pod, own_ns):
                add(t.topology_key, e.node_labels, -t.weight)
    return {k: v for k, v in score.items() if v}


def score_node(topology_score: dict, labels) -> int:
    """scoring.go Score: the sum over the node's topology values."""
    s = 0
    for key, values in topology_score.items():
        v = labels.get(key)
        if v is not None:
            s += values.get(v, 0)
    return s


def normalize(scores: list) -> list:
    """scoring.go NormalizeScore: (s − min) × 100 / (max − min), 0 when all equal.

    Example: raw [-5, 0, 10] → [0, 33, 100].
    """
    if not scores:
        return scores
    lo, hi = min(scores), max(scores)
    diff = hi - lo
    if diff <= 0:
        return [0] * len(scores)
    return [int(MAX_NODE_SCORE * (s - lo) / diff) for s in scores]
