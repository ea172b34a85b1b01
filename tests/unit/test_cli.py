"""The `kstate` command: exit codes and what it prints."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import kstate
from kstate.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIOS = os.path.join(ROOT, "specs", "scenarios")

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: nginx}]
"""


def _scenario(tmp_path, phase: str) -> str:
    (tmp_path / "pod.yaml").write_text(POD)
    path = tmp_path / "s.yaml"
    path.write_text(f"""\
name: tiny
cluster: {{nodes: 1, seed: 1}}
manifests: [{{file: pod.yaml}}]
expect:
  eventually:
    - within: 10s
      that: [{{kind: Pod, name: web, path: status.phase, equals: {phase}}}]
run: {{until: 10s}}
""")
    return str(path)


def test_run_passing_scenario_exits_0(tmp_path, capsys):
    assert main(["run", _scenario(tmp_path, "Running")]) == 0
    out = capsys.readouterr().out
    assert ">>> apply pod.yaml (1 object)" in out
    assert "Pod default/web  ContainerCreating -> Running (start)" in out
    assert "NAME   READY   STATUS    RESTARTS   AGE   IP           NODE" in out
    assert "web    1/1     Running   0          10s   10.244.0.2   node-0" in out
    assert out.rstrip().splitlines()[-1] == "PASS  tiny: 1 expectation held over 10s"


def test_run_summary_leaves_out_the_system_priority_classes(tmp_path, capsys):
    """Like `kubectl get all`: the two classes every cluster has are no news;
    once the user makes one, the PriorityClass table lists them all."""
    assert main(["run", _scenario(tmp_path, "Running")]) == 0
    assert "priorityclass/" not in capsys.readouterr().out
    (tmp_path / "pod.yaml").write_text(POD + """\
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: batch-low}
value: 10
""")
    path = tmp_path / "s2.yaml"
    path.write_text((tmp_path / "s.yaml").read_text().replace("tiny", "tiny2"))
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "priorityclass/batch-low                 10" in out
    assert "priorityclass/system-cluster-critical   2000000000" in out


def test_run_failing_scenario_exits_1(tmp_path, capsys):
    assert main(["run", _scenario(tmp_path, "Succeeded")]) == 1
    out = capsys.readouterr().out
    assert "FAIL  tiny: 1 failure" in out
    assert 'expect.eventually[0]: not within 10s: Pod default/web status.phase equals "Succeeded"' in out


def test_run_quiet_prints_only_the_verdict(tmp_path, capsys):
    assert main(["run", "--quiet", _scenario(tmp_path, "Running")]) == 0
    assert capsys.readouterr().out == "PASS  tiny: 1 expectation held over 10s\n"


def test_run_until_and_seed_override(tmp_path, capsys):
    # Cut the run to 500ms: the pod starts at 1s, so the expectation fails.
    assert main(["run", "-q", "--until", "500ms", "--seed", "3", _scenario(tmp_path, "Running")]) == 1
    assert "the run ended at 500ms" in capsys.readouterr().out


def test_run_bad_until_is_a_usage_error(tmp_path, capsys):
    assert main(["run", "--until", "soon", _scenario(tmp_path, "Running")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --until: invalid duration")


def test_run_invalid_scenario_exits_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cluster: {nodes: 1}\ntimeline:\n  - {at: 5s, explode: node-0}\nrun: {until: 1m}\n")
    assert main(["run", str(bad)]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    assert cap.err.startswith(f"error: {bad}: timeline[0].explode: Unsupported value: unknown operation")
    assert "Traceback" not in cap.err


def test_run_missing_file_exits_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read file" in capsys.readouterr().err


def test_spec_error_in_a_subprocess_has_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cluster: {nodes: -1}\nrun: {until: 1m}\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    p = subprocess.run([sys.executable, "-m", "kstate", "run", str(bad)], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 2
    assert p.stderr == f"error: {bad}: cluster.nodes: Invalid value: -1: must be greater than or equal to 0\n"
    assert "Traceback" not in p.stderr


def test_validate_ok(tmp_path, capsys):
    (tmp_path / "two.yaml").write_text(POD + "---\n" + POD.replace("name: web", "name: api"))
    files = [str(tmp_path / "two.yaml"), _scenario(tmp_path, "Running")]
    assert main(["validate"] + files) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{files[0]}: ok (2 objects)", f"{files[1]}: ok (1 object; scenario with 0 timeline steps)"]


def test_validate_the_shipped_scenarios(capsys):
    files = sorted(os.path.join(SCENARIOS, f) for f in os.listdir(SCENARIOS) if f.endswith(".yaml"))
    files.append(os.path.join(ROOT, "specs", "manifests", "web-pods.yaml"))
    assert main(["validate"] + files) == 0
    assert capsys.readouterr().out.count(": ok (") == len(files)


def test_validate_bad_files_exit_1_and_say_why(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text(POD)
    bad_pod = tmp_path / "bad-pod.yaml"
    bad_pod.write_text(POD.replace("image: nginx", "image: ''"))
    bad_scenario = tmp_path / "bad-scenario.yaml"
    bad_scenario.write_text("cluster: {nodes: 1}\nrun: {until: 1m, step: never}\n")
    missing = tmp_path / "missing.yaml"
    assert main(["validate", str(good), str(bad_pod), str(bad_scenario), str(missing)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{good}: ok (1 object)"
    assert out[1].startswith(f"{bad_pod}: error: spec.containers[0].image: Required value")
    assert out[2].startswith(f"{bad_scenario}: error: run.step: Invalid value: invalid duration")
    assert out[3].startswith(f"{missing}: error: cannot read file")


@pytest.mark.parametrize("machine", ["pod", "node"])
def test_graph(machine, capsys):
    from kstate.machines import lifecycle
    assert main(["graph", machine]) == 0
    out = capsys.readouterr().out
    assert out == lifecycle(machine).to_mermaid()
    assert out.startswith("stateDiagram-v2\n")
    assert main(["graph", machine, "--format", "mermaid"]) == 0
    assert capsys.readouterr().out == out


def test_graph_unknown_machine_exits_2_and_lists_the_machines(capsys):
    assert main(["graph", "deployment-rollout"]) == 2
    err = capsys.readouterr().err
    assert "unknown machine" in err and "node" in err and "pod" in err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"kstate {kstate.__version__}"


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2
    assert "usage: kstate" in capsys.readouterr().err
