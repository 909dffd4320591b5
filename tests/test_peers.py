"""The peers harness: the same graph everywhere, time limits, missing libraries named."""

from __future__ import annotations

import math
import re
import time

import numpy as np

import graphdiff as gd
from graphdiff.cli import peers
from graphdiff.cli.main import main


def test_dag_is_deterministic_bounded_and_traceable():
    ops = peers.make_dag(500, seed=3)
    assert ops == peers.make_dag(500, seed=3)
    xs = list(np.random.default_rng(0).uniform(-1, 1, 100))
    value = peers.run_ops(ops, xs, {"sin": math.sin, "exp": math.exp, "tanh": math.tanh}, 100)
    g = gd.trace(lambda *x: peers.run_ops(ops, x, {"sin": gd.sin, "exp": gd.exp, "tanh": gd.tanh}, 100), *xs)
    assert math.isfinite(value) and abs(g(*xs) - value) <= 1e-12 * abs(value)
    assert len(g.inputs) == 100


def test_product_chain_is_speelpenning():
    ops = peers.make_product(5)
    assert peers.run_ops(ops, [1.0, 2.0, 3.0, 4.0, 5.0], {}, 1) == 120.0


def test_graphdiff_and_plain_python_agree_on_a_small_dag():
    run = peers.run_peers("dag", 300, limit=60, peers=[])
    assert set(run["results"]) == {"plain Python", "graphdiff"}
    ours, plain = run["results"]["graphdiff"], run["results"]["plain Python"]
    assert abs(ours["value"] - plain["value"]) <= 1e-12 * abs(plain["value"])
    assert ours["gradient"] > 0 and ours["jacfwd"] > 0 and ours["first"] > 0
    text = peers.render_peers(run)
    assert "graphdiff" in text and "reference" in text
    # the cheap-gradient ratio is read off our own two times, peers or not
    (cheap,) = [line for line in peers.ratios(run) if "our gradient / our f" in line]
    assert cheap.endswith(f": {ours['gradient'] / ours['f']:.3g}")


def test_missing_libraries_are_skipped_with_the_pip_command(monkeypatch):
    monkeypatch.setattr(peers, "_installed", lambda module: module is None)
    run = peers.run_peers("dag", 200, limit=60)
    assert run["skipped"]["micrograd"] == "pip install micrograd"
    assert "torch==2.13.0" in run["skipped"]["PyTorch"]
    assert "skipped (not installed)" in peers.render_peers(run)
    assert any("not measured" in line for line in peers.ratios(run))


def _sleepy(*_):
    time.sleep(30)


def test_a_case_past_its_time_limit_is_stopped():
    start = time.perf_counter()
    status, seconds = peers._run_case(_sleepy, (), limit=0.5)
    assert status == "stopped" and 0.5 <= seconds < 5 and time.perf_counter() - start < 5


def test_cli_peers(capsys, monkeypatch):
    monkeypatch.setattr(peers, "_installed", lambda module: module is None)
    assert main(["bench", "--peers", "--sizes", "200"]) == 0
    out = capsys.readouterr().out
    assert "Ratios measured in this run:" in out and "plain Python" in out


def test_the_ratios_speak_of_the_comparison_not_of_targets():
    run = {"graph": "dag", "size": 10_000, "results": {}, "stopped": {}}
    lines = peers.ratios(run)
    assert lines[0] == "Ratios measured in this run:"
    assert not any(re.search(r"\b(issue|target|met|MISS)\b", line) for line in lines)


def test_every_operation_of_the_peers_dag_reaches_its_output():
    # eager libraries compute dead code that graphdiff leaves out: the DAG must have none
    from graphdiff.ir.analysis import needed

    ops = peers.make_dag(2000, n_inputs=20, seed=1)
    xs = [0.1] * 20
    g = gd.trace(lambda *x: peers.run_ops(ops, x, {"sin": gd.sin, "exp": gd.exp, "tanh": gd.tanh}, 100), *xs)
    live = needed(g.program)
    assert len(g.program.ops) >= len(ops) and all(op.out in live for op in g.program.ops)
