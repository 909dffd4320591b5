"""Sparse Jacobians by compression: colour the columns (or rows), sweep once per colour.

Which inputs each output depends on is read straight off the graph, at no sweep's cost:
that is the Jacobian's sparsity pattern. Two inputs that no output depends on both can
share a forward sweep: seeded together, each output's tangent is the one entry of its row
that can be nonzero. Colouring the column intersection graph (inputs adjacent when some
output depends on both) with as few colours as networkx's greedy strategies find gives
the sweeps: a tridiagonal Jacobian takes 3, whatever its size. Rows are coloured the same
way for reverse sweeps. The compressed results are spread back into a ``scipy.sparse``
matrix.

>>> import numpy as np, graphdiff as gd
>>> f = lambda *x: [x[i - 1] - 2 * x[i] + x[(i + 1) % len(x)] for i in range(len(x))]
>>> J = gd.sparse_jacobian(f)(*np.linspace(0, 1, 6))
>>> J.shape, J.nnz, gd.colouring(gd.trace(f, *[0.0] * 6)).colours
((6, 6), 18, 3)
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from graphdiff.compiler.codegen import all_floats, compiled, fast, interpreted
from graphdiff.compiler.codegen import run as _run
from graphdiff.errors import ArgumentError, InputError, OptionalDependencyError, ShapeError
from graphdiff.graph.graph import Graph
from graphdiff.ir.analysis import input_sets
from graphdiff.modes.evaluate import evaluate
from graphdiff.modes.forward import forward_sweep
from graphdiff.modes.reverse import output_seeds, reverse_sweep
from graphdiff.transforms.api import Differentiable, _prepare, _Traced

__all__ = [
    "sparsity",
    "colouring",
    "Colouring",
    "sparse_jacobian",
    "STRATEGIES",
    "pattern_of",
    "colouring_of",
]

STRATEGIES = ("largest_first", "smallest_last", "connected_sequential_bfs", "saturation_largest_first")
"""networkx's greedy colouring strategies tried; the fewest colours found is kept. The last,
DSATUR, takes time quadratic in the columns in networkx: it is tried up to _DSATUR_MOST."""

_DSATUR_MOST = 1000

_MOST_PAIRS = 5_000_000  # pairs of entries sharing a row (or column) beyond which no colouring is tried


def _scipy_sparse() -> Any:
    try:
        import scipy.sparse
    except ImportError:  # pragma: no cover - scipy is a dependency
        raise OptionalDependencyError("sparse Jacobians need scipy: pip install scipy") from None
    return scipy.sparse


def sparsity(g: Graph) -> Any:
    """The Jacobian's sparsity pattern of a scalar graph: a boolean ``scipy.sparse`` matrix (outputs by inputs).

    Entry (i, j) is True when output i depends on input j through edges whose partial is
    not a structural zero. Nothing is evaluated.

    >>> import graphdiff as gd
    >>> sparsity(gd.builders.colah()).toarray()
    array([[ True,  True]])
    """
    return pattern_of(_scalar_program(g))


def pattern_of(program: Any) -> Any:
    """The sparsity pattern of a program of scalars (see :func:`sparsity`), made once per program."""
    cached = program.__dict__.get("_sparsity")
    if cached is not None:
        return cached
    depends = input_sets(program)
    rows, cols = [], []
    for i, slot in enumerate(program.output_slots):
        bits = depends[slot]
        while bits:
            low = bits & -bits
            rows.append(i)
            cols.append(low.bit_length() - 1)
            bits ^= low
    shape = (len(program.output_slots), len(program.input_slots))
    data = np.ones(len(rows), dtype=bool)
    pattern = program.__dict__["_sparsity"] = _scipy_sparse().csr_matrix((data, (rows, cols)), shape=shape)
    return pattern


def _scalar_program(g: Graph) -> Any:
    if not isinstance(g, Graph):
        what = "a function" if callable(g) else repr(g)
        raise InputError(
            f"sparsity and colouring read a Graph, got {what}: trace it first, gd.sparsity(gd.trace(f, *examples)); "
            "gd.sparse_jacobian(f) takes a function"
        )
    program = g.program
    arrays = [
        program.names[s] for s in (*program.input_slots, *program.output_slots) if program.shapes[s] != ()
    ]
    if arrays:
        raise ShapeError(
            f"sparse Jacobians take inputs and outputs that are scalars; {g.name} has {arrays[0]!r} of shape "
            f"{program.shapes[program.slot[arrays[0]]]}: trace it with scalar inputs"
        )
    return program


@dataclass(frozen=True, eq=False)
class Colouring:
    """A colouring of the Jacobian's columns (``mode="fwd"``) or rows (``"rev"``): one sweep per colour.

    ``colour[k]`` is column (or row) k's colour; ``strategy`` is the networkx strategy that
    found the fewest; ``dense`` is how many sweeps the uncompressed mode would take.
    """

    mode: str
    colours: int
    colour: np.ndarray
    strategy: str
    dense: int
    pattern: Any

    @functools.cached_property
    def groups(self) -> tuple[tuple[int, ...], ...]:
        """The columns (rows) of each colour: seeded together in one sweep."""
        return tuple(tuple(np.flatnonzero(self.colour == k).tolist()) for k in range(self.colours))

    @property
    def seeds(self) -> np.ndarray:
        """The seed matrix: ``seeds[k, c]`` is 1 where column (row) k has colour c."""
        S = np.zeros((len(self.colour), self.colours))
        S[np.arange(len(self.colour)), self.colour] = 1.0
        return S


def colouring(g: Graph, mode: str = "fwd") -> Colouring:
    """The colouring of ``g``'s Jacobian columns (``"fwd"``) or rows (``"rev"``), made once per graph.

    >>> import graphdiff as gd
    >>> c = colouring(gd.builders.fan_out(5), "fwd")    # one input: one forward sweep
    >>> c.colours, c.dense
    (1, 1)
    """
    if mode not in ("fwd", "rev"):
        raise ArgumentError(f"colouring: mode is 'fwd' (columns) or 'rev' (rows), got {mode!r}")
    return colouring_of(_scalar_program(g), mode)


def colouring_of(program: Any, mode: str) -> Colouring:
    """:func:`colouring` of a program of scalars, made once per program and mode."""
    cache = program.__dict__.setdefault("_colourings", {})
    if mode not in cache:
        pattern = pattern_of(program)
        cache[mode] = _coloured(pattern if mode == "fwd" else pattern.T.tocsr(), mode, pattern)
    return cache[mode]


def _coloured(by_rows: Any, mode: str, pattern: Any) -> Colouring:
    """Colour the columns of ``by_rows``: columns sharing a row must differ."""
    n = by_rows.shape[1]
    counts = np.diff(by_rows.indptr)
    if int(np.sum(counts.astype(np.int64) ** 2)) > _MOST_PAIRS:  # a row nearly dense: no compression
        return Colouring(mode, n, np.arange(n), "none (a dense row)", n, pattern)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for i in range(by_rows.shape[0]):
        members = by_rows.indices[by_rows.indptr[i] : by_rows.indptr[i + 1]].tolist()
        graph.add_edges_from((a, b) for k, a in enumerate(members) for b in members[k + 1 :])
    best: tuple[int, str, dict] | None = None
    for strategy in STRATEGIES if n <= _DSATUR_MOST else STRATEGIES[:-1]:
        found = nx.greedy_color(graph, strategy=strategy)
        used = 1 + max(found.values(), default=-1)
        if best is None or used < best[0]:
            best = (used, strategy, found)
    used, strategy, found = best
    colour = np.array([found[k] for k in range(n)], dtype=np.intp)
    return Colouring(mode, used, colour, strategy, n, pattern)


def sparse_jacobian(f: Differentiable, mode: str = "auto") -> Callable[..., Any]:
    """The Jacobian of a function or Graph of scalars as a ``scipy.sparse`` CSR matrix, by compressed sweeps.

    ``mode``: ``"fwd"`` (one forward sweep per column colour), ``"rev"`` (one reverse sweep
    per row colour) or ``"auto"`` (whichever needs fewer sweeps; reverse on a tie, since a
    reverse sweep visits only what its colour's outputs reach, where a forward sweep
    carries a tangent lane through every node). The colouring is made
    once per graph. Entries outside the pattern are structural zeros; inside it, each entry
    is what a sweep seeded at its input (or output) alone gives.

    Examples
    --------
    >>> import graphdiff as gd
    >>> J = gd.sparse_jacobian(lambda x, y, z: (x * y, y * z, z + 1.0))(1.0, 2.0, 3.0)
    >>> J.toarray()
    array([[2., 1., 0.],
           [0., 3., 2.],
           [0., 0., 1.]])
    """
    if mode not in ("fwd", "rev", "auto"):
        raise ArgumentError(f"sparse_jacobian: mode is 'fwd', 'rev' or 'auto', got {mode!r}")
    traced = _Traced(f)

    def sparse_jacobian_f(*args: Any, **kwargs: Any) -> Any:
        graph = None if kwargs or not all_floats(args) else traced.hot_graph(len(args))
        if graph is not None and len(args) == len(graph.inputs) and traced.packing(graph).is_flat:
            # floats, one per input: nothing to bind or check
            inputs = list(args)
        else:
            graph, inputs, _ = _prepare(traced, args, kwargs)
        program = _scalar_program(graph)
        chosen = mode
        if mode == "auto":
            forward, reverse = colouring_of(program, "fwd"), colouring_of(program, "rev")
            chosen = "fwd" if forward.colours < reverse.colours else "rev"
        c = colouring_of(program, chosen)
        B = (
            _compressed_forward(program, inputs, c)
            if chosen == "fwd"
            else _compressed_reverse(program, inputs, c)
        )
        return _decompressed(c, B)

    return sparse_jacobian_f


def _compressed_forward(program: Any, inputs: list, c: Colouring) -> np.ndarray:
    """The outputs' tangents, one column per colour (outputs by colours)."""
    m = len(program.output_slots)
    function = fast(program, "jvp")  # generated code, once tiering has paid for it (or under jit)
    if function is not None:
        lanes = [_run(function, inputs, (c.colour == k).astype(float).tolist()) for k in range(c.colours)]
        if None not in lanes:
            B = np.array([[0.0 if t is None else t for t in lane[1]] for lane in lanes]).T.reshape(
                m, c.colours
            )
            # a 0 * inf from a colour-mate would be nan: the sweep below keeps zeros exact
            if np.isfinite(B).all():
                return B
    started = time.perf_counter()
    S = c.seeds
    seeds = {slot: S[j] for j, slot in enumerate(program.input_slots)}  # each a vector over the colours
    values, tangents = forward_sweep(program, inputs, seeds)
    if not compiled(program, "jvp"):
        interpreted(program, "jvp", started, share=1.0 / max(c.colours, 1))
    B = np.zeros((m, c.colours))
    for i, slot in enumerate(program.output_slots):
        if tangents[slot] is not None:
            B[i] = tangents[slot]
    # 0 * inf from a colour-mate's zero lane: one sweep per colour, others unseeded
    if not np.isfinite(B).all():
        for k in range(c.colours):
            seeds = {slot: np.float64(1.0) for j, slot in enumerate(program.input_slots) if c.colour[j] == k}
            _, tangents = forward_sweep(program, inputs, seeds, values=values)
            B[:, k] = [0.0 if tangents[s] is None else tangents[s] for s in program.output_slots]
    return B


