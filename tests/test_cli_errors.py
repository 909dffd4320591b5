"""Bad command lines: each ends in exit status 2 and one line on stderr that names the culprit.

The table covers every option with values that make no sense, options the chosen command
would ignore, bad graph names, bad points and bad function files. ``{name}`` in a command
line is a file made by the ``files`` fixture.
"""

from __future__ import annotations

import pytest

from graphdiff import builders
from graphdiff.cli import suites as bench
from graphdiff.cli.main import main
from graphdiff.errors import ArgumentError
from graphdiff.readwrite import node_link as gio

FUNCTION_FILES = {
    "ok": "def f(x, y):\n    return x * y\n",
    "syntax": "def f(x:\n    return x\n",
    "missing_import": "import graphdiff_no_such_module\n\ndef f(x):\n    return x\n",
    "raises": "def f(x):\n    raise RuntimeError('boom in f')\n",
    "noname": "def g(x):\n    return x\n",
    "notcallable": "f = 3.0\n",
    "branching": "def f(x):\n    if x > 0:\n        return x\n    return -x\n",
    "exits": "import sys\nsys.exit(3)\n",
    "zero_division": "def f(x):\n    return 1 / 0\n",
    "keyword_only": "def f(x, *, k):\n    return x * k\n",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli_errors")
    paths = {}
    for name, source in FUNCTION_FILES.items():
        (root / f"{name}.py").write_text(source)
        paths[name] = str(root / f"{name}.py")
    (root / "model.txt").write_text(FUNCTION_FILES["raises"])  # any suffix is read as Python
    paths["txt"] = str(root / "model.txt")
    gio.save(builders.colah(), root / "colah.json")
    paths["colah_json"] = str(root / "colah.json")
    (root / "not_json.json").write_text("{ this is not json")
    paths["not_json"] = str(root / "not_json.json")
    paths["dir"] = str(root)
    paths["missing_dir"] = str(root / "no_such_directory")
    return paths


# (command line, a fragment the one error line must contain)
CASES = [
    # top level
    ("", "COMMAND"),
    ("nosuchcommand", "nosuchcommand"),
    ("--nosuchoption example colah", "--nosuchoption"),
    # example
    ("example", "name"),
    ("example nosuch", "nosuch"),
    ("example colah --shapes 3", "see 'graphdiff example --help'"),  # the command's own help
    ("eliminate colah --nosuch", "graphdiff eliminate: error: unrecognized arguments: --nosuch"),
    ("example colah --bogus", "--bogus"),
    ("example colah --format yaml", "yaml"),
    ("example paths --format json", "paths has no JSON form"),
    ("example xor --format json", "xor has no JSON form"),
    ("example colah --tablefmt nope", "'nope'"),
    ("example paths --tablefmt nope", "'nope'"),
    ("example colah --format json --tablefmt grid", "--tablefmt"),
    ("example xor --tablefmt grid", "--tablefmt"),
    ("example xor --iterations 0", "--iterations"),
    ("example xor --iterations -1", "--iterations"),
    ("example xor --iterations abc", "--iterations"),
    ("example xor --iterations 1.5", "--iterations"),
    ("example colah --iterations 5", "--iterations"),
    ("example paths --seed a", "--seed"),
    ("example xor --seed a", "--seed"),
    ("example colah --seed c", "'c'"),
    ("example colah --seed nosuchinput", "'nosuchinput'"),
    # draw: graph names
    ("draw", "GRAPH"),
    ("draw nosuchgraph", "'nosuchgraph'"),
    ("draw speelpenning:abc", "speelpenning:abc"),
    ("draw speelpenning:-3", "-3"),
    ("draw speelpenning:0", "0"),
    ("draw speelpenning:1.5", "speelpenning:1.5"),
    ("draw speelpenning:2,3", "at most"),
    ("draw speelpenning", "speelpenning:N"),
    ("draw path_explosion:2,x", "path_explosion:2,x"),
    ("draw random_dag:0", "0"),
    ("draw no_such_file.json", "no_such_file.json"),
    ("draw {not_json}", "not_json.json"),
    # draw: points
    ("draw colah --at x", "--at"),
    ("draw colah --at 1", "'b'"),
    ("draw colah --at 1,2,3", "3"),
    ("draw colah --at nan,1", "--at"),
    ("draw colah --at inf,1", "--at"),
    ("draw colah --at=", "--at"),
    ("draw colah --at 1,,2", "--at"),
    ("draw colah --at 1;2", "--at"),
    # draw: sweeps and options that make no sense together
    ("draw colah --forward z", "'z'"),
    ("draw colah --forward e", "'e'"),
    ("draw colah --reverse --output zz", "'zz'"),
    ("draw colah --reverse --output a", "'a'"),
    ("draw colah --output e", "--reverse"),
    ("draw colah --forward a --output e", "--reverse"),
    ("draw colah --forward a --reverse", "--forward"),
    ("draw colah --structure --reverse", "--reverse"),
    ("draw colah --structure --at 1,2", "--at"),
    ("draw colah --structure --forward a", "--forward"),
    ("draw colah --structure --no-partials", "--no-partials"),
    # draw: formats and files
    ("draw colah --format gif", "gif"),
    ("draw colah -o picture.pdf", "picture.pdf"),
    ("draw colah -o picture.png --format svg", "svg"),
    ("draw colah -o picture.dot --format png", "png"),
    ("draw colah -o {missing_dir}/x.png", "does not exist"),
    ("draw colah -o {missing_dir}/x.dot", "does not exist"),
    ("draw colah -o {dir}", "is a directory"),
    # bench: numbers
    ("bench --repeats 0", "--repeats"),
    ("bench --repeats -1", "--repeats"),
    ("bench --repeats x", "--repeats"),
    ("bench --repeats 2.5", "--repeats"),
    ("bench --sizes 0", "--sizes"),
    ("bench --sizes -5", "--sizes"),
    ("bench --sizes 10,x", "--sizes"),
    ("bench --sizes=", "--sizes"),
    ("bench --sizes 10,,20", "--sizes"),
    ("bench crossover --total 1", "--total"),
    ("bench crossover --total 0", "--total"),
    ("bench crossover --total -4", "--total"),
    ("bench crossover --hidden 0", "--hidden"),
    ("bench crossover --hidden x", "--hidden"),
    ("bench --peers --limit 0", "--limit"),
    ("bench --peers --limit -1", "--limit"),
    ("bench --peers --limit nan", "--limit"),
    ("bench --peers --limit inf", "--limit"),
    ("bench --peers --sizes 0", "--sizes"),
    # bench: formats
    ("bench --tablefmt nope", "'nope'"),
    ("bench --format yaml", "yaml"),
    ("bench --format json --tablefmt grid", "--tablefmt"),
    ("bench --format csv --tablefmt grid", "--tablefmt"),
    ("bench --peers --format json", "json"),
    ("bench --peers --format csv", "csv"),
    ("bench nosuchwhat", "nosuchwhat"),
    # bench: families
    ("bench --family nope", "'nope'"),
    ("bench --family fan_out,nope", "'nope'"),
    ("bench --family fan_out,", "''"),
    # bench: options the chosen run would ignore
    ("bench --total 12", "--total"),
    ("bench --hidden 4", "--hidden"),
    ("bench --limit 5", "--limit"),
    ("bench --inputs 3", "--inputs"),
    ("bench --at 1,2", "--at"),
    ("bench crossover --family fan_out", "--family"),
    ("bench crossover --sizes 3", "--sizes"),
    ("bench crossover --plot costs.png", "--plot"),
    ("bench crossover --graph {colah_json}", "--graph"),
    ("bench --peers --repeats 2", "--repeats"),
    ("bench --peers --family fan_out", "--family"),
    ("bench --peers --plot costs.png", "--plot"),
    ("bench --peers --graph {colah_json}", "--graph"),
    ("bench --peers nosuchgraph", "nosuchgraph"),
    ("bench crossover --peers", "crossover"),
    ("bench --graph {colah_json} --sizes 3", "--sizes"),
    ("bench --graph {colah_json} --family fan_out", "--family"),
    ("bench --graph {colah_json} --inputs 2", "--inputs"),
    ("bench --graph {colah_json} --function {ok}:f", "not both"),
    # bench: graph files and points
    ("bench --graph no_such_file.json", "no_such_file.json"),
    ("bench --graph {not_json}", "not_json.json"),
    ("bench --graph {colah_json} --at 1", "'b'"),
    ("bench --graph {colah_json} --at 1,2,3", "3"),
    ("bench --graph {colah_json} --at nan,1", "--at"),
    # bench: function files
    ("bench --function {syntax}:f", "SyntaxError"),
    ("bench --function {missing_import}:f", "graphdiff_no_such_module"),
    ("bench --function {raises}:f --inputs 1", "boom in f"),
    ("bench --function {txt}:f --inputs 1", "boom in f"),
    ("bench --function {zero_division}:f --inputs 1", "ZeroDivisionError"),
    ("bench --function {exits}:f", "SystemExit"),
    ("bench --function {branching}:f --inputs 1", "greater"),
    ("bench --function no_such_file.py:f", "no_such_file.py"),
    ("bench --function {dir}:f", "no file"),
    ("bench --function {noname}:f", "'f'"),
    ("bench --function {keyword_only}:f", "keyword-only parameter 'k'"),
    ("draw {keyword_only}:f", "keyword-only parameter 'k'"),
    ("advise {keyword_only}:f", "keyword-only parameter 'k'"),
    ("advise {noname}:f", "advise {noname}:f: "),
    ("draw {noname}:f", "draw {noname}:f: "),
    ("eliminate colah --order best --budget -1", "budget"),
    ("bench --function {notcallable}:f", "'f'"),
    ("bench --function {ok}", "FILE.py:NAME"),
    ("bench --function {ok}:", "FILE.py:NAME"),
    ("bench --function :f", "FILE.py:NAME"),
    ("bench --function {ok}:f --inputs 0", "--inputs"),
    ("bench --function {ok}:f --inputs -1", "--inputs"),
    ("bench --function {ok}:f --inputs x", "--inputs"),
    ("bench --function {ok}:f --inputs 5", "5"),
    ("bench --function {ok}:f --at 1,2 --inputs 3", "--inputs 3"),
    ("bench --function {ok}:f --at 1,2,3", "3"),
    ("bench --function {ok}:f --repeats 0", "--repeats"),
    # bench: plots
    ("bench --plot {missing_dir}/costs.png", "does not exist"),
    ("bench --plot {dir}", "is a directory"),
    ("bench --plot costs.nosuchformat", ".nosuchformat"),
    ("bench --function {ok}:f --plot {missing_dir}/costs.png", "does not exist"),
    # bench: too large to allocate
    (f"bench --family mlp_array --sizes {10**12}", "too large"),
]


def test_the_table_is_long_enough():
    assert len(CASES) >= 60 and len({line for line, _ in CASES}) == len(CASES)


@pytest.mark.parametrize("command, fragment", CASES, ids=[line or "(nothing)" for line, _ in CASES])
def test_a_bad_command_line_is_one_line_on_stderr_with_status_2(capsys, files, command, fragment):
    argv = [word.format(**files) for word in command.split()]
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    assert status == 2, (status, captured.err)
    assert "Traceback" not in captured.err and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("graphdiff"), captured.err
    assert fragment.format(**files) in lines[0], lines[0]


def test_the_harness_refuses_repeats_below_one_by_name():
    graph = builders.speelpenning(2)
    for call in (
        lambda: bench.bench_graph(graph, [1.0, 2.0], "speelpenning", 2, repeats=0),
        lambda: bench.run_suite(["fan_out"], [2], repeats=-1),
        lambda: bench.crossover(4, 2, repeats=0),
    ):
        with pytest.raises(ArgumentError, match="repeats must be a positive integer"):
            call()


def test_the_harness_refuses_a_bad_size_before_building_anything(monkeypatch):
    monkeypatch.setitem(bench.FAMILIES, "fan_out", bench.Family(lambda n: pytest.fail("built"), (1,), "n"))
    with pytest.raises(ArgumentError, match="sizes must be positive integers, got 0"):
        bench.run_suite(["fan_out"], [2, 0])


@pytest.mark.parametrize(
    "fmt, tablefmt, culprit", [("yaml", "simple", "'yaml'"), ("table", "nope", "'nope'")]
)
def test_the_harness_refuses_unknown_output_formats_by_name(fmt, tablefmt, culprit):
    rows = bench.bench_graph(builders.speelpenning(2), [1.0, 2.0], "speelpenning", 2, repeats=1)
    with pytest.raises(ArgumentError, match=culprit):
        bench.render(rows, fmt, tablefmt)
