"""The status write's lifecycle check is remembered only where it is
enforced (Engine._apply_update_status keeps the steps it allowed): a step a
cluster without enforced machines let through is refused once they are."""
from __future__ import annotations

import attrs
import pytest

from kstate import Cluster
from kstate.controllers.actions import UpdateStatus
from kstate.errors import InvalidTransition

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec: {containers: [{name: c, image: x}]}\n"


def _jump(eng, name: str) -> None:
    """Pending -> Running by "start": not an edge of the pod machine."""
    pod = eng.get("Pod", "default", name)
    eng.apply_action(UpdateStatus(attrs.evolve(pod, status=attrs.evolve(pod.status, state="Running")), "start"))


def test_a_step_let_through_unenforced_is_refused_once_enforced():
    c = Cluster(nodes=0, seed=0, enforce_machines=False)
    c.apply(POD % "a" + "---\n" + POD % "b")
    eng = c.engine
    _jump(eng, "a")
    assert eng.get("Pod", "default", "a").status.state == "Running"
    eng.enforce_machines = True
    with pytest.raises(InvalidTransition):
        _jump(eng, "b")
    assert eng.get("Pod", "default", "b").status.state == "Pending"


def test_an_allowed_step_is_allowed_again_and_traced_alike():
    c = Cluster(nodes=1, seed=0)
    c.apply(POD % "a" + "---\n" + POD % "b")
    c.run_until_stable(timeout="1m")
    lines = [line.split(" ", 1)[1] for line in c.engine.trace_lines() if " status Pod " in line]
    assert lines[:4] == [
        "status Pod default/a Scheduled->ContainerCreating (create_containers)",
        "status Pod default/b Scheduled->ContainerCreating (create_containers)",
        "status Pod default/a ContainerCreating->Running (start) Ready=True ContainersReady=True",
        "status Pod default/b ContainerCreating->Running (start) Ready=True ContainersReady=True"], lines
