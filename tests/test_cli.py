"""The command line and the example script print the worked example."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from graphdiff.cli.main import main

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


# --- the command line never ends in a traceback --------------------------------------------


def outcome(capsys, *argv):
    """Exit status, stdout and stderr of ``graphdiff ARGV`` run in-process."""
    try:
        status = main(list(argv))
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status, err, *fragments, expected_status=2):
    assert status == expected_status
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].strip(), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def graphdiff_process(*argv, stdout=subprocess.PIPE):
    return subprocess.run(
        [sys.executable, "-m", "graphdiff", *argv], stdout=stdout, stderr=subprocess.PIPE, timeout=120
    )


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_draw_png_without_o_writes_the_png_to_stdout_when_it_is_not_a_terminal(capsysbinary):
    assert main(["draw", "colah", "--reverse", "--format", "png"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(PNG_MAGIC) and len(out) > 10_000


@pytest.mark.parametrize("fmt, start", [("dot", b'digraph "colah"'), ("svg", b"<?xml"), ("png", PNG_MAGIC)])
def test_draw_without_o_puts_every_format_on_stdout(capsysbinary, fmt, start):
    assert main(["draw", "colah", "--forward", "b", "--format", fmt]) == 0
    captured = capsysbinary.readouterr()
    assert captured.out.startswith(start) and captured.err == b""


@pytest.mark.parametrize("fmt, start", [("dot", b'digraph "colah"'), ("svg", b"<?xml"), ("png", PNG_MAGIC)])
def test_draw_with_o_writes_every_format_to_the_file_and_nothing_to_stdout(capsys, tmp_path, fmt, start):
    path = tmp_path / f"picture.{fmt}"
    assert main(["draw", "colah", "--reverse", "-o", str(path)]) == 0
    captured = capsys.readouterr()
    assert path.read_bytes().startswith(start) and captured.out == ""
    assert captured.err.strip() == f"wrote {path}"


def test_draw_png_to_a_terminal_is_refused_with_one_line(capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    status, out, err = outcome(capsys, "draw", "colah", "--format", "png")
    assert_one_line_error(status, err, "pass -o FILE")
    assert out == ""


def test_draw_png_to_a_real_terminal_writes_nothing_and_exits_2():
    import os
    import pty
    import select

    leader, follower = pty.openpty()
    try:
        result = graphdiff_process("draw", "colah", "--format", "png", stdout=follower)
        written = b""
        while select.select([leader], [], [], 0.2)[0]:
            chunk = os.read(leader, 65536)
            if not chunk:
                break
            written += chunk
    finally:
        os.close(follower)
        os.close(leader)
    assert_one_line_error(result.returncode, result.stderr.decode(), "terminal", "-o FILE")
    assert PNG_MAGIC not in written


def write(tmp_path, name, source):
    path = tmp_path / name
    path.write_text(source)
    return str(path)


def test_a_function_file_with_a_syntax_error_is_one_line_naming_the_file_and_line(capsys, tmp_path):
    path = write(tmp_path, "broken.py", "import math\ndef f(x:\n    return x\n")
    status, _, err = outcome(capsys, "bench", "--function", f"{path}:f", "--inputs", "1")
    assert_one_line_error(status, err, "broken.py", "line 2", "SyntaxError")


def test_a_missing_import_in_a_function_file_is_one_line_naming_the_module(capsys, tmp_path):
    path = write(tmp_path, "needs.py", "import graphdiff_no_such_module\ndef f(x):\n    return x\n")
    status, _, err = outcome(capsys, "bench", "--function", f"{path}:f", "--inputs", "1")
    assert_one_line_error(status, err, "ModuleNotFoundError", "graphdiff_no_such_module", "line 1")


def test_an_exception_inside_the_users_function_is_one_line_naming_its_line(capsys, tmp_path):
    path = write(tmp_path, "model.py", "def f(x):\n    y = x * 2\n    raise RuntimeError('boom at y')\n")
    status, _, err = outcome(capsys, "bench", "--function", f"{path}:f", "--inputs", "1")
    assert_one_line_error(status, err, "RuntimeError", "boom at y", "line 3", "model.py:f")


def test_a_multi_line_exception_message_from_the_users_function_stays_one_line(capsys, tmp_path):
    path = write(tmp_path, "model.py", "def f(x):\n    raise ValueError('first\\nsecond')\n")
    status, _, err = outcome(capsys, "bench", "--function", f"{path}:f", "--inputs", "1")
    assert_one_line_error(status, err, "first second")


def test_a_function_file_that_does_not_exist_is_one_line_naming_it(capsys, tmp_path):
    status, _, err = outcome(capsys, "bench", "--function", f"{tmp_path}/absent.py:f")
    assert_one_line_error(status, err, "absent.py")


def test_a_function_file_without_the_named_function_is_one_line_naming_both(capsys, tmp_path):
    path = write(tmp_path, "model.py", "def g(x):\n    return x\nf = 3\n")
    for name in ("h", "f"):  # missing, and not callable
        status, _, err = outcome(capsys, "bench", "--function", f"{path}:{name}", "--inputs", "1")
        assert_one_line_error(status, err, "model.py", repr(name))


def test_a_function_file_may_import_its_neighbours(capsys, tmp_path):
    write(tmp_path, "helpers.py", "def double(x):\n    return 2 * x\n")
    path = write(tmp_path, "model.py", "from helpers import double\ndef f(x, y):\n    return double(x) * y\n")
    status, out, err = outcome(
        capsys, "bench", "--function", f"{path}:f", "--repeats", "1", "--format", "json"
    )
    assert status == 0, err
    assert json.loads(out)[0]["n_inputs"] == 2


def test_an_exception_raised_inside_graphdiff_below_the_users_code_keeps_its_traceback(capsys, tmp_path):
    # not the user's error: a bug in graphdiff must stay visible to whoever reports it
    path = write(
        tmp_path,
        "model.py",
        "from graphdiff.cli import suites\ndef f(x):\n    return suites.random_point(None)\n",
    )
    with pytest.raises(AttributeError):
        main(["bench", "--function", f"{path}:f", "--inputs", "1"])


def refuse_to_run(*args, **kwargs):
    raise AssertionError("the benchmark ran before the output path was checked")


def test_plot_into_a_missing_directory_fails_before_the_benchmark_runs(capsys, tmp_path, monkeypatch):
    from graphdiff.cli import suites as bench

    monkeypatch.setattr(bench, "run_suite", refuse_to_run)
    monkeypatch.setattr(bench, "bench_graph", refuse_to_run)
    target = tmp_path / "no" / "such" / "costs.png"
    status, out, err = outcome(capsys, "bench", "--family", "fan_out", "--plot", str(target))
    assert_one_line_error(status, err, "--plot", "does not exist")
    graph = tmp_path / "colah.json"
    from graphdiff import builders
    from graphdiff.readwrite import node_link as gio

    gio.save(builders.colah(), graph)
    status, out, err = outcome(capsys, "bench", "--graph", str(graph), "--plot", str(target))
    assert_one_line_error(status, err, "--plot", "does not exist")


def test_draw_into_a_missing_directory_fails_before_the_graph_is_drawn(capsys, tmp_path, monkeypatch):
    import importlib

    from graphdiff import builders

    # graphdiff.views.draw is the function in the package namespace; the module is under sys.modules
    monkeypatch.setattr(importlib.import_module("graphdiff.views.draw"), "draw", refuse_to_run)
    monkeypatch.setattr(builders, "from_spec", refuse_to_run)
    for suffix in ("dot", "png", "svg"):
        status, _, err = outcome(capsys, "draw", "colah", "-o", str(tmp_path / "missing" / f"x.{suffix}"))
        assert_one_line_error(status, err, "-o", "does not exist")
    status, _, err = outcome(capsys, "draw", "colah", "-o", str(tmp_path))
    assert_one_line_error(status, err, "is a directory")


def test_a_closed_pipe_into_head_ends_without_a_traceback():
    # more than a pipe buffer of DOT text, so the writer is still writing when head exits
    result = subprocess.run(
        f"{shlex.quote(sys.executable)} -m graphdiff draw random_dag:3000 --format dot | head -1",
        shell=True,
        capture_output=True,
        timeout=120,
        text=True,
    )
    assert result.stdout.startswith("digraph") and len(result.stdout.splitlines()) == 1
    assert result.stderr == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["draw", "colah", "--format", "dot"],
        ["draw", "colah", "--format", "png"],
        ["example", "colah"],
    ],
)
def test_a_pipe_closed_before_anything_is_written_ends_quietly(argv):
    import subprocess as sp

    process = sp.Popen([sys.executable, "-m", "graphdiff", *argv], stdout=sp.PIPE, stderr=sp.PIPE)
    process.stdout.close()  # the reader is gone before graphdiff writes its first byte
    err = process.stderr.read().decode()
    status = process.wait(timeout=120)
    assert err == "" and status in (0, 141), (status, err)


def test_an_input_shape_too_large_to_allocate_is_one_line(capsys, tmp_path):
    import graphdiff as gd

    g = gd.Graph("huge")
    g.set_outputs(g.add_op("sum", g.add_input("x", (300_000, 300_000))))  # 720 GB of float64
    path = tmp_path / "huge.json"
    gd.readwrite.save(g, path)
    status, out, err = outcome(capsys, "bench", "--graph", str(path))
    assert_one_line_error(status, err, "not enough memory")
    assert out == ""


def test_a_builder_too_large_to_build_is_one_line_naming_the_size(capsys):
    status, out, err = outcome(capsys, "bench", "--family", "mlp_array", "--sizes", str(10**12))
    assert_one_line_error(status, err, "too large")
    assert out == ""


def test_a_memory_error_anywhere_in_a_run_is_one_line(capsys, monkeypatch):
    from graphdiff.cli import suites as bench

    def exhausted(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(bench, "run_suite", exhausted)
    status, _, err = outcome(capsys, "bench", "--family", "fan_out")
    assert_one_line_error(status, err, "not enough memory")


def test_keyboard_interrupt_is_one_line_and_exit_130(capsys, monkeypatch):
    from graphdiff.cli import suites as bench

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, "run_suite", interrupted)
    status, _, err = outcome(capsys, "bench", "--family", "fan_out")
    assert_one_line_error(status, err, "interrupted", expected_status=130)


def test_ctrl_c_during_a_real_run_is_one_line_and_exit_130(tmp_path):
    import signal
    import subprocess as sp
    import time

    started = tmp_path / "started"
    path = write(
        tmp_path,
        "slow.py",
        f"import time\ndef f(x):\n    open({str(started)!r}, 'w').close()\n    time.sleep(60)\n    return x\n",
    )
    process = sp.Popen(
        [sys.executable, "-m", "graphdiff", "bench", "--function", f"{path}:f", "--inputs", "1"],
        stdout=sp.PIPE,
        stderr=sp.PIPE,
    )
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert_one_line_error(process.returncode, err.decode(), "interrupted", expected_status=130)
    assert out == b""


def test_an_os_error_while_writing_is_one_line_naming_the_file(capsys, monkeypatch, tmp_path):
    import importlib

    def denied(graph, inputs, *, path=None, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(importlib.import_module("graphdiff.views.draw"), "draw", denied)
    status, _, err = outcome(capsys, "draw", "colah", "-o", str(tmp_path / "x.dot"))
    assert_one_line_error(status, err, "x.dot", "Permission denied")


def test_python_dash_m_graphdiff_runs_the_command_line():
    result = graphdiff_process("example", "colah", "--format", "json")
    assert result.returncode == 0 and result.stderr == b""
    assert json.loads(result.stdout)["reverse"]["adjoints"]["b"] == 5.0


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["draw", "nosuchgraph"], "nosuchgraph"),
        (["bench", "--repeats", "0"], "--repeats"),
        (["draw", "colah", "--output", "e"], "--reverse"),
        (["example", "paths", "--format", "json"], "JSON"),
        ([], "COMMAND"),
    ],
)
def test_python_dash_m_graphdiff_errors_are_one_line_on_stderr_with_status_2(argv, fragment):
    result = graphdiff_process(*argv)
    assert result.stdout == b""
    assert_one_line_error(result.returncode, result.stderr.decode(), fragment)


# --- help that teaches -----------------------------------------------------------------------


def subcommand_parsers():
    import argparse

    from graphdiff.cli.main import build_parser

    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return commands.choices


@pytest.mark.parametrize("command", ["example", "draw", "bench"])
def test_each_subcommand_help_has_a_one_line_summary_examples_and_defaults(capsys, command):
    from graphdiff.cli.main import BENCH_DEFAULTS, EXAMPLE_DEFAULTS

    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    parser = subcommand_parsers()[command]
    summary, blank = parser.description.splitlines()[:2]
    assert summary.endswith(".") and len(summary) <= 80 and blank == ""
    assert summary in out
    examples = parser.epilog.split("examples:\n", 1)[1].splitlines()
    assert len(examples) >= 3 and all(line.startswith(f"  graphdiff {command}") for line in examples)
    defaults = {"example": EXAMPLE_DEFAULTS, "bench": BENCH_DEFAULTS, "draw": {}}[command]
    for action in parser._actions:
        if action.dest in defaults:
            assert "(default: " in action.help, action.dest
    for line in out.splitlines():
        assert len(line) <= 110, line  # nothing runs off an ordinary terminal by pages


def test_top_level_help_points_to_the_subcommands_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "graphdiff COMMAND --help" in out and "exit status 2" in out


# --- array inputs by shape ---------------------------------------------------------------

MODEL = "import numpy as np\ndef loss(W, b):\n    return np.sum(np.tanh(np.ones((4, 3)) @ W + b) ** 2)\n"


def test_bench_takes_a_functions_array_inputs_by_shape(capsys, tmp_path):
    path = write(tmp_path, "model.py", MODEL)
    status, out, err = outcome(
        capsys,
        "bench",
        "--function",
        f"{path}:loss",
        "--shapes",
        "3x2,2",
        "--repeats",
        "1",
        "--format",
        "json",
    )
    assert status == 0, err
    rows = {r["mode"]: r for r in json.loads(out)}
    assert rows["function"]["n_inputs"] == 8 and rows["forward"]["sweeps"] == 8  # 3*2 + 2 elements
    assert rows["reverse"]["sweeps"] == 1
    # --at gives every element, in input order
    at = ",".join(str(0.1 * k) for k in range(8))
    status, out, err = outcome(
        capsys, "bench", "--function", f"{path}:loss", "--shapes", "3x2,2", "--at", at, "--repeats", "1"
    )
    assert status == 0, err


def test_draw_takes_a_function_file_and_its_shapes(capsys, tmp_path):
    path = write(tmp_path, "model.py", MODEL)
    status, out, err = outcome(capsys, "draw", f"{path}:loss", "--shapes", "3x2,2", "--reverse")
    assert status == 0, err
    assert out.startswith("digraph") and "matmul" in out


@pytest.mark.parametrize(
    "argv, culprit",
    [
        (["--shapes", "3x2"], "--shapes gives 1 shape"),  # with --inputs 2 below
        (["--shapes", "3y2"], "expected shapes like 784x256"),
        (
            ["--shapes", "3x2,2", "--at", "1,2"],
            "--shapes has 8 element(s) in its float inputs, but --at gives 2",
        ),
    ],
)
def test_shapes_that_cannot_be_right_are_one_line(capsys, tmp_path, argv, culprit):
    path = write(tmp_path, "model.py", MODEL)
    extra = ["--inputs", "2"] if argv == ["--shapes", "3x2"] else []
    status, _, err = outcome(capsys, "bench", "--function", f"{path}:loss", *argv, *extra)
    assert_one_line_error(status, err, culprit)


def test_shapes_without_a_function_are_refused(capsys):
    status, _, err = outcome(capsys, "draw", "colah", "--shapes", "2")
    assert_one_line_error(status, err, "FILE.py:NAME")
    status, _, err = outcome(capsys, "bench", "--family", "speelpenning", "--shapes", "2")
    assert_one_line_error(status, err, "--shapes has no effect without --function")


def test_an_empty_axis_counts_no_operations_never_fewer_than_none(capsys, tmp_path):
    # a sum of no terms costs no add (not -1), and ops/f of a function of no arithmetic is "-"
    path = write(tmp_path, "f.py", "import numpy as np\ndef f(x, y):\n    return np.sum(np.tanh(x @ y))\n")
    status, out, err = outcome(
        capsys, "bench", "--function", f"{path}:f", "--shapes", "0x4,4", "--repeats", "1", "--format", "json"
    )
    assert status == 0, err
    rows = json.loads(out)
    assert all(v >= 0 for r in rows for v in r["ops"].values())
    assert all(r["ops"]["total"] == 0 and r["ops_ratio"] is None for r in rows)
    status, out, err = outcome(
        capsys, "bench", "--function", f"{path}:f", "--shapes", "0x4,4", "--repeats", "1"
    )
    assert status == 0 and " nan " not in out


CLASSIFIER_FILE = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.normal(size=(64, 784))
y = rng.integers(0, 10, size=64)


def loss(W0, b0, W1, b1):
    h = np.maximum(X @ W0 + b0, 0.0)
    z = h @ W1 + b1
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(64), y])
"""


