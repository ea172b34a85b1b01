"""Lifecycle tables: validation, every edge, Mermaid export."""
import pytest

from kstate.errors import InvalidTransition
from kstate.machines import MACHINE_NAMES, Lifecycle, MachineDefinitionError, lifecycle
from kstate.machines import node as node_machine
from kstate.machines import pod as pod_machine


@pytest.mark.parametrize("module", [pod_machine, node_machine])
def test_every_declared_edge_is_in_the_compiled_table(module):
    lc = lifecycle(module.NAME)
    expected = {}
    for trigger, sources, dest in module.TRANSITIONS:
        for src in [sources] if isinstance(sources, str) else sources:
            expected[(src, trigger)] = dest
    assert lc.table == expected
    for (src, trigger), dest in expected.items():
        assert lc.next(src, trigger) == dest
        lc.check(src, trigger, dest)


@pytest.mark.parametrize("name", MACHINE_NAMES)
def test_non_edges_raise(name):
    lc = lifecycle(name)
    for state in lc.states:
        for trigger in sorted(lc.triggers):
            if (state, trigger) not in lc.table:
                with pytest.raises(InvalidTransition):
                    lc.next(state, trigger)


def test_terminal_states_absorb():
    assert not [k for k in lifecycle("pod").table if k[0] == "Deleted"]
    assert not [k for k in lifecycle("node").table if k[0] == "Removed"]


@pytest.mark.parametrize("states,transitions,initial,terminal,match", [
    (("A", "B"), [("go", "A", "C")], "A", (), "undeclared"),
    (("A", "B"), [("go", "A", "B"), ("go", "A", "A")], "A", (), "duplicate edge"),
    (("A", "B"), [("go", "A", "B"), ("back", "B", "A")], "A", ("B",), "terminal"),
    (("A", "B", "C"), [("go", "A", "B")], "A", (), "unreachable"),
    (("A", "A"), [], "A", (), "duplicate state"),
    (("A",), [], "Z", (), "initial"),
])
def test_table_validation(states, transitions, initial, terminal, match):
    with pytest.raises(MachineDefinitionError, match=match):
        Lifecycle("t", states, transitions, initial, terminal)


def test_mermaid():
    text = lifecycle("pod").to_mermaid()
    assert text.startswith("stateDiagram-v2\n    [*] --> Pending\n")
    assert "    Running --> Terminated: exit\n" in text
    assert "    Deleted --> [*]\n" in text
