"""The command line and the example script print the worked example."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graphdiff.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(capsys, *argv):
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_example_colah_tables(capsys):
    out = run_cli(capsys, "example", "colah")
    assert "Forward sweep seeded at b" in out and "Forward sweep seeded at a" in out
    assert "Reverse sweep seeded at e" in out
    lines = {tuple(line.split()[:3]) for line in out.splitlines()}
    for row in [
        ("e", "mul(c,", "d)"),
        ("e", "de/db", "5"),
        ("b", "de/db", "5"),
        ("a", "de/da", "2"),
        ("d", "de/dd", "3"),
        ("c", "de/dc", "2"),
        ("c", "->", "e"),
    ]:
        assert row in lines, row


def test_example_colah_json_matches_seed_001(capsys):
    doc = json.loads(run_cli(capsys, "example", "colah", "--format", "json"))
    assert {k: doc["values"][k] for k in "abcde"} == {"a": 2.0, "b": 1.0, "c": 3.0, "d": 2.0, "e": 6.0}
    assert doc["forward"]["seed"] == "b"
    assert {k: doc["forward"]["tangents"][k] for k in "abcde"} == {"a": 0, "b": 1, "c": 1, "d": 1, "e": 5}
    assert doc["reverse"] == {"output": "e", "adjoints": {"a": 2, "b": 5, "c": 2, "d": 3, "e": 1}}
    edges = {(e["from"], e["to"]): e["partial"] for e in doc["edges"]}
    assert edges == {("a", "c"): 1, ("b", "c"): 1, ("b", "d"): 1, ("c", "e"): 2, ("d", "e"): 3}


def test_help_explains_itself(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "forward" in out.lower() and "example" in out
    with pytest.raises(SystemExit):
        main(["example", "--help"])
    assert "graphdiff example colah --format json" in capsys.readouterr().out


def test_script_prints_the_same_as_the_cli(capsys):
    script = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "colah.py")], capture_output=True, text=True, check=True
    )
    assert script.stdout == run_cli(capsys, "example", "colah")


def test_console_script_is_installed():
    result = subprocess.run(
        ["graphdiff", "example", "colah", "--format", "json"], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout)["reverse"]["adjoints"]["b"] == 5.0
