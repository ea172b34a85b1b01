"""The v1 Namespace. Must not import anything of kstate above `resources/`."""
from __future__ import annotations

from typing import ClassVar

import attrs

from kstate.resources.meta import ObjectMeta


@attrs.frozen
class NamespaceStatus:
    phase: str = "Active"  # Active | Terminating


@attrs.frozen
class Namespace:
    KIND: ClassVar[str] = "Namespace"
    API_VERSION: ClassVar[str] = "v1"
    NAMESPACED: ClassVar[bool] = False

    metadata: ObjectMeta
    status: NamespaceStatus = NamespaceStatus()
