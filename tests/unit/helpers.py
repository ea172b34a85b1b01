"""Small builders for unit tests (not part of the library)."""
from __future__ import annotations

from kstate.resources.meta import ObjectMeta
from kstate.resources.pod import Container, ContainerState, ContainerStatus, Pod, PodSpec, PodStatus


def pod(name="p", containers=("app",), restart_policy="Always", init=(), node="", **status) -> Pod:
    spec = PodSpec(containers=tuple(Container(name=c, image="nginx") for c in containers),
                   init_containers=tuple(Container(name=c, image="busybox") for c in init),
                   restart_policy=restart_policy, node_name=node)
    return Pod(metadata=ObjectMeta(name=name, namespace="default", uid=f"uid-{name}"), spec=spec,
               status=PodStatus(**status))


def running(name="app", ready=False, restarts=0, started=0) -> ContainerStatus:
    return ContainerStatus(name=name, ready=ready, restart_count=restarts,
                           state=ContainerState("running", started_at=started))


def terminated(name="app", code=0, started=0, finished=1000) -> ContainerStatus:
    return ContainerStatus(name=name, state=ContainerState("terminated", "Completed" if code == 0 else "Error",
                                                           exit_code=code, started_at=started, finished_at=finished))


def waiting(name="app", reason="ContainerCreating", last_code=None) -> ContainerStatus:
    last = ContainerState() if last_code is None else ContainerState("terminated", "Error", exit_code=last_code,
                                                                      finished_at=1000)
    return ContainerStatus(name=name, state=ContainerState("waiting", reason), last_state=last)
