"""Pod (anti-)affinity terms and topology spread constraints, parsed once.

Owns: the typed view of what a PodSpec carries verbatim in `extra`
(`affinity.podAffinity`, `affinity.podAntiAffinity`,
`affinity.nodeAffinity.preferredDuringScheduling…`,
`topologySpreadConstraints`, `schedulingGates`, `preemptionPolicy`), memoised
by the identity of the carrying mapping (pods of one template share it), and
the label-selector matching of terms (framework/types.go AffinityTerm.Matches,
podtopologyspread/common.go). Must not import engine/ or io/: a selector that
does not parse matches nothing, as LabelSelectorAsSelector's error makes the
plugins skip the term.
"""
from __future__ import annotations

from typing import Optional

import attrs

from kstate.errors import SpecError
from kstate.resources.pod import NodeSelectorRequirement, NodeSelectorTerm, Pod
from kstate.resources.selector import LabelSelector, Requirement

LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ZONE = "topology.kubernetes.io/zone"


def selector_from_dict(d) -> Optional[LabelSelector]:
    """metav1.LabelSelectorAsSelector on a raw mapping: None stays None (a
    term without labelSelector matches nothing), bad operators → None."""
    if d is None:
        return None
    try:
        exprs = tuple(Requirement(e.get("key", ""), e.get("operator", ""), tuple(e.get("values") or ()))
                      for e in d.get("matchExpressions") or ())
        return LabelSelector(match_labels=dict(d.get("matchLabels") or {}), match_expressions=exprs)
    except (SpecError, AttributeError, TypeError):
        return None


def _with_label_keys(sel: Optional[LabelSelector], labels, match_keys, mismatch_keys=()) -> Optional[LabelSelector]:
    """matchLabelKeys / mismatchLabelKeys: `key In (pod's value)` /
    `key NotIn (pod's value)` for each key the incoming pod carries
    (the API server merges them into the selector at creation since 1.33;
    the effect on matching is the same)."""
    if sel is None or (not match_keys and not mismatch_keys):
        return sel
    extra = []
    for k in match_keys:
        if k in labels:
            extra.append(Requirement(k, "In", (labels[k],)))
    for k in mismatch_keys:
        if k in labels:
            extra.append(Requirement(k, "NotIn", (labels[k],)))
    return LabelSelector(match_labels=sel.match_labels, match_expressions=sel.match_expressions + tuple(extra))


@attrs.frozen
class AffinityTerm:
    """framework.AffinityTerm: the selector, the namespaces it applies to
    (the pod's own when both namespaces and namespaceSelector are unset),
    the namespaceSelector (None: not set) and the topology key."""
    selector: Optional[LabelSelector]
    namespaces: frozenset
    namespace_selector: Optional[LabelSelector]
    topology_key: str
    weight: int = 0

    def matches(self, pod: Pod, ns_labels=None) -> bool:
        """AffinityTerm.Matches: the pod's namespace is named or selected,
        and its labels match the selector."""
        ns = pod.metadata.namespace
        if ns not in self.namespaces:
            if self.namespace_selector is None or ns_labels is None or not self.namespace_selector.matches(ns_labels):
                return False
        return self.selector is not None and self.selector.matches(pod.metadata.labels)


def _affinity_term(d, pod: Pod, weight: int = 0) -> Optional[AffinityTerm]:
    if not isinstance(d, dict) and not hasattr(d, "get"):
        return None
    sel = _with_label_keys(selector_from_dict(d.get("labelSelector")), pod.metadata.labels,
                           tuple(d.get("matchLabelKeys") or ()), tuple(d.get("mismatchLabelKeys") or ()))
    namespaces = frozenset(d.get("namespaces") or ())
    ns_sel = selector_from_dict(d.get("namespaceSelector")) if d.get("namespaceSelector") is not None else None
    if not namespaces and ns_sel is None:
        namespaces = frozenset((pod.metadata.namespace,))
    return AffinityTerm(sel, namespaces, ns_sel, str(d.get("topologyKey", "")), weight)


@attrs.frozen
class PodAffinityInfo:
    """framework.PodInfo's RequiredAffinityTerms, RequiredAntiAffinityTerms,
    PreferredAffinityTerms and PreferredAntiAffinityTerms."""
    required_affinity: tuple = ()
    required_anti_affinity: tuple = ()
    preferred_affinity: tuple = ()
    preferred_anti_affinity: tuple = ()

    @property
    def empty(self) -> bool:
        return not (self.required_affinity or self.required_anti_affinity or self.preferred_affinity
                    or self.preferred_anti_affinity)


