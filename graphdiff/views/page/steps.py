"""The steps of each view of the step-through page, computed in Python and testable without a browser.

A :class:`Sweep` is one playable sequence: a forward sweep seeded at one input, a reverse
sweep seeded at one output, the backward program (``vjp_graph``) evaluated node by node,
the path sum between one input and one output, or a vertex elimination in one order.
Each :class:`Step` says which nodes and edges it lights, what it computes written out
(``de/db += 2 · 1``) and the values current after it; :func:`values_after` replays them.

Each sweep is computed by the same rules the modes use (``tangent_out``, ``adjoint_in``),
in the same loop order, so its last values are the sweep's; the written-out numbers are
the edge partials of :func:`graphdiff.views.report.partials_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from graphdiff.errors import ArgumentError, SeedError
from graphdiff.graph.graph import Graph
from graphdiff.modes.evaluate import evaluate
from graphdiff.transforms.derivatives import vjp_graph
from graphdiff.transforms.elimination import eliminate, linearize_graph
from graphdiff.values import as_output
from graphdiff.views.paths import PathExplosionError, count_paths, paths
from graphdiff.views.report import partials_of

__all__ = [
    "Step",
    "Sweep",
    "fmt",
    "values_after",
    "forward_steps",
    "reverse_steps",
    "backward_steps",
    "path_steps",
    "elimination_steps",
    "MAX_STEPS",
    "MAX_PATHS",
]

MAX_STEPS = 200
"""The most steps a sweep lists; past it the page says how many were left out."""
MAX_PATHS = 64
"""The most paths the path-sum view lights one by one."""
GREEK = "αβγδεζηθικλμνξοπρστυφχψω"
INFIX = {"add": "+", "sub": "−", "mul": "·", "div": "/"}


@dataclass
class Step:
    """One step of a sweep: what it computes and what it changes.

    ``text`` is the computation with numbers (``de/db += 2 · 1``), ``formula`` the same
    in symbols (``de/db += de/dc · ∂c/∂b``), ``result`` what holds after it
    (``de/db = 5``). ``nodes`` and ``edges`` are lit (the node computed first); ``reads``
    are nodes of the evaluation that the backward program reads. ``values`` holds the
    values that changed, ``partials`` the elimination's edges that appeared or changed,
    ``removed`` and ``removed_edges`` what an elimination took away, ``counts`` the
    running counts after the step.
    """

    text: str
    formula: str = ""
    result: str = ""
    nodes: tuple[str, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()
    reads: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)
    partials: dict[tuple[str, str], float] = field(default_factory=dict)
    removed: tuple[str, ...] = ()
    removed_edges: tuple[tuple[str, str], ...] = ()
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Sweep:
    """One playable sequence of steps of a view, and how the page describes its state.

    ``banner`` names what runs (``forward sweep seeded at b``), ``shows`` what the
    numbers are (``tangents d·/db``); ``mark`` gives the symbol each node's value is
    shown as (``dc/db``); ``faded`` are the nodes that never get a step (structural
    zeros); ``total`` is the number of steps before :data:`MAX_STEPS` cut the list;
    ``final`` holds what the last step establishes (counts, the Jacobian).
    """

    view: str
    choice: str
    banner: str
    shows: str
    steps: list[Step]
    mark: dict[str, str] = field(default_factory=dict)
    faded: frozenset[str] = frozenset()
    total: int = 0
    note: str = ""
    final: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.total = self.total or len(self.steps)
        if len(self.steps) > MAX_STEPS:
            self.note = (self.note + " " if self.note else "") + (
                f"The first {MAX_STEPS - 1} of {len(self.steps)} steps are listed, then the last."
            )
            self.steps = [*self.steps[: MAX_STEPS - 1], self.steps[-1]]


def fmt(value: Any) -> str:
    """A value as the page writes it: 4 significant digits; a small array in full.

    >>> fmt(5.0), fmt(np.array([1.0, 2.5])), fmt(np.zeros((4, 3)))
    ('5', '[1, 2.5]', 'array 4×3')
    """
    if np.ndim(value) == 0:
        return f"{float(value):.4g}"
    array = np.asarray(value, dtype=float)
    if array.size > 6:
        return "array " + "×".join(map(str, array.shape))
    text = np.array2string(array, separator=", ", formatter={"float_kind": lambda x: f"{x:.4g}"})
    return " ".join(text.split())


def values_after(sweep: Sweep, k: int) -> dict[str, Any]:
    """The values current after the first ``k`` steps of ``sweep`` (``k = 0``: none yet).

    >>> import graphdiff as gd
    >>> rv = reverse_steps(gd.builders.colah(), {"a": 2.0, "b": 1.0}, "e")
    >>> values_after(rv, len(rv.steps))
    {'e': 1.0, 'c': 2.0, 'd': 3.0, 'b': 5.0, 'a': 2.0}
    """
    current: dict[str, Any] = {}
    for step in sweep.steps[:k]:
        current.update(step.values)
    return current


def _n(count: int, word: str) -> str:
    """``1 multiplication``, ``3 multiplications``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _unit(shape: tuple[int, ...]) -> Any:
    return np.float64(1.0) if shape == () else np.ones(shape)


