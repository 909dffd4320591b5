"""The example scripts run and say what the issues promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from graphdiff.builders import XOR_Y
from graphdiff.cli.examples import xor_training

ROOT = Path(__file__).resolve().parents[1]


def test_xor_training_matches_delta_rule_every_step():
    result = xor_training(iterations=300, seed=1, log_every=0)
    assert result["max_mismatch"] <= 1e-10
    assert result["losses"][-1] < result["losses"][0]


def test_xor_script_learns_xor():
    run = subprocess.run([sys.executable, str(ROOT / "examples" / "xor_backprop.py")],
                         capture_output=True, text=True, check=True)  # fmt: skip
    out = run.stdout
    predictions = [
        float(line.split()[-1]) for line in out.splitlines() if line[:3] in ("0 0", "0 1", "1 0", "1 1")
    ]
    assert np.max(np.abs(np.array(predictions) - XOR_Y.ravel())) < 0.1
    assert "forward         17" in out and "reverse          1" in out


def test_paths_script_runs():
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "paths.py")], capture_output=True, text=True, check=True
    )
    assert "sum over the 9 paths" in run.stdout
