"""What a controller may read: the engine hands `observe_*` functions an object
with this interface. Declared here (not in engine/) so that controllers depend
only on the protocol. Reads go through indexes; nothing here scans every object.

The View is generic (it knows no kind); the helpers below name the kinds the
built-in controllers read.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Protocol

from kstate.resources.meta import controller_of


class View(Protocol):
    def get(self, kind: str, namespace: str, name: str) -> Optional[Any]: ...
    def list(self, kind: str, namespace: Optional[str] = None) -> list: ...  # sorted by namespace/name
    def placed(self, kind: str, place: str) -> list: ...       # by the kind's place key, sorted
    def places(self, kind: str) -> list[str]: ...              # sorted
    def has_any(self, kind: str, namespace: Optional[str] = None) -> bool: ...
    def objects_matching(self, kind: str, namespace: str, selector) -> list: ...
    def memory(self, controller: str, key: Any, default: Any = None) -> Any: ...
    def index(self, name: str) -> Any: ...                     # a declared index's state
    def profile(self) -> Any: ...                              # kubelet timing rules
    def owned_by(self, uid: str, kind: Optional[str] = None) -> list: ...
    def by_uid(self, uid: str) -> Optional[Any]: ...
    def namespace_objects(self, namespace: str) -> Iterable: ...
    def create_refusal(self, obj) -> Optional[str]: ...       # admission's Forbidden message, or None


def pods_on_node(view: View, node_name: str) -> list:
    return view.placed("Pod", node_name)


def nodes_in_zone(view: View, zone: str) -> list:
    return view.placed("Node", zone)


def zones(view: View) -> list[str]:
    return view.places("Node")


def controller_keys(old, new, kind: str) -> tuple:
    """(kind, namespace, name) of the `kind` object controlling `old` and/or
    `new` (resolveControllerRef on an informer update: both when the
    reference changed), each once."""
    out: list = []
    for obj in (old, new):
        if obj is None:
            continue
        ref = controller_of(obj.metadata)
        if ref is not None and ref.kind == kind:
            key = (kind, obj.metadata.namespace, ref.name)
            if key not in out:
                out.append(key)
    return tuple(out)


def key_of(obj) -> tuple[str, str]:
    return (obj.metadata.namespace, obj.metadata.name)
