"""Cluster DNS (CoreDNS's kubernetes plugin, as the DNS specification for
Kubernetes describes it) and the pod resolver's search path, as pure
functions. Must not import engine/, controllers/ or io/.

Sources: kubernetes/dns docs/specification.md (A records
`<service>.<ns>.svc.<zone>` → the ClusterIP; a headless Service → the
addresses of its ready endpoints; `<hostname>.<service>.<ns>.svc.<zone>` for
an endpoint with a hostname; ExternalName → a CNAME), the kubelet's
resolv.conf for ClusterFirst pods (pkg/kubelet/network/dns/dns.go
generateSearchesForDNSClusterFirst: search `<ns>.svc.<zone> svc.<zone>
<zone>`, `options ndots:5`) and the resolver's rule (a name with at least
ndots dots, or ending in a dot, is tried as is first; otherwise each search
domain first, then as is). CoreDNS `pods insecure`: `a-b-c-d.<ns>.pod.<zone>`.
"""
from __future__ import annotations

from typing import Mapping, Optional

import attrs

ZONE = "cluster.local"
NDOTS = 5


@attrs.frozen
class Record:
    """What a Service contributes to DNS: its ClusterIP ("None" if headless,
    "" for ExternalName), its ExternalName, its ready endpoint addresses and
    the (hostname, ip) pairs of endpoints with a hostname."""
    namespace: str
    name: str
    cluster_ip: str = ""
    external_name: str = ""
    ready_ips: tuple = ()
    hostnames: tuple = ()


@attrs.frozen
class Answer:
    query: str                       # the name as asked
    name: str                        # the fully qualified name that answered ("" if none)
    type: str                        # "A", "CNAME" or "NXDOMAIN"
    values: tuple = ()
    tried: tuple = ()                # the names queried, in order

    def render(self) -> str:
        lines = [f";; {q}" for q in self.tried]
        if self.type == "NXDOMAIN":
            lines.append(f"** server can't find {self.query}: NXDOMAIN")
        else:
            lines += [f"{self.name}.\t30\tIN\t{self.type}\t{v}" for v in self.values]
        return "\n".join(lines)


def search_path(namespace: Optional[str], zone: str = ZONE) -> tuple:
    """generateSearchesForDNSClusterFirst (no host search domains)."""
    if namespace is None:
        return ()
    return (f"{namespace}.svc.{zone}", f"svc.{zone}", zone)


def candidates(name: str, namespace: Optional[str], zone: str = ZONE, ndots: int = NDOTS) -> list[str]:
    """The names the resolver tries, in order."""
    if name.endswith("."):
        return [name[:-1]]
    searched = [f"{name}.{s}" for s in search_path(namespace, zone)]
    return [name] + searched if name.count(".") >= ndots else searched + [name]


def lookup(fqdn: str, records: Mapping[tuple, Record], zone: str = ZONE) -> Optional[tuple[str, tuple]]:
    """One authoritative answer for a fully qualified name, or None."""
    suffix = "." + zone
    if not fqdn.endswith(suffix):
        return None
    labels = fqdn[:-len(suffix)].split(".")
    if len(labels) == 3 and labels[2] == "svc":
        r = records.get((labels[1], labels[0]))
        if r is None:
            return None
        if r.external_name:
            return "CNAME", (r.external_name.rstrip(".") + ".",)
        if r.cluster_ip == "None":
            return ("A", tuple(r.ready_ips)) if r.ready_ips else None
        return ("A", (r.cluster_ip,)) if r.cluster_ip else None
    if len(labels) == 4 and labels[3] == "svc":
        r = records.get((labels[2], labels[1]))
        if r is None:
            return None
        ips = tuple(ip for h, ip in r.hostnames if h == labels[0])
        return ("A", ips) if ips else None
    if len(labels) == 3 and labels[2] == "pod":
        parts = labels[0].split("-")
        if len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts):
            return "A", (".".join(parts),)
    return None


def resolve(name: str, records: Mapping[tuple, Record], namespace: Optional[str] = None,
            zone: str = ZONE) -> Answer:
    """Resolve `name` as a pod of `namespace` would (None: from a node, no
    search path)."""
    tried = []
    for cand in candidates(name.lower(), namespace, zone):
        tried.append(cand)
        hit = lookup(cand, records, zone)
        if hit is not None:
            return Answer(name, cand, hit[0], hit[1], tuple(tried))
    return Answer(name, "", "NXDOMAIN", (), tuple(tried))


__all__ = ["Answer", "NDOTS", "Record", "ZONE", "candidates", "lookup", "resolve", "search_path"]

