"""Golden traces: the byte-exact engine trace of every scenario in specs/scenarios/.

Guards refactors of the engine, the kind registry and io: behaviour must not
change by accident. A deliberate behaviour change regenerates the file in its
own commit (`python -m tests.golden.test_golden_traces`), and the diff of the
golden file is then part of the review.
"""
from __future__ import annotations

import hashlib
import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "specs" / "scenarios").rglob("*.yaml"))
GOLDEN = pathlib.Path(__file__).with_name("traces.json")


def _trace(path: pathlib.Path) -> list[str]:
    from kstate.io.scenario import load_scenario, run_scenario
    report = run_scenario(load_scenario(path))
    return report.cluster.trace()


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _name(path: pathlib.Path) -> str:
    return path.relative_to(ROOT / "specs" / "scenarios").as_posix()


def _golden() -> dict:
    return json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("path", SCENARIOS, ids=_name)
def test_trace_is_unchanged(path):
    golden = _golden()
    assert _name(path) in golden, f"no golden trace for {_name(path)}: regenerate traces.json"
    want = golden[_name(path)]
    got = _trace(path)
    if _digest(got) != want["sha256"]:
        # Show where it diverges, not just that it does.
        first = want["head"]
        for i, (a, b) in enumerate(zip(got, first)):
            assert a == b, f"trace line {i} differs"
        assert len(got) == want["lines"], f"{len(got)} trace lines, golden has {want['lines']}"
        pytest.fail("trace differs from the golden one beyond its first lines")


def test_every_golden_trace_has_a_scenario():
    assert sorted(_golden()) == sorted(_name(p) for p in SCENARIOS)


def regenerate() -> None:
    out = {}
    for path in SCENARIOS:
        lines = _trace(path)
        out[_name(path)] = {"sha256": _digest(lines), "lines": len(lines), "head": lines[:400]}
    GOLDEN.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    regenerate()
    sys.exit(0)
