"""Straight-line Python for scalar programs: one generator for every evaluation, derivatives included.

Each instruction is written by running the primitive's own evaluation once on :class:`Sym`
values, which turn every numpy ufunc it calls into Python source text
(:mod:`graphdiff.primitives.elementary` lists how each is written). The generated
functions do on Python floats exactly what the interpreters do on numpy scalars, in the
same order and with the same scalar implementations of ``exp``, ``tanh``, ``pow`` and the
rest, without the per-node dispatch: every call gives the same bits.

A gradient is not written by a generator of its own: the reverse sweep, run on tracers,
records the evaluation and every adjoint rule it applies as a program
(:func:`graphdiff.transforms.derivatives.reverse_program`), and that program's evaluation
is compiled like any other. The compiler's passes (:func:`_statements`), each a linear
walk over a program or a statement list and tested alone:

- common subexpressions are computed once (:func:`graphdiff.ir.analysis.same_values`):
  ``cos(x)`` for ``sin``'s rule is read where the evaluation computes it;
- what no output needs is left out (a gradient evaluates only what its adjoints read);
- a value read once is written where it is read, to a bounded depth, with no name of its own;
- an output that nothing else reads is computed where its arguments die (:func:`_late`);
- names are reused once values are dead (:func:`_registers`: register allocation).

The last two are passes over the statement list of a :class:`Code`, each :class:`Statement` of which
knows the names it reads; names are format fields in the statements' text until
:func:`_render` writes the source out with the registers chosen. No pass reads the
generated text back.

A jvp is compiled the same way (:func:`graphdiff.transforms.derivatives.forward_program`).
Vector forward mode (``jacfwd``) still has a generator of its own (:func:`_jacfwd_code`),
run on the rules directly: its tangents are numpy vectors, masked where an entry would be
``0 * inf``.

numpy's semantics are kept: where a scalar implementation (``math``'s) raises instead of returning ``nan`` or ``inf``
(``log(-1)``, ``1/0``, ``exp(1000)``), the compiled function raises and its caller falls
back to the interpreter, which gives numpy's result and warning.

Five kinds of function can be generated per program, for scalar values only, each once
its interpreted calls have cost about what generating it will (see ``TIERED``):

- ``evaluate(inputs) -> outputs``;
- ``vjp(inputs, y_bars) -> (outputs, input_adjoints)``: one evaluation and one reverse
  sweep seeded with ``y_bars[k]`` at output k (structural zeros decided at compile time);
- ``grad(inputs, y_bars) -> input_adjoints``: the same without the outputs' values;
- ``jvp(inputs, x_dots) -> (outputs, output_tangents)``: one forward sweep with a float
  tangent for every input;
- ``jacfwd(inputs, x_dots) -> (outputs, output_tangents)``: vector forward mode, input
  k's tangent the k-th unit vector, one sweep for the whole Jacobian.

Each takes its values as sequences, one float per input and one cotangent per output (a
list or a tuple), not as parameters: calls then build no tuple of thousands of arguments,
and a cotangent read once needs no local of its own (fan_out's vjp, with 5000 cotangents,
got 5% faster).

Repeated calls with Python floats reach them through :func:`run_hot`, which skips the
binding and checking of arguments the first calls go through.
"""

from __future__ import annotations

import gc
import math
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from graphdiff.errors import GraphError
from graphdiff.ir.analysis import input_sets, needed, same_values
from graphdiff.ir.program import Program
from graphdiff.primitives.elementary import OPERATIONS, SCALAR_ERRORS, SCALAR_NAMESPACE

__all__ = [
    "Sym",
    "fast",
    "run",
    "interpreted",
    "compiled",
    "all_scalar",
    "due",
    "made",
    "keep",
    "ARITHMETIC_ERRORS",
    "COMPILE_AFTER",
    "TIERED",
    "evaluation_then",
    "sym_code",
    "Unsupported",
]

# what the scalar implementations raise where numpy returns nan/inf with a warning: the
# caller falls back to the interpreter, which uses numpy's value for exactly those calls
ARITHMETIC_ERRORS = SCALAR_ERRORS

# how each listed operation is written on floats; the scalar implementations it calls are
# the very functions the interpreters call on numbers, so both give the same bits
_TEMPLATES = {op.ufunc: op.template for op in OPERATIONS if op.template is not None}
_NAMESPACE = dict(SCALAR_NAMESPACE)


class Unsupported(Exception):
    """A rule did something the code generator cannot express; the interpreter is used."""


