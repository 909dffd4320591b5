"""The ``graphdiff`` command line.

Every error ends in one line on stderr and exit status 2, never a traceback: a bad
option is refused by argparse (``graphdiff bench: error: argument --repeats: ...``), a
bad graph, function file or output path by ``graphdiff: error: ...``. An option the
chosen command would ignore (``--output`` without ``--reverse``, ``--total`` outside
``crossover``) is refused too, so that nobody reads a result as the answer to a
question they did not ask.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from graphdiff.errors import ArgumentError, GraphError, IndexingError

__all__ = ["main", "build_parser"]

DESCRIPTION = """\
graphdiff puts forward-mode and reverse-mode differentiation side by side on one
computational graph and counts what each costs.

Forward mode sweeps in evaluation order and gives, at every node, the derivative
with respect to ONE input. Reverse mode sweeps backwards from an output and gives
the derivative of that output with respect to EVERY node: all gradients at once.
"""

MAIN_EPILOG = """\
examples:
  graphdiff example colah                      the worked example, forward and reverse
  graphdiff draw colah --reverse -o rev.png    a picture of the reverse sweep
  graphdiff show colah -o colah.html           a page playing both sweeps step by step
  graphdiff bench --family speelpenning        what each mode costs, counted and timed
  graphdiff eliminate --table                  vertex elimination against the published table
  graphdiff advise model.py:f --shapes 3x2,2   which method to use on your own function

'graphdiff COMMAND --help' shows a command's options, their defaults and examples.
Errors: one line on stderr, exit status 2 (130 when interrupted).
"""

EXAMPLE_DESCRIPTION = """\
Print a worked example: node values, edge partials, forward and reverse sweeps.

colah prints every node's value, the local partial on every edge, one forward
sweep per --seed and the reverse sweep; paths prints the path-sum view; xor
trains the network of "how backpropagation works" by backpropagation, checking every gradient.
"""

EXAMPLE_EPILOG = """\
examples:
  graphdiff example colah                 e = (a+b)(b+1) at a=2, b=1, from "Calculus on Computational Graphs"
  graphdiff example colah --format json   the same numbers as JSON, keyed by node name
  graphdiff example colah --seed a        only the forward sweep seeded at a
  graphdiff example paths                 9 path products against one product of sums
  graphdiff example xor                   the XOR network of "how backpropagation works"
"""

DRAW_DESCRIPTION = """\
Draw a graph in layers, annotated with values, edge partials and one sweep.

Inputs are at the bottom, outputs at the top. With values (--at, or the default
point) each edge shows its local partial and each node its value and, with
--forward or --reverse, its tangent or adjoint; structural zeros are faded.
DOT needs nothing installed; PNG and SVG need matplotlib ('graphdiff[plot]').
Without -o, DOT and SVG text go to stdout, and PNG too when stdout is not a
terminal (graphdiff draw colah --format png > colah.png).
"""

DRAW_EPILOG = """\
GRAPH is a builder, optionally with sizes after a colon, a saved .json graph, or
a function in a Python file (its inputs scalars, or shaped by --shapes):
  colah, speelpenning:4, path_explosion:2,3, fan_out:3, dense_map:2,3, rosenbrock:3,
  random_dag:30, mlp, mlp_scalar, FILE.json, model.py:loss

examples:
  graphdiff draw colah --forward b -o fwd.png     tangents d(node)/db: the forward-mode figure
  graphdiff draw colah --reverse -o rev.png       adjoints de/d(node)
  graphdiff draw colah --reverse --format dot     Graphviz text, needs nothing installed
  graphdiff draw path_explosion:2,3 --at 0.5 --reverse -o paths.svg
  graphdiff draw model.py:loss --shapes 3x2,2 --reverse -o loss.svg
"""

BENCH_DESCRIPTION = """\
Count and time a function and its full Jacobian by forward and reverse mode.

Measures forward mode, vector forward mode and reverse mode on builder families
(suite), on dense maps with n + m fixed (crossover), on your own graph or
function (--graph, --function), or against other libraries (--peers).
"""

BENCH_EPILOG = """\
what is counted:
  ops       the arithmetic the sweeps actually perform, by kind (add, mul, div,
            nonlinear, cmp), counted from every numpy call the rules make
  sweeps    forward: one per input; forward-vector: one carrying every input
            direction; reverse: one per output, after one evaluation
  stored    numbers the reverse sweeps read from the evaluation (the tape)
  peak live most numbers alive at once; time: median wall time of repeats
  ops/f, time/f  ratios to evaluating the function, measured in the same run

examples:
  graphdiff bench                                     every family, default sizes
  graphdiff bench --family speelpenning --sizes 10,100,1000 --format json
  graphdiff bench crossover                           where forward mode beats reverse
  graphdiff bench --graph my_graph.json               a graph saved with graphdiff.readwrite.save
  graphdiff bench --function model.py:f --inputs 3    your own function of 3 scalars
  graphdiff bench --function model.py:loss --shapes 784x256,256   ... of arrays, by shape
  graphdiff bench --family mlp --plot costs.png       needs: pip install 'graphdiff[plot]'
  graphdiff bench --peers --sizes 2000                against the peers installed ('graphdiff[peers]')
"""

ELIMINATE_DESCRIPTION = """\
Accumulate the Jacobian by eliminating intermediate vertices of the linearized graph.

