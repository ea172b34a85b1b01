"""camelCase (Kubernetes JSON) ⇄ snake_case (kstate attrs fields), in one place.

Owns: `to_snake` and `to_camel`, and the table of Kubernetes field names whose
initialisms do not follow the regular rule (`podCIDR` ↔ `pod_cidr`,
`containerID` ↔ `container_id`, `hostIPs` ↔ `host_ips` …). Imports nothing of
kstate.

The regular rule splits before every capital that starts a new word, treating a
run of capitals as one word (`apiVersion` ↔ `api_version`,
`terminationGracePeriodSeconds` ↔ `termination_grace_period_seconds`). The
exceptions are initialisms written in capitals by the Go API types; the table
below is the single place to add one. Both directions round-trip for every field
name of every resource class (tests/unit/test_manifests.py checks this).

Examples:
    >>> to_snake("podCIDRs"), to_camel("pod_cidrs")
    ('pod_cidrs', 'podCIDRs')
    >>> to_snake("nodeName"), to_camel("node_name")
    ('node_name', 'nodeName')
"""
from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["EXCEPTIONS", "to_camel", "to_snake"]

#: Kubernetes JSON names with capitalised initialisms → kstate snake_case.
EXCEPTIONS: dict[str, str] = {
    "podCIDR": "pod_cidr",
    "podCIDRs": "pod_cidrs",
    "podIP": "pod_ip",
    "podIPs": "pod_ips",
    "hostIP": "host_ip",
    "hostIPs": "host_ips",
    "clusterIP": "cluster_ip",
    "clusterIPs": "cluster_ips",
    "externalIPs": "external_ips",
    "loadBalancerIP": "load_balancer_ip",
    "loadBalancerIPs": "load_balancer_ips",
    "containerID": "container_id",
    "providerID": "provider_id",
    "externalID": "external_id",
    "imageID": "image_id",
    "machineID": "machine_id",
    "systemUUID": "system_uuid",
    "bootID": "boot_id",
    "volumeID": "volume_id",
    "hostPID": "host_pid",
    "hostIPC": "host_ipc",
    "setHostnameAsFQDN": "set_hostname_as_fqdn",
    "targetCPUUtilizationPercentage": "target_cpu_utilization_percentage",
    "currentCPUUtilizationPercentage": "current_cpu_utilization_percentage",
}
_TO_CAMEL: dict[str, str] = {v: k for k, v in EXCEPTIONS.items()}
assert len(_TO_CAMEL) == len(EXCEPTIONS), "names.EXCEPTIONS must be a bijection"

_BOUNDARY_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")  # "HTTPGet" → "HTTP_Get"
_BOUNDARY_2 = re.compile(r"([a-z0-9])([A-Z])")  # "podName" → "pod_Name"


@lru_cache(maxsize=4096)
def to_snake(name: str) -> str:
    """Kubernetes camelCase → kstate snake_case (`containerPort` → `container_port`,
    `podCIDRs` → `pod_cidrs`)."""
    hit = EXCEPTIONS.get(name)
    if hit is not None:
        return hit
    return _BOUNDARY_2.sub(r"\1_\2", _BOUNDARY_1.sub(r"\1_\2", name)).lower()


@lru_cache(maxsize=4096)
def to_camel(name: str) -> str:
    """kstate snake_case → Kubernetes camelCase (`container_port` →
    `containerPort`, `pod_cidrs` → `podCIDRs`)."""
    hit = _TO_CAMEL.get(name)
    if hit is not None:
        return hit
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)
