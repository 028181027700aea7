"""The dataset catalogue: the single source of metadata for every dataset graphkit knows.

Each :class:`DatasetInfo` says which tasks a dataset supports, the official metric and split of
each task, where the files come from (with SHA-256 checksums where they are known), the
licence, and the statistics a loader must reproduce (tests check loaders against them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graphkit.errors import DatasetError

__all__ = ["FileSpec", "DatasetInfo", "CATALOG", "get_info", "dataset_names"]

Task = Literal["link", "node"]


@dataclass(frozen=True)
class FileSpec:
    """A file a loader reads, relative to the dataset's directory under the data root."""

    path: str
    sha256: str | None = None


@dataclass(frozen=True)
class DatasetInfo:
    """Catalogue entry of one dataset.

    Attributes:
        name: catalogue name (lower case, as typed on the command line).
        loader: key of the loader function in :mod:`graphkit.data.loaders`.
        tasks: supported tasks; the first is the default.
        metrics: official metric per task (``'hits@20'``, ``'mrr'``, ``'auc'``, ``'accuracy'``...).
        splits: split protocol per task (``'official'``, ``'fixed-10'``, ``'public'``,
            ``'geom-gcn'``, ``'random'``).
        directory: folder of the dataset under the data root.
        files: files read from ``directory`` (with checksums where known).
        source: where the data comes from (paper or repository).
        url: download address of an archive (``None`` when graphkit cannot download it).
        url_sha256: checksum of that archive, when known.
        license: the data licence as stated by its source.
        stats: statistics the loader reproduces (``num_nodes``, ``num_edges``, split sizes...).
        options: loader options (for example which WalkPool graph or split ratio).
        description: one line for ``graphkit datasets list``.
    """

    name: str
    loader: str
    tasks: tuple[Task, ...]
    metrics: dict[str, str]
    splits: dict[str, str]
    directory: str
    files: tuple[FileSpec, ...] = ()
    source: str = ""
    url: str | None = None
    url_sha256: str | None = None
    license: str = "unknown"
    stats: dict[str, int] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)
    description: str = ""

    @property
    def default_task(self) -> Task:
        return self.tasks[0]


_OGB = "https://ogb.stanford.edu (Hu et al., NeurIPS 2020)"
_OGB_LINK_URL = "http://snap.stanford.edu/ogb/data/linkproppred/{}.zip"
_OGB_NODE_URL = "http://snap.stanford.edu/ogb/data/nodeproppred/{}.zip"

_DDI_FILES = (
    FileSpec("raw/edge.csv.gz", "b2c585f425f49b640ee5a3b451069124651ee0f2863a5b6ee6737a6b14c27a6e"),
    FileSpec("raw/num-node-list.csv.gz", "8462870f1b8c5937c66600aeb460af98d4f9965639fcd30f72f97da95ab374e3"),
    FileSpec("split/target/valid.pt", "4a48348f01fad0980a5be269fff7ace300e963144eef22d5ec4fc9830df872ac"),
    FileSpec("split/target/test.pt", "b45cfcf1695babf5a13e90bdf08988be23570ca76af0737f9d517e005ea7e297"),
)

_WALKPOOL_SHA = {
    "celegans": "450bb6f3ca833a65f53ee59103945ef87da70de2c6d262b1a760b9eefce287d6",
    "ns": "c69258a674e13115e34ec11343c92f352bcec635baf3fe40f0adf6e8a5037019",
    "pb": "c0eca0a3b5bac0ecd46491c2a1e080ec22e445d28f9975bc776dc07b3d672d88",
    "usair": "6b48a37e2bb398234e5383787c30dca087de704366a2b7b05d64cc2f53210e0b",
    "yeast": "2d199acffa6cecd9dfd0d13f0c4eaecd34158e83f1a717e5da7e38089692e112",
}
_WALKPOOL_FILE = {"celegans": "Celegans", "ns": "NS", "pb": "PB", "usair": "USAir", "yeast": "Yeast"}
# Nodes and undirected edges of the WalkPool/SEAL graphs (Zhang & Chen 2018, Table 1).
_WALKPOOL_STATS = {
    "usair": (332, 2126), "ns": (1589, 2742), "pb": (1222, 16714),
    "yeast": (2375, 11693), "celegans": (297, 2148),
}


