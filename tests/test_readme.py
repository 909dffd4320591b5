"""The README is true: its Python runs and prints what it says, its commands work, its count tables are current.

- Every ```python block runs, in order, in one namespace (a doctest session). The README writes
  a result as a comment after the expression, starting with the value as a Python literal:
  ``gd.grad(g)(2.0, 1.0)   # (2.0, 5.0): one reverse sweep``; the value's repr (or what the
  line printed) must be that literal, on the first call and on the later ones that run
  generated code. A comment claim ``name.attr == literal`` is checked too.
- Every command in a ```bash block, and every `graphdiff ...` command in the text, exits 0,
  except those listed in NOT_RUN with the reason.
- The generated blocks that are exact (colah, paths) equal the commands' output; the count
  tables (opcounts, crossover, the operation counts of docs/performance.md's cold run) are regenerated with
  the code and compared cell by cell, timings aside.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import shlex
import tokenize
from pathlib import Path

import numpy as np
import pytest

import graphdiff as gd
import graphdiff.cost.sweeps
from graphdiff.cli.main import main
from graphdiff.compiler import codegen

README = Path(__file__).resolve().parents[1] / "README.md"
PERFORMANCE = README.parent / "docs" / "performance.md"
TEXT = README.read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
BASH_COMMANDS = [
    part.strip()
    for block in re.findall(r"```bash\n(.*?)```", TEXT, flags=re.S)
    for line in block.splitlines()
    for part in line.split("&&")
    if part.strip()
]
INLINE_COMMANDS = [" ".join(span.split()) for span in re.findall(r"`(graphdiff [^`]+)`", TEXT)]
COMMANDS = list(dict.fromkeys(BASH_COMMANDS + INLINE_COMMANDS))

NOT_RUN = {
    "python -m pip install .": "installs graphdiff: these tests run against the install already made",
    'python -m pip install ".[test]"': "installs the test dependencies: these tests already run with them",
    "python -m pytest": "the test suite this file is part of",
    "graphdiff bench": "the whole benchmark, every family timed with repeats (well under a minute, far over "
    "this file's budget); test_opcounts_table_is_current holds its README table cell by cell",
    "graphdiff bench --second-order": "every one-output family, each counted three ways round (about 9 s); "
    "the same command with --family rosenbrock runs here, and tests/test_derivative_graphs.py checks its counts",
    "graphdiff example xor": "trains for 10,000 steps (about 5 s); tests/test_examples.py runs the same script",
    "graphdiff bench --peers": "needs the optional peers (pip install '.[peers]') and runs each for up to 60 s",
    "graphdiff eliminate --table": "searches 25 s per graph; tests/test_elimination.py runs it with --budget 0.2",
    "graphdiff advise model.py:f --shapes 784x32,32": "names the reader's own file; tests/test_advice.py runs one",
    "graphdiff advise FILE.py:f --shapes ...": "the command's form, not a command",
}


# --- the Python blocks ------------------------------------------------------------------------


def _comments(source: str) -> dict[int, str]:
    """The comment text on each line of ``source``, by line number (1-based)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {tok.start[0]: tok.string[1:].strip() for tok in tokens if tok.type == tokenize.COMMENT}


def _leading_literal(comment: str) -> str | None:
    """The longest start of ``comment`` that is a Python literal (the README's result), or None."""
    for end in range(len(comment), 0, -1):
        text = comment[:end].strip()
        try:
            ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        return text
    return None


def _equality_claims(comment: str) -> list[tuple[str, str]]:
    """``name.attr == literal`` fragments of a comment (separated by commas or semicolons)."""
    claims = []
    for fragment in re.split(r"[,;]\s*", comment):
        match = re.fullmatch(r"([A-Za-z_][\w.]*)\s*==\s*(.+)", fragment.strip())
        if match and _leading_literal(match.group(2)) == match.group(2).strip():
            claims.append((match.group(1), match.group(2).strip()))
    return claims


