"""GTR: each added edge lowers the total resistance by exactly the predicted amount, greedily."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import torch

from graphkit.errors import GraphInputError
from graphkit.layers.rewire import GTR, greedy_total_resistance, total_effective_resistance


def total_by_pinv(graph: nx.Graph) -> float:
    laplacian = nx.laplacian_matrix(graph, nodelist=range(len(graph))).toarray().astype(float)
    return len(graph) * float(np.trace(np.linalg.pinv(laplacian)))


@pytest.mark.parametrize("seed", range(3))
def test_predicted_reduction_is_exact(bottleneck, edge_index_of, seed):
    for ei in (bottleneck, edge_index_of(nx.cycle_graph(12))):
        result = greedy_total_resistance(ei, num_edges=4, seed=seed)
        graph = nx.Graph(ei.t().tolist())
        totals = [total_effective_resistance(ei)]
        for (u, v), predicted in zip(result.added.t().tolist(), result.predicted_reduction.tolist(), strict=True):
            graph.add_edge(u, v)
            totals.append(total_by_pinv(graph))
            assert totals[-2] - totals[-1] == pytest.approx(predicted, rel=1e-9)
            assert predicted > 0
        assert total_effective_resistance(result.edge_index) == pytest.approx(totals[-1], rel=1e-9)


def test_each_step_is_the_best_single_edge(edge_index_of):
    graph = nx.barbell_graph(4, 2)
    result = greedy_total_resistance(edge_index_of(graph), num_edges=3)
    for u, v in result.added.t().tolist():
        base = total_by_pinv(graph)
        best = 0.0
        for a, b in itertools.combinations(range(len(graph)), 2):
            if not graph.has_edge(a, b):
                trial = graph.copy()
                trial.add_edge(a, b)
                best = max(best, base - total_by_pinv(trial))
        graph.add_edge(u, v)
        assert base - total_by_pinv(graph) == pytest.approx(best, rel=1e-9)


def test_disconnected_graph_adds_inside_components(edge_index_of):
    graph = nx.disjoint_union(nx.path_graph(5), nx.path_graph(4))
    ei = edge_index_of(graph)
    result = greedy_total_resistance(ei, num_edges=2)
    labels = {node: 0 if node < 5 else 1 for node in range(9)}
    assert all(labels[u] == labels[v] for u, v in result.added.t().tolist())
    drop = total_effective_resistance(ei) - total_effective_resistance(result.edge_index)
    assert drop == pytest.approx(result.predicted_reduction.sum().item(), rel=1e-9)


def test_stops_when_complete_and_refuses_huge_graphs(edge_index_of):
    ei = edge_index_of(nx.complete_graph(4))
    result = greedy_total_resistance(ei, num_edges=2)
    assert torch.equal(result.edge_index, ei) and result.added.shape == (2, 0)
    with pytest.raises(GraphInputError, match="dense_max_nodes"):
        greedy_total_resistance(edge_index_of(nx.path_graph(30)), dense_max_nodes=10)


def test_transform_contract_and_repr(check_transform_contract):
    check_transform_contract(lambda **kw: GTR(**{"num_edges": 3, **kw}), {"num_edges": -1, "seed": 1.0})
    assert repr(GTR()) == "GTR(num_edges=10, seed=0)"
    assert repr(GTR(num_edges=5, seed=2)) == "GTR(num_edges=5, seed=2)"
