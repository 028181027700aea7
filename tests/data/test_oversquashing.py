"""Over-squashing datasets: seeded, labels correct by construction, split by graph, resistances."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch

from graphkit.data import get_info, load
from graphkit.data.oversquashing import (
    clique_path,
    crossed_ring,
    effective_resistance_dense,
    ring_transfer,
    tree_neighbors_match,
)
from graphkit.errors import DatasetError

NAMES = ["ring-transfer", "crossed-ring", "clique-path", "tree-neighbors-match"]


def _component(data, g: int) -> tuple[nx.Graph, np.ndarray]:
    """The networkx graph of copy ``g`` (local ids) and its global node ids."""
    nodes = torch.nonzero(data.graph_id == g).view(-1).numpy()
    local = {int(v): i for i, v in enumerate(nodes)}
    graph = nx.Graph()
    graph.add_nodes_from(range(nodes.size))
    for u, v in data.edge_index.t().tolist():
        if u in local:
            assert v in local, "an edge leaves its graph"
            graph.add_edge(local[u], local[v])
    return graph, nodes


@pytest.mark.parametrize("name", NAMES)
def test_seeded_and_deterministic(name):
    a, b, c = (load(name, task="node", seed=s, num_graphs=30) for s in (0, 0, 1))
    for key in ("x", "y", "edge_index", "graph_id"):
        assert torch.equal(a.data[key], b.data[key])
    assert torch.equal(a.split.test_idx, b.split.test_idx)
    assert not torch.equal(a.data.x, c.data.x) or not torch.equal(a.split.test_idx, c.split.test_idx)


@pytest.mark.parametrize("generator", [ring_transfer, crossed_ring, clique_path])
def test_transfer_labels_by_brute_force(generator):
    data = generator(num_graphs=12, num_classes=4, seed=5)
    labelled = torch.nonzero(data.y >= 0).view(-1)
    assert torch.equal(labelled, data.target)
    for g in range(12):
        graph, nodes = _component(data, g)
        x = data.x[torch.from_numpy(nodes)]
        sources = torch.nonzero(x[:, :4].sum(dim=1)).view(-1).tolist()
        targets = torch.nonzero(x[:, 4]).view(-1).tolist()
        assert len(sources) == 1 and len(targets) == 1
        source, target = sources[0], targets[0]
        assert nodes[target] == int(data.target[g]) and nodes[source] == int(data.source[g])
        # the target is the node farthest from the source, and carries the source's class
        lengths = nx.single_source_shortest_path_length(graph, source)
        assert lengths[target] == max(lengths.values())
        assert int(data.y[nodes[target]]) == int(x[source, :4].argmax())
        assert float(data.resistance[g]) == pytest.approx(nx.resistance_distance(graph, source, target))


def test_tree_neighbors_match_labels_by_brute_force():
    depth, leaves = 3, 8
    data = tree_neighbors_match(num_graphs=10, depth=depth, seed=2)
    assert data.x.size(1) == 2 * leaves and int(data.y.max()) < leaves
    for g in range(10):
        graph, nodes = _component(data, g)
        x = data.x[torch.from_numpy(nodes)]
        assert nx.is_tree(graph) and graph.number_of_nodes() == 2 * leaves - 1
        leaf_ids = [v for v in graph if graph.degree(v) == 1]
        root = next(v for v in graph if graph.degree(v) == 2 and x[v].sum() > 0)
        assert all(nx.shortest_path_length(graph, root, v) == depth for v in leaf_ids)
        keys = {v: int(x[v, :leaves].argmax()) for v in leaf_ids}
        labels = {v: int(x[v, leaves:].argmax()) for v in leaf_ids}
        assert sorted(keys.values()) == list(range(leaves))
        assert sorted(labels.values()) == list(range(leaves))
        assert float(x[root, leaves:].sum()) == 0.0
        match = next(v for v in leaf_ids if keys[v] == int(x[root, :leaves].argmax()))
        assert int(data.y[nodes[root]]) == labels[match]
        assert int(data.source[g]) == nodes[match] and int(data.target[g]) == nodes[root]
        assert float(data.resistance[g]) == pytest.approx(depth)


def test_resistance_follows_the_topology():
    ring = ring_transfer(num_graphs=1, ring_size=10)
    crossed = crossed_ring(num_graphs=1, ring_size=10)
    clique = clique_path(num_graphs=1, clique_size=4, path_length=3)
    assert float(ring.resistance[0]) == pytest.approx(10 / 4)
    assert float(clique.resistance[0]) == pytest.approx(2 / 4 + 3)
    # crossing edges keep the distance but lower the resistance
    for data in (ring, crossed):
        graph, _ = _component(data, 0)
        assert nx.shortest_path_length(graph, 0, 5) == 5
    assert float(crossed.resistance[0]) < float(ring.resistance[0])
    edges = np.array([[0, 1, 2], [1, 2, 0]])
    assert effective_resistance_dense(edges, 3, 0, 1) == pytest.approx(2 / 3)


@pytest.mark.parametrize("name", NAMES)
def test_split_is_over_targets_and_disjoint_by_graph(name):
    loaded = load(name, task="node", seed=3, num_graphs=40)
    split, data = loaded.split, loaded.data
    parts = [split.train_idx, split.valid_idx, split.test_idx]
    graphs = [set(data.graph_id[p].tolist()) for p in parts]
    assert not (graphs[0] & graphs[1]) and not (graphs[0] & graphs[2]) and not (graphs[1] & graphs[2])
    assert set().union(*graphs) == set(range(40))
    everything = torch.cat(parts)
    assert torch.equal(everything.sort().values, data.target)
    assert bool((data.y[everything] >= 0).all())
    assert [p.numel() for p in parts] == [24, 8, 8]
    assert all(torch.equal(p, p.sort().values) for p in parts)
    assert get_info(name).metrics == {"node": "accuracy"}


@pytest.mark.parametrize(
    ("name", "options", "match"),
    [
        ("ring-transfer", {"ring_size": 2}, "ring_size"),
        ("crossed-ring", {"ring_size": 9}, "even"),
        ("clique-path", {"path_length": 0}, "path_length"),
        ("tree-neighbors-match", {"depth": 11}, "depth"),
        ("ring-transfer", {"num_classes": 1}, "num_classes"),
        ("ring-transfer", {"ring_sizes": 5}, "unknown option.*ring_size"),
        ("ring-transfer", {"train_ratio": 0.9, "valid_ratio": 0.2}, "train_ratio"),
        ("ring-transfer", {"num_graphs": 2}, "too small"),
    ],
)
def test_bad_options_name_the_argument(name, options, match):
    with pytest.raises(DatasetError, match=match):
        load(name, task="node", **options)
    with pytest.raises(DatasetError, match="link"):
        load(name, task="link")
