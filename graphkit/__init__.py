"""graphkit: graph learning toolkit for link prediction, node embeddings and benchmarking."""

from graphkit.errors import GraphkitError
from graphkit.graph import Graph, as_graph

__version__ = "0.1.0"

__all__ = ["Graph", "GraphkitError", "__version__", "as_graph"]
