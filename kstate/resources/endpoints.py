"""v1 Endpoints and discovery.k8s.io/v1 EndpointSlice. Must not import
anything of kstate above `resources/`.

Their content lives in a `spec` field (the API objects keep it at the top
level: subsets; addressType, endpoints, ports) so that the engine's PUT
replaces it like any spec; `kstate.io` flattens it back."""
from __future__ import annotations

from typing import ClassVar, Optional

import attrs

from kstate.resources.meta import ObjectMeta
from kstate.resources.unstructured import _NO_STATE


@attrs.frozen
class EndpointPort:
    port: int
    name: str = ""
    protocol: str = "TCP"


@attrs.frozen
class TargetRef:
    kind: str
    namespace: str
    name: str
    uid: str = ""


@attrs.frozen
class EndpointAddress:
    ip: str
    node_name: str = ""
    hostname: str = ""
    target: Optional[TargetRef] = None


@attrs.frozen
class EndpointSubset:
    addresses: tuple = ()
    not_ready_addresses: tuple = ()
    ports: tuple = ()


@attrs.frozen
class EndpointsData:
    subsets: tuple = ()


@attrs.frozen
class Endpoints:
    KIND: ClassVar[str] = "Endpoints"
    API_VERSION: ClassVar[str] = "v1"
    NAMESPACED: ClassVar[bool] = True
    metadata: ObjectMeta
    spec: EndpointsData = EndpointsData()

    @property
    def status(self):
        return _NO_STATE


@attrs.frozen
class SliceEndpoint:
    addresses: tuple
    ready: Optional[bool] = None
    serving: Optional[bool] = None
    terminating: Optional[bool] = None
    node_name: str = ""
    zone: str = ""
    hostname: str = ""
    target: Optional[TargetRef] = None


@attrs.frozen
class SliceData:
    address_type: str = "IPv4"
    endpoints: tuple = ()
    ports: tuple = ()


@attrs.frozen
class EndpointSlice:
    KIND: ClassVar[str] = "EndpointSlice"
    API_VERSION: ClassVar[str] = "discovery.k8s.io/v1"
    NAMESPACED: ClassVar[bool] = True
    metadata: ObjectMeta
    spec: SliceData = SliceData()

    @property
    def status(self):
        return _NO_STATE
