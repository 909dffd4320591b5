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
    example.add_argument("name", choices=["colah"], help="which example: colah = seed 001's e = (a+b)(b+1)")
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
    example.set_defaults(run=_run_example)
    return parser


def _run_example(args: argparse.Namespace) -> int:
    from .examples import colah_report
    from .report import render_sweeps

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
