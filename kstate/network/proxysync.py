"""kube-proxy's syncs: what the kube-proxies have programmed, as opposed to
what the API server holds now. The state is a plain object the engine keeps
(the `kube-proxy-sync` index) and changes only through `mark_changed` and
`apply_sync`; everything else here is a pure reading of it. Must not import
engine/, controllers/ or io/.

Sources (Kubernetes v1.35): pkg/proxy/iptables/proxier.go syncProxyRules
(doFullSync when no sync has succeeded yet or FullSyncPeriod has passed
since the last full one; a partial sync writes the filter table and the nat
table's top-level chains whole but the SVC/SVL/EXT/FW/SEP chains only of the
services whose Service or EndpointSlices changed since the last sync
(serviceUpdateResult / endpointUpdateResult UpdatedServices); stale service
chains are flushed and deleted with -X; largeClusterMode from the total
endpoint count of the sync), NewProxier (the sync runner: at most one sync
per --iptables-min-sync-period, default 1 s).

Every node's kube-proxy watches the same Services and EndpointSlices at the
same moments, so in kstate they sync together: one sync history serves all
nodes, and each node's rules are rendered from it with the node's own name
and IP (its local endpoints). A failed node's kube-proxy is not stopped.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

import attrs

from kstate.network import kubeproxy as kp

#: --iptables-min-sync-period (pkg/proxy/apis/config/v1alpha1/defaults.go): 1 s.
MIN_SYNC_PERIOD_MS = 1000
#: proxyutil.FullSyncPeriod: a sync more than this after the last full one is
#: full. [unverified constant: one hour, the sync runner's former maxInterval]
FULL_SYNC_PERIOD_MS = 3_600_000


@attrs.frozen
class Synced:
    """One service as the sync that last wrote its chains saw it."""
    service: Any
    slices: tuple           # kubeproxy.Slice
    endpoints: int          # its share of totalEndpoints
    large: bool             # written in large-cluster mode (no endpoint comments)


@attrs.frozen
class SyncRecord:
    """One sync: when, full or partial, the services whose chains it wrote
    (all when full) and what those were before it (None: none)."""
    at: int
    full: bool
    written: tuple          # (namespace, name), sorted
    previous: tuple         # ((namespace, name), Synced | None)


class ProxySyncState:
    """Engine-held: the programmed services, the services changed since the
    last sync, and the sync history's last entry."""

    def __init__(self) -> None:
        self.synced: dict = {}            # (ns, name) -> Synced
        self.pending: dict = {}           # (ns, name) -> None, changed since the last sync
        self.total_endpoints = 0
        self.last_sync: Optional[int] = None
        self.last_full: Optional[int] = None
        self.syncs = 0
        self.last: Optional[SyncRecord] = None
        self.want_full = False            # the sync loop asked to read every service

    def __repr__(self) -> str:
        return (f"ProxySyncState(services={len(self.synced)}, pending={len(self.pending)}, "
                f"syncs={self.syncs}, last_sync={self.last_sync})")


def mark_changed(state: ProxySyncState, key: tuple) -> None:
    """A Service or one of its EndpointSlices changed (the change trackers'
    Update): its chains are rewritten by the next sync."""
    state.pending[key] = None


def needs_full_sync(state: ProxySyncState, now: int) -> bool:
    """syncProxyRules doFullSync: no sync yet, or FullSyncPeriod passed since
    the last full one."""
    return state.last_full is None or now - state.last_full > FULL_SYNC_PERIOD_MS


def next_sync_at(state: ProxySyncState, now: int) -> int:
    """When the sync runner lets the next sync run: now, or one
    min-sync-period after the last sync.

    Example: last sync at 30.000 s, a change at 30.400 s → 31.000 s."""
    if state.last_sync is None:
        return now
    return max(now, state.last_sync + MIN_SYNC_PERIOD_MS)


