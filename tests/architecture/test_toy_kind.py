"""A kind and its controller plug in from a module of their own: this test
module declares a toy kind `Lamp` (its resource class, codec, lifecycle,
printer columns), a controller with its watches and a declared index, and
runs them through apply, the engine, to_manifest, snapshot/restore and the
CLI table — without editing any file of kstate (the kind-registry issue's
acceptance)."""
from __future__ import annotations

import io
from contextlib import redirect_stdout
from typing import ClassVar

import attrs
import pytest

import kstate
from kstate.controllers.actions import NOTHING, Result, UpdateStatus
from kstate.machines import Lifecycle, register as register_lifecycle
from kstate.registry import REGISTRY, ControllerSpec, IndexHandler, IndexSpec, KindSpec, Watch
from kstate.resources.frozen import evolve
from kstate.resources.meta import ObjectMeta


@attrs.frozen
class LampSpec:
    lit: bool = False
    room: str = ""


@attrs.frozen
class LampStatus:
    switches: int = 0
    state: str = "Off"


@attrs.frozen
class Lamp:
    KIND: ClassVar[str] = "Lamp"
    API_VERSION: ClassVar[str] = "toys.example.com/v1"
    NAMESPACED: ClassVar[bool] = True
    metadata: ObjectMeta
    spec: LampSpec = LampSpec()
    status: LampStatus = LampStatus()


LAMP_MACHINE = register_lifecycle(Lifecycle(
    "lamp", ("Off", "On", "Gone"), [("switch_on", "Off", "On"), ("switch_off", "On", "Off"),
                                    ("remove", ["Off", "On"], "Gone")], "Off", ("Gone",)))


def decode_lamp(ctx, doc: dict) -> Lamp:
    meta = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    for key in doc:
        if key not in ("apiVersion", "kind", "metadata", "spec"):
            ctx.unknown(key)
    if not isinstance(spec.get("lit", False), bool):
        ctx.invalid("spec.lit", spec.get("lit"), "must be a boolean")
    if not meta.get("name"):
        ctx.required("metadata.name")
    return Lamp(metadata=ObjectMeta(name=meta.get("name", ""), namespace=meta.get("namespace") or "default",
                                    labels=kstate.resources.freeze(meta.get("labels") or {})),
                spec=LampSpec(lit=bool(spec.get("lit", False)), room=str(spec.get("room", ""))))


def encode_lamp(lamp: Lamp) -> dict:
    return {"apiVersion": Lamp.API_VERSION, "kind": "Lamp",
            "metadata": {"name": lamp.metadata.name, "namespace": lamp.metadata.namespace,
                         "uid": lamp.metadata.uid},
            "spec": {"lit": lamp.spec.lit, "room": lamp.spec.room},
            "status": {"switches": lamp.status.switches, "state": lamp.status.state}}


LAMP = KindSpec(kind="Lamp", group="toys.example.com", version="v1", cls=Lamp, plural="lamps",
                short_names=("lmp",), decode=decode_lamp, encode=encode_lamp, machine="lamp", gone_state="Gone",
                prepare_create=lambda lamp, api: evolve(lamp, status=LampStatus()),
                validate_update=lambda cur, new, meta: evolve(cur, metadata=meta, spec=new.spec),
                update_detail=lambda old, new: f"lit={str(new.spec.lit).lower()}",
                columns=("NAME", "STATE", "SWITCHES"),
                row=lambda lamp, now: [lamp.metadata.name, lamp.status.state, str(lamp.status.switches)])


# -- the controller: a lamp's state follows its spec; a room's count of lit lamps is an index

def observe_lamp(view, key):
    lamp = view.get("Lamp", *key)
    lit = view.index("lit-rooms").get(lamp.spec.room, 0) if lamp is not None else 0
    return (lamp, lit)


def reconcile_lamp(obs, now: int) -> Result:
    lamp, _ = obs
    if lamp is None:
        return NOTHING
    want = "On" if lamp.spec.lit else "Off"
    if lamp.status.state == want:
        return NOTHING
    status = evolve(lamp.status, state=want, switches=lamp.status.switches + 1)
    return Result((UpdateStatus(evolve(lamp, status=status), "switch_on" if lamp.spec.lit else "switch_off"),))


def watch_lamps(old, new, view):
    if new is not None:
        yield (new.metadata.namespace, new.metadata.name)


def lit_rooms_on_lamp(state: dict, old, new, api):
    for lamp, sign in ((old, -1), (new, 1)):
        if lamp is not None and lamp.status.state == "On":
            state[lamp.spec.room] = state.get(lamp.spec.room, 0) + sign
    return ()