def _ogb_link(name: str, archive: str, metric: str, license: str, stats=None, files=(), negatives="global"):
    return DatasetInfo(
        name=name, loader="ogb_link", tasks=("link",), metrics={"link": metric},
        splits={"link": "official"}, directory=name.replace("-", "_"), files=files,
        source=_OGB, url=_OGB_LINK_URL.format(archive), license=license,
        stats=stats or {}, options={"negatives": negatives},
        description=f"OGB link prediction, {metric}",
    )


def _ogb_node(name: str, archive: str, license: str):
    return DatasetInfo(
        name=name, loader="ogb_node", tasks=("node",), metrics={"node": "accuracy"},
        splits={"node": "official"}, directory=name.replace("-", "_"), source=_OGB,
        url=_OGB_NODE_URL.format(archive), license=license,
        description="OGB node property prediction, accuracy",
    )


def _planetoid(name: str, stats: dict[str, int]):
    return DatasetInfo(
        name=name.lower(), loader="planetoid", tasks=("node", "link"),
        metrics={"node": "accuracy", "link": "auc"}, splits={"node": "public", "link": "random"},
        directory=name, source="Planetoid (Yang et al., ICML 2016), kimiyoung/planetoid",
        url="https://github.com/kimiyoung/planetoid/raw/master/data", license="unknown (academic use)",
        stats=stats, options={"pyg_name": name},
        description=f"{name} citation graph, public split (20 labels per class)",
    )


def _geom_gcn(name: str, loader: str, directory: str, stats: dict[str, int]):
    return DatasetInfo(
        name=name, loader=loader, tasks=("node", "link"),
        metrics={"node": "accuracy", "link": "auc"}, splits={"node": "geom-gcn", "link": "random"},
        directory=directory, source="geom-gcn (Pei et al., ICLR 2020), graphdml-uiuc-jlu/geom-gcn",
        url="https://github.com/graphdml-uiuc-jlu/geom-gcn", license="unknown (academic use)",
        stats=stats, options={"pyg_name": directory.capitalize()},
        description=f"{name} heterophilous graph, 10 geom-gcn splits (60/20/20)",
    )


def _walkpool(key: str, observed: float):
    nodes, edges = _WALKPOOL_STATS[key]
    suffix = "" if observed == 0.9 else "-50"
    return DatasetInfo(
        name=f"{key}{suffix}", loader="walkpool", tasks=("link",), metrics={"link": "auc"},
        splits={"link": "fixed-10"}, directory="WalkPool",
        files=(FileSpec(f"{_WALKPOOL_FILE[key]}.mat", _WALKPOOL_SHA[key]),),
        source="SEAL / WalkPool graphs (Zhang & Chen 2018; Pan et al., ICLR 2022), DaDaCheng/WalkPooling",
        url="https://github.com/DaDaCheng/WalkPooling/tree/main/data", license="unknown (academic use)",
        stats={"num_nodes": nodes, "num_undirected_edges": edges},
        options={"file": _WALKPOOL_FILE[key], "observed": observed},
        description=(
            f"{_WALKPOOL_FILE[key]}, 10 fixed splits, {int(observed * 100)}% of edges observed"
        ),
    )


def _synthetic(name: str, tasks: tuple[Task, ...], description: str, **options):
    metrics = {"node": "accuracy", "link": "auc"}
    return DatasetInfo(
        name=name, loader="synthetic", tasks=tasks, metrics={t: metrics[t] for t in tasks},
        splits={t: "random" for t in tasks}, directory="", source="graphkit.data.synthetic",
        license="generated", options={"generator": name, **options}, description=description,
    )


def _oversquashing(name: str, description: str):
    return DatasetInfo(
        name=name, loader="oversquashing", tasks=("node",), metrics={"node": "accuracy"},
        splits={"node": "random"}, directory="", source="graphkit.data.oversquashing",
        license="generated", options={"generator": name}, description=description,
    )


