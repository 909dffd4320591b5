"""The exceptions graphdiff raises. Every one is a :class:`GraphError`."""

from __future__ import annotations

import networkx as nx

__all__ = [
    "GraphError",
    "IndexingError",
    "CycleError",
    "UnknownPrimitiveError",
    "ArityError",
    "PrimitiveDefinitionError",
    "ParameterError",
    "NodeError",
    "InputError",
    "ValueTypeError",
    "MissingInputError",
    "UnknownInputError",
    "ExtraInputError",
    "SeedError",
    "ShapeError",
    "NotScalarError",
    "TracerError",
    "TracerAttributeError",
    "GraphFormatError",
    "FrozenGraphError",
    "GraphFileError",
    "ArgumentError",
    "OptionalDependencyError",
    "TooLargeToDrawError",
]


class GraphError(Exception):
    """Base class of every error graphdiff raises on a bad graph or a bad call."""


class CycleError(GraphError, ValueError):
    """The graph has a cycle, so it is not a computation."""


class UnknownPrimitiveError(GraphError, KeyError):
    """An operation names a primitive that is not in the primitive table."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PrimitiveDefinitionError(GraphError, TypeError):
    """A primitive's definition is malformed, or its rules use an operation graphdiff cannot count or compile."""


class ArityError(GraphError, TypeError):
    """An operation has the wrong number of arguments or parameters."""


class ParameterError(GraphError, TypeError, ValueError):
    """An operation's parameter has the wrong type or a value out of its range (``integer_pow``'s ``y='3'``)."""


class NodeError(GraphError, ValueError):
    """A node name is unknown, duplicated, or a node's attributes are malformed."""


class InputError(GraphError, TypeError):
    """The values given for a graph's inputs do not match its inputs."""


class ValueTypeError(InputError):
    """A value that must be a real number or an array of them is something else.

    None, a bool, a string, a complex number, an integer too large for a float64, a
    ragged nested list or an array of objects: each is refused by name rather than
    turned into ``nan`` or silently losing an imaginary part.
    """


class MissingInputError(InputError):
    """An input of the graph was given no value."""


class UnknownInputError(InputError):
    """A value was given for a name that is not an input of the graph."""


class ExtraInputError(InputError):
    """More positional values were given than the graph has inputs."""


class SeedError(GraphError, ValueError):
    """A sweep was seeded at a node that is not an input (forward) or an output (reverse)."""


class ShapeError(GraphError, ValueError):
    """Array shapes do not fit together, or a value has a shape its node does not accept."""


class IndexingError(GraphError, IndexError):
    """An index into a traced or dual value that is out of range, or of a kind not supported."""


class NotScalarError(ShapeError):
    """A gradient was asked of an output that is not a scalar."""


class TracerError(GraphError, TypeError):
    """A traced function did something that cannot be recorded (branching on a traced value)."""


class TracerAttributeError(TracerError, AttributeError):
    """A traced value was asked for an array attribute or method that cannot be recorded."""


class FrozenGraphError(GraphError, nx.NetworkXError):
    """An edit of a graph's networkx graph, which is read-only: edit a copy and use ``Graph.from_networkx``."""


class GraphFormatError(GraphError, ValueError):
    """A saved graph file is malformed."""


class GraphFileError(GraphFormatError, OSError):
    """A graph file cannot be read or written: it is missing, a directory, or not permitted."""


class ArgumentError(GraphError, ValueError):
    """An argument to a builder, harness or command is out of its range."""


class OptionalDependencyError(GraphError, ImportError):
    """A feature needs an optional dependency that is not installed; the message says how to add it."""


class TooLargeToDrawError(GraphError, ValueError):
    """A graph has more nodes than a PNG or SVG picture shows readably; DOT text has no such limit."""