LAMP_CONTROLLER = ControllerSpec("lamp-controller", observe_lamp, reconcile_lamp, tier=1,
                                 watches=(Watch("Lamp", watch_lamps),))
LIT_ROOMS = IndexSpec("lit-rooms", init=dict, handlers=(IndexHandler("Lamp", lit_rooms_on_lamp),))


@pytest.fixture
def lamps():
    with REGISTRY.registered(kinds=[LAMP], controllers=[LAMP_CONTROLLER], indexes=[LIT_ROOMS]):
        yield


LAMPS_YAML = """
apiVersion: toys.example.com/v1
kind: Lamp
metadata: {name: desk}
spec: {lit: true, room: study}
---
apiVersion: toys.example.com/v1
kind: Lamp
metadata: {name: hall}
spec: {room: hall}
"""


def test_a_toy_kind_runs_through_apply_engine_manifest_and_snapshot(lamps):
    c = kstate.Cluster(nodes=1, seed=3)
    c.apply(LAMPS_YAML)
    c.run_until_stable()
    desk = c.get("lmp", "desk")
    assert (desk.status.state, desk.status.switches) == ("On", 1)
    assert c.get("lamps", "hall").status.state == "Off"
    assert c.engine.index("lit-rooms") == {"study": 1}
    assert "Off->On (switch_on)" in "\n".join(c.trace())
    assert kstate.to_manifest(desk)["status"] == {"switches": 1, "state": "On"}

    restored = kstate.Cluster.restore(c.snapshot())
    assert restored.list("Lamp") == c.list("Lamp")
    assert restored.engine.index("lit-rooms") == {"study": 1}
    restored.apply({"apiVersion": "toys.example.com/v1", "kind": "Lamp", "metadata": {"name": "desk"},
                    "spec": {"lit": False, "room": "study"}})
    restored.run_until_stable()
    assert restored.get("Lamp", "desk").status.switches == 2
    assert restored.engine.index("lit-rooms") == {"study": 0}
    restored.delete("Lamp", "desk")
    assert "Off->Gone (remove)" in restored.trace()[-1]


def test_a_toy_kind_in_a_scenario_and_the_cli(lamps, tmp_path, capsys):
    """`kstate run` prints the toy kind's table from its registered columns;
    `kstate graph lamp` draws its lifecycle."""
    from kstate.cli import main
    scenario = tmp_path / "lamps.yaml"
    scenario.write_text("name: lamps\ncluster: {nodes: 1}\nmanifests:\n"
                        + "".join("  - " + doc.strip().replace("\n", "\n    ") + "\n"
                                  for doc in LAMPS_YAML.split("---"))
                        + "expect:\n  at-end:\n    - {kind: lamps, name: desk, path: status.switches, equals: 1}\n"
                        + "run: {until: 5s}\n")
    assert main(["run", str(scenario)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split() == ["NAME", "STATE", "SWITCHES"])
    assert lines[header + 1].split() == ["lamp/desk", "On", "1"]
    assert lines[header + 2].split() == ["lamp/hall", "Off", "0"]
    assert "Lamp default/desk  created; Off -> On (switch_on)" in out
    assert main(["graph", "lamp"]) == 0
    assert "Off --> On: switch_on" in capsys.readouterr().out


def test_a_toy_kind_refuses_bad_input_with_a_path(lamps):
    c = kstate.Cluster(nodes=0)
    with pytest.raises(kstate.SpecError) as e:
        c.apply({"apiVersion": "toys.example.com/v1", "kind": "Lamp", "metadata": {"name": "x"},
                 "spec": {"lit": "yes"}})
    assert e.value.path == "spec.lit"
    assert c.list("Lamp") == []


def test_an_illegal_toy_transition_is_refused():
    bad = ControllerSpec("lamp-controller", observe_lamp,
                         lambda obs, now: Result((UpdateStatus(evolve(obs[0], status=evolve(
                             obs[0].status, state="On")), "switch_off"),)) if obs[0] and obs[0].status.state == "Off"
                         else NOTHING, tier=1, watches=(Watch("Lamp", watch_lamps),))
    with REGISTRY.registered(kinds=[LAMP], controllers=[bad], indexes=[LIT_ROOMS]):
        c = kstate.Cluster(nodes=0)
        with pytest.raises(kstate.errors.InvalidTransition):
            c.apply(LAMPS_YAML)
            c.run_until_stable()


def test_without_registration_the_toy_kind_is_unknown():
    with pytest.raises(kstate.SpecError, match="no matches for kind"):
        kstate.Cluster(nodes=0).apply(LAMPS_YAML)
