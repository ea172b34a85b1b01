"""What a controller may read: the engine hands `observe_*` functions an object
with this interface. Declared here (not in engine/) so that controllers depend
only on the protocol. Reads go through indexes; nothing here scans every object.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Protocol


class View(Protocol):
    def get(self, kind: str, namespace: str, name: str) -> Optional[Any]: ...
    def pods_on_node(self, node_name: str) -> list: ...       # sorted by namespace/name
    def nodes_in_zone(self, zone: str) -> list: ...            # sorted by name
    def zones(self) -> list[str]: ...                          # sorted
    def memory(self, controller: str, key: Any, default: Any = None) -> Any: ...
    def node_table(self) -> Any: ...                           # scheduler capacity index
    def profile(self) -> Any: ...                              # kubelet timing rules
    def owned_by(self, uid: str, kind: Optional[str] = None) -> list: ...
    def namespace_objects(self, namespace: str) -> Iterable: ...