NO_AFFINITY = PodAffinityInfo()
_MEMO: dict = {}


def _memo(kind: str, pod: Pod, carrier, build):
    key = (kind, id(carrier), pod.metadata.namespace, pod.metadata.labels)
    try:
        hit = _MEMO.get(key)
    except TypeError:          # unhashable labels mapping: do not memoise
        return build()
    if hit is not None and hit[0] is carrier:
        return hit[1]
    value = build()
    if len(_MEMO) > 8192:
        _MEMO.clear()
    _MEMO[key] = (carrier, value)
    return value


def pod_affinity(pod: Pod) -> PodAffinityInfo:
    """framework.NewPodInfo's parsing of spec.affinity.podAffinity and
    podAntiAffinity (required and weighted preferred terms)."""
    aff = pod.spec.affinity
    if aff is None or ("podAffinity" not in aff.extra and "podAntiAffinity" not in aff.extra):
        return NO_AFFINITY
    return _memo("aff", pod, aff.extra, lambda: _parse_affinity(pod, aff.extra))


def _terms(pod: Pod, block, field: str, weighted: bool) -> tuple:
    out = []
    for d in (block or {}).get(field) or ():
        if weighted:
            t = _affinity_term(d.get("podAffinityTerm") or {}, pod, int(d.get("weight", 0)))
        else:
            t = _affinity_term(d, pod)
        if t is not None:
            out.append(t)
    return tuple(out)


def _parse_affinity(pod: Pod, extra) -> PodAffinityInfo:
    pa, paa = extra.get("podAffinity"), extra.get("podAntiAffinity")
    req, pref = "requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"
    return PodAffinityInfo(_terms(pod, pa, req, False), _terms(pod, paa, req, False),
                           _terms(pod, pa, pref, True), _terms(pod, paa, pref, True))


@attrs.frozen
class PreferredNodeTerm:
    weight: int
    term: NodeSelectorTerm


def preferred_node_terms(pod: Pod) -> tuple:
    """nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution, typed."""
    aff = pod.spec.affinity
    if aff is None or "nodeAffinity" not in aff.extra:
        return ()
    na = aff.extra["nodeAffinity"]
    return _memo("pna", pod, na, lambda: _parse_preferred(na))


def _reqs(items) -> tuple:
    return tuple(NodeSelectorRequirement(str(r.get("key", "")), str(r.get("operator", "")),
                                         tuple(str(v) for v in r.get("values") or ())) for r in items or ())


def _parse_preferred(na) -> tuple:
    out = []
    for p in na.get("preferredDuringSchedulingIgnoredDuringExecution") or ():
        pref = p.get("preference") or {}
        out.append(PreferredNodeTerm(int(p.get("weight", 0)), NodeSelectorTerm(
            _reqs(pref.get("matchExpressions")), _reqs(pref.get("matchFields")))))
    return tuple(out)


@attrs.frozen
class SpreadConstraint:
    """podtopologyspread/common.go topologySpreadConstraint."""
    max_skew: int
    topology_key: str
    when_unsatisfiable: str
    selector: Optional[LabelSelector]
    min_domains: int = 1
    node_affinity_policy: str = "Honor"
    node_taints_policy: str = "Ignore"


def spread_constraints(pod: Pod) -> tuple:
    """spec.topologySpreadConstraints with matchLabelKeys merged (common.go
    filterTopologySpreadConstraints), both kinds; callers pick by
    whenUnsatisfiable."""
    raw = pod.spec.extra.get("topologySpreadConstraints")
    if not raw:
        return ()
    return _memo("tsc", pod, raw, lambda: _parse_spread(pod, raw))


def _parse_spread(pod: Pod, raw) -> tuple:
    out = []
    for d in raw:
        sel = _with_label_keys(selector_from_dict(d.get("labelSelector")), pod.metadata.labels,
                               tuple(d.get("matchLabelKeys") or ()))
        out.append(SpreadConstraint(int(d.get("maxSkew", 1)), str(d.get("topologyKey", "")),
                                    str(d.get("whenUnsatisfiable", "DoNotSchedule")), sel,
                                    int(d.get("minDomains") or 1), str(d.get("nodeAffinityPolicy") or "Honor"),
                                    str(d.get("nodeTaintsPolicy") or "Ignore")))
    return tuple(out)


def scheduling_gates(pod: Pod) -> tuple:
    return tuple(g.get("name", "") for g in pod.spec.extra.get("schedulingGates") or ())


def preemption_policy(pod: Pod) -> str:
    return str(pod.spec.extra.get("preemptionPolicy") or "PreemptLowerPriority")