def apply_sync(state: ProxySyncState, at: int, full: bool, entries: Iterable[tuple]) -> None:
    """Record a sync at `at` that read `entries` ((ns, name), Service or None
    when deleted, kubeproxy.Slices): the services it writes become what it
    saw; a full sync rewrites every service's chains."""
    entries = sorted(entries, key=lambda e: e[0])
    previous = tuple((key, state.synced.get(key)) for key, _, _ in entries)
    for key, old in previous:
        if old is not None:
            state.total_endpoints -= old.endpoints
    fresh = []
    for key, svc, slices in entries:
        if svc is None:
            state.synced.pop(key, None)
            continue
        n = kp.endpoint_count(svc, slices)
        state.total_endpoints += n
        fresh.append((key, svc, tuple(slices), n))
    large = state.total_endpoints > kp.LARGE_CLUSTER_ENDPOINTS
    for key, svc, slices, n in fresh:
        state.synced[key] = Synced(svc, slices, n, large)
    if full:
        for key, s in state.synced.items():
            if s.large != large:
                state.synced[key] = attrs.evolve(s, large=large)
        state.pending.clear()
    else:
        for key, _, _ in entries:
            state.pending.pop(key, None)
    written = tuple(sorted(state.synced)) if full else tuple(key for key, _, _ in entries)
    state.last = SyncRecord(at, full, written, previous)
    state.last_sync = at
    if full:
        state.last_full = at
    state.syncs += 1


def _inputs(state: ProxySyncState) -> tuple[list, dict, dict]:
    keys = sorted(state.synced)
    services = [state.synced[k].service for k in keys]
    slices = {k: state.synced[k].slices for k in keys}
    large_of = {k: state.synced[k].large for k in keys}
    return services, slices, large_of


def rules(state: ProxySyncState, node: str, config: kp.ProxyConfig,
          render: Optional[Callable] = None) -> str:
    """The rules kube-proxy has programmed on `node`, as `iptables-save`
    prints them (kstate's canonical order): every service's chains as the
    sync that last wrote them made them. `render` replaces kube-proxy's
    renderer (a seeded broken kube-proxy)."""
    services, slices, large_of = _inputs(state)
    if render is not None:
        return render(services, slices, node, config)
    return kp.iptables_save(services, slices, node, config, large_of=large_of)


def restore_input(state: ProxySyncState, node: str, config: kp.ProxyConfig) -> str:
    """What the last sync handed `iptables-restore` on `node`: the filter
    table and the nat top-level chains whole, the chains of the services it
    wrote, and the stale chains of those services flushed and deleted."""
    rec = state.last
    if rec is None:
        return ""
    services, slices, large_of = _inputs(state)
    stale: set = set()
    for key, old in rec.previous:
        if old is None:
            continue
        before = kp.service_chains(kp.iptables_save([old.service], {key: old.slices}, node, config,
                                                    large_of={key: old.large}))
        now = state.synced.get(key)
        after = set() if now is None else kp.service_chains(
            kp.iptables_save([now.service], {key: now.slices}, node, config, large_of={key: now.large}))
        stale |= before - after
    only = None if rec.full else set(rec.written)
    return kp.iptables_save(services, slices, node, config, only=only, large_of=large_of,
                            delete_chains=sorted(stale))


@attrs.frozen
class SyncInfo:
    """One node's view of the last sync."""
    at: int                 # ms since the epoch
    full: bool
    services: tuple         # "ns/name" whose chains it wrote
    input: str              # the iptables-restore input

    def render(self) -> str:
        kind = "full" if self.full else "partial"
        return (f"# {kind} sync at {self.at} ms: {len(self.services)} service(s) written\n" + self.input)


def sync_info(state: ProxySyncState, node: str, config: kp.ProxyConfig) -> SyncInfo:
    rec = state.last
    return SyncInfo(rec.at, rec.full, tuple(f"{ns}/{name}" for ns, name in rec.written),
                    restore_input(state, node, config))


__all__ = ["FULL_SYNC_PERIOD_MS", "MIN_SYNC_PERIOD_MS", "ProxySyncState", "SyncInfo", "SyncRecord", "Synced", "apply_sync",
           "mark_changed", "needs_full_sync", "next_sync_at", "restore_input", "rules", "sync_info"]
