"""The v1 Service. Must not import anything of kstate above `resources/`."""
from __future__ import annotations

from typing import ClassVar, Union

import attrs

from kstate.resources.frozen import EMPTY, FrozenDict
from kstate.resources.meta import ObjectMeta

CLUSTER_IP, NODE_PORT, LOAD_BALANCER, EXTERNAL_NAME = "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"
SERVICE_TYPES = (CLUSTER_IP, NODE_PORT, LOAD_BALANCER, EXTERNAL_NAME)
CLUSTER_IP_NONE = "None"
#: SessionAffinityConfig's default ClientIP timeout (DefaultClientIPServiceAffinitySeconds).
DEFAULT_AFFINITY_SECONDS = 10800


@attrs.frozen
class ServicePort:
    port: int
    name: str = ""
    protocol: str = "TCP"
    #: an int port number or a named container port
    target_port: Union[int, str] = 0
    node_port: int = 0
    app_protocol: str = ""


@attrs.frozen
class ServiceSpec:
    type: str = CLUSTER_IP
    #: None: no selector (user-managed Endpoints)
    selector: Union[FrozenDict, None] = None
    ports: tuple[ServicePort, ...] = ()
    cluster_ip: str = ""
    external_name: str = ""
    session_affinity: str = "None"
    session_affinity_timeout: int = 0
    external_traffic_policy: str = ""
    internal_traffic_policy: str = ""
    publish_not_ready_addresses: bool = False
    allocate_load_balancer_node_ports: Union[bool, None] = None
    #: fields kstate keeps verbatim (externalIPs, loadBalancerSourceRanges, …)
    extra: FrozenDict = EMPTY

    @property
    def headless(self) -> bool:
        return self.cluster_ip == CLUSTER_IP_NONE


@attrs.frozen
class ServiceStatus:
    """status.loadBalancer.ingress as IPs (ipMode VIP), set only when the
    cluster has a load-balancer pool (`Cluster(load_balancer_pool=...)`).
    Services have no lifecycle of kstate's: `state` is always empty."""
    load_balancer_ingress: tuple[str, ...] = ()
    state: str = ""


@attrs.frozen
class Service:
    KIND: ClassVar[str] = "Service"
    API_VERSION: ClassVar[str] = "v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: ServiceSpec = ServiceSpec()
    status: ServiceStatus = ServiceStatus()