def _edge_partials(graph: Graph, values: list) -> dict[tuple[int, int], float] | None:
    """``(out slot, argument position) -> partial`` on a graph of scalars; ``None`` with arrays."""
    program = graph.program
    if not all(s == () for s in program.shapes):
        return None
    return {(program.slot[e["to"]], e["position"]): e["partial"] for e in partials_of(program, values)}


def forward_steps(graph: Graph, inputs: Any, seed: str) -> Sweep:
    """The forward sweep seeded at input ``seed``: one step per node that depends on it, in evaluation order.

    Nodes that do not depend on ``seed`` have a structural zero as their tangent: they are
    faded and get no step.

    >>> import graphdiff as gd
    >>> fw = forward_steps(gd.builders.colah(), {"a": 2.0, "b": 1.0}, "b")
    >>> [s.text for s in fw.steps]
    ['db/db = 1', 'dc/db = 1 · 1', 'dd/db = 1 · 1', 'de/db = 2 · 1 + 3 · 1']
    >>> sorted(fw.faded), fw.steps[-1].result
    (['a', 'const_3'], 'de/db = 5')
    """
    if seed not in graph.inputs:
        raise SeedError(f"show: seeds: {seed!r} is not an input of {graph.name} {graph.inputs}")
    program = graph.program
    names = program.names
    values = evaluate(program, graph.bind_inputs(inputs))
    partial = _edge_partials(graph, values)
    tangents: list[Any] = [None] * len(program)
    s = program.slot[seed]
    tangents[s] = _unit(program.shapes[s])
    d = lambda n: f"d{n}/d{seed}"
    steps = [
        Step(
            f"{d(seed)} = 1",
            formula=f"the seed: {d(seed)} = 1, every other input's tangent is 0",
            result=f"{d(seed)} = {fmt(tangents[s])}",
            nodes=(seed,),
            values={seed: as_output(tangents[s])},
        )
    ]
    for prim, out, args, params, active in program.ops:
        arg_dots = [tangents[a] for a in args]
        if all(t is None for t in arg_dots):
            continue
        tangents[out] = x_dot = prim.tangent_out(values[out], [values[a] for a in args], arg_dots, params)
        if x_dot is None:  # only a mask's argument depends on the seed: still a structural zero
            continue
        o = names[out]
        terms = [(i, a) for i, a in active if tangents[a] is not None]
        formula = f"{d(o)} = " + " + ".join(f"∂{o}/∂{names[a]} · {d(names[a])}" for _, a in terms)
        text = formula
        if partial is not None:
            text = f"{d(o)} = " + " + ".join(f"{fmt(partial[out, i])} · {fmt(tangents[a])}" for i, a in terms)
        steps.append(
            Step(
                text,
                formula=formula,
                result=f"{d(o)} = {fmt(x_dot)}",
                nodes=(o,),
                edges=tuple(dict.fromkeys((names[a], o) for _, a in terms)),
                values={o: as_output(x_dot)},
            )
        )
    zeros = frozenset(n for n, t in zip(names, tangents) if t is None)
    return Sweep(
        "forward",
        seed,
        banner=f"forward sweep seeded at {seed}",
        shows=f"tangents d·/d{seed}",
        steps=steps,
        mark={n: d(n) for n in names},
        faded=zeros,
        note=_zeros_note(zeros, graph, f"do not depend on {seed}: their tangent is a structural zero"),
    )


