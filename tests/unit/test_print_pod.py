"""`kubectl get pods` READY / STATUS / RESTARTS (kstate.io.tables.pod_status).

Rows ported from k8s.io/kubernetes pkg/printers/internalversion/printers_test.go
TestPrintPod (the rows about readiness, init containers and deletion) and
TestPrintPodWithRestartableInitContainer (native sidecars), checked against
printers.go printPod. The Go tests give times relative to time.Now(); here
"now" is NOW and `ago(s)` is a finishedAt s seconds earlier.
"""
import pytest

from kstate.io.tables import pod_status, restarts_cell
from kstate.resources.meta import format_time

NOW = 1_700_000_000_000


def ago(seconds: int) -> dict:
    """lastState: terminated, finished `seconds` before NOW."""
    return {"terminated": {"finishedAt": format_time(NOW - seconds * 1000)}}


def running(**kw) -> dict:
    return {"state": {"running": {}}, **kw}


def waiting(reason: str = "", **kw) -> dict:
    return {"state": {"waiting": {"reason": reason} if reason else {}}, **kw}


def term(reason: str = "", code: int = 0, **kw) -> dict:
    t = {"exitCode": code}
    if reason:
        t["reason"] = reason
    return {"state": {"terminated": t}, **kw}


def pod(containers=1, init=0, sidecars=(), init_statuses=(), statuses=(), phase="podPhase", reason=None,
        conditions=(), deleted=False, init_specs=None) -> dict:
    spec = {"containers": [{"name": f"c{i}"} for i in range(containers)]}
    if init_specs is not None:
        spec["initContainers"] = init_specs
    elif init or sidecars:
        spec["initContainers"] = [{"name": f"init{i}"} for i in range(init)] + [
            {"name": s, "restartPolicy": "Always"} for s in sidecars]
    status = {"phase": phase, "initContainerStatuses": list(init_statuses), "containerStatuses": list(statuses),
              "conditions": [{"type": t, "status": s, **({"reason": r} if r else {})} for t, s, r in conditions]}
    if reason:
        status["reason"] = reason
    meta = {"name": "p"}
    if deleted:
        meta["deletionTimestamp"] = format_time(NOW - 10_000)
    return {"metadata": meta, "spec": spec, "status": status}


def row(doc: dict) -> tuple[str, str, str]:
    reason, ready, total, restarts, last = pod_status(doc)
    return f"{ready}/{total}", reason, restarts_cell(restarts, last, NOW)


INITIALIZED = ("Initialized", "True", None)
NOT_INITIALIZED = ("Initialized", "False", None)

# TestPrintPod
PRINT_POD = [
    ("test1: name, containers, restarts, ready",
     pod(2, statuses=[running(ready=True, restartCount=3), {"restartCount": 3}]), ("1/2", "podPhase", "6")),
    ("test2: container error overwrites pod phase",
     pod(2, statuses=[running(ready=True, restartCount=3), waiting("ContainerWaitingReason", restartCount=3)]),
     ("1/2", "ContainerWaitingReason", "6")),
    ("test3: the first container overwrites the rest",
     pod(2, statuses=[waiting("ContainerWaitingReason", restartCount=3),
                      term("ContainerTerminatedReason", restartCount=3)]),
     ("0/2", "ContainerWaitingReason", "6")),
    ("test4: ready is not enough for reporting running",
     pod(2, statuses=[running(ready=True, restartCount=3), {"ready": True, "restartCount": 3}]),
     ("1/2", "podPhase", "6")),
    ("test5: pod reason", pod(2, reason="podReason", statuses=[running(ready=True, restartCount=3),
                                                                {"ready": True, "restartCount": 3}]),
     ("1/2", "podReason", "6")),
    ("test6: one running, one completed, no Ready condition",
     pod(2, phase="Running", statuses=[term("Completed", ready=True, restartCount=3),
                                       running(ready=True, restartCount=3)]), ("1/2", "NotReady", "6")),
    ("test6: one running, one completed, Ready condition",
     pod(2, phase="Running", conditions=[("Ready", "True", None)],
         statuses=[term("Completed", ready=True, restartCount=3), running(ready=True, restartCount=3)]),
     ("1/2", "Running", "6")),
    ("test7: 1 init container restarting, 1 container not running",
     pod(1, init=1, init_statuses=[running(restartCount=3, lastState=ago(10))], statuses=[waiting()]),
     ("0/1", "Init:0/1", "3 (10s ago)")),
    ("test8: 2 init containers, one restarting, the other not running",
     pod(1, init=2, init_statuses=[running(restartCount=3, lastState=ago(10)), waiting()], statuses=[waiting()]),
     ("0/1", "Init:0/2", "3 (10s ago)")),
    ("test9: one init container completed, the other restarting",
     pod(1, init=2, init_statuses=[term(), running(restartCount=3, lastState=ago(10))], statuses=[waiting()]),
     ("0/1", "Init:1/2", "3 (10s ago)")),
    ("test10: one init container completed with restarts, the other restarting",
     pod(1, init=2, init_statuses=[term(restartCount=2, lastState=ago(120)),
                                   running(restartCount=3, lastState=ago(10))], statuses=[waiting()]),
     ("0/1", "Init:1/2", "5 (10s ago)")),
    ("test11: init container completed with restarts, container restarting",
     pod(1, init=1, phase="Running", init_statuses=[term(restartCount=2, lastState=ago(120))],
         statuses=[running(restartCount=4, lastState=ago(20))]), ("0/1", "Running", "4 (20s ago)")),
    ("test12: restarted 5d ago",
     pod(1, phase="Running", statuses=[running(ready=True, restartCount=3, lastState=ago(5 * 86400))]),
     ("1/1", "Running", "3 (5d ago)")),
    ("test14: the latest restart of two containers",
     pod(2, phase="Running", statuses=[running(ready=True, restartCount=6, lastState=ago(5 * 86400)),
                                       running(ready=True, restartCount=3, lastState=ago(20 * 86400))]),
     ("2/2", "Running", "9 (5d ago)")),
    ("test15: SchedulingGated", pod(2, conditions=[("PodScheduled", "False", "SchedulingGated")]),
     ("0/2", "SchedulingGated", "0")),
    ("test16: Succeeded", pod(1, phase="Succeeded", statuses=[term("Completed")]), ("0/1", "Completed", "0")),
    ("test17: Failed", pod(1, phase="Failed", statuses=[term("Error", 1)]), ("0/1", "Error", "0")),
    ("test18: Succeeded and deleted", pod(1, phase="Succeeded", deleted=True, statuses=[term("Completed")]),
     ("0/1", "Completed", "0")),
    ("test19: Running and deleted", pod(1, phase="Running", deleted=True, statuses=[running()]),
     ("0/1", "Terminating", "0")),
    ("test20: Pending and deleted", pod(1, phase="Pending", deleted=True), ("0/1", "Terminating", "0")),
]

