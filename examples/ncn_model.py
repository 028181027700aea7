"""A hand-written PyG link prediction model with graphkit's NCN predictor.

Any encoder works: here two PyG ``GCNConv`` layers on Cora's features. The predictor takes the
node representations, the training graph (an ``edge_index``; a torch sparse adjacency works too)
and the candidate pairs. Each training batch removes its own positive edges from the graph the
model sees (target-link removal). A random 85/5/10 edge split from PyG's ``RandomLinkSplit``;
AUC on the test edges at the best validation epoch.

    python examples/ncn_model.py --root ../shared/datasets
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn
from torch.nn import functional as F
from torch_geometric.nn import GCNConv
from torch_geometric.transforms import RandomLinkSplit

from graphkit.data import load
from graphkit.layers import NCNCPredictor, NCNPredictor, remove_target_links
from graphkit.layers.ncn import neighbor_lists


class Net(nn.Module):
    def __init__(self, in_channels: int, hidden: int, completion: bool) -> None:
        super().__init__()
        self.conv1, self.conv2 = GCNConv(in_channels, hidden), GCNConv(hidden, hidden)
        predictor = NCNCPredictor if completion else NCNPredictor
        self.predictor = predictor(hidden, hidden, dropout=0.3)

    def forward(self, x, edge_index, pairs):
        h = F.relu(self.conv1(F.dropout(x, 0.5, self.training), edge_index))
        h = self.conv2(F.dropout(h, 0.3, self.training), edge_index)
        return self.predictor(h, edge_index, pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=None, help="graphkit data root (default $GRAPHKIT_DATA)")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--completion", action="store_true", help="use NCNC instead of NCN")
    args = parser.parse_args()
    torch.manual_seed(0)
    data = load("cora", args.root, task="node").data  # the full graph with features
    train, valid, test = RandomLinkSplit(num_val=0.05, num_test=0.1, is_undirected=True,
                                         add_negative_train_samples=False)(data)
    graph = neighbor_lists(train.edge_index, data.num_nodes)  # reused: sorted CSR lists
    model = Net(data.num_features, 64, args.completion)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    positives = train.edge_label_index
    best = (0.0, 0.0)
    for epoch in range(1, args.epochs + 1):
        model.train()
        for batch in torch.randperm(positives.size(1)).split(1024):
            pos = positives[:, batch]
            # target-link removal: the batch's own edges are hidden from encoder and predictor
            reduced = remove_target_links(graph, pos)
            edge_index = torch.from_numpy(np.stack([reduced.row_ids(), reduced.indices]))
            neg = torch.randint(0, data.num_nodes, pos.shape)
            optimizer.zero_grad()
            logits = model(train.x, edge_index, torch.cat([pos, neg], dim=1))
            labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
            F.binary_cross_entropy_with_logits(logits, labels).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            scores = [model(train.x, train.edge_index, split.edge_label_index) for split in (valid, test)]
        auc = [roc_auc_score(s.edge_label, p) for s, p in zip((valid, test), scores, strict=True)]
        if auc[0] > best[0]:
            best = (auc[0], auc[1])
        print(f"epoch {epoch:3d}  valid AUC {auc[0]:.4f}  test AUC {auc[1]:.4f}")
    print(f"best valid AUC {best[0]:.4f}, test AUC there {best[1]:.4f}")


if __name__ == "__main__":
    main()