def _zeros_note(zeros: frozenset[str], graph: Graph, why: str) -> str:
    shown = [n for n in graph.program.names if n in zeros and graph.nx.nodes[n]["kind"] != "const"]
    if not shown:
        return ""
    listed = ", ".join(shown[:8]) + (f" and {len(shown) - 8} more" if len(shown) > 8 else "")
    return f"Faded: {listed} {why}, never computed."


def reverse_steps(graph: Graph, inputs: Any, output: str) -> Sweep:
    """The reverse sweep seeded at ``output``: one step per adjoint arriving over an edge, in reverse order.

    Where several edges meet at a node the adjoint is a sum: the first arrival is written
    ``=``, each later one ``+=``.

    >>> import graphdiff as gd
    >>> rv = reverse_steps(gd.builders.colah(), {"a": 2.0, "b": 1.0}, "e")
    >>> [s.text for s in rv.steps]
    ['de/de = 1', 'de/dc = 1 · 2', 'de/dd = 1 · 3', 'de/db = 3 · 1', 'de/da = 2 · 1', 'de/db += 2 · 1']
    >>> rv.steps[-1].result
    'de/db = 5'
    """
    if output not in graph.outputs:
        raise SeedError(f"show: outputs: {output!r} is not an output of {graph.name} {graph.outputs}")
    program = graph.program
    names = program.names
    values = evaluate(program, graph.bind_inputs(inputs))
    partial = _edge_partials(graph, values)
    adjoints: list[Any] = [None] * len(program)
    o = program.slot[output]
    adjoints[o] = _unit(program.shapes[o])
    d = lambda n: f"d{output}/d{n}"
    steps = [
        Step(
            f"{d(output)} = 1",
            formula=f"the seed: {d(output)} = 1",
            result=f"{d(output)} = {fmt(adjoints[o])}",
            nodes=(output,),
            values={output: as_output(adjoints[o])},
        )
    ]
    for prim, out, args, params, active in reversed(program.ops):
        y_bar = adjoints[out]
        if y_bar is None:
            continue
        arg_values = [values[a] for a in args]
        v = names[out]
        for i, a in active:
            x_bar = prim.adjoint_in(i, y_bar, values[out], arg_values, params)
            first = adjoints[a] is None
            adjoints[a] = x_bar if first else adjoints[a] + x_bar
            u = names[a]
            sign = "=" if first else "+="
            formula = f"{d(u)} {sign} {d(v)} · ∂{v}/∂{u}"
            text = formula
            if partial is not None:
                text = f"{d(u)} {sign} {fmt(y_bar)} · {fmt(partial[out, i])}"
            steps.append(
                Step(
                    text,
                    formula=formula,
                    result=f"{d(u)} = {fmt(adjoints[a])}",
                    nodes=(u, v),
                    edges=((u, v),),
                    values={u: as_output(adjoints[a])},
                )
            )
    zeros = frozenset(n for n, y_bar in zip(names, adjoints) if y_bar is None)
    return Sweep(
        "reverse",
        output,
        banner=f"reverse sweep seeded at {output}",
        shows=f"adjoints d{output}/d·",
        steps=steps,
        mark={n: d(n) for n in names},
        faded=zeros,
        note=_zeros_note(zeros, graph, f"do not lead to {output}: their adjoint is a structural zero"),
    )


