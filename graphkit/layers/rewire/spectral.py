r"""Spectral gap of a graph: the second-smallest Laplacian eigenvalue.

By Cheeger's inequality :math:`\lambda_2 / 2 \le h_G \le \sqrt{2 \lambda_2}` for the normalised
Laplacian (:math:`h_G` the Cheeger constant), so a small gap means a bottleneck; FoSR
(Karhadkar et al., ICLR 2023) adds edges to raise it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import eigsh

from graphkit.errors import GraphInputError
from graphkit.layers.rewire._graph import undirected_csr

__all__ = ["spectral_gap"]

_SHIFT = -1e-3  # shift-invert target just below the spectrum, so (L - shift I) is positive definite


def spectral_gap(
    edge_index: torch.Tensor,
    num_nodes: int | None = None,
    normalized: bool = True,
    dense_max_nodes: int = 2000,
) -> float:
    r"""Second-smallest eigenvalue :math:`\lambda_2` of the graph Laplacian.

    .. math::

        L = D - A \quad\text{or, when normalized,}\quad
        \mathcal{L} = I - D^{-1/2} A D^{-1/2} \quad (\text{eigenvalues in } [0, 2]).

    :math:`\lambda_2 = 0` exactly when the graph is disconnected (isolated nodes included), and
    that is returned without an eigensolver. Graphs up to ``dense_max_nodes`` nodes use dense
    ``numpy.linalg.eigvalsh``; larger ones use ARPACK (``scipy.sparse.linalg.eigsh``) in
    shift-invert mode around a point just below 0, which finds the two smallest eigenvalues
    from one sparse factorisation.

    Args:
        edge_index: ``[2, E]`` undirected graph, both directions listed, no self-loops/duplicates.
        num_nodes: number of nodes (default ``max id + 1``); at least 2.
        normalized: use the symmetric normalised Laplacian (default) or the combinatorial one.
        dense_max_nodes: largest graph solved densely (default 2000).

    Returns:
        :math:`\lambda_2` as a Python float.
    """
    graph = undirected_csr(edge_index, num_nodes)
    n = graph.num_nodes
    if n < 2:
        raise GraphInputError(
            f"spectral_gap needs a graph with at least 2 nodes; got num_nodes={n}."
        )
    adjacency = sp.csr_matrix(
        (np.ones(graph.indices.size), graph.indices, graph.indptr), shape=(n, n)
    )
    if connected_components(adjacency, directed=False)[0] > 1:
        return 0.0
    degrees = graph.degrees.astype(np.float64)
    if normalized:
        scale = sp.diags(1.0 / np.sqrt(degrees))
        laplacian = sp.identity(n, format="csr") - scale @ adjacency @ scale
    else:
        laplacian = sp.diags(degrees) - adjacency
    if n <= dense_max_nodes:
        return float(np.linalg.eigvalsh(laplacian.toarray())[1])
    values = eigsh(laplacian.tocsc(), k=2, sigma=_SHIFT, which="LM", return_eigenvectors=False)
    return float(np.sort(values)[1])