class Sym(NDArrayOperatorsMixin):
    """A scalar known by the Python expression that computes it, and the names it reads.

    Names in ``code`` are format fields (``{v3}``), filled in when the function's source is
    written out (:func:`_render`), after register allocation has chosen them.
    """

    __slots__ = ("code", "reads")
    ndim = 0
    shape = ()

    def __init__(self, code: str, reads: tuple[str, ...] = ()) -> None:
        self.code = code
        self.reads = reads

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Sym:
        template = _TEMPLATES.get(ufunc)
        if method != "__call__" or kwargs or template is None:
            raise Unsupported(f"numpy's {ufunc.__name__}.{method}")
        made = Sym(template.format(*map(_code, inputs)), _reads_of(inputs))
        return made if _AVAILABLE is None else _AVAILABLE(made)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if func is np.where and len(args) == 3 and not kwargs:
            c, x, y = map(_code, args)
            return Sym(f"({x} if {c} else {y})", _reads_of(args))
        if func is np.zeros_like:
            return Sym("0.0")
        if func is np.ones_like:
            return Sym("1.0")
        if func is np.ndim:
            return 0
        if func is np.shape:
            return ()
        raise Unsupported(f"numpy.{func.__name__}")


def _named(name: str) -> Sym:
    """The value held in ``name`` (``v3``, ``t3``), as a :class:`Sym`."""
    return Sym(f"{{{name}}}", (name,))