# TestPrintPodWithRestartableInitContainer
SIDECARS = ("restartable-init-1", "restartable-init-2")
PRINT_POD_SIDECARS = [
    ("test1: first sidecar running but not started",
     pod(1, sidecars=SIDECARS, phase="Pending", conditions=[NOT_INITIALIZED],
         init_statuses=[running(name="restartable-init-1", restartCount=3, started=False, lastState=ago(10)),
                        waiting(name="restartable-init-2", started=False)],
         statuses=[waiting()]), ("0/3", "Init:0/2", "3 (10s ago)")),
    ("test1: first sidecar started, the second running but not started",
     pod(1, sidecars=SIDECARS, phase="Pending", conditions=[NOT_INITIALIZED],
         init_statuses=[running(name="restartable-init-1", restartCount=3, started=True, lastState=ago(10)),
                        running(name="restartable-init-2", started=False)],
         statuses=[waiting()]), ("0/3", "Init:1/2", "3 (10s ago)")),
    ("test2: 2 sidecars started, 1 container running",
     pod(1, sidecars=SIDECARS, phase="Running", conditions=[INITIALIZED],
         init_statuses=[running(name="restartable-init-1", restartCount=3, started=True, lastState=ago(10)),
                        running(name="restartable-init-2", started=True)],
         statuses=[running(ready=True, restartCount=4, lastState=ago(20))]), ("1/3", "Running", "7 (10s ago)")),
    ("test3: 2 sidecars exited non-zero, 1 container completed",
     pod(1, sidecars=SIDECARS, phase="Succeeded", conditions=[INITIALIZED],
         init_statuses=[term("Error", 137, name="restartable-init-1", restartCount=3, started=False,
                             lastState=ago(10)),
                        term("Error", 137, name="restartable-init-2", started=False)],
         statuses=[term("Completed", restartCount=4, lastState=ago(20))]), ("0/3", "Completed", "7 (10s ago)")),
    ("test4: statuses of containers not in the spec",
     pod(init_specs=[{"name": "init1"}, {"name": "sidecar1", "restartPolicy": "Always"}], phase="Running",
         init_statuses=[{"name": "initinvalid"}, {"name": "init1"}, {"name": "sidecar1"}],
         statuses=[{"name": "containerinvalid"}, {"name": "container1"}]), ("0/2", "Init:0/2", "0")),
]

# Beyond the Go tables, from printPod directly: a ready started sidecar counts as ready.
MORE = [
    ("ready sidecars count, app container ready",
     pod(1, sidecars=SIDECARS, phase="Running", conditions=[INITIALIZED, ("Ready", "True", None)],
         init_statuses=[running(name="restartable-init-1", started=True, ready=True),
                        running(name="restartable-init-2", started=True, ready=True, restartCount=1,
                                lastState=ago(30))],
         statuses=[running(ready=True, restartCount=2, lastState=ago(90))]), ("3/3", "Running", "3 (30s ago)")),
    ("regular init then sidecar: Init:0/2, the sidecar not reached",
     pod(1, init=1, sidecars=("side",), phase="Pending", conditions=[NOT_INITIALIZED],
         init_statuses=[running(name="init0"), waiting("PodInitializing", name="side")],
         statuses=[waiting("PodInitializing")]), ("0/2", "Init:0/2", "0")),
    ("init container in back-off", pod(1, init=1, init_statuses=[
        waiting("CrashLoopBackOff", name="init0", restartCount=2, lastState=ago(5))], statuses=[waiting()]),
     ("0/1", "Init:CrashLoopBackOff", "2 (5s ago)")),
    ("init container failed without a reason", pod(1, init=1, init_statuses=[term(code=3, name="init0")]),
     ("0/1", "Init:ExitCode:3", "0")),
    ("node lost and deleted", pod(1, phase="Running", reason="NodeLost", deleted=True, statuses=[running()]),
     ("0/1", "Unknown", "0")),
]


@pytest.mark.parametrize("doc,expect", [pytest.param(d, e, id=n) for n, d, e in PRINT_POD + PRINT_POD_SIDECARS + MORE])
def test_print_pod(doc, expect):
    assert row(doc) == expect
