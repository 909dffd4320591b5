"""The benchmark harness and the `graphdiff bench` command line."""

from __future__ import annotations

import csv
import io as stdio
import json

import pytest

from graphdiff import builders
from graphdiff.cli import suites as bench
from graphdiff.cli.main import main
from graphdiff.readwrite import node_link as gio

KEYS = {
    "family",
    "size",
    "n_inputs",
    "n_outputs",
    "nodes",
    "mode",
    "sweeps",
    "ops",
    "stored_values",
    "peak_live",
    "seconds",
}


def run(capsys, *argv):
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_speelpenning_json_rows(capsys):
    rows = json.loads(
        run(
            capsys,
            "bench",
            "--family",
            "speelpenning",
            "--sizes",
            "10,30",
            "--repeats",
            "1",
            "--format",
            "json",
        )
    )
    assert len(rows) == 2 * 4
    for row in rows:
        assert KEYS <= row.keys() and "total" in row["ops"]
    by = {(r["size"], r["mode"]): r for r in rows}
    for n in (10, 30):
        f, fw, rv = by[n, "function"], by[n, "forward"], by[n, "reverse"]
        assert rv["sweeps"] == 1 and rv["ops"]["total"] <= 4 * f["ops"]["total"]
        assert fw["sweeps"] == n and fw["ops"]["total"] >= n * f["ops"]["total"]
        assert by[n, "forward-vector"]["sweeps"] == 1
        assert rv["n_inputs"] == n and rv["n_outputs"] == 1 and rv["nodes"] == 2 * n - 1


def test_table_and_csv_formats(capsys):
    table = run(capsys, "bench", "--family", "fan_out", "--sizes", "3", "--repeats", "1")
    assert "fan_out 3" in table and "forward-vector" in table and "ops/f" in table
    text = run(
        capsys,
        "bench",
        "--family",
        "fan_out,speelpenning",
        "--sizes",
        "3",
        "--repeats",
        "1",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(stdio.StringIO(text)))
    assert len(rows) == 8 and {r["family"] for r in rows} == {"fan_out", "speelpenning"}
    assert rows[0]["ops_total"].isdigit()


def test_crossover_forward_wins_when_outputs_outnumber_inputs(capsys):
    rows = json.loads(
        run(
            capsys,
            "bench",
            "crossover",
            "--total",
            "12",
            "--hidden",
            "4",
            "--repeats",
            "1",
            "--format",
            "json",
        )
    )
    few_inputs = [r for r in rows if r["n_inputs"] == 1][0]
    few_outputs = [r for r in rows if r["n_outputs"] == 1][0]
    assert few_inputs["fewest_ops"].startswith("forward")
    assert few_outputs["fewest_ops"] == "reverse"


def test_bench_a_saved_graph_and_a_function_file(capsys, tmp_path):
    path = tmp_path / "colah.json"
    gio.save(builders.colah(), path)
    rows = json.loads(
        run(capsys, "bench", "--graph", str(path), "--at", "2,1", "--repeats", "1", "--format", "json")
    )
    assert {r["mode"] for r in rows} == {"function", "forward", "forward-vector", "reverse"}
    source = tmp_path / "model.py"
    source.write_text("import graphdiff as gd\n\ndef f(*x):\n    return gd.sin(x[0]) * x[1] + x[2]\n")
    rows = json.loads(
        run(
            capsys,
            "bench",
            "--function",
            f"{source}:f",
            "--inputs",
            "3",
            "--repeats",
            "1",
            "--format",
            "json",
        )
    )
    assert rows[0]["n_inputs"] == 3 and rows[0]["family"] == "f"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["bench", "--family", "nope"], "unknown family 'nope'"),
        (["bench", "--function", "missing.py:f"], "no file"),
        (["bench", "--function", "nocolon"], "FILE.py:NAME"),
        (["bench", "--graph", "missing.json"], "cannot read graph file"),
    ],
)
def test_bad_arguments_give_one_line_errors(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_sizes_are_refused_by_argparse(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--sizes", "10,x"])
    assert "comma-separated integers" in capsys.readouterr().err


def test_plot_without_matplotlib_says_how_to_install(capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert main(["bench", "--family", "fan_out", "--sizes", "2", "--plot", "x.png"]) == 2
    err = capsys.readouterr().err.strip()
    assert "pip install 'graphdiff[plot]'" in err and len(err.splitlines()) == 1


def test_bench_help_teaches(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    out = capsys.readouterr().out
    for word in ("speelpenning", "crossover", "--plot", "stored", "forward-vector"):
        assert word in out


def test_default_suite_covers_every_family():
    assert set(bench.FAMILIES) >= {
        "speelpenning",
        "path_explosion",
        "fan_out",
        "dense_map",
        "mlp",
        "rosenbrock",
        "random_dag",
    }


def test_plot_writes_a_png(capsys, tmp_path):
    path = tmp_path / "costs.png"
    run(
        capsys,
        "bench",
        "--family",
        "speelpenning,fan_out",
        "--sizes",
        "2,4",
        "--repeats",
        "1",
        "--plot",
        str(path),
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
