"""Pytrees, as in JAX: nested tuples, lists and dicts whose leaves are numbers and arrays.

A function may take ``params = {"W1": W1, "b1": b1}`` and return a tuple of a loss and
a dict; the transformations flatten its arguments into leaves (each leaf one input of
the traced graph), and give results back in the same structure. Dicts are flattened in
sorted key order, as JAX does; ``None`` is an empty subtree.

>>> leaves, tree = flatten({"b": 2.0, "a": (1.0, [3.0])})
>>> leaves
[1.0, 3.0, 2.0]
>>> unflatten(tree, [10.0, 30.0, 20.0])
{'a': (10.0, [30.0]), 'b': 20.0}
>>> leaf_names(tree, "params")
["params['a'][0]", "params['a'][1][0]", "params['b']"]
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from graphdiff.errors import InputError

__all__ = [
    "Tree",
    "LEAF",
    "Static",
    "Packing",
    "packing_of",
    "flatten",
    "unflatten",
    "leaf_names",
    "flatten_up_to",
]


class Tree(NamedTuple):
    """The structure of a pytree: its container type, dict keys (sorted) and subtrees."""

    kind: type | None  # tuple, list, dict, OrderedDict, type(None), a namedtuple class, or None for a leaf
    keys: tuple = ()
    children: tuple = ()

    @property
    def n_leaves(self) -> int:
        return 1 if self.kind is None else sum(c.n_leaves for c in self.children)

    @property
    def is_leaf(self) -> bool:
        return self.kind is None

    @property
    def has_none(self) -> bool:
        return self.kind is type(None) or self.kind is Static or any(c.has_none for c in self.children)

    @property
    def is_flat(self) -> bool:
        """A leaf, or a tuple of leaves: what a graph's own outputs are packed as."""
        return self.kind is None or (self.kind is tuple and all(c.kind is None for c in self.children))


LEAF = Tree(None)
_NONE = Tree(type(None))


class Static(NamedTuple):
    """A value kept in a pytree's structure, not as a leaf: has_aux's strings, flags and objects.

    It is given back as it is on every call, as JAX gives back an aux that is no array.
    """

    value: Any


class Packing(NamedTuple):
    """How a traced function's arguments and result were flattened: a tree per argument, one for the result."""

    args: tuple[Tree, ...]
    result: Tree
    positions: tuple[int, ...] | None = None  # each argument's position in the call, where data were skipped
    # the call's positional arguments, data included (negative argnums count back from it)
    n_args: int | None = None

    @property
    def is_flat(self) -> bool:
        """Every argument a leaf and the result a leaf or a tuple of leaves: a graph's own layout."""
        return all(t.kind is None for t in self.args) and self.result.is_flat

    def leaf_ranges(self) -> tuple[range, ...]:
        """The positions among the graph's inputs of each argument's leaves."""
        return _leaf_ranges(self.args)


@functools.lru_cache(maxsize=1024)
def _leaf_ranges(args: tuple[Tree, ...]) -> tuple[range, ...]:
    """:meth:`Packing.leaf_ranges`, worked out once per structure of the arguments: every call asks."""
    ranges, start = [], 0
    for t in args:
        ranges.append(range(start, start + t.n_leaves))
        start += t.n_leaves
    return tuple(ranges)


def packing_of(graph: Any, as_traced: bool = True) -> Packing:
    """How ``graph``'s inputs and outputs are grouped: as the function it was traced from took
    and returned them, or (``as_traced=False``, or a graph built otherwise) as the graph's
    own: an argument per input, one output or a tuple of them."""
    found = getattr(graph, "_pytrees", None) if as_traced else None
    if found is not None:
        return found
    n_out = len(graph.outputs)
    result = LEAF if n_out == 1 else Tree(tuple, (), (LEAF,) * n_out)
    return Packing((LEAF,) * len(graph.inputs), result)


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and type(x) is not tuple and hasattr(type(x), "_fields")


