"""The kubelet's probe workers as arithmetic over time: startup, liveness and
readiness probes of a running container, on their timers.

Owns: when each probe runs (pkg/kubelet/prober/worker.go run and doProbe;
prober_manager.go UpdatePodStatus for the manual readiness trigger), what it
answers — from the pod's timing annotations, since kstate runs no
application — and what follows: the container becomes started (startup),
ready or unready (readiness), or is killed to be restarted (liveness, or a
startup probe that never succeeds); the Unhealthy events of failed probes
(prober.go runProbeWithRetries' caller: "Liveness probe failed: …").
Must not import engine/ or io/, touch a store, the clock or randomness.

The answers (durations from each start of the container, Go syntax):

- `kstate.io/startup-takes`: the startup probe fails before, succeeds after (default 0s).
- `kstate.io/ready-after`: the readiness probe succeeds from then on (default 0s);
  `kstate.io/never-ready: "true"`: it never does.
- `kstate.io/readiness-fails-after`: the readiness probe fails from then on.
- `kstate.io/liveness-fails-after`: the liveness probe fails from then on.

A worker starts when the kubelet first syncs the pod (AddPod; kstate: the
pod's status.startTime), probes at once and then every periodSeconds; a
probe is skipped while the container has run less than initialDelaySeconds
(whole seconds, as doProbe truncates), and liveness and readiness are
skipped until the container has started (startup probe succeeded). The
readiness worker is also triggered whenever the kubelet writes the status of
a started container that is not ready (UpdatePodStatus), so a readiness
probe without initial delay runs the moment the container starts or its
startup probe succeeds. A result counts after successThreshold (failureThreshold)
equal answers in a row (worker.go resultRun).

Events: every failed probe records Warning Unhealthy, except that kstate stops
waking a container whose readiness can no longer change (a readiness probe that
never succeeds records its first failureThreshold failures), so runs settle.
"""
from __future__ import annotations

from typing import Iterator, Optional

import attrs

from kstate.units import parse_duration

READINESS = "Readiness"
LIVENESS = "Liveness"
STARTUP = "Startup"

ANN_STARTUP_TAKES = "kstate.io/startup-takes"
ANN_READY_AFTER = "kstate.io/ready-after"
ANN_NEVER_READY = "kstate.io/never-ready"
ANN_READINESS_FAILS_AFTER = "kstate.io/readiness-fails-after"
ANN_LIVENESS_FAILS_AFTER = "kstate.io/liveness-fails-after"

#: the most probe instants one container's plan walks (a startup probe with
#: failureThreshold 1000 is the API's largest reasonable case).
_MAX_STEPS = 100_000


def has_probes(pod) -> bool:
    """Any app container with a startup, liveness or readiness probe."""
    for c in pod.spec.containers:
        if c.readiness_probe is not None or c.liveness_probe is not None or c.startup_probe is not None:
            return True
    return False


def _ann_ms(pod, key: str) -> Optional[int]:
    v = pod.metadata.annotations.get(key)
    return None if v is None else parse_duration(v)


