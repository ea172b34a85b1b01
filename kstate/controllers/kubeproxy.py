"""kube-proxy's sync loop: when the nodes' kube-proxies program their rules
and what each sync reads. Pure observe/reconcile; the sync history lives in
the engine-held `kube-proxy-sync` index (kstate.network.proxysync), which the
Service and EndpointSlice watches mark and this controller's SetMemory
records. Must not import engine/ or io/.

Sources (Kubernetes v1.35): pkg/proxy/iptables/proxier.go (NewProxier: the
sync runner runs syncProxyRules at most once per minSyncPeriod, 1 s; the
Service and EndpointSlice handlers (OnServiceUpdate, OnEndpointSliceUpdate)
record the change and ask for a sync; syncProxyRules: a full sync first and
after FullSyncPeriod, else a partial one).

Not modelled: the periodic sync with no change (it writes nothing a reader
could tell apart), failed restores and their retry, and a kube-proxy that is
down with its node (every node's rules follow the same sync history).
"""
from __future__ import annotations

from typing import Any, Optional

import attrs

from kstate.controllers.actions import NOTHING, Result, SetMemory
from kstate.network import kubeproxy as kp, proxysync as ps
from kstate.resources.selector import selector_from_labels

NAME = "kube-proxy"
SYNC_INDEX = "kube-proxy-sync"
KEY = "sync"
WANT_FULL = "want-full"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


@attrs.frozen
class KubeProxyObs:
    due: bool                    # something to sync (a change, or no sync yet)
    last_sync: Optional[int]
    last_full: Optional[int]
    full_read: bool              # `entries` hold every service (a full sync can run)
    entries: tuple               # ((ns, name), Service | None, slices)


def _slices(view, ns: str, name: str) -> tuple:
    objs = view.objects_matching("EndpointSlice", ns, selector_from_labels({SERVICE_NAME_LABEL: name}))
    return tuple(kp.slice_of(o) for o in sorted(objs, key=lambda o: o.metadata.name))


def observe_kube_proxy(view, key) -> KubeProxyObs:
    """The services a sync would write: those changed since the last sync,
    or every one when a full sync is due (the first, or one asked for)."""
    st: ps.ProxySyncState = view.index(SYNC_INDEX)
    full_read = st.last_full is None or st.want_full
    if full_read:
        keys = set(st.pending) | set(st.synced) | {(s.metadata.namespace, s.metadata.name)
                                                  for s in view.list("Service")}
    else:
        keys = set(st.pending)
    entries = []
    for ns, name in sorted(keys):
        svc = view.get("Service", ns, name)
        entries.append(((ns, name), svc, _slices(view, ns, name) if svc is not None else ()))
    return KubeProxyObs(due=bool(st.pending) or st.last_full is None, last_sync=st.last_sync,
                        last_full=st.last_full, full_read=full_read, entries=tuple(entries))


def reconcile_kube_proxy(obs: KubeProxyObs, now: int) -> Result:
    """syncProxyRules through the sync runner: wait out the min-sync period
    since the last sync; a full sync when due (reading every service first),
    else a partial one of the changed services."""
    if not obs.due:
        return NOTHING
    st = ps.ProxySyncState()
    st.last_sync, st.last_full = obs.last_sync, obs.last_full
    at = ps.next_sync_at(st, now)
    if at > now:
        return Result(requeue_after=at - now)
    full = ps.needs_full_sync(st, now)
    if full and not obs.full_read:
        return Result(actions=(SetMemory(NAME, WANT_FULL, True),), requeue_after=0)
    return Result(actions=(SetMemory(NAME, ("sync", now, full), obs.entries),))


# ------------------------------------------------------------------ the index

def index_on_service(state: ps.ProxySyncState, old, new, api) -> list:
    obj = new if new is not None else old
    ps.mark_changed(state, (obj.metadata.namespace, obj.metadata.name))
    return [(NAME, KEY)]


def index_on_slice(state: ps.ProxySyncState, old, new, api) -> list:
    out = []
    for obj in (old, new):
        name = obj.metadata.labels.get(SERVICE_NAME_LABEL) if obj is not None else None
        if name is not None:
            ps.mark_changed(state, (obj.metadata.namespace, name))
            out = [(NAME, KEY)]
    return out


def index_on_memory(state: ps.ProxySyncState, key, value) -> bool:
    if key == WANT_FULL:
        state.want_full = True
        return True
    if isinstance(key, tuple) and key and key[0] == "sync":
        ps.apply_sync(state, key[1], key[2], value)
        state.want_full = False
        return True
    return False


def _slice_out(s: kp.Slice) -> tuple:
    return (s.ports, tuple((e.ip, e.ready, e.serving, e.terminating, e.node_name, e.zone) for e in s.endpoints))


def _slice_in(t) -> kp.Slice:
    ports, eps = t
    return kp.Slice(tuple(tuple(p) for p in ports), tuple(kp.Endpoint(*e) for e in eps))


def _synced_out(s: Optional[ps.Synced]) -> Any:
    return None if s is None else (s.service, tuple(_slice_out(x) for x in s.slices), s.endpoints, s.large)


def _synced_in(t) -> Optional[ps.Synced]:
    if t is None:
        return None
    svc, slices, n, large = t
    return ps.Synced(svc, tuple(_slice_in(x) for x in slices), n, large)


def index_dump(state: ps.ProxySyncState) -> dict:
    rec = state.last
    return {"synced": {k: _synced_out(v) for k, v in state.synced.items()}, "pending": tuple(state.pending),
            "total": state.total_endpoints, "last_sync": state.last_sync, "last_full": state.last_full,
            "syncs": state.syncs, "want_full": state.want_full,
            "last": None if rec is None else (rec.at, rec.full, rec.written,
                                              tuple((k, _synced_out(v)) for k, v in rec.previous))}


def index_load(data: dict, api) -> ps.ProxySyncState:
    st = ps.ProxySyncState()
    st.synced = {tuple(k): _synced_in(v) for k, v in data["synced"].items()}
    st.pending = {tuple(k): None for k in data["pending"]}
    st.total_endpoints, st.last_sync, st.last_full = data["total"], data["last_sync"], data["last_full"]
    st.syncs, st.want_full = data["syncs"], data["want_full"]
    last = data["last"]
    if last is not None:
        at, full, written, previous = last
        st.last = ps.SyncRecord(at, full, tuple(tuple(k) for k in written),
                                tuple((tuple(k), _synced_in(v)) for k, v in previous))
    return st


__all__ = ["KEY", "KubeProxyObs", "NAME", "SYNC_INDEX", "index_dump", "index_load", "index_on_memory",
           "index_on_service", "index_on_slice", "observe_kube_proxy", "reconcile_kube_proxy"]
