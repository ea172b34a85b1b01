"""client-go's rate-limited requeue of a key whose sync failed
(queue.AddRateLimited / queue.Forget), for controllers whose sync can fail.

Owns: the ItemExponentialFailureRateLimiter delay and the memory key a
controller keeps a key's failure count under. Pure; the count lives in the
controller's memory (the engine's), set by the reconcile with SetMemory.
Must not import engine/ or io/.

Kubernetes sources (1.35): staging/src/k8s.io/client-go/util/workqueue/
default_rate_limiters.go (ItemExponentialFailureRateLimiter.When:
base × 2^failures, at most max; DefaultControllerRateLimiter: 5 ms to
1000 s, and a 10 qps / 100 burst bucket that a few failing keys never reach).
"""
from __future__ import annotations

#: DefaultControllerRateLimiter's per-item exponential part (ms).
DEFAULT_BASE_DELAY_MS = 5
DEFAULT_MAX_DELAY_MS = 1_000_000
#: controller memory key prefix: ("#failures", key) → failures so far.
FAILURES_KEY = "#failures"


def failure_delay(failures: int, base_ms: int = DEFAULT_BASE_DELAY_MS,
                  max_ms: int = DEFAULT_MAX_DELAY_MS) -> int:
    """ItemExponentialFailureRateLimiter.When for an item that failed
    `failures` times before: base × 2^failures, capped.

    Example: 5 ms base → 5, 10, 20, 40 ms …; the 19th retry waits the cap (1000 s).
    """
    if failures >= 64:
        return max_ms
    return min(base_ms * (1 << failures), max_ms)
