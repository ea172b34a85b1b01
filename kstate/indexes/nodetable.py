"""The scheduler's capacity index (kube-scheduler's cache of NodeInfos).

Owns: per-node rows of allocatable and requested resources kept up to date by
the engine as pods are bound and finish, and a memo of LeastAllocated scores
per pod request shape, so that placing an ordinary pod costs a couple of
C-level slice scans instead of a Python loop over the search window. The
scoring itself is the scheduler's (controllers/scheduler.py); this module
only caches it. State lives here because the engine owns all state.
"""
from __future__ import annotations

from kstate.controllers.scheduler import Requests, least_allocated_score
from kstate.resources.node import Node
from kstate.resources.quantity import cpu_millis, to_int

_RANK_BITS = 24
_MAX_SIGNATURES = 64


def _hard_taints(node: Node) -> bool:
    return any(t.effect in ("NoSchedule", "NoExecute") for t in node.spec.taints)


class NodeTable:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.nodes: list[Node] = []
        self.rank: list[int] = []
        self.alloc_cpu: list[int] = []
        self.alloc_mem: list[int] = []
        self.alloc_pods: list[int] = []
        self.used_cpu: list[int] = []
        self.used_mem: list[int] = []
        self.used_pods: list[int] = []
        self.nz_cpu: list[int] = []
        self.nz_mem: list[int] = []
        self.simple_ok: list[bool] = []
        self.row: dict[str, int] = {}
        self._keys: dict[tuple, list[int]] = {}
        self._rank_dirty = False
        self._by_rank: list[int] = []

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
        self.simple_ok[i] = not node.spec.unschedulable and not _hard_taints(node)

    def add_node(self, node: Node) -> None:
        i = len(self.names)
        self.row[node.metadata.name] = i
        self.names.append(node.metadata.name)
        for arr in (self.alloc_cpu, self.alloc_mem, self.alloc_pods, self.used_cpu, self.used_mem,
                    self.used_pods, self.nz_cpu, self.nz_mem, self.rank):
            arr.append(0)
        self.nodes.append(node)
        self.simple_ok.append(False)
        self._set_node(i, node)
        self._invalidate(rank=True)

    def update_node(self, node: Node) -> None:
        i = self.row[node.metadata.name]
        before = (self.alloc_cpu[i], self.alloc_mem[i], self.alloc_pods[i], self.simple_ok[i])
        self._set_node(i, node)
        if before != (self.alloc_cpu[i], self.alloc_mem[i], self.alloc_pods[i], self.simple_ok[i]):
            self._invalidate()

    def remove_node(self, name: str) -> None:
        i = self.row.pop(name)
        for arr in (self.names, self.nodes, self.rank, self.alloc_cpu, self.alloc_mem, self.alloc_pods,
                    self.used_cpu, self.used_mem, self.used_pods, self.nz_cpu, self.nz_mem, self.simple_ok):
            del arr[i]
        for n, r in self.row.items():
            if r > i:
                self.row[n] = r - 1
        self._invalidate(rank=True)

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

    def _invalidate(self, rank: bool = False) -> None:
        self._keys.clear()
        if rank:
            self._rank_dirty = True

    def prepare(self) -> None:
        """Bring the lazily kept name ranks up to date (after node changes)."""
        self._ensure_rank()

    def _ensure_rank(self) -> None:
        if self._rank_dirty:
            self._by_rank = [i for _, i in sorted((n, i) for i, n in enumerate(self.names))]
            for r, i in enumerate(self._by_rank):
                self.rank[i] = r
            self._rank_dirty = False

    # -- the memo of simple-pod scores

    def _key(self, i: int, sig: tuple) -> int:
        cpu, mem, nzc, nzm = sig
        if (not self.simple_ok[i] or self.used_pods[i] + 1 > self.alloc_pods[i]
                or (cpu and self.used_cpu[i] + cpu > self.alloc_cpu[i])
                or (mem and self.used_mem[i] + mem > self.alloc_mem[i])):
            return -1
        s = least_allocated_score(self.alloc_cpu[i], self.alloc_mem[i], self.nz_cpu[i] + nzc, self.nz_mem[i] + nzm)
        return (s << _RANK_BITS) | ((1 << _RANK_BITS) - 1 - self.rank[i])

    def best_simple(self, req: Requests, start: int, want: int):
        """For a pod any schedulable untainted node with room can run: the
        best (score, then name) node among the `want` nodes from `start`, if
        every one of them is feasible — which is what findNodesThatPassFilters
        would have examined. Returns (row, processed) or None (use the slow path)."""
        n = self.size
        if n == 0:
            return None
        self._ensure_rank()
        sig = (req.cpu, req.memory, req.nz_cpu, req.nz_memory)
        keys = self._keys.get(sig)
        if keys is None:
            if len(self._keys) >= _MAX_SIGNATURES:
                self._keys.clear()
            keys = [self._key(i, sig) for i in range(n)]
            self._keys[sig] = keys
        want = min(want, n)
        end = start + want
        if end <= n:
            window = keys[start:end]
        else:
            window = keys[start:] + keys[:end - n]
        if min(window) < 0:
            return None
        best = max(window)
        i = self._row_of_key(best)
        return i, want

    def _row_of_key(self, key: int) -> int:
        return self._by_rank[(1 << _RANK_BITS) - 1 - (key & ((1 << _RANK_BITS) - 1))]