def _reads_of(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(name for v in values if isinstance(v, Sym) for name in v.reads)


# while vector forward mode's rules run: a Sym computing what the evaluation computes
# becomes a read of that value (see _jacfwd_code); None the rest of the time
_AVAILABLE: Callable[[Sym], Sym] | None = None


def _code(x: Any) -> str:
    if isinstance(x, Sym):
        return x.code
    if isinstance(x, (bool, np.bool_)):
        return repr(bool(x))
    value = float(x)
    if not math.isfinite(value):
        raise Unsupported(f"the constant {value}")
    return repr(value)


class Statement(NamedTuple):
    """One line of a generated function: ``target = text``, or ``text`` run for its effect
    (``target`` None). Names in ``text`` are format fields; ``reads`` lists them."""

    target: str | None
    text: str
    reads: tuple[str, ...]


class Code(NamedTuple):
    """A generated function before it is written out: passes work on its statement list."""

    head: list[str]  # the def line and the unpacking of the inputs: names there keep their names
    body: list[Statement]
    result: Sym  # what it returns
    extra_names: dict  # the arrays and helpers it names, besides the scalar implementations


COMPILE_AFTER = 2  # calls of one kind before its code may be generated: the first call interprets

# Tiering: from the COMPILE_AFTER-th call on, a kind is compiled once its interpreted calls have
# cost about what generating its code will, so no sequence of calls costs much over twice
# what always interpreting would (generating costs about 10 to 25 interpreted calls). The
# cost of generating is estimated per kind from the last generation measured in this process
# (seconds per instruction, at that many instructions), and grows a little faster than the
# program: per instruction, by at most n^0.15 (35 and 41 µs a node for gradients at 10^4
# and 10^5 nodes; 8 and 12 µs for the evaluation). Tests set TIERED to False to reach the
# generated code from the COMPILE_AFTER-th call on, as they did before tiering.
TIERED = True
_GENERATION_SECONDS = {  # kind -> (seconds per instruction, measured at this many instructions)
    "evaluate": (9e-6, 12_600),
    "vjp": (38e-6, 12_600),
    "grad": (35e-6, 12_600),
    "jvp": (40e-6, 12_600),
    "jacfwd": (42e-6, 12_600),
}
_GROWTH = 0.15  # the exponent of that growth


def generation_estimate(kind: str, instructions: int) -> float:
    """The seconds generating ``kind`` for a program of ``instructions`` is expected to take.

    >>> generation_estimate("grad", 12_600) == 35e-6 * 12_600
    True
    """
    per_instruction, measured_at = _GENERATION_SECONDS[kind]
    return per_instruction * instructions * (max(instructions, 1) / measured_at) ** _GROWTH


_SOURCES: dict[str, Callable[[Program], str]] = {}

# how a sweep becomes a program: its interpreter run on tracers. The tracer lives above the
# compiler (a graph calls its compiled evaluation), so graphdiff.transforms.derivatives
# registers "reverse": (program, with_value, seeded outputs) -> the recorded Program, and
# "forward": program -> the recorded Program of the tangents (a float tangent per input)
DERIVATIVES: dict[str, Callable[..., Program]] = {}


def fast(program: Program, kind: str | tuple, force: bool = False) -> Callable[..., tuple] | None:
    """The generated ``kind`` function, or ``None``.

    ``kind`` is ``"evaluate"``, ``"vjp"``, ``"grad"``, ``"jvp"``, ``"jacfwd"``, or
    ``("grad", k)``: the gradient of output k alone, the other outputs structural zeros
    (one row of a Jacobian by reverse mode).

    ``None`` means: use the interpreter, and tell :func:`interpreted` how long it took. That
    is the answer for programs with arrays (numpy does their work; repeated gradients of
    them run a prepared gradient graph instead, made by the same tiering through
    :func:`due`: :func:`graphdiff.transforms.recorded.prepared_gradient`), for rules the generator cannot express, for
    the first ``COMPILE_AFTER - 1`` calls of a kind, so that a graph used once is never
    compiled, and until the interpreted calls have cost about what generating the code
    will (see ``TIERED``). ``force`` compiles at once.
    """
    state = _state(program)
    if kind in state["functions"]:
        return state["functions"][kind]
    if not all_scalar(program):
        return None
    name, *detail = kind if isinstance(kind, tuple) else (kind,)
    if not (force or due(program, kind, generation_estimate(name, len(program.ops)))):
        return None
    started = time.perf_counter()
    collecting = gc.isenabled()
    # the passes make a few small objects per instruction that all stay alive until the end:
    # the cyclic collector would walk them again and again (4/5 of CSE's time at 10^5 nodes)
    gc.disable()
    try:
        code = _SOURCES[name](program, *detail)
        extra_names, source = code.extra_names, _render(code, registers=True)
        del code  # its statements are not needed while CPython compiles the source
        function = _build(source, name, extra_names)
    except Unsupported:
        function = None
    finally:
        if collecting:
            gc.enable()
    if function is not None and len(program.ops) >= 2000:  # large enough for the fixed costs not to count
        _GENERATION_SECONDS[name] = ((time.perf_counter() - started) / len(program.ops), len(program.ops))
    state["functions"][kind] = function
    return function


def all_scalar(program: Program) -> bool:
    """Whether every value of ``program`` is a scalar: only then is code generated for it."""
    state = _state(program)
    if state["scalar"] is None:
        state["scalar"] = all(shape == () for shape in program.shapes)
    return state["scalar"]


def due(program: Program, kind: Any, seconds: float) -> bool:
    """Count a call of ``kind`` on ``program``; whether to make its fast version now, which costs about ``seconds``.

    Yes from the ``COMPILE_AFTER``-th call on, once the interpreted calls (see
    :func:`interpreted`) have cost ``seconds`` (with ``TIERED``; without it, at once).
    """
    state = _state(program)
    calls = state["calls"][kind] = state["calls"].get(kind, 0) + 1
    if calls < COMPILE_AFTER:
        return False
    return not TIERED or state["spent"].get(kind, 0.0) >= seconds


def made(program: Program, kind: Any) -> Any:
    """What was made and kept for ``kind`` on ``program`` (:func:`keep`), or ``None``."""
    state = program.__dict__.get("_codegen")
    return None if state is None else state["functions"].get(kind)


def keep(program: Program, kind: Any, function: Any) -> None:
    """Keep ``function`` as ``program``'s fast ``kind``, for :func:`made` to find."""
    _state(program)["functions"][kind] = function


def interpreted(program: Program, kind: str | tuple, started: float, share: float = 1.0) -> None:
    """Count the time since ``started`` (a ``time.perf_counter()``), or ``share`` of it, as ``kind`` interpreted."""
    spent = _state(program)["spent"]
    spent[kind] = spent.get(kind, 0.0) + (time.perf_counter() - started) * share


def compiled(program: Program, kind: str | tuple) -> bool:
    """Whether the ``kind`` function of ``program`` has been generated."""
    return _state(program)["functions"].get(kind) is not None


def _state(program: Program) -> dict:
    return program.__dict__.setdefault(
        "_codegen", {"calls": {}, "functions": {}, "scalar": None, "spent": {}}
    )


def all_floats(values: Sequence) -> bool:
    """Whether every value is exactly a Python ``float``: checked at C speed, about 18 ns each."""
    return operator.countOf(map(type, values), float) == len(values)


def run_hot(
    program: Program | None, kind: str, args: Sequence, extra: Sequence | None = None
) -> tuple | None:
    """Run the ``kind`` function already generated for ``program``, if ``args`` can go straight to it.

    They can when they are Python floats, one per input: generated code exists only for
    all-scalar programs, so binding has nothing left to check or convert. This is the hot
    path of repeated calls; binding costs more than the evaluation on graphs with
    thousands of inputs. Unlike :func:`fast` it never counts a call. Returns ``None``,
    meaning "go the ordinary way", as :func:`run` does.
    """
    if program is None or len(args) != len(program.input_slots):
        return None
    state = program.__dict__.get("_codegen")
    function = state["functions"].get(kind) if state else None
    if function is None or not all_floats(args):
        return None
    return _call(function, args, extra)


class _Names(dict):
    """Register names by value name; a name with none (a parameter) keeps its own."""

    def __missing__(self, name: str) -> str:
        return name


def _registers(code: Code) -> dict[str, str]:
    """Give values that are dead by the time a new one is made their register: register allocation.

    A pass over the statement list. Every value is assigned once; each gets a register
    ``r0, r1, ...`` that is taken back when the value is read for the last time, so the
    function keeps few locals and numbers die early, letting CPython reuse their memory.
    That made a 10^4-node gradient about half again as fast. Parameters keep their names.
    """
    body = code.body
    assigned = {s.target for s in body if s.target is not None}
    last_read: dict[str, int] = {}
    for i, statement in enumerate(body):
        for name in statement.reads:
            last_read[name] = i
    for name in code.result.reads:
        last_read[name] = len(body)
    names: dict[str, str] = {}
    free: list[str] = []
    created = 0
    for i, statement in enumerate(body):
        for name in set(statement.reads):  # read here for the last time: free for this very line
            if last_read.get(name) == i and name in assigned:
                free.append(names[name])
        if statement.target is None:
            continue
        if free:
            register = free.pop()
        else:
            register, created = f"r{created}", created + 1
        names[statement.target] = register
        if statement.target not in last_read:
            free.append(register)  # never read (kept for its exceptions): the register is free again
    return names


def _render(code: Code, registers: bool = False) -> str:
    """The source of ``code``: with its values in registers (:func:`_registers`), or named
    after their slots (``v3``, ``t3``: as tests and readers see them)."""
    names = _Names(_registers(code) if registers else {})
    lines = list(code.head)
    for statement in code.body:
        text = statement.text.format_map(names)
        lines.append(f"    {text}" if statement.target is None else f"    {names[statement.target]} = {text}")
    lines.append(f"    return {code.result.code.format_map(names)}")
    return "\n".join(lines)


def run(
    function: Callable[..., tuple] | None, inputs: Sequence, extra: Sequence | None = None
) -> tuple | None:
    """Run a generated function (from :func:`fast`) on scalar ``inputs``, and ``extra`` (cotangents, tangents).

    Returns ``None``, meaning "use the interpreter", when there is no generated function
    or when ``math`` raised where numpy gives nan or inf: the interpreter then repeats
    the call with numpy's semantics and warnings.
    """
    return None if function is None else _call(function, [*map(float, inputs)], extra)


def _call(function: Callable[..., tuple], inputs: Sequence, extra: Sequence | None) -> tuple | None:
    """``function(inputs[, extra])``, or ``None`` where ``math`` raised and numpy would give nan or inf."""
    try:
        return function(inputs) if extra is None else function(inputs, extra)
    except ARITHMETIC_ERRORS:
        return None


def _build(source: str, name: str, extra_names: dict | None = None) -> Callable:
    namespace = {**_NAMESPACE, **(extra_names or {})}
    exec(compile(source, f"<graphdiff {name}>", "exec"), namespace)
    return namespace[name]


def _v(slot: int) -> str:
    return f"v{slot}"


def _value(slot: int) -> Sym:
    """Slot ``slot``'s value, held in ``v<slot>``."""
    return _named(_v(slot))


def _primal(program: Program, wanted: set[int] | None = None) -> tuple[dict[int, Sym], dict[int, Sym]]:
    """The evaluation of what ``wanted`` (default: the outputs) depends on: the constants and
    each instruction's expression, by the slot they fill, in program order."""
    live = needed(program, wanted)
    constants = {slot: Sym(_code(value)) for slot, value in program.consts if slot in live}
    expressions = {}
    for prim, out, args, params, _ in program.ops:
        if out in live:
            made = prim.impl(*map(_value, args), **params)
            expressions[out] = made if isinstance(made, Sym) else Sym(_code(made))
    return constants, expressions


def _assigned(*expressions: dict[int, Sym]) -> list[Statement]:
    return [Statement(_v(slot), e.code, e.reads) for each in expressions for slot, e in each.items()]


def _head(name: str, program: Program, extra: str | None = None) -> list[str]:
    """The ``def`` line, and the inputs taken out of their sequence."""
    params = "inputs" if extra is None else f"inputs, {extra}"
    return [f"def {name}({params}, *, {_LOCALS}):", *_unpack("v", program.input_slots, "inputs")]


# the helpers become keyword defaults of every generated function: locals are faster than globals
_LOCALS = ", ".join(f"{name}={name}" for name in _NAMESPACE)


def _unpack(stem: str, slots: list[int], sequence: str) -> list[str]:
    """``v0, v1, = inputs``: one name per slot, none for a program without inputs."""
    return ["    " + "".join(f"{stem}{s}, " for s in slots) + f"= {sequence}"] if slots else []


def evaluation_then(
    program: Program, name: str, expressions: Callable[[Callable[[int], Sym]], list[str]], result: str
) -> Callable:
    """A generated function of the inputs: the whole evaluation as straight-line code (value
    of slot k in ``v<k>``), then the lines ``expressions(sym)`` makes, where ``sym(k)`` is
    slot k's value as a :class:`Sym` for rules to run on (their code, :func:`sym_code`,
    names it ``{v<k>}``); it returns ``result``.

    Raises :class:`Unsupported` where a rule cannot be written as code.
    """
    body = [line.format_map(_Names()) for line in expressions(_value)]
    every = set(range(len(program)))
    evaluation = Code(_head(name, program), _assigned(*_primal(program, every)), Sym(result), {})
    source = _render(evaluation).rpartition("\n")[0]  # without its return: the lines come first
    return _build("\n".join([source, *body, f"    return {result}"]), name)


def sym_code(value: Any) -> str:
    """A rule's result (a :class:`Sym` or a number) as Python source."""
    return _code(value)


def _tuple(values: Iterable[Sym | str]) -> Sym:
    """``(a, b, )``: a tuple display of the values, one element or none included."""
    values = [v if isinstance(v, Sym) else Sym(v) for v in values]
    return Sym("(" + "".join(f"{v.code}, " for v in values) + ")", _reads_of(values))


def _evaluate_code(program: Program) -> Code:
    body, code = _statements(program)
    return Code(_head("evaluate", program), body, _tuple(code[s] for s in program.output_slots), {})


def _evaluate_source(program: Program) -> str:
    """``evaluate``'s source, values named after their slots."""
    return _render(_evaluate_code(program))


def _statements(
    program: Program, reads: dict[int, str] | None = None, late: Sequence[int] | None = None
) -> tuple[list[Statement], dict[int, Sym]]:
    """The evaluation of ``program``'s outputs as statements, and each output's value (a name or a constant).

    Passes over the program, each a linear walk: common subexpressions are computed once
    (:func:`~graphdiff.ir.analysis.same_values`); what no output needs is left out; a value
    read once is written where it is read (no statement, no name; nested at most
    ``_MAX_NESTING`` deep); and an output nothing else reads is computed where its
    arguments die (:func:`_late`; ``late``: the outputs that may move, default all).
    ``reads``: input slots read from somewhere other than ``inputs`` (a cotangent ``y_bars[k]``).
    """
    first = same_values(program)
    outputs = {first[s] for s in program.output_slots}
    live = set(outputs)
    uses = [0] * len(program)
    for op in reversed(program.ops):
        if op.out in live and first[op.out] == op.out:
            for a in op.args:
                a = first[a]
                live.add(a)
                uses[a] += 1
    code: dict[int, Sym] = {s: _value(s) for s in program.input_slots}
    body: list[Statement] = []
    for slot, text in (reads or {}).items():
        if uses[slot] == 1 and slot not in outputs:
            code[slot] = Sym(text)
        elif slot in live:
            body.append(Statement(_v(slot), text, ()))
    depth = dict.fromkeys(code, 0)
    for slot, value in program.consts:
        if first[slot] == slot and slot in live:
            code[slot], depth[slot] = Sym(_code(value)), 0
    for prim, out, args, params, _ in program.ops:
        if out not in live or first[out] != out:
            continue
        args = [first[a] for a in args]
        expression = _expression(prim, params, [code[a] for a in args])
        nesting = 1
        for a in args:
            if depth[a] >= nesting:
                nesting = depth[a] + 1
            if depth[a] and uses[a] == 1:  # a value written into its one reader: its code is in there now
                del code[a]
        if uses[out] == 1 and out not in outputs and nesting < _MAX_NESTING:
            code[out], depth[out] = expression, nesting
        else:
            body.append(Statement(_v(out), expression.code, expression.reads))
            code[out], depth[out] = _value(out), 0
    for s in program.output_slots:
        code[s] = code[first[s]]
    movable = {first[s] for s in (program.output_slots if late is None else late)}
    late_ones = {_v(s) for s in movable - {first[s] for s in program.input_slots} if uses[s] == 0}
    return _late(body, late_ones), code


_MAX_NESTING = 24  # a value written into its reader nests no deeper than this


def _expression(prim: Any, params: dict, values: list[Sym]) -> Sym:
    """One instruction on its arguments' ``values``: the primitive's evaluation run on
    :class:`Sym` values once per primitive and parameters, as a template, then filled in."""
    n = len(values)
    try:
        key = (prim, n, *sorted(params.items())) if params else (prim, n)
        template = _TEMPLATES_BY_INSTRUCTION.get(key)
    except TypeError:  # parameters that do not hash: written directly
        return Sym(_code(prim.impl(*values, **params)), _reads_of(values))
    if template is None:  # argument k marked \0k\0, then made a format field
        marked = _code(prim.impl(*(Sym(f"\0{k}\0") for k in range(n)), **params))
        template = _as_template(marked)
        _TEMPLATES_BY_INSTRUCTION[key] = template
    if n == 2:  # most instructions: written out, this runs once per instruction
        x, y = values
        return Sym(template.format(x.code, y.code), x.reads + y.reads)
    if n == 1:
        x = values[0]
        return Sym(template.format(x.code), x.reads)
    return Sym(template.format(*[v.code for v in values]), _reads_of(values))


def _as_template(marked: str) -> str:
    """Code with argument k marked ``\0k\0`` as a format string with field k."""
    pieces = marked.replace("{", "{{").replace("}", "}}").split("\0")
    # pieces alternate: text, an argument's number, text, ...
    return "".join(piece if k % 2 == 0 else f"{{{piece}}}" for k, piece in enumerate(pieces))


_TEMPLATES_BY_INSTRUCTION: dict[tuple, str] = {}


def _late(body: list[Statement], late: set[str]) -> list[Statement]:
    """``body`` with each statement making one of the values ``late`` (read by no statement)
    moved down to just after the last statement naming one of its arguments, so that its
    arguments die where it is made: scheduling, a pass over the statement list.

    fan_out's gradient keeps one number per level through the reverse sweep where it kept
    two (``t_k`` and ``y_k = t_k * t_k``). Only independent statements change places: the
    numbers are the same.
    """
    if not late:
        return body
    kept: list[Statement] = []
    moved: list[Statement] = []
    for statement in body:
        (moved if statement.target in late else kept).append(statement)
    last: dict[str, int] = {}  # name -> the last kept statement naming it (making or reading it)
    for i, statement in enumerate(kept):
        last.update(dict.fromkeys(statement.reads, i))
        last[statement.target] = i
    after: dict[int, list[Statement]] = {}
    for statement in moved:
        after.setdefault(max((last.get(a, -1) for a in statement.reads), default=-1), []).append(statement)
    scheduled = after.pop(-1, [])
    for i, statement in enumerate(kept):
        scheduled += [statement, *after.pop(i, [])]
    return scheduled


def _reverse_code(program: Program, with_value: bool = True, seeded: Sequence[int] | None = None) -> Code:
    """``vjp`` (``with_value``) or ``grad``: the compiled evaluation of the reverse sweep's derivative graph.

    The sweep runs on tracers (``DERIVATIVES["reverse"]``,
    :func:`graphdiff.transforms.derivatives.reverse_program`) and records the evaluation and
    every adjoint rule it applies; that program is compiled as any evaluation is
    (:func:`_statements`). ``seeded``: seed only these outputs; the others get no
    cotangent at all (not a zero one, which would multiply: ``0 * inf`` is nan), as in a
    sweep seeded at one output. Without ``with_value`` only the gradient is returned, and
    the evaluation computes only what the adjoints read, and what that depends on.
    """
    seeded = list(range(len(program.output_slots))) if seeded is None else list(seeded)
    derivative = _recorded("reverse", program, with_value, seeded)
    n = len(program.input_slots)
    reads = {slot: f"y_bars[{k}]" for k, slot in zip(seeded, derivative.input_slots[n:])}
    m = len(program.output_slots) if with_value else 0
    head, body, outs = _derivative_statements(
        "vjp" if with_value else "grad", derivative, n, m, "y_bars", reads
    )
    result = _tuple(outs[m:])
    if with_value:
        values = _tuple(outs[:m])
        result = Sym(f"{values.code}, {result.code}", values.reads + result.reads)
    return Code(head, body, result, {})


def _reverse_source(program: Program, with_value: bool = True, seeded: Sequence[int] | None = None) -> str:
    """``vjp``'s or ``grad``'s source (:func:`_reverse_code`), values named after their slots."""
    return _render(_reverse_code(program, with_value, seeded))


def _forward_code(program: Program) -> Code:
    """``jvp``: the compiled evaluation of the forward sweep's derivative graph, a float tangent per input.

    The sweep runs on tracers (``DERIVATIVES["forward"]``,
    :func:`graphdiff.transforms.derivatives.forward_program`) and is compiled as any
    evaluation is (:func:`_statements`): a ``cos(x)`` that ``sin``'s tangent rule needs is
    read where the evaluation computes it.
    """
    derivative = _recorded("forward", program)
    n, m = len(program.input_slots), len(program.output_slots)
    reads = {slot: f"x_dots[{k}]" for k, slot in enumerate(derivative.input_slots[n:])}
    head, body, outs = _derivative_statements("jvp", derivative, n, m, "x_dots", reads)
    values, tangents = _tuple(outs[:m]), _tuple(outs[m:])
    return Code(head, body, Sym(f"{values.code}, {tangents.code}", values.reads + tangents.reads), {})


def _forward_source(program: Program) -> str:
    """``jvp``'s source (:func:`_forward_code`), values named after their slots."""
    return _render(_forward_code(program))


def _recorded(kind: str, *args: Any) -> Program:
    """The derivative program ``DERIVATIVES[kind]`` records; :class:`Unsupported` where a rule cannot be recorded."""
    try:
        return DERIVATIVES[kind](*args)
    except GraphError as err:  # a rule the tracer cannot record: the interpreter runs it
        raise Unsupported(str(err)) from None


def _derivative_statements(
    name: str, derivative: Program, n: int, m: int, extra: str, reads: dict[int, str]
) -> tuple[list[str], list[Statement], list[Sym]]:
    """``def name(inputs, extra)``, the derivative program's statements, and each output's value.

    ``n``: the derivative's first inputs, the primal ones, unpacked from ``inputs`` (the
    others are ``reads``: a seed ``y_bars[k]`` or ``x_dots[k]``). ``m``: its first outputs,
    the primal values, which move to where their arguments die; the derivatives are made
    where the sweep completes them.
    """
    body, code = _statements(derivative, reads=reads, late=derivative.output_slots[:m])
    head = [
        f"def {name}(inputs, {extra}, *, {_LOCALS}):",
        *_unpack("v", derivative.input_slots[:n], "inputs"),
    ]
    return head, body, [code[s] for s in derivative.output_slots]


def _jacfwd_code(program: Program) -> Code:
    """``jacfwd``: the evaluation with a tangent vector beside every node that depends on an input.

    Vector forward mode is the one kind still written from the rules directly, not as a
    derivative graph: its tangents are numpy vectors, masked as below. A value a tangent
    rule computes that the evaluation computes too is read (:data:`_AVAILABLE`); where the
    evaluation would make it later (``sin(x)``'s rule asks for ``cos(x)``, which the next
    node computes), that node's statement moves up to where it is first needed.

    Input k's tangent is the k-th unit vector
    (``-0.0`` off the diagonal) and one sweep carries every column of the Jacobian. Entry
    k of a tangent then means what a sweep seeded at input k alone computes, where a node
    that does not depend on input k has no tangent at all (a structural zero, never
    multiplied: ``0 * inf`` would be nan). Entries of a node's tangent outside its inputs
    mean nothing; where they are all exactly ``-0.0`` the tangent is *clean*, and ``-0.0``
    adds as an exact no-op (``x + -0.0`` is ``x`` for every x, ``+0.0`` and nan included).
    So a term from an argument that depends on fewer inputs than the node must be ``-0.0``
    outside the argument's inputs: a clean tangent passed on unchanged (an edge of partial
    one) already is; a product is made so in place (``_clean``); an unclean tangent
    passed on is masked (``_where``). A node whose tangent is passed on that way is made
    clean in place once, where it is computed. Outputs are masked to exact zeros where
    they do not depend on an input. The code names the index and mask arrays it uses.
    """
    global _AVAILABLE
    constants, expressions = _primal(program)
    computed: dict[str, int] = {}  # what the evaluation computes -> the first slot holding it
    for slot, e in expressions.items():
        if e.reads:
            computed.setdefault(e.code, slot)
    tangent = {s: _named(f"t{s}") for s in program.input_slots}  # slot -> its tangent
    head = [*_head("jacfwd", program, "x_dots"), *_unpack("t", program.input_slots, "x_dots")]
    body = _assigned(constants)
    written: set[int] = set()
    depends = input_sets(program)
    masks: dict[int, str] = {}  # a set of inputs, as a bit mask -> the name of its mask vector
    outside: dict[int, str] = {}  # a set of inputs -> the name of the positions not in it
    clean = dict.fromkeys(program.input_slots, True)  # slot -> its tangent is -0.0 outside its inputs
    passed_on = _passed_on(program, depends)

    def mask(inputs: int, term: Sym, fill: str = "-0.0") -> Sym:
        if inputs not in masks:
            masks[inputs] = f"_mask{len(masks)}"
        return Sym(f"_where({masks[inputs]}, {term.code}, {fill})", term.reads)

    def positions_outside(inputs: int) -> str:
        if inputs not in outside:
            outside[inputs] = f"_out{len(outside)}"
        return outside[inputs]

    def vector_term(term: Sym, a: int, out: int, kind: str | None) -> tuple[Sym, bool]:
        """The term, made -0.0 outside a's inputs if a depends on fewer inputs than out; is it clean?"""
        if kind == "picks":  # (t if c else 0.0): a's tangent itself or a number; made a fresh vector
            term = Sym(f"_fresh({term.code}, {len(program.input_slots)})", term.reads)
        if term.code == tangent[a].code:  # a's tangent itself
            if clean.get(a, False) or depends[a] == depends[out]:
                return term, clean.get(a, False)
            return mask(depends[a], term), True
        if depends[a] == depends[out]:
            return term, False
        return Sym(f"_clean({term.code}, {positions_outside(depends[a])})", term.reads), True

    def write(out: int) -> None:
        if out not in written:
            written.add(out)
            body.append(Statement(_v(out), expressions[out].code, expressions[out].reads))

    def available(made: Sym) -> Sym:
        slot = computed.get(made.code)
        if slot is None:
            return made
        write(slot)
        return _value(slot)

    for prim, out, args, params_, active_args in program.ops:
        if out not in expressions:  # dead: no output depends on it
            continue
        write(out)
        if active_args:
            arg_syms = [_value(a) for a in args]
            _AVAILABLE = available
            try:
                terms = [prim.jvp[i](tangent[a], _value(out), *arg_syms, **params_) for i, a in active_args]
            finally:
                _AVAILABLE = None
            terms = [t if isinstance(t, Sym) else Sym(_code(t)) for t in terms]
            kinds = [prim.partials[i].kind if prim.partials else None for i, _ in active_args]
            made_clean = [vector_term(t, a, out, k) for t, (_, a), k in zip(terms, active_args, kinds)]
            terms = [term for term, _ in made_clean]
            clean[out] = all(is_clean for _, is_clean in made_clean)
            if len(terms) == 1 and terms[0].code == tangent[active_args[0][1]].code:  # passed on unchanged
                tangent[out] = terms[0]
            else:
                body.append(Statement(f"t{out}", " + ".join(t.code for t in terms), _reads_of(terms)))
                tangent[out] = _named(f"t{out}")
            if out in passed_on and not clean[out]:
                # entries outside out's inputs mean nothing: making them -0.0 in place is safe even
                # when the tangent is an argument's, passed on unchanged
                outside_out = positions_outside(depends[out])
                body.append(Statement(None, f"{tangent[out].code}[{outside_out}] = -0.0", tangent[out].reads))
                clean[out] = True
    every_input = (1 << len(program.input_slots)) - 1
    results: list[Sym] = []
    for s in program.output_slots:
        if not program.active[s]:
            results.append(Sym("None"))
        elif depends[s] != every_input:
            results.append(mask(depends[s], tangent[s], fill="0.0"))
        else:
            results.append(tangent[s])
    values, tangents = _tuple(_value(s) for s in program.output_slots), _tuple(results)
    n = len(program.input_slots)
    extra = {
        "_where": np.where,
        "_clean": _clean,
        "_fresh": _fresh,
        **{name: _unit_mask(inputs, n) for inputs, name in masks.items()},
        **{name: np.flatnonzero(~_unit_mask(inputs, n)) for inputs, name in outside.items()},
    }
    return Code(head, body, Sym(f"{values.code}, {tangents.code}", values.reads + tangents.reads), extra)


def _jacfwd_source(program: Program) -> tuple[str, dict]:
    """``jacfwd``'s source (:func:`_jacfwd_code`), values named after their slots, and the arrays it names."""
    code = _jacfwd_code(program)
    return _render(code), code.extra_names


def _passed_on(program: Program, depends: dict[int, int]) -> set[int]:
    """The slots whose tangent some node passes on unchanged (an edge of partial one) from fewer inputs."""
    return {
        a
        for op in program.ops
        if op.prim.partials is not None
        for i, a in op.active_args
        if op.prim.partials[i].kind == "one" and depends[a] != depends[op.out]
    }


def _fresh(term: np.ndarray | float, n: int) -> np.ndarray:
    """A new vector of ``n`` entries holding ``term`` (a tangent, copied, or a number, repeated)."""
    return np.array(term, dtype=float) if isinstance(term, np.ndarray) else np.full(n, term)


def _clean(term: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``term`` (a fresh array) with ``-0.0`` at ``positions``, in place."""
    term[positions] = -0.0
    return term


def _unit_mask(inputs: int, n: int) -> np.ndarray:
    """The bit mask ``inputs`` over ``n`` input positions as a boolean vector (bit k is entry k)."""
    packed = np.frombuffer(inputs.to_bytes((n + 7) // 8 or 1, "little"), dtype=np.uint8)
    return np.unpackbits(packed, bitorder="little")[:n].astype(bool)


_SOURCES.update(
    evaluate=_evaluate_code,
    vjp=_reverse_code,
    jvp=_forward_code,
    jacfwd=_jacfwd_code,
    grad=lambda p, *seeded: _reverse_code(p, with_value=False, seeded=seeded or None),
)