def _infix(op: str, args: Sequence[str], params: dict) -> str:
    if op in INFIX and len(args) == 2:
        return f"{args[0]} {INFIX[op]} {args[1]}"
    if op == "neg":
        return f"−{args[0]}"
    extra = "".join(f", {k}={v}" for k, v in params.items())
    return f"{op}({', '.join(args)}{extra})"


def backward_steps(graph: Graph, inputs: Any) -> tuple[Sweep, Graph]:
    """The backward program ``vjp_graph(graph)`` evaluated node by node, each cotangent seeded with 1.

    Returns the sweep and the backward program. Each step computes one node; a node of
    the adjoint part lists in ``reads`` the nodes of the evaluation it reads (the tape),
    named as in ``graph``.

    >>> import graphdiff as gd
    >>> sweep, program = backward_steps(gd.builders.colah(), {"a": 2.0, "b": 1.0})
    >>> [(s.text, s.reads) for s in sweep.steps if s.reads]
    [('d_bar = 1 · 3', ('c',)), ('c_bar = 1 · 2', ('d',))]
    >>> sweep.steps[-1].text, sweep.steps[-1].result
    ('b_bar = 3 + 2', 'b_bar = 5')
    """
    vg = vjp_graph(graph)
    n = len(graph.inputs)
    primal = graph.bind_inputs(inputs)
    seeds = [_unit(vg.shape_of(c)) for c in vg.inputs[n:]]
    program = vg.program
    names = program.names
    values = evaluate(program, vg.bind_inputs([*primal, *seeds]))
    adjoint = [False] * len(program)  # the adjoint part: everything a cotangent flows into
    for c in vg.inputs[n:]:
        adjoint[program.slot[c]] = True
    for op in program.ops:
        adjoint[op.out] = any(adjoint[a] for a in op.args)
    original = graph.nx
    found: dict[int, tuple[str, ...]] = {}

    def origins(slot: int) -> tuple[str, ...]:
        """The nodes of the original graph a value of the evaluation part is computed from:
        itself, or (a value a rule computes from the evaluation, cos(x) for sin) its arguments'."""
        if slot not in found:
            if program.kinds[slot] == "const":
                found[slot] = ()
            elif names[slot] in original:
                found[slot] = (names[slot],)
            else:
                args = next((op.args for op in program.ops if op.out == slot), ())
                found[slot] = tuple(dict.fromkeys(r for a in args for r in origins(a)))
        return found[slot]

    steps = [
        Step(
            f"{c} = 1",
            formula=f"the seed: {c} = 1" + (f", that is d{c[:-4]}/d{c[:-4]}" if c.endswith("_bar") else ""),
            result=f"{c} = {fmt(values[program.slot[c]])}",
            nodes=(c,),
            values={c: as_output(values[program.slot[c]])},
        )
        for c in vg.inputs[n:]
    ]
    for op in program.ops:
        v = names[op.out]
        arg_names = [names[a] for a in op.args]
        params = dict(op.params)
        formula = f"{v} = {_infix(op.prim.name, arg_names, params)}"
        shown = [fmt(values[a]) for a in op.args]
        text = f"{v} = {_infix(op.prim.name, shown, params)}"
        reads = ()
        if adjoint[op.out]:
            reads = tuple(dict.fromkeys(r for a in op.args if not adjoint[a] for r in origins(a)))
        steps.append(
            Step(
                text,
                formula=formula + ("" if adjoint[op.out] else "  (the evaluation)"),
                result=f"{v} = {fmt(values[op.out])}",
                nodes=(v,),
                edges=tuple(dict.fromkeys((a, v) for a in arg_names)),
                reads=reads,
                values={v: as_output(values[op.out])},
            )
        )
    adjoint_nodes = [names[k] for k in range(len(program)) if adjoint[k] and program.kinds[k] == "op"]
    tape = sorted({r for s in steps for r in s.reads}, key=graph.program.slot.get)
    sweep = Sweep(
        "backward",
        "every output",
        banner=f"backward program vjp({graph.name}) seeded with {', '.join(vg.inputs[n:])} = 1",
        shows="its nodes' values",
        steps=steps,
        mark={m: m for m in names},
        note=(
            f"{len(adjoint_nodes)} adjoint node(s); the reverse part reads {len(tape)} value(s) of the "
            f"evaluation ({', '.join(tape[:8])}{' ...' if len(tape) > 8 else ''}), outlined in the original. "
            + _gradient_names(graph, vg)
        ),
        final={
            "outputs": {o: as_output(values[program.slot[o]]) for o in vg.outputs},
            "tape": tape,
            "inputs": {x: as_output(values[program.slot[x]]) for x in vg.inputs[:n]},
            "adjoint_part": [names[k] for k in range(len(program)) if adjoint[k]],
        },
    )
    return sweep, vg


