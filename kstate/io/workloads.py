"""Where the workload manifest helpers used to live; kept so that existing
imports keep working. New code imports from the API-group modules:
`kstate.io.apps_v1` (ReplicaSet, Deployment), `kstate.io.core_v1`
(ReplicationController) and `kstate.io.selectors` (label selectors).

Owns nothing; re-exports only. Imports those three modules; nothing in
kstate imports this one.
"""
from __future__ import annotations

from typing import Any, Callable

from kstate.io import apps_v1, core_v1
from kstate.io.apps_v1 import deployment_to_manifest, replicaset_to_manifest
from kstate.io.core_v1 import replicationcontroller_to_manifest
from kstate.io.selectors import label_selector_to_manifest, parse_label_selector
from kstate.resources.workloads import ReplicationController

__all__ = [
    "DECODERS",
    "EMITTERS",
    "PART_EMITTERS",
    "deployment_to_manifest",
    "label_selector_to_manifest",
    "parse_label_selector",
    "replicaset_to_manifest",
    "replicationcontroller_to_manifest",
]

#: (apiVersion, kind) → decoder of the workload kinds.
DECODERS: dict[tuple[str, str], Callable[..., Any]] = {
    **apps_v1.DECODERS,
    ("v1", "ReplicationController"): core_v1.DECODERS[("v1", "ReplicationController")],
}
#: resource class → emitter of the workload kinds.
EMITTERS: dict[type, Callable[[Any], dict]] = {
    **apps_v1.EMITTERS,
    ReplicationController: replicationcontroller_to_manifest,
}
#: part emitters of the workload kinds' parts.
PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    **apps_v1.PART_EMITTERS,
}