def probe_instants(w0: int, period_ms: int, start: int, delay_s: int, not_before: int,
                   manual: tuple = ()) -> Iterator[int]:
    """The instants doProbe actually probes a container started at `start`:
    the worker's ticks w0, w0 + period, … and the `manual` triggers, from
    `not_before` on, skipping those before initialDelaySeconds has passed
    (int32(time.Since(startedAt).Seconds()) < InitialDelaySeconds).

    Example: w0 = 0, period 10 s, start 1 s, delay 5 s → 10 s, 20 s, 30 s, …
    (the tick at 0 s has no container; 6 s is not a tick).
    """
    lo = max(not_before, start + delay_s * 1000)
    k = max(0, -(-(lo - w0) // period_ms))
    extra = sorted(t for t in set(manual) if t >= lo)
    i = 0
    while True:
        tick = w0 + k * period_ms
        if i < len(extra) and extra[i] <= tick:
            t = extra[i]
            i += 1
            if t == tick:
                k += 1
            yield t
        else:
            k += 1
            yield tick


@attrs.frozen
class ContainerPlan:
    """What the probes do to one running container instance (absolute ms)."""
    #: when it counts as started (startup probe succeeded; its start without one); None: never.
    started_at: Optional[int]
    #: when it becomes ready; None: not in this instance's life.
    ready_at: Optional[int] = None
    #: when it becomes unready again after being ready.
    unready_at: Optional[int] = None
    #: (when, probe type) the kubelet kills it for a failed liveness or startup probe.
    kill: Optional[tuple] = None
    #: (when, probe type) of each failed probe that records Unhealthy, in time order.
    failures: tuple = ()


def plan_container(pod, c, start: int, w0: int) -> ContainerPlan:
    """The probes' timeline for container `c` started at `start` (worker.go doProbe).

    Example: readinessProbe initialDelaySeconds 5, periodSeconds 10, the pod
    synced at 0 s, the container started at 1 s → the manual trigger at 1 s
    is inside the delay, the ticks at 0 s and 10 s → ready at 10 s.
    """
    fails: list = []
    never_ready = pod.metadata.annotations.get(ANN_NEVER_READY) == "true"
    # startup
    started = start
    kill = None
    p = c.startup_probe
    if p is not None:
        takes = _ann_ms(pod, ANN_STARTUP_TAKES) or 0
        run = 0
        started = None
        for n, t in enumerate(probe_instants(w0, p.period_seconds * 1000, start, p.initial_delay_seconds, start)):
            if t - start >= takes:
                started = t
                break
            fails.append((t, STARTUP))
            run += 1
            if run >= p.failure_threshold or n > _MAX_STEPS:
                kill = (t, STARTUP)
                break
    if started is None:
        return ContainerPlan(started_at=None, kill=kill, failures=tuple(fails))
    # liveness
    p = c.liveness_probe
    live_until = _ann_ms(pod, ANN_LIVENESS_FAILS_AFTER)
    if p is not None and live_until is not None:
        run = 0
        after = started + (1 if c.startup_probe is not None else 0)
        for n, t in enumerate(probe_instants(w0, p.period_seconds * 1000, start, p.initial_delay_seconds, after)):
            if t - start < live_until:
                run = 0
                continue
            fails.append((t, LIVENESS))
            run += 1
            if run >= p.failure_threshold or n > _MAX_STEPS:
                kill = (t, LIVENESS)
                break
    end = kill[0] if kill is not None else None
    # readiness
    p = c.readiness_probe
    ready_at = unready_at = None
    if p is None:
        if not never_ready:
            ready_at = started + (_ann_ms(pod, ANN_READY_AFTER) or 0)
    else:
        ready_from = None if never_ready else (_ann_ms(pod, ANN_READY_AFTER) or 0)
        ready_until = _ann_ms(pod, ANN_READINESS_FAILS_AFTER)
        run_ok = run_bad = 0
        ready = False
        for n, t in enumerate(probe_instants(w0, p.period_seconds * 1000, start, p.initial_delay_seconds, started,
                                             manual=(start, started))):
            if (end is not None and t >= end) or n > _MAX_STEPS:
                break
            ok = ready_from is not None and t - start >= ready_from and (ready_until is None or
                                                                        t - start < ready_until)
            if ok:
                run_bad = 0
                run_ok += 1
                if not ready and run_ok >= p.success_threshold:
                    ready, ready_at = True, t
                    if ready_until is None:
                        break
                continue
            run_ok = 0
            run_bad += 1
            fails.append((t, READINESS))
            if ready and run_bad >= p.failure_threshold:
                unready_at = t
                break
            hopeless = ready_from is None or (ready_until is not None and t - start >= ready_until)
            if not ready and hopeless and run_bad >= p.failure_threshold:
                break      # it can no longer become ready: stop after failureThreshold failures
    fails.sort()
    if end is not None:
        fails = [f for f in fails if f[0] <= end]
    return ContainerPlan(started_at=started, ready_at=ready_at, unready_at=unready_at, kill=kill,
                         failures=tuple(fails))


def failure_output(pod, probe) -> str:
    """What a failed probe's event carries after "… probe failed: ": the
    prober's result text for the handler (probe/http/http.go: "HTTP probe
    failed with statuscode: 500"; probe/tcp/tcp.go: the dial error; probe/exec:
    the command's output, empty here; probe/grpc/grpc.go: the service status)."""
    h = probe.handler
    if "httpGet" in h:
        return "HTTP probe failed with statuscode: 500"
    if "tcpSocket" in h:
        port = (h["tcpSocket"] or {}).get("port", "")
        return f"dial tcp {pod.status.pod_ip}:{port}: connect: connection refused"
    if "grpc" in h:
        return 'service unhealthy (responded with "NOT_SERVING")'
    return ""


def probe_of(c, kind: str):
    return {READINESS: c.readiness_probe, LIVENESS: c.liveness_probe, STARTUP: c.startup_probe}[kind]