def test_bench_and_advise_leave_out_what_would_not_fit_on_a_users_classifier(tmp_path, capsys):
    """A 784-256-10 network has 203,530 inputs: a vector forward sweep would hold 5e10 numbers,
    forward mode is 203,530 sweeps. bench and advise say so and measure the rest."""
    path = tmp_path / "net.py"
    path.write_text(CLASSIFIER_FILE)
    shapes = ["--shapes", "784x256,256,256x10,10"]
    assert main(["bench", "--function", f"{path}:loss", *shapes, "--repeats", "1", "--format", "json"]) == 0
    captured = capsys.readouterr()
    rows = {r["mode"]: r for r in json.loads(captured.out)}
    assert set(rows) == {"function", "forward", "reverse"}
    assert rows["forward"]["sweeps"] == 203530 and rows["forward"]["seconds"] is None
    assert rows["reverse"]["seconds"] is not None and rows["reverse"]["sweeps"] == 1
    assert captured.err.splitlines() == [
        "forward-vector left out: its tangents would hold up to 5.2e+10 numbers "
        "(203,530 input elements at each of 256,269 node elements)",
        "forward counted, not timed: 203,530 sweeps of 306,447 elements each",
    ]
    assert main(["advise", f"{path}:loss", *shapes]) == 0
    out = capsys.readouterr().out
    assert "too many sweeps to time" in out and "forward-vector left out" in out
    assert out.rstrip().endswith("fastest measured, as counted") and "use reverse" in out


