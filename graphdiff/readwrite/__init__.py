"""Reading and writing graphs: networkx's node-link JSON, checked field by field on load."""

from graphdiff.readwrite.node_link import FORMAT, from_json, load, save, to_json

__all__ = ["to_json", "from_json", "save", "load", "FORMAT"]
