"""A hand-written PyG link predictor with :class:`graphkit.layers.WalkPooling`.

Pipeline (Pan, Shi & Dokmanić, ICLR 2022): for every candidate pair extract its 2-hop
enclosing subgraph without the target link, batch the subgraphs block-diagonally with PyG's
``DataLoader``, run two ``GCNConv`` layers on the subgraphs *with* the target link, pool each
subgraph with WalkPooling and classify the walk profile with an MLP.

Run from the repository root (about a minute on one CPU core)::

    python examples/walkpool_model.py [--epochs 5]

It trains on a planted-community graph from :mod:`graphkit.data.synthetic` and prints the
validation and test AUC per epoch.
"""

from __future__ import annotations

import argparse

import torch
from torch import nn
from torch.nn import functional as F
from torch_geometric.data import Data
from torch_geometric.loader import DataLoader
from torch_geometric.nn import GCNConv

from graphkit.bench.metrics import roc_auc
from graphkit.data.splits import random_link_split, training_graph
from graphkit.data.synthetic import planted_link_graph
from graphkit.layers import WalkPooling, enclosing_subgraphs


def subgraph_dataset(train_edges: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor,
                     num_nodes: int) -> list[Data]:
    """One ``Data`` per pair: G- edges, ``pair`` = local target ids (0, 1), label ``y``."""
    pairs = torch.cat([pos, neg], dim=1)
    labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
    sub = enclosing_subgraphs(train_edges, pairs, num_hops=2, num_nodes=num_nodes)
    graphs = []
    for p in range(len(sub)):
        n = int(sub.node_ptr[p + 1] - sub.node_ptr[p])
        edges = sub.edge_index[:, sub.edge_ptr[p] : sub.edge_ptr[p + 1]]
        # x: all ones (featureless graph, as in the paper's default); pair: PyG increments
        # attributes named *index by the number of nodes when batching
        graphs.append(Data(edge_index=edges, x=torch.ones(n, 8), pair_index=torch.tensor([[0], [1]]),
                           y=labels[p : p + 1], num_nodes=n))
    return graphs


class WalkPoolNet(nn.Module):
    def __init__(self, in_channels: int = 8, hidden: int = 32) -> None:
        super().__init__()
        self.conv1, self.conv2 = GCNConv(in_channels, hidden), GCNConv(hidden, hidden)
        self.pool = WalkPooling(in_channels + 2 * hidden, heads=2, walk_length=7, hidden_channels=hidden)
        self.mlp = nn.Sequential(nn.BatchNorm1d(self.pool.out_channels),
                                 nn.Linear(self.pool.out_channels, 256), nn.ReLU(), nn.Linear(256, 1))

    def forward(self, data: Data) -> torch.Tensor:
        # message passing on G+: the subgraph plus the target link
        target = torch.cat([data.pair_index, data.pair_index.flip(0)], dim=1)
        plus = torch.cat([data.edge_index, target], dim=1)
        h1 = self.conv1(data.x, plus)
        h2 = self.conv2(F.dropout(h1.relu(), 0.5, self.training), plus)
        z = torch.cat([data.x, h1, h2], dim=-1)
        return self.mlp(self.pool(z, data.edge_index, data.batch, data.pair_index)).squeeze(-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    graph = planted_link_graph(num_communities=10, community_size=12, seed=0)
    split = random_link_split(graph, seed=0)
    n = graph.num_nodes
    train_edges = training_graph(split, n)
    neg = torch.randint(0, n, (2, split.train_pos.size(1)))  # a few may be edges: fine for a demo
    neg = neg[:, neg[0] != neg[1]]
    loaders = {
        "train": DataLoader(subgraph_dataset(train_edges, split.train_pos, neg, n), batch_size=32, shuffle=True),
        "valid": DataLoader(subgraph_dataset(train_edges, split.valid_pos, split.valid_neg, n), batch_size=64),
        "test": DataLoader(subgraph_dataset(train_edges, split.test_pos, split.test_neg, n), batch_size=64),
    }
    model = WalkPoolNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, args.epochs + 1):
        model.train()
        for batch in loaders["train"]:
            loss = F.binary_cross_entropy_with_logits(model(batch), batch.y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            auc = {}
            for part in ("valid", "test"):
                scores, labels = zip(*[(model(b), b.y) for b in loaders[part]], strict=True)
                scores, labels = torch.cat(scores), torch.cat(labels)
                auc[part] = roc_auc(scores[labels == 1], scores[labels == 0])
        print(f"epoch {epoch}: loss {loss.item():.4f}, valid AUC {100 * auc['valid']:.2f}, "
              f"test AUC {100 * auc['test']:.2f}")


if __name__ == "__main__":
    main()
