"""The scheduler's capacity index (kube-scheduler's cache of NodeInfos).

Owns: per-node rows of allocatable and requested resources kept up to date by
the engine as pods are bound and finish, and a memo of LeastAllocated +
BalancedAllocation scores
per pod request shape, so that placing an ordinary pod costs a couple of
C-level slice scans instead of a Python loop over the search window. The
scoring itself is the scheduler's (controllers/scheduler.py); this module
only caches it. State lives here because the engine owns all state.
"""
from __future__ import annotations

from operator import itemgetter

from kstate.controllers.scheduler import Requests, least_allocated_score
from kstate.controllers.scheduling.terms import LABEL_ZONE
from kstate.controllers.scheduling.scores import WEIGHT_BALANCED, balanced_resource_score
from kstate.resources.node import Node
from kstate.resources.quantity import cpu_millis, to_int

_MAX_SIGNATURES = 64


def _any_taints(node: Node) -> bool:
    """NoSchedule/NoExecute taints filter, PreferNoSchedule ones score: a
    node with any taint is left to the full path."""
    return bool(node.spec.taints)


class NodeTable:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.nodes: list[Node] = []
        self.alloc_cpu: list[int] = []
        self.alloc_mem: list[int] = []
        self.alloc_pods: list[int] = []
        self.used_cpu: list[int] = []
        self.used_mem: list[int] = []
        self.used_pods: list[int] = []
        self.nz_cpu: list[int] = []
        self.nz_mem: list[int] = []
        self.simple_ok: list[bool] = []
        #: each node's zone label (None: no zone), for PodTopologySpread's default constraints.
        self.zone_of: list = []
        self.row: dict[str, int] = {}
        #: bumped whenever rows are added or renumbered: row lists derived
        #: from `row` (the spread counts' occupied rows) are stale when it moved.
        self.layout = 0
        self._keys: dict[tuple, list[int]] = {}
        #: (start, want) → the window's names, zones and {zone: nodes}: the
        #: search offsets repeat (start advances by the window), so few are kept.
        self._windows: dict[tuple, tuple] = {}

    @property
    def size(self) -> int:
        return len(self.names)

    # -- maintenance (engine only)

    def _set_node(self, i: int, node: Node) -> None:
        alloc = node.status.allocatable or node.status.capacity
        self.nodes[i] = node
        self.alloc_cpu[i] = cpu_millis(alloc["cpu"]) if "cpu" in alloc else 0
        self.alloc_mem[i] = to_int(alloc["memory"]) if "memory" in alloc else 0
        self.alloc_pods[i] = to_int(alloc["pods"]) if "pods" in alloc else 110
        self.simple_ok[i] = not node.spec.unschedulable and not _any_taints(node)
        zone = node.metadata.labels.get(LABEL_ZONE)
        if zone != self.zone_of[i]:
            self.zone_of[i] = zone
            self._windows.clear()

    def add_node(self, node: Node) -> None:
        i = len(self.names)
        self.row[node.metadata.name] = i
        self.names.append(node.metadata.name)
        for arr in (self.alloc_cpu, self.alloc_mem, self.alloc_pods, self.used_cpu, self.used_mem,
                    self.used_pods, self.nz_cpu, self.nz_mem):
            arr.append(0)
        self.nodes.append(node)
        self.simple_ok.append(False)
        self.zone_of.append(None)
        self._set_node(i, node)
        self.layout += 1
        self._invalidate()

    def update_node(self, node: Node) -> None:
        i = self.row[node.metadata.name]
        before = (self.alloc_cpu[i], self.alloc_mem[i], self.alloc_pods[i], self.simple_ok[i])
        self._set_node(i, node)
        if before != (self.alloc_cpu[i], self.alloc_mem[i], self.alloc_pods[i], self.simple_ok[i]):
            self._invalidate()

    def remove_node(self, name: str) -> None:
        i = self.row.pop(name)
        for arr in (self.names, self.nodes, self.alloc_cpu, self.alloc_mem, self.alloc_pods,
                    self.used_cpu, self.used_mem, self.used_pods, self.nz_cpu, self.nz_mem, self.simple_ok, self.zone_of):
            del arr[i]
        for n, r in self.row.items():
            if r > i:
                self.row[n] = r - 1
        self.layout += 1
        self._invalidate()

    def add_usage(self, name: str, req: Requests, sign: int = 1) -> None:
        i = self.row.get(name)
        if i is None:
            return
        self.used_cpu[i] += sign * req.cpu
        self.used_mem[i] += sign * req.memory
        self.used_pods[i] += sign
        self.nz_cpu[i] += sign * req.nz_cpu
        self.nz_mem[i] += sign * req.nz_memory
        for sig, keys in self._keys.items():
            keys[i] = self._key(i, sig)

    def _invalidate(self) -> None:
        self._keys.clear()
        self._windows.clear()

    def prepare(self) -> None:
        """Nothing to bring up to date any more (ties are drawn at random,
        not broken by name); kept for callers."""

    # -- the memo of simple-pod scores

    def _key(self, i: int, sig: tuple) -> int:
        cpu, mem, nzc, nzm = sig
        if (not self.simple_ok[i] or self.used_pods[i] + 1 > self.alloc_pods[i]
                or (cpu and self.used_cpu[i] + cpu > self.alloc_cpu[i])
                or (mem and self.used_mem[i] + mem > self.alloc_mem[i])):
            return -1
        s = least_allocated_score(self.alloc_cpu[i], self.alloc_mem[i], self.nz_cpu[i] + nzc, self.nz_mem[i] + nzm)
        if cpu or mem:   # BalancedAllocation skips best-effort pods
            s += WEIGHT_BALANCED * balanced_resource_score(self.used_cpu[i] + cpu, self.alloc_cpu[i],
                                                           self.used_mem[i] + mem, self.alloc_mem[i])
        return s

    def window_keys(self, req: Requests, start: int, want: int):
        """The cached LeastAllocated + BalancedAllocation scores of the
        `want` nodes from `start` (round robin), as a fresh list the caller
        may change, or None when one of them
        is not a simple pod's feasible node (tainted, unschedulable, full)
        or the table is empty."""
        n = self.size
        if n == 0:
            return None
        sig = (req.cpu, req.memory, req.nz_cpu, req.nz_memory)
        keys = self._keys.get(sig)
        if keys is None:
            if len(self._keys) >= _MAX_SIGNATURES:
                self._keys.clear()
            keys = [self._key(i, sig) for i in range(n)]
            self._keys[sig] = keys
        window = _wrap(keys, start, min(want, n))
        if min(window) < 0:
            return None
        return window

    def window_zones(self, start: int, want: int) -> tuple:
        """The names and zones (None: no zone label) of the `want` nodes
        from `start` (round robin); per zone, how many of them it has; an
        itemgetter spreading a list of per-zone values (in that dict's
        order) over the window's nodes; and per zone its window positions
        (ascending) with an itemgetter taking their values from a window
        list."""
        hit = self._windows.get((start, want))
        if hit is None:
            if len(self._windows) >= 4 * _MAX_SIGNATURES:
                self._windows.clear()
            zones = _wrap(self.zone_of, start, want)
            per: dict = {}
            for z in zones:
                per[z] = per.get(z, 0) + 1
            order = {z: j for j, z in enumerate(per)}
            spread = itemgetter(*[order[z] for z in zones]) if want > 1 else None
            positions: dict = {z: [] for z in per}
            for pos, z in enumerate(zones):
                positions[z].append(pos)
            parts = {z: (ps, itemgetter(*ps) if len(ps) > 1 else (lambda w, p=ps[0]: (w[p],)))
                     for z, ps in positions.items()}
            hit = self._windows[(start, want)] = (_wrap(self.names, start, want), zones, per, spread, parts)
        return hit

    def best_simple(self, req: Requests, start: int, want: int, draw: int = 0):
        """For a pod any schedulable untainted node with room can run, and
        that no other plugin scores: a node with the best score among the
        `want` nodes from `start`, if every one of them is feasible — which
        is what findNodesThatPassFilters would have examined — chosen
        uniformly among the ties with `draw` (selectHost). Returns (row,
        processed) or None (use the slow path)."""
        window = self.window_keys(req, start, want)
        if window is None:
            return None
        n, want = self.size, len(window)
        best = max(window)
        ties = window.count(best)
        k = draw % ties
        if ties * 8 >= want:
            # a tie is common: draw positions until one holds the best score
            # (uniform over the ties; expected ≤ 8 draws)
            x = draw
            while True:
                x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
                pos = (x >> 33) % want
                if window[pos] == best:
                    break
        else:
            pos = -1
            for _ in range(k + 1):
                pos = window.index(best, pos + 1)
        return (start + pos) % n, want


def _wrap(values: list, start: int, want: int) -> list:
    """values[start:start + want], wrapping round the end."""
    end = start + want
    n = len(values)
    return values[start:end] if end <= n else values[start:] + values[:end - n]