_ENTRIES: tuple[DatasetInfo, ...] = (
    _ogb_link(
        "ogbl-ddi", "ddi", "hits@20", "CC-0",
        stats={
            "num_nodes": 4267, "num_train_edges": 1067911, "num_valid_pos": 133489,
            "num_test_pos": 133489, "num_valid_neg": 101882, "num_test_neg": 95599,
        },
        files=_DDI_FILES,
    ),
    _ogb_link("ogbl-collab", "collab", "hits@50", "ODC-BY"),
    _ogb_link("ogbl-ppa", "ppassoc", "hits@100", "CC-0"),
    _ogb_link("ogbl-citation2", "citation-v2", "mrr", "ODC-BY", negatives="per_positive"),
    _ogb_node("ogbn-arxiv", "arxiv", "ODC-BY"),
    _ogb_node("ogbn-products", "products", "Amazon license"),
    _planetoid("Cora", {"num_nodes": 2708, "num_undirected_edges": 5278, "num_features": 1433,
                        "num_classes": 7}),
    _planetoid("CiteSeer", {"num_nodes": 3327, "num_undirected_edges": 4552,
                            "num_features": 3703, "num_classes": 6}),
    _geom_gcn("texas", "webkb", "texas", {"num_nodes": 183, "num_undirected_edges": 279,
                                           "num_features": 1703, "num_classes": 5}),
    _geom_gcn("wisconsin", "webkb", "wisconsin",
              {"num_nodes": 251, "num_undirected_edges": 450, "num_features": 1703,
               "num_classes": 5}),
    _geom_gcn("cornell", "webkb", "cornell", {"num_nodes": 183, "num_undirected_edges": 277,
                                              "num_features": 1703, "num_classes": 5}),
    _geom_gcn("actor", "actor", "Actor", {"num_nodes": 7600, "num_undirected_edges": 26659,
                                          "num_features": 932, "num_classes": 5}),
    DatasetInfo(
        name="blogcatalog", loader="blogcatalog", tasks=("node", "link"),
        metrics={"node": "micro-f1", "link": "auc"}, splits={"node": "random", "link": "random"},
        directory="BlogCatalog",
        files=(FileSpec("blogcatalog.mat",
                        "d4f4fb89ce1ccd4b7e2a183386c000773cc9362cc61f1be5b246a6d9c259da8f"),),
        source="BlogCatalog (Tang & Liu, KDD 2009), via phanein/deepwalk",
        url="https://github.com/phanein/deepwalk/raw/master/example_graphs/blogcatalog.mat",
        url_sha256="d4f4fb89ce1ccd4b7e2a183386c000773cc9362cc61f1be5b246a6d9c259da8f",
        license="unknown (academic use)",
        stats={"num_nodes": 10312, "num_undirected_edges": 333983, "num_classes": 39},
        description="BlogCatalog social graph, 39 multi-labels (DeepWalk/node2vec benchmark)",
    ),
    *(_walkpool(key, 0.9) for key in _WALKPOOL_FILE),
    *(_walkpool(key, 0.5) for key in _WALKPOOL_FILE),
    _synthetic("sbm", ("node", "link"), "stochastic block model with planted communities and features"),
    _synthetic("csbm", ("node",), "contextual SBM with controllable homophily and feature signal"),
    _synthetic("barabasi-albert", ("link",), "Barabási–Albert preferential attachment graph"),
    _synthetic("erdos-renyi", ("link",), "Erdős–Rényi G(n, p) graph"),
    _synthetic("random-geometric", ("link",), "random geometric graph in the unit square"),
    _oversquashing("ring-transfer", "over-squashing: many rings, source class -> opposite node"),
    _oversquashing("crossed-ring", "over-squashing: rings with crossing edges (lower resistance)"),
    _oversquashing("clique-path", "over-squashing: clique + path, source class -> path end"),
    _oversquashing("tree-neighbors-match", "over-squashing: Tree-NeighborsMatch (Alon & Yahav 2021)"),
)

CATALOG: dict[str, DatasetInfo] = {info.name: info for info in _ENTRIES}


def dataset_names(task: Task | None = None) -> list[str]:
    """Names in the catalogue, optionally only those that support ``task``."""
    return [name for name, info in CATALOG.items() if task is None or task in info.tasks]


def get_info(name: str) -> DatasetInfo:
    """The catalogue entry of ``name`` (case-insensitive; ``_`` and ``-`` are interchangeable)."""
    key = name.strip().lower().replace("_", "-")
    if key in CATALOG:
        return CATALOG[key]
    raise DatasetError(
        f"unknown dataset {name!r}; choose one of: {', '.join(CATALOG)} "
        "(or load a file with graphkit.data.load_file)."
    )