def _gradient_names(graph: Graph, vg: Graph) -> str:
    """Which node of the backward program holds each input's adjoint, and what was seeded."""
    m = len(graph.outputs)
    out = graph.outputs[0] if m == 1 else "(" + " + ".join(graph.outputs) + ")"
    named = [f"{node} holds d{out}/d{x}" for x, node in zip(graph.inputs[:8], vg.outputs[m:])]
    seeded = "" if m == 1 else f" Every output is seeded with 1, so these are the gradient of the sum {out}."
    return "Its results: " + ", ".join(named) + ("..." if len(graph.inputs) > 8 else "") + "." + seeded


def _greek(graph: Graph, edges: Sequence[tuple[str, str, float]]) -> dict[tuple[str, str, float], str]:
    """A letter per edge whose partial is not 1, in evaluation order of their heads, when there are few enough."""
    slot = graph.program.slot
    keyed = sorted(dict.fromkeys(e for e in edges if e[2] != 1.0), key=lambda e: (slot[e[1]], slot[e[0]]))
    if len(keyed) > len(GREEK):
        return {}
    return {e: GREEK[k] for k, e in enumerate(keyed)}


def _term(letters: dict, nodes: Sequence[str], partials: Sequence[float]) -> str:
    symbols = [letters.get((u, v, p), "") for u, v, p in zip(nodes, nodes[1:], partials) if p != 1.0]
    if not letters and any(p != 1.0 for p in partials):
        return ""
    return "".join(symbols) or "1"