def flatten(tree: Any) -> tuple[list, Tree]:
    """The leaves of ``tree`` in order, and its structure."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(x: Any, leaves: list) -> Tree:
    kind = type(x)
    if kind is Static:
        return Tree(Static, (x.value,))
    if kind is tuple or kind is list or _is_namedtuple(x):
        return Tree(kind, (), tuple(_flatten(c, leaves) for c in x))
    if kind is dict or isinstance(x, OrderedDict):
        keys = _sorted_keys(x) if kind is dict else tuple(x)  # an OrderedDict keeps its order, as in JAX
        return Tree(kind, keys, tuple(_flatten(x[k], leaves) for k in keys))
    if x is None:
        return _NONE
    leaves.append(x)
    return LEAF


def _sorted_keys(d: dict) -> tuple:
    try:
        return tuple(sorted(d))
    except TypeError:
        raise InputError(f"a dict in a pytree needs keys that sort, got {list(d)!r}") from None


def unflatten(tree: Tree, leaves: Sequence[Any]) -> Any:
    """The pytree of structure ``tree`` holding ``leaves`` in order."""
    it = iter(leaves)
    result = _build(tree, it)
    if next(it, _END) is not _END:
        raise InputError(f"too many leaves for a pytree of {tree.n_leaves}")
    return result


_END = object()


def _build(tree: Tree, it: Iterator) -> Any:
    kind = tree.kind
    if kind is None:
        leaf = next(it, _END)
        if leaf is _END:
            raise InputError("too few leaves for the pytree")
        return leaf
    if kind is type(None):
        return None
    if kind is Static:
        return tree.keys[0]
    children = [_build(c, it) for c in tree.children]
    if kind is dict or kind is OrderedDict:
        return kind(zip(tree.keys, children))
    if kind is tuple or kind is list:
        return kind(children)
    return kind(*children)  # a namedtuple


def leaf_names(tree: Tree, prefix: str) -> list[str]:
    """A name per leaf, spelled as the leaf is reached: ``params['W1']``, ``x[0]``."""
    if tree.kind is None:
        return [prefix]
    if tree.keys:
        steps = [f"[{k!r}]" for k in tree.keys]
    else:
        steps = [f"[{k}]" for k in range(len(tree.children))]
    return [name for step, c in zip(steps, tree.children) for name in leaf_names(c, prefix + step)]


def flatten_up_to(tree: Tree, x: Any, what: str) -> list:
    """The leaves of ``x`` read with the structure ``tree``; a ``None`` where a subtree is
    expected stands for each of its leaves (a tangent or cotangent that is zero)."""
    leaves: list = []
    _up_to(tree, x, leaves, what)
    return leaves


def _up_to(tree: Tree, x: Any, leaves: list, what: str) -> None:
    if x is None and tree.kind is not type(None):
        leaves.extend([None] * tree.n_leaves)
        return
    if tree.kind is None:
        leaves.append(x)
        return
    if tree.kind is type(None):
        return
    if tree.kind is dict or tree.kind is OrderedDict:
        if not isinstance(x, dict) or set(x) != set(tree.keys):
            raise InputError(f"{what}: expected a dict with keys {list(tree.keys)}, got {_describe(x)}")
        for k, c in zip(tree.keys, tree.children):
            _up_to(c, x[k], leaves, f"{what}[{k!r}]")
        return
    if not isinstance(x, (tuple, list)) or len(x) != len(tree.children):
        expected = f"a {tree.kind.__name__} of {len(tree.children)}"
        raise InputError(f"{what}: expected {expected}, got {_describe(x)}")
    for k, (c, v) in enumerate(zip(tree.children, x)):
        _up_to(c, v, leaves, f"{what}[{k}]")


def _describe(x: Any) -> str:
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)}"
    if isinstance(x, dict):
        return f"a dict with keys {list(x)}"
    return type(x).__name__