def _claim_like_lines(block: str) -> int:
    """Lines whose comment starts with a value or states an equality: found without the parser above."""
    found = 0
    for line in block.splitlines():
        comment = line.partition("  #")[2].strip()  # the README sets comments off by two spaces or more
        found += bool(re.match(r"[-+\d(\[{'\"]", comment)) + len(re.findall(r"==", comment))
    return found


def test_python_blocks_run_in_order_and_give_the_results_their_comments_show():
    namespace: dict = {}
    checked, wrong = [], []
    for number, block in enumerate(PYTHON_BLOCKS):
        comments = _comments(block)
        for statement in ast.parse(block).body:
            where = f"python block {number}, line {statement.end_lineno}"
            code = ast.get_source_segment(block, statement)
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                if isinstance(statement, ast.Expr):
                    value = eval(compile(ast.Expression(statement.value), where, "eval"), namespace)
                else:
                    exec(compile(ast.Module([statement], []), where, "exec"), namespace)
            comment = comments.get(statement.end_lineno, "")
            expected = _leading_literal(comment)
            if expected is not None:
                assert isinstance(statement, ast.Expr), f"{where}: a result comment on a statement: {code}"
                checked.append(code)
                shown = [printed.getvalue().strip() or repr(value)]
                # the same line again: from the COMPILE_AFTER-th call on, the answer comes from generated code
                for _ in range(codegen.COMPILE_AFTER):
                    again = io.StringIO()
                    with contextlib.redirect_stdout(again):
                        value = eval(compile(ast.Expression(statement.value), where, "eval"), namespace)
                    shown.append(again.getvalue().strip() or repr(value))
                if set(shown) != {repr(ast.literal_eval(expected))}:
                    wrong.append(f"{where}: {code} gives {' then '.join(shown)}, the README says {expected}")
            for name, literal in _equality_claims(comment):
                checked.append(f"{name} == {literal}")
                actual = eval(name, namespace)
                if not actual == ast.literal_eval(literal):
                    wrong.append(f"{where}: {name} is {actual!r}, the README says == {literal}")
    assert not wrong, "\n".join(wrong)
    assert checked and len(checked) == sum(map(_claim_like_lines, PYTHON_BLOCKS)), checked


# --- the commands -------------------------------------------------------------------------------


def _no_timing(monkeypatch):
    """Counted runs only: the clock loop of graphdiff.cost.sweeps returns 1 s without running anything.

    Timings are the one part of a benchmark table that cannot be held to the code; tests/test_bench.py
    times the sweeps for real.
    """
    monkeypatch.setattr(graphdiff.cost.sweeps, "median_seconds", lambda run, *args, **kwargs: 1.0)


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run the graphdiff command in this process: its exit status and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            status = main(argv)
        except SystemExit as exit_:  # --help
            status = exit_.code
    return status, out.getvalue()


def test_every_command_is_run_or_listed_with_its_reason():
    assert BASH_COMMANDS and INLINE_COMMANDS
    assert set(NOT_RUN) <= set(COMMANDS), (
        f"NOT_RUN names commands the README no longer has: {set(NOT_RUN) - set(COMMANDS)}"
    )
    assert all(c.startswith("graphdiff ") for c in COMMANDS if c not in NOT_RUN)