def path_steps(graph: Graph, inputs: Any, source: str, target: str) -> Sweep:
    """The path sum from ``source`` to ``target``: each path lit with its product, then the factored form.

    The factored form splits the paths at the nodes every path passes through: the
    derivative is the product of the sums over each stretch between them (seed 001's
    ``(α + β + γ)(δ + ε + ζ)`` for 9 paths). The running counts of multiplications and
    additions of both ways are those of :func:`graphdiff.views.paths.paths`.

    >>> import graphdiff as gd
    >>> ps = path_steps(gd.builders.path_explosion(2, 3), [0.5], "x", "y2")
    >>> len(ps.steps), ps.steps[-2].formula
    (14, 'dy2/dx = (α + β + γ)(δ + ε + ζ)')
    >>> ps.final["path_sum"], ps.final["factored"]
    ({'multiplications': 39, 'additions': 8}, {'multiplications': 11, 'additions': 4})
    """
    banner = f"path sum from {source} to {target}"
    d = f"d{target}/d{source}"
    count, _ = count_paths(graph, source, target)
    if count == 0:
        step = Step(f"{d} = 0", formula=f"no path leads from {source} to {target}", result=f"{d} = 0")
        return Sweep("paths", f"{source} → {target}", banner, f"the paths of {d}", [step], final={"count": 0})
    try:
        ps = paths(graph, source, target, inputs, limit=MAX_PATHS)
    except PathExplosionError as err:
        step = Step(f"{count} paths", formula=str(err), result="")
        return Sweep(
            "paths", f"{source} → {target}", banner, f"the paths of {d}", [step], final={"count": count}
        )
    every_edge = [
        (u, v, p) for path in ps.paths for u, v, p in zip(path.nodes, path.nodes[1:], path.partials)
    ]
    letters = _greek(graph, every_edge)
    steps, mults, total = [], 0, 0.0
    terms = []
    for k, path in enumerate(ps.paths):
        mults += max(len(path.partials) - 1, 0)
        total += path.product
        term = _term(letters, path.nodes, path.partials)
        terms.append(term)
        steps.append(
            Step(
                (" · ".join(fmt(p) for p in path.partials) or "no edge: the empty product")
                + f" = {fmt(path.product)}",
                formula=f"path {k + 1} of {ps.count}: {' → '.join(path.nodes)}"
                + (f": {term}" if term else ""),
                result=f"running sum: {fmt(total)}",
                nodes=path.nodes,
                edges=tuple(zip(path.nodes, path.nodes[1:])),
                counts={"multiplications": mults, "additions": k},
            )
        )
    path_sum = {"multiplications": ps.naive_mul, "additions": ps.naive_add}
    steps.append(
        Step(
            f"{d} = {fmt(ps.derivative)}",
            formula=f"{d} = {' + '.join(terms) if all(terms) and len(terms) <= 12 else f'the sum of {ps.count} products'}",
            result=f"{_n(ps.count, 'path')}: {_n(ps.naive_mul, 'multiplication')}, {_n(ps.naive_add, 'addition')}",
            nodes=tuple(dict.fromkeys(n for p in ps.paths for n in p.nodes)),
            edges=tuple(dict.fromkeys(e for p in ps.paths for e in zip(p.nodes, p.nodes[1:]))),
            counts=path_sum,
        )
    )
    # the factored form: split at the nodes on every path
    on_every = set(ps.paths[0].nodes).intersection(*(p.nodes for p in ps.paths))
    cuts = [n for n in ps.paths[0].nodes if n in on_every]
    final = {
        "count": ps.count,
        "derivative": ps.derivative,
        "path_sum": path_sum,
        "forward_ops": ps.forward_ops,
        "reverse_ops": ps.reverse_ops,
        "letters": {f"{u}>{v}": s for (u, v, _), s in letters.items()},
    }
    sweeps = Step(
        f"one forward sweep: {_n(ps.forward_ops, 'operation')}; one reverse sweep: {_n(ps.reverse_ops, 'operation')}",
        formula="a sweep factors the sum everywhere, using each edge once",
        result=f"{d} = {fmt(ps.derivative)} every way",
    )
    note = (
        "Edges whose partial is not 1 are named: "
        + ", ".join(f"{letter} = ∂{v}/∂{u} = {fmt(p)}" for (u, v, p), letter in letters.items())
        + "."
        if letters
        else ""
    )
    if len(cuts) == 2 or ps.count == 1:
        final["factored"] = path_sum
        steps.append(
            Step(
                f"{d} = {fmt(ps.derivative)}",
                formula=(
                    "one path: nothing to add, nothing to factor"
                    if ps.count == 1
                    else f"no node but {source} and {target} lies on every path: the sum does not factor"
                ),
                result="factored, it costs what the paths cost",
                nodes=tuple(cuts),
                counts=path_sum,
            )
        )
        sweeps.counts = path_sum
        steps.append(sweeps)
        return Sweep(
            "paths", f"{source} → {target}", banner, f"the paths of {d}", steps, note=note, final=final
        )
    factors, f_mults, f_adds = [], 0, 0
    for start, end in zip(cuts, cuts[1:]):
        stretch = _stretch(graph, ps.paths, start, end)
        value = sum(float(np.prod(q)) for _, q in stretch)
        f_mults += sum(len(q) - 1 for _, q in stretch)
        f_adds += len(stretch) - 1
        parts = [_term(letters, nodes, q) for nodes, q in stretch]
        symbol = " + ".join(parts) if all(parts) else f"{len(stretch)} path(s)"
        factors.append((symbol, value, len(stretch)))
        steps.append(
            Step(
                f"d{end}/d{start} = " + " + ".join(fmt(np.prod(q)) for _, q in stretch) + f" = {fmt(value)}",
                formula=f"d{end}/d{start} = {symbol}",
                result=f"every path passes through {end if end != target else start}",
                nodes=tuple(dict.fromkeys(n for nodes, _ in stretch for n in nodes)),
                edges=tuple(dict.fromkeys(e for nodes, _ in stretch for e in zip(nodes, nodes[1:]))),
                counts={"multiplications": f_mults, "additions": f_adds},
            )
        )
    f_mults += len(factors) - 1
    factored = {"multiplications": f_mults, "additions": f_adds}
    product = float(np.prod([v for _, v, _ in factors]))
    wrap = lambda s, k: f"({s})" if k > 1 and len(factors) > 1 else s
    steps.append(
        Step(
            f"{d} = "
            + " · ".join(f"({fmt(v)})" if len(factors) > 1 else fmt(v) for _, v, _ in factors)
            + f" = {fmt(product)}",
            formula=f"{d} = " + "".join(wrap(s, k) for s, _, k in factors),
            result=(
                f"factored: {_n(f_mults, 'multiplication')}, {_n(f_adds, 'addition')}, against "
                f"{ps.naive_mul} and {ps.naive_add} for the {ps.count} paths"
            ),
            nodes=tuple(cuts),
            counts=factored,
        )
    )
    sweeps.counts = factored
    steps.append(sweeps)
    final["factored"] = factored
    return Sweep("paths", f"{source} → {target}", banner, f"the paths of {d}", steps, note=note, final=final)


