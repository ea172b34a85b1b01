"""Quality: the project stands alone — no tracked file names a path of the machine it was written on.

Benchmarks and docs give commands anyone can run from the repository root
(`PYTHONPATH=. python benchmarks/...`), never a developer's checkout path.
"""
from __future__ import annotations

import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Home and workspace prefixes of developer machines and CI runners.
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|home|Users|root|runner)/[\w.-]+")


def tracked_text_files() -> list[pathlib.Path]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.fail("the quality check needs a git checkout to list tracked files")
    return [ROOT / p for p in out.splitlines() if not p.endswith((".png", ".svg", ".gz"))]


def machine_paths(text: str) -> list[str]:
    return MACHINE_PATH.findall(text)


def test_the_pattern_catches_a_checkout_path():
    assert machine_paths("    cd /work/main && PYTHONPATH=. python x.py") == ["/work/main"]
    assert machine_paths("see /home/alice/kstate/README") == ["/home/alice"]
    assert machine_paths("command: [cat, /tmp/healthy]  # a container path") == []


def test_no_tracked_file_names_a_machine_path():
    found = []
    for path in tracked_text_files():
        if path.name == "test_no_machine_paths.py":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        found += [f"{path.relative_to(ROOT)}: {m}" for m in machine_paths(text)]
    assert found == []