Eliminating a vertex with p predecessors and s successors costs p*s multiplications
of edge partials (a product landing on an existing edge is also an addition); inputs
and outputs stay. forward (evaluation order) and reverse cost what forward and reverse
mode with sparse tangents and adjoints multiply; other orders can cost less. Counts
follow the literature's convention, so they compare with published tables.
"""

ELIMINATE_EPILOG = """\
examples:
  graphdiff eliminate colah --order reverse          3 multiplications, 1 addition
  graphdiff eliminate roe_flux_1d --order best --budget 10
  graphdiff eliminate roe_flux_1d --format json      edges, order, counts and the Jacobian
  graphdiff eliminate --table                        the AlphaGrad paper's table, recounted
"""

ADVISE_DESCRIPTION = """\
Which way to get the Jacobian of your function, counted on its own graph and timed.

Every applicable method is counted: forward mode (a sweep per input), vector forward,
reverse mode (a sweep per output), for functions of scalars also compressed sweeps (a
sweep per colour of the Jacobian's columns or rows) and vertex elimination in the best
order a short search finds. The cheapest few by count are timed as generated code, and
the fastest measured is recommended, with the call that gets it.
"""

ADVISE_EPILOG = """\
examples:
  graphdiff advise model.py:loss --shapes 784x32,32     your own function of arrays
  graphdiff advise rosenbrock:100                       a scalar loss of 100 inputs: reverse
  graphdiff advise fan_out:50                           one input, 50 outputs: forward
  graphdiff advise pde_residual:200                     a tridiagonal Jacobian: compressed
"""

# Options whose default is None in the parser, so that a check can tell an option the
# user gave from one left alone; the real defaults are filled in after the checks.
EXAMPLE_DEFAULTS = {"format": "table", "tablefmt": "simple", "iterations": 10_000}
BENCH_DEFAULTS = {
    "repeats": 3,
    "total": 24,
    "hidden": 8,
    "format": "table",
    "tablefmt": "simple",
    "limit": 60.0,
}
ADVISE_DEFAULTS = {"measure": 3, "budget": 2.0, "format": "table", "tablefmt": "simple"}
ELIMINATE_DEFAULTS = {"order": "markowitz", "budget": 25.0, "format": "table", "tablefmt": "simple"}
DRAW_FORMATS = ("dot", "png", "svg")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (no usage block), exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


# --- option types: each refuses a value that makes no sense, by argparse ----------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _at_least_two(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer of at least 2, got {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2 (one input and one output), got {value}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds above 0, got {text!r}")
    return value


def _tablefmt(text: str) -> str:
    from tabulate import tabulate_formats

    if text not in tabulate_formats:
        raise argparse.ArgumentTypeError(
            f"unknown table format {text!r}; choose from {', '.join(tabulate_formats)}"
        )
    return text


def _int_list(text: str) -> list[int]:
    parts = text.split(",")
    try:
        values = [int(v) for v in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes, got {text!r}")
    return values


def _float_list(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"expected finite numbers, got {text!r}")
    return values


class IntegerData(tuple):
    """The shape of an argument that is integer data (``64:int``, class labels): passed as
    zeros, a valid index into any axis, and not differentiated."""


def _shape_list(text: str) -> list[tuple[int, ...]]:
    """``784x256,256,scalar,64:int``: one shape per input, dimensions joined by x; ``:int``
    marks integer data."""
    shapes: list[tuple[int, ...]] = []
    for part in text.split(","):
        part = part.strip().lower()
        kind, part = (IntegerData, part[: -len(":int")]) if part.endswith(":int") else (tuple, part)
        if part in ("scalar", "()"):
            shapes.append(kind(()))
            continue
        try:
            dims = kind(int(d) for d in part.split("x"))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected shapes like 784x256,256,scalar (one per input), got {text!r}"
            ) from None
        if not dims or any(d < 0 for d in dims):
            raise argparse.ArgumentTypeError(f"a shape has non-negative dimensions, got {part!r} in {text!r}")
        shapes.append(dims)
    return shapes


def _add_shapes(parser: argparse.ArgumentParser, goes_with: str, example: str) -> None:
    """``--shapes``, the array inputs of the user's function, on a command that traces one."""
    parser.add_argument(
        "--shapes",
        type=_shape_list,
        metavar="SHAPE,...",
        help=f"{goes_with}: each input's shape, e.g. {example} (dimensions joined by x; scalar for a number; "
        "64:int for integer data such as class labels, passed as zeros and not differentiated; "
        "default: every input a scalar)",
    )


_BUILDER_FIRST = "a builder (e.g. colah, path_explosion:2,3), a .json file, or FILE.py:NAME (your function)"
_POINT_OR_COLAH = "input values (default: colah's a=2,b=1, else a reproducible random point)"


def add_graph_arguments(parser: argparse.ArgumentParser, graph_help: str, at_help: str) -> None:
    """GRAPH, ``--shapes`` and ``--at``: the graph a command works on, and the point."""
    parser.add_argument("graph", metavar="GRAPH", help=graph_help)
    _add_shapes(parser, "with GRAPH=FILE.py:NAME", "3x2,2")
    parser.add_argument("--at", type=_float_list, metavar="X,X,...", help=at_help)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``graphdiff``: subcommands ``example``, ``draw`` and ``bench``.

    Examples
    --------
    >>> args = build_parser().parse_args(["draw", "colah", "--reverse"])
    >>> args.command, args.graph, args.reverse
    ('draw', 'colah', True)
    """
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog="graphdiff", description=DESCRIPTION, epilog=MAIN_EPILOG, formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    example = commands.add_parser(
        "example",
        help="print a worked example's values, forward and reverse sweeps, and edge partials",
        description=EXAMPLE_DESCRIPTION,
        epilog=EXAMPLE_EPILOG,
        formatter_class=formatter,
    )
    example.add_argument(
        "name",
        choices=["colah", "paths", "xor"],
        help="colah: e = (a+b)(b+1) from 'Calculus on Computational Graphs'; paths: the path-sum view; xor: the network of 'how backpropagation works'",
    )
    example.add_argument(
        "--format", choices=["table", "json"], help="output format; json: colah only (default: table)"
    )
    example.add_argument(
        "--seed",
        action="append",
        metavar="INPUT",
        help="colah: input to seed a forward sweep at (repeatable; default: b, then a). JSON shows the first.",
    )
    example.add_argument(
        "--tablefmt", type=_tablefmt, help="colah, paths: a tabulate table format (default: simple)"
    )
    example.add_argument(
        "--iterations", type=_positive_int, metavar="N", help="xor: training steps (default: 10000)"
    )
    example.set_defaults(run=_run_example, check=_check_example)

    draw = commands.add_parser(
        "draw",
        help="draw a graph laid out in layers, annotated with values, edge partials and a sweep",
        description=DRAW_DESCRIPTION,
        epilog=DRAW_EPILOG,
        formatter_class=formatter,
    )
    add_graph_arguments(draw, _BUILDER_FIRST, _POINT_OR_COLAH)
    sweep = draw.add_mutually_exclusive_group()
    sweep.add_argument("--forward", metavar="INPUT", help="show d(node)/d(INPUT) from one forward sweep")
    sweep.add_argument("--reverse", action="store_true", help="show d(output)/d(node) from one reverse sweep")
    sweep.add_argument(
        "--backward",
        action="store_true",
        help="draw the backward program itself: the evaluation, then each adjoint as a node (<name>_bar), "
        "what it reads from the evaluation, and where adjoints meet and are added",
    )
    draw.add_argument(
        "--output", metavar="NODE", help="with --reverse: the output to seed (default: the only one)"
    )
    draw.add_argument(
        "--structure", action="store_true", help="draw the structure only: no values, no partials"
    )
    draw.add_argument(
        "--no-partials", dest="partials", action="store_false", help="do not label edges with partials"
    )
    draw.add_argument(
        "--summarise",
        action="store_true",
        help="past 200 nodes, draw PNG or SVG as counted boxes, one per kind of node in each band of layers, "
        "instead of refusing (DOT text is never summarised)",
    )
    draw.add_argument(
        "--format", choices=DRAW_FORMATS, help="the picture's format (default: from -o's suffix, else dot)"
    )
    draw.add_argument(
        "-o", dest="path", metavar="FILE", help="write here (default: stdout; PNG only when not a terminal)"
    )
    draw.set_defaults(run=_run_draw, check=_check_draw)

    from graphdiff.cli.suites import FAMILIES

    bench = commands.add_parser(
        "bench",
        help="count and time function, forward mode and reverse mode on graph families",
        description=BENCH_DESCRIPTION,
        epilog=BENCH_EPILOG,
        formatter_class=formatter,
    )
    bench.add_argument(
        "what",
        nargs="?",
        choices=["suite", "crossover"],
        default="suite",
        help="suite (default): the families below; crossover: dense maps with n + m fixed",
    )
    families = ", ".join(f"{name} ({f.size_means})" for name, f in FAMILIES.items())
    bench.add_argument(
        "--family",
        metavar="NAME",
        help=f"a family, a comma-separated list, or all (default). Families: {families}",
    )
    bench.add_argument(
        "--sizes",
        type=_int_list,
        metavar="N,N,...",
        help="sizes to run (default: each family's own; --peers: 10000 / 1000)",
    )
    bench.add_argument(
        "--graph", metavar="FILE.json", help="benchmark a graph saved with graphdiff.readwrite.save"
    )
    bench.add_argument("--function", metavar="FILE.py:NAME", help="benchmark a Python function from a file")
    _add_shapes(bench, "with --function", "784x256,256")
    bench.add_argument(
        "--inputs",
        type=_positive_int,
        metavar="N",
        help="with --function: its number of scalar inputs (default: from its signature)",
    )
    bench.add_argument(
        "--at",
        type=_float_list,
        metavar="X,X,...",
        help="with --function or --graph: the point (default: a reproducible random point)",
    )
    bench.add_argument(
        "--repeats", type=_positive_int, metavar="N", help="timing repeats, at least (default: 3)"
    )
    bench.add_argument("--total", type=_at_least_two, metavar="N", help="crossover: n + m (default: 24)")
    bench.add_argument(
        "--hidden", type=_positive_int, metavar="N", help="crossover: hidden width (default: 8)"
    )
    bench.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        help="output format; --peers: table only (default: table)",
    )
    bench.add_argument(
        "--tablefmt", type=_tablefmt, help="with --format table: a tabulate table format (default: simple)"
    )
    bench.add_argument(
        "--plot",
        metavar="FILE.png",
        help="suite, --graph, --function: also draw operations against size, log-log (needs matplotlib)",
    )
    bench.add_argument(
        "--second-order",
        action="store_true",
        help="the Hessian-vector product three ways round (forward over reverse, reverse over reverse, "
        "reverse over forward) and the whole Hessian, counted and timed, on the families with one scalar "
        "output (--family picks some; --sizes overrides their sizes)",
    )
    bench.add_argument(
        "--peers",
        nargs="?",
        const="dag",
        choices=["dag", "product"],
        metavar="GRAPH",
        help="time graphdiff against micrograd, PyTorch, autograd and JAX (those installed) on the random "
        "DAG (default) or the product chain, of --sizes nodes/inputs (default 10000 / 1000)",
    )
    bench.add_argument(
        "--limit", type=_positive_seconds, metavar="S", help="--peers: seconds per case (default: 60)"
    )
    bench.set_defaults(run=_run_bench, check=_check_bench)

    elim = commands.add_parser(
        "eliminate",
        help="the Jacobian by vertex elimination in a chosen order, with its multiplications",
        description=ELIMINATE_DESCRIPTION,
        epilog=ELIMINATE_EPILOG,
        formatter_class=formatter,
    )
    elim.add_argument(
        "graph",
        nargs="?",
        metavar="GRAPH",
        help="a builder (roe_flux_1d, robot_arm_6dof, human_heart_dipole, propane_combustion, colah, "
        "speelpenning:4, ...) or a .json file",
    )
    elim.add_argument(
        "--order",
        metavar="NAME|V,V,...",
        help="forward, reverse, markowitz, fill or best (a search), or the intermediate vertices in "
        "order (default: markowitz)",
    )
    elim.add_argument(
        "--budget",
        type=_positive_seconds,
        metavar="S",
        help="--order best, --table: seconds of search per graph (default: 25)",
    )
    elim.add_argument(
        "--at",
        type=_float_list,
        metavar="X,X,...",
        help="the point (default: the paper's for its four graphs, colah's a=2,b=1, else a reproducible random point)",
    )
    elim.add_argument(
        "--table",
        action="store_true",
        help="the published benchmark reproduced: forward, reverse and Markowitz recounted on the four graphs "
        "of the AlphaGrad paper, and graphdiff's best order against AlphaGrad's",
    )
    elim.add_argument("--format", choices=["table", "json"], help="output format (default: table)")
    elim.add_argument("--tablefmt", type=_tablefmt, help="a tabulate table format (default: simple)")
    elim.set_defaults(run=_run_eliminate, check=_check_eliminate)

    advise = commands.add_parser(
        "advise",
        help="which way to get the Jacobian of your function: every method counted, the cheapest timed",
        description=ADVISE_DESCRIPTION,
        epilog=ADVISE_EPILOG,
        formatter_class=formatter,
    )
    add_graph_arguments(
        advise,
        "FILE.py:NAME (your function), a builder (e.g. rosenbrock:50) or a .json file",
        "the point, every element in input order (default: random)",
    )
    advise.add_argument(
        "--measure",
        type=_positive_int,
        metavar="N",
        help="how many of the cheapest by count to time (default: 3)",
    )
    advise.add_argument(
        "--budget",
        type=_positive_seconds,
        metavar="S",
        help="seconds of search for an elimination order (default: 2)",
    )
    advise.add_argument("--format", choices=["table", "json"], help="output format (default: table)")
    advise.add_argument("--tablefmt", type=_tablefmt, help="a tabulate table format (default: simple)")
    advise.set_defaults(run=_run_advise, check=_check_advise)

    from graphdiff.cli import show as show_command

    show_command.add_parser(commands)
    for command in commands.choices.values():
        command.set_defaults(parser=command)  # whose --help an unknown option points to
    return parser


# --- checks: options that make no sense together, and paths, before anything long runs -------


def _given(args: argparse.Namespace, names: Sequence[str]) -> list[str]:
    """The options among ``names`` (dest names) that the user gave."""
    flags = {"path": "-o", "partials": "--no-partials"}
    given = []
    for name in names:
        value = getattr(args, name)
        left_alone = value is True if name == "partials" else value is None or value is False
        if not left_alone:
            given.append(flags.get(name, "--" + name.replace("_", "-")))
    return given


def _refuse(given: list[str], reason: str) -> None:
    if given:
        raise ArgumentError(f"{', '.join(given)} {'has' if len(given) == 1 else 'have'} no effect {reason}")


def _check_output_path(option: str, path: str) -> None:
    """Refuse an output path that cannot be written, before the work that fills it."""
    target = Path(path)
    if target.is_dir():
        raise ArgumentError(f"{option} {path}: is a directory; give a file name")
    parent = target.parent
    if not parent.is_dir():
        raise ArgumentError(f"{option} {path}: directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK):
        raise ArgumentError(f"{option} {path}: directory {str(parent)!r} is not writable")


def _fill_defaults(args: argparse.Namespace, defaults: dict[str, Any]) -> None:
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def _check_example(args: argparse.Namespace) -> None:
    if args.name != "colah":
        _refuse(_given(args, ["seed"]), f"on example {args.name}: it is for colah")
        if args.format == "json":
            raise ArgumentError(f"--format json: example {args.name} has no JSON form (colah has)")
    if args.name != "xor":
        _refuse(_given(args, ["iterations"]), f"on example {args.name}: it is for xor")
    if args.name == "xor" or args.format == "json":
        what = "with --format json" if args.format == "json" else "on example xor"
        _refuse(_given(args, ["tablefmt"]), f"{what}: it prints no table to format")
    _fill_defaults(args, EXAMPLE_DEFAULTS)


def _graph_or_function(args: argparse.Namespace, command: str) -> Any:
    """GRAPH: a builder or saved graph, or FILE.py:NAME traced with --shapes."""
    from graphdiff.builders import from_spec

    if not _is_function_spec(args.graph):
        return from_spec(args.graph)
    path, _, name = args.graph.rpartition(":")
    return _traced_user_function(path, name, f"{command} {args.graph}", args.shapes, None, args.at)


def _check_function_spec(args: argparse.Namespace, command: str) -> None:
    """FILE.py:NAME must name a file; --shapes goes with it alone and must fit --at."""
    if _is_function_spec(args.graph):
        path = args.graph.rpartition(":")[0]
        if not Path(path).is_file():
            raise ArgumentError(f"{command}: no file {path!r}")
        if args.shapes is not None:
            _check_shapes(args.shapes, None, args.at)
    elif args.shapes is not None:
        raise ArgumentError("--shapes gives the inputs of your function: it goes with GRAPH=FILE.py:NAME")


def _is_function_spec(spec: str) -> bool:
    path, _, name = spec.rpartition(":")
    return path.endswith(".py") and bool(name)


def _check_draw(args: argparse.Namespace) -> None:
    _check_function_spec(args, "draw")
    if args.output is not None and not args.reverse:
        raise ArgumentError("--output NODE picks the output of a reverse sweep: it needs --reverse")
    if args.structure:
        _refuse(
            _given(args, ["at", "forward", "reverse", "output", "partials", "backward"]), "with --structure"
        )
    if args.path:
        _check_output_path("-o", args.path)
    suffix = Path(args.path).suffix.lstrip(".").lower() if args.path else ""
    if args.format is None:
        if args.path and suffix not in DRAW_FORMATS:
            raise ArgumentError(
                f"-o {args.path}: cannot tell the format from the suffix; use .dot, .png or .svg, or --format"
            )
        args.format = suffix or "dot"
    elif suffix in DRAW_FORMATS and suffix != args.format:
        raise ArgumentError(f"-o {args.path} has suffix .{suffix} but --format is {args.format}")
    if not args.path and args.format == "png" and _is_terminal(sys.stdout):
        raise ArgumentError("PNG is binary and stdout is a terminal: pass -o FILE, or redirect stdout")
    if args.format != "dot":
        from graphdiff.views.plot import require_matplotlib

        require_matplotlib()  # before the graph is built and swept


def _check_bench(args: argparse.Namespace) -> None:
    from graphdiff.cli.suites import FAMILIES

    user = args.graph is not None or args.function is not None
    if args.graph is not None and args.function is not None:
        raise ArgumentError("give --graph or --function, not both")
    if args.second_order:
        if args.peers or args.what == "crossover":
            raise ArgumentError(
                "--second-order runs its own table: it goes with neither --peers nor crossover"
            )
        _refuse(
            _given(args, ["graph", "function", "inputs", "at", "plot", "total", "hidden", "limit"]),
            "with --second-order",
        )
        from graphdiff.cli.suites import SECOND_ORDER_FAMILIES

        chosen = [] if args.family in (None, "all") else args.family.split(",")
        wrong = [f for f in chosen if f not in SECOND_ORDER_FAMILIES]
        if wrong:
            raise ArgumentError(
                f"--family {','.join(wrong)}: second order needs one scalar output; choose from "
                f"{', '.join(SECOND_ORDER_FAMILIES)}"
            )
    if args.peers:
        if args.what == "crossover":
            raise ArgumentError("--peers runs its own graphs: it does not go with crossover")
        if args.format not in (None, "table"):
            raise ArgumentError(f"--format {args.format}: --peers has no {args.format} form, only a table")
        _refuse(
            _given(
                args, ["family", "graph", "function", "inputs", "at", "repeats", "total", "hidden", "plot"]
            ),
            "with --peers",
        )
    else:
        _refuse(_given(args, ["limit"]), "without --peers")
        if args.what == "crossover":
            _refuse(
                _given(args, ["family", "sizes", "graph", "function", "inputs", "at", "plot"]),
                "on crossover: it runs dense_map(n, m) for n + m = --total",
            )
        else:
            _refuse(_given(args, ["total", "hidden"]), "outside crossover")
            if user:
                _refuse(_given(args, ["family", "sizes"]), "with --graph or --function")
            else:
                _refuse(_given(args, ["at"]), "without --graph or --function")
            if args.function is None:
                _refuse(_given(args, ["inputs", "shapes"]), "without --function")
            elif args.shapes is not None:
                _check_shapes(args.shapes, args.inputs, args.at)
            elif args.inputs is not None and args.at is not None and args.inputs != len(args.at):
                raise ArgumentError(f"--inputs {args.inputs} but --at gives {len(args.at)} value(s)")
    if args.format in ("json", "csv"):
        _refuse(_given(args, ["tablefmt"]), f"with --format {args.format}")
    if args.family is not None and args.family != "all":
        unknown = [name for name in args.family.split(",") if name not in FAMILIES]
        if unknown:
            raise ArgumentError(f"unknown family {unknown[0]!r}; choose from {', '.join(FAMILIES)} or all")
    if args.function is not None:
        path, _, name = args.function.rpartition(":")
        if not path or not name:
            raise ArgumentError(f"--function takes FILE.py:NAME, got {args.function!r}")
        if not Path(path).is_file():
            raise ArgumentError(f"--function: no file {path!r}")
    if args.plot:
        from graphdiff.views.plot import require_matplotlib

        require_matplotlib()
        _check_plot_suffix(args.plot)
        _check_output_path("--plot", args.plot)
    _fill_defaults(args, BENCH_DEFAULTS)
    if args.family is None:
        args.family = "all"


def _check_shapes(shapes: list, inputs: int | None, at: list | None) -> None:
    """--shapes against --inputs and --at: as many shapes as inputs, as many values as elements."""
    if inputs is not None and inputs != len(shapes):
        raise ArgumentError(f"--inputs {inputs} but --shapes gives {len(shapes)} shape(s)")
    elements = sum(math.prod(s) for s in shapes if not isinstance(s, IntegerData))
    if at is not None and len(at) != elements:
        raise ArgumentError(
            f"--shapes has {elements} element(s) in its float inputs, but --at gives {len(at)} value(s)"
        )


def _check_eliminate(args: argparse.Namespace) -> None:
    if args.table:
        if args.graph is not None:
            raise ArgumentError("--table runs the four graphs of the published benchmark: give no GRAPH")
        _refuse(_given(args, ["order", "at"]), "with --table")
    elif args.graph is None:
        raise ArgumentError("give a GRAPH to eliminate (e.g. colah, roe_flux_1d), or --table")
    if args.budget is not None and not args.table and args.order != "best":
        raise ArgumentError("--budget is the time of the search: it goes with --order best or --table")
    if args.format == "json":
        _refuse(_given(args, ["tablefmt"]), "with --format json")
    _fill_defaults(args, ELIMINATE_DEFAULTS)


def _check_advise(args: argparse.Namespace) -> None:
    _check_function_spec(args, "advise")
    if args.format == "json":
        _refuse(_given(args, ["tablefmt"]), "with --format json")
    _fill_defaults(args, ADVISE_DEFAULTS)


def _run_advise(args: argparse.Namespace) -> int:
    from graphdiff.cli.suites import random_point
    from graphdiff.cost.advice import advise

    graph = _graph_or_function(args, "advise")
    point = _point(graph, args.at) if args.at is not None else random_point(graph, (0.1, 0.9))
    advice = advise(graph, *point, measure=args.measure, budget=args.budget)
    print(advice.render(args.format, args.tablefmt))
    return 0


def _run_eliminate(args: argparse.Namespace) -> int:
    from graphdiff.builders import ELIMINATION_BENCHMARKS, from_spec
    from graphdiff.cli import eliminate as elim
    from graphdiff.cli.examples import COLAH_INPUTS
    from graphdiff.cli.suites import random_point, stderr_progress
    from graphdiff.transforms.elimination import ORDERS

    if args.table:
        progress = stderr_progress()
        try:
            rows = elim.reproduction(args.budget, progress)
        finally:
            if progress:
                progress("")
        print(elim.render_reproduction(rows, args.format, args.tablefmt, args.budget))
        return 0
    graph = from_spec(args.graph)
    if args.at is not None:
        point = args.at
    elif args.graph in ELIMINATION_BENCHMARKS:
        point = ELIMINATION_BENCHMARKS[args.graph][1]
    elif args.graph == "colah":
        point = COLAH_INPUTS
    else:
        point = random_point(graph)
    order = args.order if args.order in ORDERS else [v.strip() for v in args.order.split(",") if v.strip()]
    result, seconds = elim.run_one(graph, point, order, args.budget)
    print(elim.render_one(result, seconds, args.format, args.tablefmt))
    return 0


def _check_plot_suffix(path: str) -> None:
    from matplotlib.backend_bases import FigureCanvasBase

    suffix = Path(path).suffix.lstrip(".").lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix and suffix not in formats:
        raise ArgumentError(
            f"--plot {path}: matplotlib cannot write .{suffix}; use one of {', '.join(formats)}"
        )


def _is_terminal(stream: Any) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# --- the commands ----------------------------------------------------------------------------


def _run_draw(args: argparse.Namespace) -> int:
    from graphdiff.views.draw import draw

    graph = _graph_or_function(args, "draw")
    if args.structure:
        point = None
    else:
        point = chosen_point(graph, args)
    options = {
        "forward": args.forward,
        "reverse": args.reverse,
        "output": args.output,
        "partials": args.partials,
        "summarise": args.summarise,
    }
    if args.reverse:
        seeded = [args.output] if args.output is not None else graph.outputs
        shaped = [o for o in seeded if o in graph.outputs and graph.shape_of(o) != ()]
        if shaped:
            raise ArgumentError(
                f"--reverse seeds an output with 1, and output {shaped[0]!r} has shape {graph.shape_of(shaped[0])}: "
                "return a scalar (np.sum of it), or draw the backward program with --backward, seeded with ones"
            )
    if args.backward:  # the reverse sweep as a graph of its own, seeded with 1 at every output
        from graphdiff.transforms import vjp_graph

        point = graph.bind_inputs(point)
        point = [
            *point,
            *(1.0 if graph.shape_of(o) == () else np.ones(graph.shape_of(o)) for o in graph.outputs),
        ]
        graph = vjp_graph(graph)
    if args.path is not None:
        draw(graph, point, **options, path=args.path, format=args.format)
        print(f"wrote {args.path}", file=sys.stderr)
    elif args.format == "dot":
        print(draw(graph, point, **options, format="dot"))
    else:  # PNG or SVG on stdout (not a terminal for PNG: checked)
        sys.stdout.flush()
        draw(graph, point, **options, path=sys.stdout.buffer, format=args.format)
        sys.stdout.buffer.flush()
    return 0


def _run_bench(args: argparse.Namespace) -> int:
    from graphdiff.cli import suites as bench

    progress = bench.stderr_progress()
    if args.peers:
        from graphdiff.cli.peers import ratios, render_peers, run_peers

        for size in args.sizes or [10_000 if args.peers == "dag" else 1000]:
            run = run_peers(args.peers, size, args.limit, progress=progress)
            if progress:
                progress("")
            print(render_peers(run, args.tablefmt) + "\n\n" + "\n".join(ratios(run)))
        return 0
    try:
        if args.second_order:
            families = list(bench.SECOND_ORDER_FAMILIES) if args.family == "all" else args.family.split(",")
            rows = bench.second_order_suite(families, args.sizes, args.repeats, progress)
            print(bench.render_second_order(rows, args.format, args.tablefmt))
            return 0
        if args.what == "crossover":
            rows = bench.crossover(args.total, args.hidden, args.repeats)
            print(bench.render_crossover(rows, args.format, args.tablefmt))
            return 0
        if args.graph or args.function:
            graph, name = _user_graph(args)
            point = _point(graph, args.at) if args.at is not None else bench.random_point(graph)
            modes, timed, notes = bench.user_modes(graph)
            for note in notes:
                print(note, file=sys.stderr)
            rows = bench.bench_graph(graph, point, name, len(graph), args.repeats, modes, timed)
        else:
            families = list(bench.FAMILIES) if args.family == "all" else args.family.split(",")
            rows = bench.run_suite(families, args.sizes, args.repeats, progress)
    finally:
        if progress:
            progress("")
    print(bench.render(rows, args.format, args.tablefmt))
    if args.plot:
        from graphdiff.views.plot import plot_costs

        plot_costs(rows, args.plot)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def _user_graph(args: argparse.Namespace):
    if args.graph:
        from graphdiff.readwrite.node_link import load

        return load(args.graph), args.graph

    path, _, name = args.function.rpartition(":")
    return _traced_user_function(
        path, name, f"--function {args.function}", args.shapes, args.inputs, args.at
    ), name


def _traced_user_function(
    path: str, name: str, what: str, shapes: list | None, inputs: int | None, at: list | None
) -> Any:
    """The user's function ``name`` in ``path``, traced with inputs of ``shapes`` (or ``inputs`` scalars)."""
    from graphdiff.graph.tracer import trace

    f = _load_function(path, name, what)
    if shapes is not None:
        try:
            if any(isinstance(s, IntegerData) for s in shapes):
                return _call_user_code(path, what, lambda: _traced_with_data(f, shapes))
            return _call_user_code(path, what, lambda: trace(f, *[np.zeros(s) if s else 0.0 for s in shapes]))
        except IndexingError as err:
            if "integer data" not in str(err):
                raise
            raise IndexingError(f"{err}; in --shapes, mark such an input :int (e.g. 64:int)") from None
    elif at is not None:
        examples = at
    elif inputs is not None:
        examples = [0.0] * inputs
    else:
        examples = []
    return _call_user_code(path, what, lambda: trace(f, *examples))


def _traced_with_data(f: Callable, shapes: list) -> Any:
    """``f`` traced by its float arguments, its integer-data arguments (``:int``) fixed to zeros."""
    import inspect

    from graphdiff.graph.tracer import trace

    try:
        parameters = list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        parameters = []
    if len(parameters) < len(shapes):
        parameters = [f"x{k}" for k in range(len(shapes))]
    data = {k: np.zeros(s, dtype=np.intp) for k, s in enumerate(shapes) if isinstance(s, IntegerData)}
    floats = [k for k in range(len(shapes)) if k not in data]
    if not floats:
        raise ArgumentError(
            "--shapes marks every input :int; at least one must be a float input to differentiate"
        )

    def by_floats(*xs: Any) -> Any:
        given = dict(zip(floats, xs))
        return f(*[data[k] if k in data else given[k] for k in range(len(shapes))])

    examples = [np.zeros(shapes[k]) if shapes[k] else 0.0 for k in floats]
    name = getattr(f, "__name__", "f")
    return trace(by_floats, *examples, name=name, names=[parameters[k] for k in floats])


def chosen_point(graph: Any, args: argparse.Namespace) -> list:
    """The point ``--at`` gives; without it, colah's a=2, b=1 for colah and a reproducible random point for others."""
    from graphdiff.cli.examples import COLAH_INPUTS
    from graphdiff.cli.suites import random_point

    if args.at is not None:
        return _point(graph, args.at)
    return COLAH_INPUTS if args.graph == "colah" else random_point(graph)


def _point(graph: Any, at: list) -> list:
    """Flat --at values as one value per input, shaped as the input is (inputs of scalars: as given)."""
    shapes = [graph.shape_of(n) for n in graph.inputs]
    if all(s == () for s in shapes):
        return at  # binding says what is wrong with their number
    elements = sum(math.prod(s) for s in shapes)
    if len(at) != elements:
        raise ArgumentError(
            f"--at gives {len(at)} value(s); the inputs of {graph.name} have {elements} element(s)"
        )
    values, start = [], 0
    for n in graph.inputs:
        shape = graph.shape_of(n)
        size = math.prod(shape)
        chunk = at[start : start + size]
        values.append(np.reshape(np.array(chunk), shape) if shape else chunk[0])
        start += size
    return values


def _load_function(path: str, name: str, what: str) -> Callable:
    """Import ``path`` as a module (any suffix) and return its callable ``name``; ``what`` names
    the option or argument that gave them, for messages.

    Whatever goes wrong while the file runs is the file's fault, and is reported as one
    :class:`ArgumentError` naming the file and line.
    """
    import importlib.machinery
    import importlib.util

    module_name = f"graphdiff_user_{Path(path).stem}"
    loader = importlib.machinery.SourceFileLoader(module_name, path)
    spec = importlib.util.spec_from_loader(module_name, loader)
    module = importlib.util.module_from_spec(spec)
    folder = str(Path(path).resolve().parent)
    sys.path.insert(0, folder)  # as `python FILE.py` would: the file may import its neighbours
    sys.modules[module_name] = module  # dataclasses and pickle look a module up by name
    try:
        _call_user_code(path, f"{what}: {path}", lambda: loader.exec_module(module), everything=True)
    finally:
        sys.modules.pop(module_name, None)
        if folder in sys.path:
            sys.path.remove(folder)
    f = getattr(module, name, None)
    if not callable(f):
        raise ArgumentError(f"{what}: {path} has no function {name!r}")
    return f


def _call_user_code(path: str, what: str, call: Callable[[], Any], everything: bool = False) -> Any:
    """Run ``call``; an exception raised in the user's file at ``path`` becomes one ArgumentError.

    With ``everything`` (running the file itself) any exception is the file's. Otherwise
    an exception counts as the file's when the file's code is in its traceback and no
    graphdiff code below it: numpy refusing the user's arguments is the user's error; an
    exception raised inside graphdiff that is not a :class:`GraphError` is a bug in
    graphdiff, and keeps its traceback.
    """
    try:
        return call()
    except (GraphError, MemoryError):
        raise
    except (Exception, SystemExit) as err:
        where = _user_frame(path, err)
        if not everything and where is None:
            raise
        if isinstance(err, SyntaxError):
            line = f"line {err.lineno}: " if err.lineno else ""
            raise ArgumentError(f"{what}: {line}SyntaxError: {err.msg}") from None
        at = f" ({path}, line {where.lineno})" if where is not None else ""
        detail = f": {err}" if str(err) else ""
        raise ArgumentError(f"{what} raised {type(err).__name__}{detail}{at}") from None


def _user_frame(path: str, err: BaseException) -> traceback.FrameSummary | None:
    """The deepest frame of ``err``'s traceback in the user's file, if no graphdiff frame is below it."""
    user = os.path.realpath(path)
    package = os.path.dirname(os.path.realpath(__file__)) + os.sep
    found = None
    for frame in traceback.extract_tb(err.__traceback__):
        filename = os.path.realpath(frame.filename)
        if filename == user:
            found = frame
        elif found is not None and filename.startswith(package):
            found = None  # graphdiff code below the user's: not the user's exception
    return found


def _run_example(args: argparse.Namespace) -> int:
    from graphdiff.cli.examples import colah_report, paths_report, xor_report
    from graphdiff.views.report import render_sweeps

    if args.name == "paths":
        print(paths_report(tablefmt=args.tablefmt))
        return 0
    if args.name == "xor":
        result = xor_report(args.iterations)
        return 0 if result["max_mismatch"] <= 1e-10 else 1
    report = colah_report(seeds=args.seed)
    if args.format == "json":
        fw = report["forward"][0]
        rv = report["reverse"]
        document = {
            "values": report["values"],
            "forward": {"seed": fw["seed"], "tangents": fw["tangents"]},
            "reverse": {"output": rv["output"], "adjoints": rv["adjoints"]},
            "edges": report["edges"],
        }
        print(json.dumps(document, indent=2))
    else:
        print(render_sweeps(report, args.tablefmt))
    return 0


# --- the entry point -------------------------------------------------------------------------


def _one_line(message: str) -> str:
    return " ".join(part.strip() for part in str(message).splitlines() if part.strip())


def _fail(message: str, status: int = 2) -> int:
    print(f"graphdiff: {_one_line(message)}", file=sys.stderr)
    return status


def _stdout_to_devnull() -> None:
    """After a closed pipe: point stdout at devnull so the flush at exit cannot fail again.

    This is what Python's documentation of ``signal`` recommends for ``BrokenPipeError``.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # stdout replaced by something without a file
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    A bad option exits through argparse (``SystemExit(2)``, one line on stderr); any other
    error from the user's input (a :class:`GraphError`, an unreadable or unwritable file,
    a shape too large for memory) prints one line and returns 2; an interrupt returns 130;
    a closed stdout (``graphdiff draw ... | head -1``) returns 141 quietly, as a program
    stopped by SIGPIPE would.

    Examples
    --------
    >>> main(["draw", "nosuchgraph"])  # one line on stderr: graphdiff: error: unknown graph ...
    2
    """
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        args.check(args)
        status = args.run(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        _stdout_to_devnull()
        return 141
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except GraphError as err:
        return _fail(f"error: {err}")
    except MemoryError as err:
        return _fail(f"error: not enough memory: {err or 'an allocation failed'}")
    except OSError as err:
        if err.filename is not None and err.strerror:
            return _fail(f"error: {err.filename}: {err.strerror}")
        return _fail(f"error: {err}")


def _version() -> str:
    from graphdiff import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())