def _compressed_reverse(program: Any, inputs: list, c: Colouring) -> np.ndarray:
    """The inputs' adjoints, one row per colour, transposed: (inputs by colours)."""
    n, m = len(program.input_slots), len(program.output_slots)
    groups = c.groups
    functions = [fast(program, ("grad", *group)) for group in groups]  # each seeded at its colour's outputs
    if None not in functions:
        rows = [_run(function, inputs, [1.0] * m) for function in functions]
        if None not in rows:
            B = np.array(rows, dtype=float).T.reshape(n, c.colours)
            if np.isfinite(B).all():
                return B
    started = time.perf_counter()
    values = evaluate(program, inputs)
    B = np.zeros((n, c.colours))
    for k in range(c.colours):
        adjoints = reverse_sweep(program, values, group_seeds(program, groups[k]))
        for j, slot in enumerate(program.input_slots):
            if adjoints[slot] is not None:
                B[j, k] = adjoints[slot]
    for group in groups:  # the generated functions share the work
        interpreted(program, ("grad", *group), started, share=1.0 / len(groups))
    return B


def group_seeds(program: Any, rows: Sequence[int]) -> dict[int, Any]:
    """The cotangents of one compressed reverse sweep: 1 at each output of the colour (added
    where one node is several outputs)."""
    return output_seeds(program, ((i, np.float64(1.0)) for i in rows))


def _decompressed(c: Colouring, B: np.ndarray) -> Any:
    """The sparse Jacobian from the compressed sweeps: entry (i, j) is read from its colour's column."""
    pattern = c.pattern
    cached = pattern.__dict__.get("_graphdiff_rows")
    if cached is None:
        rows = np.repeat(np.arange(pattern.shape[0]), np.diff(pattern.indptr))
        cached = pattern.__dict__["_graphdiff_rows"] = rows
    rows, cols = cached, pattern.indices
    data = B[rows, c.colour[cols]] if c.mode == "fwd" else B[cols, c.colour[rows]]
    sparse = _scipy_sparse()
    return sparse.csr_matrix((data, pattern.indices.copy(), pattern.indptr.copy()), shape=pattern.shape)