def test_bench_and_draw_read_a_file_that_networkx_node_link_data_wrote(capsys, tmp_path):
    import networkx as nx
    import numpy as np

    import graphdiff as gd
    from graphdiff.readwrite import node_link

    g = gd.trace(lambda x: gd.sum(np.tanh(x) * x), np.ones(3))
    by_networkx, by_graphdiff = tmp_path / "nx.json", tmp_path / "gd.json"
    by_networkx.write_text(json.dumps(nx.node_link_data(g.nx), default=lambda a: np.asarray(a).tolist()))
    node_link.save(g, by_graphdiff)
    x = np.array([0.5, -1.0, 2.0])
    assert node_link.load(by_networkx)(x) == g(x)

    def ops(path):
        rows = json.loads(run_cli(capsys, "bench", "--graph", str(path), "--format", "json"))
        return {row["mode"]: (row["ops"], row["stored_values"], row["peak_live"]) for row in rows}

    assert ops(by_networkx) == ops(by_graphdiff)
    run_cli(capsys, "draw", str(by_networkx), "-o", str(tmp_path / "g.svg"))
    assert "<svg" in (tmp_path / "g.svg").read_text()


CLASSIFIER = """import numpy as np

def loss(W, X, y):
    z = X @ W
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(y)), y])
"""


