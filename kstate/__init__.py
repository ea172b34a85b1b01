"""kstate: Kubernetes workloads and the pod network as explicit state machines
driven by pure reconcile functions, on a deterministic simulated clock.

    import kstate
    c = kstate.Cluster(nodes=3, seed=0)
    c.apply_file("specs/manifests/web-pods.yaml")
    c.run_until_stable()
"""
from kstate.api import Cluster
from kstate.errors import (
    AlreadyExists, InvalidOperation, InvalidTransition, KstateError, NotFound, NotStable, SpecError,
    UnknownFieldError,
)
from kstate.errors import APIStatusError, EvictionForbidden, Forbidden, InternalError, TooManyRequests
from kstate.io import load_file, parse_manifests, to_manifest
from kstate.version import KUBERNETES_VERSION

__all__ = [
    "KUBERNETES_VERSION", "AlreadyExists", "Cluster", "InvalidOperation", "InvalidTransition", "KstateError", "NotFound", "NotStable",
    "SpecError", "UnknownFieldError", "load_file", "parse_manifests", "to_manifest",
    "APIStatusError", "EvictionForbidden", "Forbidden", "InternalError", "TooManyRequests",
]
__version__ = "0.1.0"
