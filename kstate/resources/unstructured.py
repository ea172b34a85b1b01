"""Objects of kinds kstate stores but does not simulate (ConfigMap, Secret,
ServiceAccount, Ingress, RBAC, custom resources, …): metadata as for every
kind, everything else kept verbatim.

Owns: `Unstructured` — apiVersion and kind per object (one class serves every
stored kind, as client-go's unstructured.Unstructured does), the metadata,
and `body`, the deep-frozen top-level fields other than apiVersion, kind and
metadata. Must not import anything of kstate above `resources/`.
"""
from __future__ import annotations

from typing import Any

import attrs

from kstate.resources.frozen import EMPTY, FrozenDict
from kstate.resources.meta import ObjectMeta


@attrs.frozen
class Unstructured:
    api_version: str
    kind: str
    metadata: ObjectMeta
    body: FrozenDict = EMPTY

    @property
    def KIND(self) -> str:  # noqa: N802  (the name every resource class uses)
        return self.kind

    @property
    def API_VERSION(self) -> str:  # noqa: N802
        return self.api_version

    @property
    def status(self) -> Any:
        """Stored kinds have no lifecycle state of kstate's."""
        return _NO_STATE

    def field(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default)


@attrs.frozen
class _NoState:
    state: str = ""


_NO_STATE = _NoState()
