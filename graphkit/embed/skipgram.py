"""DeepWalk and node2vec embeddings: random walks + skip-gram with negative sampling (gensim).

References:
    Perozzi, Al-Rfou & Skiena, "DeepWalk: Online Learning of Social Representations", KDD 2014.
    Grover & Leskovec, "node2vec: Scalable Feature Learning for Networks", KDD 2016.
    Mikolov et al., "Distributed Representations of Words and Phrases and their
    Compositionality", NeurIPS 2013 (skip-gram with negative sampling).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch_geometric.transforms import BaseTransform

from graphkit.embed._checks import positive_int
from graphkit.embed.walks import iter_walk_rounds, random_walks
from graphkit.graph import as_graph

__all__ = ["node2vec", "deepwalk", "Node2VecEmbedding", "DeepWalkEmbedding"]


def node2vec(
    graph: Any,
    dim: int = 128,
    walk_length: int = 80,
    walks_per_node: int = 10,
    p: float = 1.0,
    q: float = 1.0,
    window: int = 10,
    negative: int = 5,
    epochs: int = 1,
    workers: int = 1,
    seed: int | np.random.Generator | None = 0,
    stream: bool = False,
) -> np.ndarray:
    r"""node2vec node embeddings (Grover & Leskovec, KDD 2016).

    Second-order biased walks (:func:`graphkit.embed.walks.random_walks`) are fed as sentences
    to gensim's skip-gram with negative sampling (``Word2Vec(sg=1, hs=0)``, gensim's default
    frequent-node down-sampling ``sample=1e-3``), which maximises

    .. math::

        \sum_{(u, c)} \Big[\log \sigma(\mathbf z_c'^\top \mathbf z_u)
        + \sum_{k=1}^{\text{negative}} \mathbb E_{n \sim P^{3/4}}
          \log \sigma(-\mathbf z_n'^\top \mathbf z_u)\Big]

    over the pairs of nodes ``(u, c)`` at most ``window`` steps apart in a walk. The defaults are
    the paper's settings.

    Nodes that never appear in a walk of two or more nodes (isolated nodes, and nodes that
    are only dead-end starts) have no skip-gram context and get all-zero rows.

    Determinism: the walks are fixed by ``seed`` for any thread count; gensim is only
    deterministic with ``workers=1`` (its threads race on the shared weights), so with
    ``workers > 1`` the embedding varies from run to run.

    Args:
        graph: any input accepted by :func:`graphkit.graph.as_graph` (weights >= 0).
        dim: embedding size (default 128).
        walk_length: nodes per walk (default 80; gensim truncates sentences at 10,000 tokens).
        walks_per_node: walks started from every node (default 10).
        p: return parameter (default 1).
        q: in-out parameter (default 1).
        window: skip-gram context size (default 10).
        negative: negative samples per positive pair (default 5).
        epochs: passes of skip-gram over the walks (default 1).
        workers: gensim worker threads (default 1, the only deterministic choice).
        seed: an int or ``numpy.random.Generator`` (default 0) seeding the walks and gensim.
        stream: generate the walks round by round on every pass of gensim over the corpus
            instead of holding all ``N * walks_per_node * walk_length`` ids in memory. Gives the
            same embedding as ``stream=False`` (with ``workers=1``), at the cost of walking
            ``1 + epochs`` times.

    Returns:
        ``float32`` array of shape ``[N, dim]``; row ``i`` embeds node ``i``.

    Raises:
        ConfigError: bad walk or skip-gram settings (``walk_length``, ``p``, ``dim``, ...).
        GraphInputError: bad graph (e.g. negative weights).
    """
    _check_skipgram(dim, window, negative, epochs, workers)
    rng = np.random.default_rng(seed)
    walk_seed = int(rng.integers(2**63))
    gensim_seed = int(rng.integers(2**31 - 1))
    graph = as_graph(graph, allow_empty=True)
    options = {"walk_length": walk_length, "walks_per_node": walks_per_node, "p": p, "q": q,
               "seed": walk_seed}
    if stream:
        iter_walk_rounds(graph, **options)  # validate the arguments before gensim starts
        corpus = _WalkCorpus(lambda: iter_walk_rounds(graph, **options), graph.num_nodes)
    else:
        walks = random_walks(graph, **options)
        corpus = _WalkCorpus(lambda: iter(np.array_split(walks, walks_per_node)),
                             graph.num_nodes)
    has_context = walk_length >= 2 and graph.num_edges > 0 and (
        graph.weights is None or graph.weights.max() > 0)
    if not has_context:
        return np.zeros((graph.num_nodes, dim), dtype=np.float32)
    return _skipgram(corpus, graph.num_nodes, dim, window, negative, epochs, workers,
                     gensim_seed)


def deepwalk(
    graph: Any,
    dim: int = 128,
    walk_length: int = 80,
    walks_per_node: int = 10,
    window: int = 10,
    negative: int = 5,
    epochs: int = 1,
    workers: int = 1,
    seed: int | np.random.Generator | None = 0,
    stream: bool = False,
) -> np.ndarray:
    """DeepWalk node embeddings (Perozzi et al., KDD 2014): :func:`node2vec` with ``p = q = 1``.

    Uniform (first-order, weight-proportional on weighted graphs) walks and skip-gram with
    negative sampling (the original used hierarchical softmax; node2vec's comparison, like this
    function, uses negative sampling). Arguments, return value and determinism as in
    :func:`node2vec`.
    """
    return node2vec(graph, dim=dim, walk_length=walk_length, walks_per_node=walks_per_node,
                    p=1.0, q=1.0, window=window, negative=negative, epochs=epochs,
                    workers=workers, seed=seed, stream=stream)


class Node2VecEmbedding(BaseTransform):
    """PyG transform writing :func:`node2vec` embeddings to ``data.x``.

    Named so as not to clash with ``torch_geometric.nn.Node2Vec`` (a trainable model). Returns
    a new ``Data``; the input is never modified.

    Args:
        dim, walk_length, walks_per_node, p, q, window, negative, epochs, workers, seed,
            stream: as in :func:`node2vec` (same defaults).
        cat: concatenate the embedding to an existing ``data.x`` instead of replacing it
            (default ``False``).
    """

    def __init__(self, dim: int = 128, walk_length: int = 80, walks_per_node: int = 10,
                 p: float = 1.0, q: float = 1.0, window: int = 10, negative: int = 5,
                 epochs: int = 1, workers: int = 1, seed: int = 0, stream: bool = False,
                 cat: bool = False):
        self.dim, self.walk_length, self.walks_per_node = dim, walk_length, walks_per_node
        self.p, self.q, self.window, self.negative = p, q, window, negative
        self.epochs, self.workers, self.seed, self.stream = epochs, workers, seed, stream
        self.cat = cat

    def _embed(self, data: Any) -> np.ndarray:
        return node2vec(data, dim=self.dim, walk_length=self.walk_length,
                        walks_per_node=self.walks_per_node, p=self.p, q=self.q,
                        window=self.window, negative=self.negative, epochs=self.epochs,
                        workers=self.workers, seed=self.seed, stream=self.stream)

    def forward(self, data: Any) -> Any:
        embedding = torch.from_numpy(self._embed(data))
        x = getattr(data, "x", None)
        if self.cat and x is not None:
            embedding = torch.cat([x.view(x.size(0), -1).to(embedding.dtype), embedding], dim=-1)
        data.x = embedding
        return data

    def _arguments(self) -> dict[str, Any]:
        return {"dim": self.dim, "walk_length": self.walk_length,
                "walks_per_node": self.walks_per_node, "p": self.p, "q": self.q,
                "window": self.window, "negative": self.negative, "epochs": self.epochs,
                "workers": self.workers, "seed": self.seed, "stream": self.stream,
                "cat": self.cat}

    def __repr__(self) -> str:
        arguments = ", ".join(f"{name}={value!r}" for name, value in self._arguments().items())
        return f"{self.__class__.__name__}({arguments})"


class DeepWalkEmbedding(Node2VecEmbedding):
    """PyG transform writing :func:`deepwalk` embeddings to ``data.x`` (input never modified).

    Args:
        dim, walk_length, walks_per_node, window, negative, epochs, workers, seed, stream:
            as in :func:`deepwalk` (same defaults).
        cat: concatenate to an existing ``data.x`` instead of replacing it (default ``False``).
    """

    def __init__(self, dim: int = 128, walk_length: int = 80, walks_per_node: int = 10,
                 window: int = 10, negative: int = 5, epochs: int = 1, workers: int = 1,
                 seed: int = 0, stream: bool = False, cat: bool = False):
        super().__init__(dim=dim, walk_length=walk_length, walks_per_node=walks_per_node,
                         window=window, negative=negative, epochs=epochs, workers=workers,
                         seed=seed, stream=stream, cat=cat)

    def _arguments(self) -> dict[str, Any]:
        arguments = super()._arguments()
        del arguments["p"], arguments["q"]
        return arguments


class _WalkCorpus:
    """Restartable iterable of walks (lists of ``str`` node ids) for gensim, round by round.

    ``make_rounds()`` returns a fresh iterator of ``[S, walk_length]`` blocks on every pass;
    ``-1`` padding is stripped and walks of fewer than two nodes are skipped. Tokens are
    strings: gensim 4 resolves an ``int`` key as a vocabulary *index* in places
    (``KeyedVectors.get_index``, used when it builds the negative-sampling table), which with
    integer node ids silently gives the wrong noise distribution.
    """

    def __init__(self, make_rounds, num_nodes: int):
        self.make_rounds = make_rounds
        self.names = np.array([str(node) for node in range(num_nodes)], dtype=object)

    def __iter__(self) -> Iterator[list[str]]:
        for block in self.make_rounds():
            yield from _sentences(block, self.names)


def _sentences(block: np.ndarray, names: np.ndarray) -> Iterator[list[str]]:
    lengths = (block >= 0).sum(axis=1).tolist()  # padding is only ever trailing
    for walk, length in zip(names[np.maximum(block, 0)].tolist(), lengths, strict=True):
        if length > 1:
            yield walk[:length]


def _train(corpus: _WalkCorpus, dim: int, window: int, negative: int, epochs: int,
           workers: int, seed: int):
    from gensim.models import Word2Vec

    return Word2Vec(corpus, vector_size=dim, window=window, min_count=1, sg=1, hs=0,
                    negative=negative, epochs=epochs, workers=workers, seed=seed)


def _skipgram(corpus: _WalkCorpus, num_nodes: int, dim: int, window: int, negative: int,
              epochs: int, workers: int, seed: int) -> np.ndarray:
    model = _train(corpus, dim, window, negative, epochs, workers, seed)
    out = np.zeros((num_nodes, dim), dtype=np.float32)
    keys = np.array([int(key) for key in model.wv.index_to_key], dtype=np.int64)
    out[keys] = model.wv.vectors
    return out


def _check_skipgram(dim: Any, window: Any, negative: Any, epochs: Any, workers: Any) -> None:
    for name, value in (("dim", dim), ("window", window), ("negative", negative),
                        ("epochs", epochs), ("workers", workers)):
        positive_int(name, value)
