"""The ``graphdiff`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .errors import GraphError

__all__ = ["main", "build_parser"]

DESCRIPTION = """\
graphdiff puts forward-mode and reverse-mode differentiation side by side on one
computational graph and counts what each costs.

Forward mode sweeps in evaluation order and gives, at every node, the derivative
with respect to ONE input. Reverse mode sweeps backwards from an output and gives
the derivative of that output with respect to EVERY node: all gradients at once.
"""

EXAMPLE_EPILOG = """\
examples:
  graphdiff example colah                 seed 001's e = (a+b)(b+1) at a=2, b=1
  graphdiff example colah --format json   the same numbers as JSON, keyed by node name
  graphdiff example colah --seed a        only the forward sweep seeded at a
  graphdiff example paths                 9 path products against one product of sums
  graphdiff example xor                   seed 000's XOR network trained by backprop
"""

DRAW_EPILOG = """\
GRAPH is a builder, optionally with sizes after a colon, or a saved .json graph:
  colah, speelpenning:4, path_explosion:2,3, fan_out:3, dense_map:2,3, rosenbrock:3,
  random_dag:30, mlp, mlp_scalar, FILE.json

examples:
  graphdiff draw colah --forward b -o fwd.png     tangents d(node)/db (seed 001's figure)
  graphdiff draw colah --reverse -o rev.png       adjoints de/d(node)
  graphdiff draw colah --reverse --format dot     Graphviz text, needs nothing installed
  graphdiff draw path_explosion:2,3 --at 0.5 --reverse -o paths.svg
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
  graphdiff bench --graph my_graph.json               a graph saved with graphdiff.io.save
  graphdiff bench --function model.py:f --inputs 3    your own function of 3 scalars
  graphdiff bench --family mlp --plot costs.png       needs: pip install 'graphdiff[plot]'
  graphdiff bench --peers --sizes 2000                against the peers installed ('graphdiff[peers]')
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphdiff", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    example = commands.add_parser(
        "example",
        help="print a worked example's values, forward and reverse sweeps, and edge partials",
        description="Print a worked example: the value of every node, the edge partials, "
        "forward sweeps (one per seeded input) and the reverse sweep.",
        epilog=EXAMPLE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    example.add_argument(
        "name",
        choices=["colah", "paths", "xor"],
        help="colah: seed 001's e = (a+b)(b+1); paths: the path-sum view; xor: seed 000's network",
    )
    example.add_argument(
        "--format", choices=["table", "json"], default="table", help="output format (default: table)"
    )
    example.add_argument(
        "--seed",
        action="append",
        metavar="INPUT",
        help="input to seed a forward sweep at (repeatable; default: b, then a). JSON shows the first.",
    )
    example.add_argument("--tablefmt", default="simple", help="a tabulate table format (default: simple)")
    example.add_argument(
        "--iterations", type=int, default=10_000, metavar="N", help="xor: training steps (default: 10000)"
    )
    example.set_defaults(run=_run_example)

    draw = commands.add_parser(
        "draw",
        help="draw a graph laid out in layers, annotated with values, edge partials and a sweep",
        description="Draw a graph (inputs at the bottom, outputs at the top) as Graphviz DOT, PNG or SVG, "
        "optionally annotated with the values at a point, the local partial on each edge, and the "
        "tangents of a forward sweep or the adjoints of a reverse sweep. Structural zeros are faded.",
        epilog=DRAW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    draw.add_argument(
        "graph", metavar="GRAPH", help="a builder (e.g. colah, path_explosion:2,3) or a .json file"
    )
    draw.add_argument(
        "--at",
        type=_float_list,
        metavar="X,X,...",
        help="input values (default: colah's a=2,b=1, else random)",
    )
    sweep = draw.add_mutually_exclusive_group()
    sweep.add_argument("--forward", metavar="INPUT", help="show d(node)/d(INPUT) from one forward sweep")
    sweep.add_argument("--reverse", action="store_true", help="show d(output)/d(node) from one reverse sweep")
    draw.add_argument(
        "--output", metavar="NODE", help="with --reverse: the output to seed (default: the only one)"
    )
    draw.add_argument(
        "--structure", action="store_true", help="draw the structure only: no values, no partials"
    )
    draw.add_argument(
        "--no-partials", dest="partials", action="store_false", help="do not label edges with partials"
    )
    draw.add_argument("--format", choices=["dot", "png", "svg"], help="default: from -o's suffix, else dot")
    draw.add_argument("-o", dest="path", metavar="FILE", help="write here (default: DOT text on stdout)")
    draw.set_defaults(run=_run_draw)

    from .bench import FAMILIES

    bench = commands.add_parser(
        "bench",
        help="count and time function, forward mode and reverse mode on graph families",
        description="Measure the cost of a function and of its full Jacobian by forward mode, vector "
        "forward mode and reverse mode, on builder families or on your own graph or function.",
        epilog=BENCH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        default="all",
        metavar="NAME",
        help=f"a family, a comma-separated list, or all (default). Families: {families}",
    )
    bench.add_argument(
        "--sizes", type=_int_list, metavar="N,N,...", help="sizes to run (default: each family's own)"
    )
    bench.add_argument("--graph", metavar="FILE.json", help="benchmark a graph saved with graphdiff.io.save")
    bench.add_argument("--function", metavar="FILE.py:NAME", help="benchmark a Python function from a file")
    bench.add_argument("--inputs", type=int, metavar="N", help="with --function: its number of scalar inputs")
    bench.add_argument(
        "--at", type=_float_list, metavar="X,X,...", help="with --function or --graph: the point"
    )
    bench.add_argument(
        "--repeats", type=int, default=3, metavar="N", help="timing repeats, at least (default: 3)"
    )
    bench.add_argument("--total", type=int, default=24, metavar="N", help="crossover: n + m (default: 24)")
    bench.add_argument(
        "--hidden", type=int, default=8, metavar="N", help="crossover: hidden width (default: 8)"
    )
    bench.add_argument(
        "--format", choices=["table", "json", "csv"], default="table", help="output format (default: table)"
    )
    bench.add_argument("--tablefmt", default="simple", help="a tabulate table format (default: simple)")
    bench.add_argument(
        "--plot", metavar="FILE.png", help="also draw operations against size, log-log (needs matplotlib)"
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
        "--limit", type=float, default=60.0, metavar="S", help="--peers: seconds per case (default 60)"
    )
    bench.set_defaults(run=_run_bench)
    return parser


def _run_draw(args: argparse.Namespace) -> int:
    from .bench import random_point
    from .builders import from_spec
    from .draw import draw
    from .examples import COLAH_INPUTS

    graph = from_spec(args.graph)
    if args.structure:
        point = None
    elif args.at is not None:
        point = args.at
    elif args.graph == "colah":
        point = COLAH_INPUTS
    else:
        point = random_point(graph)
    fmt = args.format or (args.path.rsplit(".", 1)[-1].lower() if args.path and "." in args.path else "dot")
    result = draw(graph, point, forward=args.forward, reverse=args.reverse, output=args.output,
                  partials=args.partials, path=args.path, format=fmt)  # fmt: skip
    if args.path is None and fmt == "dot":
        print(result)
    elif args.path:
        print(f"wrote {args.path}", file=sys.stderr)
    return 0


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes, got {text!r}")
    return values


def _float_list(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _run_bench(args: argparse.Namespace) -> int:
    from . import bench

    if args.plot:
        from .plot import require_matplotlib

        require_matplotlib()  # fail before the long part
    progress = bench.stderr_progress()
    if args.peers:
        from .peers import render_peers, run_peers, targets

        for size in args.sizes or [10_000 if args.peers == "dag" else 1000]:
            run = run_peers(args.peers, size, args.limit, progress=progress)
            if progress:
                progress("")
            print(render_peers(run, args.tablefmt) + "\n\n" + "\n".join(targets(run)))
        return 0
    try:
        if args.what == "crossover":
            rows = bench.crossover(args.total, args.hidden, args.repeats)
            print(bench.render_crossover(rows, args.format, args.tablefmt))
            return 0
        if args.graph or args.function:
            graph, name = _user_graph(args)
            point = args.at if args.at is not None else bench.random_point(graph)
            rows = bench.bench_graph(graph, point, name, len(graph), args.repeats)
        else:
            families = list(bench.FAMILIES) if args.family == "all" else args.family.split(",")
            rows = bench.run_suite(families, args.sizes, args.repeats, progress)
    finally:
        if progress:
            progress("")
    print(bench.render(rows, args.format, args.tablefmt))
    if args.plot:
        from .plot import plot_costs

        plot_costs(rows, args.plot)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def _user_graph(args: argparse.Namespace):
    from .errors import ArgumentError

    if args.graph and args.function:
        raise ArgumentError("give --graph or --function, not both")
    if args.graph:
        from .io import load

        return load(args.graph), args.graph
    import importlib.util
    from pathlib import Path

    from .tracer import trace

    path, _, name = args.function.rpartition(":")
    if not path or not name:
        raise ArgumentError(f"--function takes FILE.py:NAME, got {args.function!r}")
    if not Path(path).is_file():
        raise ArgumentError(f"--function: no file {path!r}")
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    f = getattr(module, name, None)
    if not callable(f):
        raise ArgumentError(f"--function: {path} has no function {name!r}")
    if args.at is not None:
        examples = args.at
    elif args.inputs is not None:
        examples = [0.0] * args.inputs
    else:
        examples = []
    return trace(f, *examples), name


def _run_example(args: argparse.Namespace) -> int:
    from .examples import colah_report, paths_report, xor_report
    from .report import render_sweeps

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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except GraphError as err:
        print(f"graphdiff: error: {err}", file=sys.stderr)
        return 2


def _version() -> str:
    from . import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())