def test_shapes_mark_integer_labels_as_data_that_is_not_differentiated(capsys, tmp_path):
    path = write(tmp_path, "clf.py", CLASSIFIER)
    argv = ["--function", f"{path}:loss", "--shapes", "5x3,4x5:int,4:int", "--repeats", "1"]
    status, out, err = outcome(capsys, "bench", *argv, "--format", "json")
    assert status == 0, err
    rows = {r["mode"]: r for r in json.loads(out)}
    assert rows["function"]["n_inputs"] == 15 and rows["reverse"]["sweeps"] == 1  # W alone: 5 * 3
    status, out, err = outcome(capsys, "draw", f"{path}:loss", "--shapes", "5x3,4x5,4:int")
    assert status == 0 and "gather" in out, err
    status, _, err = outcome(capsys, "draw", f"{path}:loss", "--shapes", "5x3,4x5,4")
    assert_one_line_error(status, err, "integer data, given as an integer array", "mark such an input :int")
    status, _, err = outcome(capsys, "draw", f"{path}:loss", "--shapes", "5x3:int,4x5:int,4:int")
    assert_one_line_error(status, err, "every input :int")


def test_draw_reverse_on_an_array_output_says_what_to_do_instead(capsys, tmp_path):
    path = write(tmp_path, "vec.py", "import numpy as np\n\ndef vec(x):\n    return np.tanh(x) * 2.0\n")
    status, _, err = outcome(capsys, "draw", f"{path}:vec", "--shapes", "3", "--reverse")
    assert_one_line_error(status, err, "output 'mul_3' has shape (3,)", "--backward")
    status, out, err = outcome(capsys, "draw", f"{path}:vec", "--shapes", "3", "--backward")
    assert status == 0 and out.startswith('digraph "vjp(vec)"'), err
