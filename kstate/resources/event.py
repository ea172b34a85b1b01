"""The core/v1 Event (what `kubectl get events` shows). Must not import anything
of kstate above `resources/`."""
from __future__ import annotations

from typing import ClassVar, Optional

import attrs

from kstate.resources.meta import ObjectMeta


@attrs.frozen
class ObjectReference:
    kind: str
    name: str
    namespace: str = ""
    uid: str = ""
    api_version: str = ""


@attrs.frozen
class Event:
    KIND: ClassVar[str] = "Event"
    API_VERSION: ClassVar[str] = "v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    involved_object: ObjectReference
    reason: str
    message: str = ""
    type: str = "Normal"  # Normal | Warning
    count: int = 1
    first_timestamp: Optional[int] = None
    last_timestamp: Optional[int] = None
    source: str = ""  # reporting component: default-scheduler, kubelet, …