def _stretch(graph: Graph, paths: Sequence[Any], start: str, end: str) -> list[tuple[tuple[str, ...], tuple]]:
    """The distinct paths from ``start`` to ``end`` within ``paths``: (nodes, partials) each.

    Parallel edges (``t * t`` reads t twice: two edges t -> t*t) make distinct paths through
    the same nodes; where their partials are equal they are found once among ``paths`` and
    counted as often as the edges allow.
    """
    variants: dict[tuple[str, ...], list[tuple]] = {}
    for p in paths:
        i, j = p.nodes.index(start), p.nodes.index(end)
        found = variants.setdefault(p.nodes[i : j + 1], [])
        if p.partials[i:j] not in found:
            found.append(p.partials[i:j])
    G = graph.nx
    stretch = []
    for nodes, partials in variants.items():
        ways = int(np.prod([G.number_of_edges(u, v) for u, v in zip(nodes, nodes[1:])]))
        repeat = ways // len(partials) if ways % len(partials) == 0 else 1
        stretch += [(nodes, q) for q in partials for _ in range(repeat)]
    return stretch


def elimination_steps(
    graph: Graph, inputs: Any, order: str, iterations: int = 200, linearized: nx.DiGraph | None = None
) -> Sweep:
    """Vertex elimination in ``order``: one step per vertex removed, with the fill-in edges it creates.

    Replays ``gd.eliminate(graph, inputs, order=order)``'s order on the linearized graph
    with its counting convention (``p · s`` multiplications per vertex on the current
    graph; a product landing on an existing edge is an addition too) and checks the
    counts against it.

    >>> import graphdiff as gd
    >>> el = elimination_steps(gd.builders.colah(), [2.0, 1.0], "forward")
    >>> [s.formula for s in el.steps]
    ['eliminate c: 2 predecessors × 1 successor', 'eliminate d: 1 predecessor × 1 successor', 'the Jacobian']
    >>> el.final["multiplications"], el.final["additions"], el.final["jacobian"]
    (3, 1, [[2.0, 5.0]])
    """
    point = graph.bind_inputs(inputs)
    G = linearized if linearized is not None else linearize_graph(graph, point)
    result = eliminate(graph, point, order=order, iterations=iterations, seed=0)
    preds: dict[str, dict[str, float]] = {v: {} for v in G}
    succs: dict[str, dict[str, float]] = {v: {} for v in G}
    for u, v, p in G.edges(data="partial"):
        preds[v][u] = succs[u][v] = p
    steps, mults, adds = [], 0, 0
    for j in result.order:
        lines, changed, edges = [], {}, []
        p, s = len(preds[j]), len(succs[j])
        for i, c_ij in preds[j].items():
            row = succs[i]
            del row[j]
            for k, c_jk in succs[j].items():
                mults += 1
                product = c_ij * c_jk
                if k in row:
                    adds += 1
                    lines.append(f"∂{k}/∂{i} += {fmt(c_ij)} · {fmt(c_jk)} → {fmt(row[k] + product)}")
                    row[k] = preds[k][i] = row[k] + product
                else:
                    lines.append(f"∂{k}/∂{i} = {fmt(c_ij)} · {fmt(c_jk)} (fill-in)")
                    row[k] = preds[k][i] = product
                changed[i, k] = row[k]
                edges.append((i, k))
        removed_edges = tuple((i, j) for i in preds[j]) + tuple((j, k) for k in succs[j])
        for k in succs[j]:
            del preds[k][j]
        preds[j], succs[j] = {}, {}
        shown = lines if len(lines) <= 8 else [*lines[:8], f"... and {len(lines) - 8} more"]
        steps.append(
            Step(
                "\n".join(shown)
                if shown
                else f"{j} has no {'successor' if p else 'predecessor'}: nothing to multiply",
                formula=f"eliminate {j}: {_n(p, 'predecessor')} × {_n(s, 'successor')}",
                result=_n(p * s, "multiplication"),
                nodes=(j,),
                edges=tuple(edges),
                partials=changed,
                removed=(j,),
                removed_edges=removed_edges,
                counts={"multiplications": mults, "additions": adds},
            )
        )
    if (mults, adds) != (result.multiplications, result.additions):  # pragma: no cover - a bug if so
        raise ArgumentError(
            f"show: the replayed elimination counts {mults}, {adds}; eliminate counts "
            f"{result.multiplications}, {result.additions}"
        )
    jacobian = result.jacobian.tolist()
    entries = [
        f"d{o}/d{x} = {fmt(jacobian[r][c])}"
        for r, o in enumerate(result.outputs)
        for c, x in enumerate(result.inputs)
    ]
    steps.append(
        Step(
            ", ".join(entries[:12]) + (" ..." if len(entries) > 12 else ""),
            formula="the Jacobian",
            result="only edges from inputs to outputs are left: their partials are the Jacobian",
            nodes=tuple(dict.fromkeys([*result.inputs, *result.outputs])),
            counts={"multiplications": mults, "additions": adds},
        )
    )
    return Sweep(
        "elimination",
        order,
        banner=(
            f"vertex elimination in the best order a {iterations}-step search found"
            if order == "best"
            else f"vertex elimination in {order} order"
        ),
        shows="the edge partials of the current graph",
        steps=steps,
        note=f"order: {', '.join(result.order[:16])}{' ...' if len(result.order) > 16 else ''}",
        final={
            "order": list(result.order),
            "multiplications": result.multiplications,
            "additions": result.additions,
            "jacobian": jacobian,
        },
    )
