"""``drew-gcn``: DRew-GCN (Gutteridge et al., ICML 2023) as a ``graphkit bench --task node`` model.

The model is :class:`~graphkit.layers.rewire.drew.DRewGNN` (linear encoder, ``num_layers``
residual DRew layers over the k-hop rings with delay :math:`\\nu`, linear decoder), trained by
the node task's loop (:func:`~graphkit.bench.node.train_node_model`). The ring operators are
computed once per job from the dataset's graph.

Hyperparameters (``--set``): the GCN defaults of :data:`~graphkit.bench.node.NODE_DEFAULTS`
with ``hidden`` 64, ``num_layers`` 4, dropout 0, ``nu`` 1 (0 means :math:`\\nu = \\infty`, no
delay) and ``max_k`` 0 (0 means no cap: rings up to ``num_layers``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from graphkit.bench.job import Job
from graphkit.bench.node import LAYER_OPTIONS, NODE_DEFAULTS, train_node_model
from graphkit.bench.registry import ModelSpec, register_model
from graphkit.errors import ConfigError
from graphkit.layers.rewire.drew import DRewGNN

__all__ = ["DREW_DEFAULTS", "DRewNodeModel"]

#: default hyperparameters of ``drew-gcn``: GCN's, less ``input_dropout`` (one ``dropout`` rate) and
#: the ``GCNLayer`` options of :data:`LAYER_OPTIONS` (DRew's layers are its own)
DREW_DEFAULTS: dict[str, Any] = {
    **{k: v for k, v in NODE_DEFAULTS["gcn"].items()
       if k != "input_dropout" and k not in LAYER_OPTIONS["gcn"]},
    "hidden": 64, "num_layers": 4, "dropout": 0.0, "nu": 1, "max_k": 0,
}


class DRewNodeModel(nn.Module):
    """:class:`DRewGNN` behind the node task's ``model(x, adj, edge_index)`` call, rings cached.

    Args:
        in_channels, num_classes: sizes. edge_index: the graph. num_nodes: ``N``.
        params: the job's hyperparameters (``hidden``, ``num_layers``, ``dropout``, ``nu``, ``max_k``).
    """

    def __init__(
        self, in_channels: int, num_classes: int, edge_index: torch.Tensor, num_nodes: int,
        params: dict[str, Any],
    ) -> None:
        super().__init__()
        for key in ("nu", "max_k"):
            value = params[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{key} must be an integer >= 0 (0: {'no delay' if key == 'nu' else 'no cap'}); "
                                  f"got {value!r}.")
        self.net = DRewGNN(
            in_channels, params["hidden"], num_classes, params["num_layers"],
            nu=params["nu"] or None, dropout=params["dropout"], max_k=params["max_k"] or None,
        )
        self.rings = self.net.rings(edge_index, num_nodes)

    def forward(self, x: torch.Tensor, adj: Any, edge_index: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, C]`` (``adj`` and ``edge_index`` are unused: the rings are cached)."""
        return self.net(x.to_dense() if x.is_sparse else x, rings=self.rings)


def _build(job: Job, in_channels: int | None, num_classes: int) -> nn.Module:
    if in_channels is None:
        raise ConfigError(f"model 'drew-gcn' needs node features; pass --features for dataset "
                          f"{job.dataset.name!r}.")
    data = job.dataset.data
    return DRewNodeModel(in_channels, num_classes, data.edge_index, data.num_nodes, job.params)


register_model(ModelSpec(
    "drew-gcn", "node", lambda job: train_node_model(job, "drew-gcn", _build), dict(DREW_DEFAULTS),
    "DRew-GCN: k-hop rings added layer by layer, delay nu (Gutteridge et al., ICML 2023)",
))
