"""``graphdiff show``: the step-through page of a graph, one self-contained HTML file.

:func:`add_parser` adds the command to ``graphdiff``'s subcommands; :func:`check` refuses
what makes no sense before anything runs; :func:`run` writes the page.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from graphdiff.errors import ArgumentError

__all__ = ["add_parser", "check", "run", "DESCRIPTION", "EPILOG"]

DESCRIPTION = """\
Write a page that plays the sweeps of a graph step by step: one HTML file, offline.

Views: the forward sweep seeded at any input, the reverse sweep seeded at any output,
the backward program beside the original, the path sum and its factored form, and
vertex elimination in forward, reverse, Markowitz and a searched best order. Step with
Prev/Next or the arrow keys; a banner says which sweep has run and up to which step.
The file holds its own CSS, script and data and requests nothing from the network.
"""

EPILOG = """\
examples:
  graphdiff show colah -o colah.html                 e = (a+b)(b+1) at a=2, b=1
  graphdiff show path_explosion:2,3 --at 0.5 -o paths.html
  graphdiff show model.py:f --at 1,2 -o f.html       your own function of scalars
  graphdiff show colah --view reverse --view elimination -o rev.html
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``show`` to ``graphdiff``'s subcommands (``subparsers`` from ``add_subparsers``).

    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="graphdiff")
    >>> _ = add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["show", "colah", "-o", "colah.html"])
    >>> args.graph, args.path, args.views
    ('colah', 'colah.html', None)
    """
    from graphdiff.cli.main import _BUILDER_FIRST, _POINT_OR_COLAH, _positive_int, add_graph_arguments

    show = subparsers.add_parser(
        "show",
        help="a self-contained HTML page playing both sweeps, the path sum and an elimination step by step",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_graph_arguments(show, _BUILDER_FIRST, _POINT_OR_COLAH)
    show.add_argument(
        "--view",
        dest="views",
        action="append",
        metavar="VIEW",
        help="a view to show (repeatable; default: forward, reverse, backward, paths, elimination)",
    )
    show.add_argument(
        "--iterations",
        type=_positive_int,
        metavar="N",
        help="steps of the search for the best elimination order (default: 200; the same page every time)",
    )
    show.add_argument("-o", dest="path", metavar="FILE", required=True, help="the HTML file to write")
    show.set_defaults(run=run, check=check)
    return show


def check(args: argparse.Namespace) -> None:
    """Refuse unknown views and unwritable paths before the graph is built."""
    from graphdiff.cli.main import _check_function_spec, _check_output_path
    from graphdiff.views.show import VIEWS

    _check_function_spec(args, "show")
    for view in args.views or ():
        if view not in VIEWS:
            raise ArgumentError(f"--view {view}: choose from {', '.join(VIEWS)}")
    _check_output_path("-o", args.path)
    if args.iterations is None:
        args.iterations = 200


def run(args: argparse.Namespace) -> int:
    """Build the graph, compute the page at the point and write it to ``-o``."""
    from graphdiff.cli.main import _graph_or_function, chosen_point
    from graphdiff.views.show import VIEWS, show

    graph = _graph_or_function(args, "show")
    point = chosen_point(graph, args)
    page = show(graph, point, views=args.views or VIEWS, iterations=args.iterations)
    page.save(args.path)
    print(f"wrote {args.path} ({len(page.html.encode()) / 1024:.0f} KB)", file=sys.stderr)
    return 0