def test_ci_finds_the_two_set_up_commands():
    """.ci/run runs the first line of the ```bash block after each set-up marker, as written."""
    for marker in ("<!-- setup:main -->", "<!-- setup:test -->"):
        match = re.search(re.escape(marker) + r"\n```bash\n(.+)\n", TEXT)
        assert match, f"README has no ```bash block right after {marker}"
        parts = [part.strip() for part in match.group(1).split("&&")]
        assert len(parts) == 2 and parts[0].startswith("python -m pip install ")
        assert all(part in NOT_RUN for part in parts)  # installing and the long runs are .ci/run's job


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in NOT_RUN])
def test_command_runs(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    _no_timing(monkeypatch)
    argv = shlex.split(command)[1:]
    status, out = run_cli(argv)
    assert status == 0
    assert "-o" in argv or out.strip()  # a command that writes no file prints something
    for i, word in enumerate(argv[:-1]):
        if word == "-o":
            written = (tmp_path / argv[i + 1]).read_bytes()
            magic = {"png": b"\x89PNG", "svg": b"<svg", "html": b"<!DOCTYPE html>"}[
                argv[i + 1].rsplit(".", 1)[1]
            ]
            assert magic in written[:400] and len(written) > 1000


# --- generated blocks ---------------------------------------------------------------------------


def generated(name: str, path: Path = README) -> str:
    """The text of the generated block ``name`` of ``path`` (README.md unless told)."""
    match = re.search(rf"<!-- {name} -->\n```text\n(.*?)\n```", path.read_text(), flags=re.S)
    assert match, f"{path.name} has no generated {name} block"
    return match.group(1)


@pytest.mark.parametrize("name", ["colah", "paths"])
def test_example_block_is_what_the_command_prints(name):
    status, out = run_cli(["example", name])
    assert status == 0 and out.rstrip("\n") == generated(name)


def _text_tables(text: str) -> list[dict]:
    """The tabulate 'simple' tables of ``text``: {'title', 'headers', 'rows'}; cells cut at the dash rule."""
    lines = text.splitlines()
    tables = []
    for k, rule in enumerate(lines):
        if k == 0 or not re.fullmatch(r"-+(  -+)*", rule):
            continue
        spans = [m.span() for m in re.finditer(r"-+", rule)]
        cut = lambda line: [line[a:b].strip() if b < len(rule) else line[a:].strip() for a, b in spans]
        rows = []
        for line in lines[k + 1 :]:
            gaps = [line[b:a2] for (_, b), (a2, _) in zip(spans, spans[1:])]
            if not line.strip() or len(line.rstrip()) > len(rule) or any(gap.strip() for gap in gaps):
                break  # a blank line, or a note below the table: not cut where the columns are
            rows.append(cut(line))
        tables.append({"title": lines[k - 2] if k >= 2 else "", "headers": cut(lines[k - 1]), "rows": rows})
    return tables


def _cells(table: dict, skip: set[str]) -> list[dict]:
    keep = [h for h in table["headers"] if h not in skip]
    index = {h: i for i, h in enumerate(table["headers"])}
    return [{h: row[index[h]] for h in keep} for row in table["rows"]]


def _compare(readme: list[dict], regenerated: list[dict]) -> list[str]:
    assert len(readme) == len(regenerated), (len(readme), len(regenerated))
    return [
        f"row {k} {column!r}: README {r[column]!r}, code {g[column]!r}"
        for k, (r, g) in enumerate(zip(readme, regenerated))
        for column in r
        if r[column] != g[column]
    ]


OPCOUNTS = _text_tables(generated("opcounts"))[0]
TIMES = {"time", "time/f"}
OPCOUNT_GRAPHS = [row[0] for row in OPCOUNTS["rows"] if row[0]]  # "speelpenning 10": family and size


@pytest.mark.parametrize("graph", OPCOUNT_GRAPHS)
def test_opcounts_table_is_current(graph, monkeypatch):
    """The rows of one graph, regenerated as benchmarks/opcounts.py does (bench.run_suite), timing aside."""
    from graphdiff.cli.suites import render, run_suite

    _no_timing(monkeypatch)
    family, size = graph.rsplit(" ", 1)
    fresh = _text_tables(render(run_suite([family], [int(size)])))[0]
    assert fresh["headers"] == OPCOUNTS["headers"]
    start = [row[0] for row in OPCOUNTS["rows"]].index(graph)
    mine = OPCOUNTS["rows"][start : start + len(fresh["rows"])]
    assert _compare(_cells({**OPCOUNTS, "rows": mine}, TIMES), _cells(fresh, TIMES)) == []


def test_opcounts_legend_is_current(monkeypatch):
    from graphdiff.cli.suites import render, run_suite

    _no_timing(monkeypatch)
    legend = lambda text: text.split("\n\n", 1)[1].split("\nMeasured")[0]
    assert legend(generated("opcounts").split("```")[0]) == legend(render(run_suite(["fan_out"], [1])))


def test_crossover_table_is_current(monkeypatch):
    """`graphdiff bench crossover`, as the README says, compared in every operation count column."""
    _no_timing(monkeypatch)
    readme = _text_tables(generated("crossover"))[0]
    status, out = run_cli(["bench", "crossover"])
    fresh = _text_tables(out)[0]
    assert status == 0 and fresh["headers"] == readme["headers"]
    assert out.splitlines()[0] == generated("crossover").splitlines()[0]
    times = {h for h in readme["headers"] if h.endswith("time")} | {"fastest"}
    assert _compare(_cells(readme, times), _cells(fresh, times)) == []


SCALE_SIZES_REGENERATED = (1_000, 10_000)  # benchmarks/scale.py's sizes run here, of 1_000 ... 1_000_000
SCALE_SIZES_NOT_REGENERATED = {
    100_000: "tracing and counting take about 1.5 s",
    1_000_000: "about 17 s and 1.8 GB",
}


def test_scale_blocks_operation_counts_are_current():
    """The cold table of benchmarks/scale.py: its nodes, f ops and gradient ops, for the small sizes.

    Rebuilt as scale.py's scaling() builds them: graphdiff.cli.peers' random DAG of that many
    operations on 100 inputs, counted with tally.function_counts and tally.reverse_counts.
    The block's other tables, and the other columns of this one, are timings.
    """
    from graphdiff.cli.peers import make_dag, run_ops
    from graphdiff.cost.tally import function_counts, reverse_counts

    cold = next(
        t for t in _text_tables(generated("scale-more", PERFORMANCE)) if t["title"].startswith("Cold")
    )
    rows = _cells(cold, set())
    assert len(rows) == len(SCALE_SIZES_REGENERATED) + len(SCALE_SIZES_NOT_REGENERATED)
    library = {"sin": gd.sin, "exp": gd.exp, "tanh": gd.tanh}
    for size, row in zip(SCALE_SIZES_REGENERATED, rows):
        ops = make_dag(size)
        xs = [float(x) for x in np.random.default_rng(1).uniform(-1.0, 1.0, 100)]
        g = gd.trace(lambda *x, ops=ops: run_ops(ops, x, library, 100), *xs)
        f_ops = function_counts(g.program)
        gradient_ops = f_ops + reverse_counts(g.program, g.program.output_slots)[0]
        assert (str(len(g)), str(f_ops.total), str(gradient_ops.total)) == (
            row["nodes"], row["f ops"], row["gradient ops"]
        )  # fmt: skip


def test_colah_json_prints_the_same_numbers_keyed_by_node_name():
    """The README: '`--format json` prints the same numbers keyed by node name'."""
    status, out = run_cli(["example", "colah", "--format", "json"])
    assert status == 0
    data = json.loads(out)
    tables = {t["title"]: t for t in _text_tables(generated("colah"))}
    column = lambda title: {row[0]: float(row[2]) for row in tables[title]["rows"]}
    assert data["values"] == column("Values of colah")
    assert data["forward"]["seed"] == "b"
    assert data["forward"]["tangents"] == column(
        "Forward sweep seeded at b: one input's influence on every node"
    )
    assert data["reverse"]["adjoints"] == column("Reverse sweep seeded at e: every node's influence on e")
    partials = {
        row[0]: float(row[2]) for row in tables["Edge partials: the local derivative on each edge"]["rows"]
    }
    assert {f"{e['from']} -> {e['to']}": e["partial"] for e in data["edges"]} == partials
