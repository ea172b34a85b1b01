"""Every scenario under specs/scenarios/ (and specs/scenarios/regressions/)
runs and passes, and a run prints the same bytes every time — in one
process and across processes with different hash seeds."""
from __future__ import annotations

import glob
import os
import subprocess
import sys

import pytest

from kstate.io.scenario import load_scenario, run_scenario

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIOS = sorted(glob.glob(os.path.join(ROOT, "specs", "scenarios", "*.yaml")))
REGRESSIONS = sorted(glob.glob(os.path.join(ROOT, "specs", "scenarios", "regressions", "*.yaml")))
ALL = SCENARIOS + REGRESSIONS


def _id(path: str) -> str:
    return os.path.relpath(path, os.path.join(ROOT, "specs", "scenarios"))


def test_the_documented_scenarios_exist():
    names = {os.path.basename(p) for p in SCENARIOS}
    assert {"crash-loop.yaml", "job-like-pod.yaml", "node-failure-eviction.yaml", "init-containers.yaml",
            "unschedulable.yaml", "graceful-deletion.yaml", "demo.yaml"} <= names


@pytest.mark.parametrize("path", ALL, ids=[_id(p) for p in ALL])
def test_scenario_passes(path):
    report = run_scenario(load_scenario(path))
    assert report.ok, report.output
    assert report.failures == []
    assert report.output.rstrip().splitlines()[-1].startswith("PASS")


@pytest.mark.parametrize("path", ALL, ids=[_id(p) for p in ALL])
def test_scenario_checks_something(path):
    """A scenario with no expectations would pass vacuously."""
    sc = load_scenario(path)
    assert sc.eventually or sc.at_end or any(op.verb == "check" for op in sc.timeline) or any(
        op.verb in ("iptables", "trace", "resolve") and op.args[1] for op in sc.timeline), path


def test_same_scenario_twice_prints_the_same_bytes():
    path = os.path.join(ROOT, "specs", "scenarios", "node-failure-eviction.yaml")
    first = run_scenario(load_scenario(path)).output
    second = run_scenario(load_scenario(path)).output
    assert first == second
    assert "fail-node node-0" in first


def test_another_seed_is_still_a_valid_run():
    path = os.path.join(ROOT, "specs", "scenarios", "crash-loop.yaml")
    report = run_scenario(load_scenario(path).with_overrides(seed=12345))
    assert report.ok, report.output


def _run_in_subprocess(hashseed: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.run([sys.executable, "-m", "kstate", "run", "specs/scenarios/node-failure-eviction.yaml"],
                          cwd=ROOT, env=env, capture_output=True, timeout=300)


def test_output_is_byte_identical_across_processes_and_hash_seeds():
    a = _run_in_subprocess("1")
    b = _run_in_subprocess("2")
    assert a.returncode == 0, a.stderr.decode()
    assert b.returncode == 0, b.stderr.decode()
    assert a.stdout == b.stdout
    assert b"PASS" in a.stdout
