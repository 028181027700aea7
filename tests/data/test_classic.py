"""Loaders of the classic graphs on the offline copies in ``<repo>/../shared/datasets``."""

from __future__ import annotations

import dataclasses
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

from graphkit.data import get_info, load
from graphkit.data.classic import load_blogcatalog
from graphkit.errors import ChecksumError, DatasetError, DatasetNotFoundError, FileFormatError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
WALKPOOL = ["usair", "ns", "pb", "yeast", "celegans"]

pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"offline dataset copies not found at {SHARED} (see datasets/README.md)",
)


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    """Processed PyG files go to a temporary cache, never to ~ or the read-only data root."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRAPHKIT_CACHE", str(tmp_path_factory.mktemp("cache")))
        mp.delenv("GRAPHKIT_DATA", raising=False)
        yield


def _pair_keys(pairs: torch.Tensor, n: int) -> np.ndarray:
    """Unordered pairs as sorted unique integer keys ``min * n + max``."""
    u, v = pairs.numpy()
    return np.unique(np.minimum(u, v) * n + np.maximum(u, v))


def _undirected_edge_count(edge_index: torch.Tensor, n: int) -> int:
    u, v = edge_index.numpy()
    keep = u != v
    return _pair_keys(torch.from_numpy(np.stack([u[keep], v[keep]])), n).size


@pytest.mark.parametrize(
    "name", ["cora", "citeseer", "texas", "wisconsin", "cornell", "actor", "blogcatalog"]
)
def test_node_task_matches_catalogue_stats(name):
    loaded = load(name, SHARED, task="node")
    stats, data = get_info(name).stats, loaded.data
    assert data.num_nodes == stats["num_nodes"]
    assert _undirected_edge_count(data.edge_index, data.num_nodes) == stats["num_undirected_edges"]
    # the node graph is symmetric: every stored edge has its reverse
    u, v = data.edge_index.numpy()
    assert data.edge_index.size(1) == 2 * stats["num_undirected_edges"]
    assert np.array_equal(np.unique(u * data.num_nodes + v), np.unique(v * data.num_nodes + u))
    if "num_features" in stats:
        assert data.x.shape == (stats["num_nodes"], stats["num_features"])
    if data.y.dim() == 1:
        assert int(data.y.max()) + 1 == stats["num_classes"]
    else:  # multi-label BlogCatalog
        assert data.y.shape == (stats["num_nodes"], stats["num_classes"])
        assert data.y.dtype == torch.float32 and set(data.y.unique().tolist()) == {0.0, 1.0}
    parts = [loaded.split.train_idx, loaded.split.valid_idx, loaded.split.test_idx]
    assert sum(p.numel() for p in parts) == torch.cat(parts).unique().numel()  # disjoint


@pytest.mark.parametrize("name, train", [("cora", 140), ("citeseer", 120)])
def test_planetoid_public_split(name, train):
    loaded = load(name, SHARED)
    assert loaded.split.sizes() == {"train": train, "valid": 500, "test": 1000}
    # 20 training nodes per class
    counts = torch.bincount(loaded.data.y[loaded.split.train_idx])
    assert counts.tolist() == [20] * get_info(name).stats["num_classes"]


@pytest.mark.parametrize("name, count", [("cora", 0), ("citeseer", 15)])
def test_planetoid_unlabelled_nodes(name, count):
    loaded = load(name, SHARED)
    unlabelled = loaded.extra["unlabelled_nodes"]
    assert unlabelled.numel() == count
    # independent check: they are exactly the rows PyG filled with zeros (no other row is empty)
    empty = torch.nonzero(loaded.data.x.abs().sum(dim=1) == 0).flatten()
    assert unlabelled.tolist() == empty.tolist()
    split = loaded.split
    used = torch.cat([split.train_idx, split.valid_idx, split.test_idx])
    assert not torch.isin(unlabelled, used).any(), "the public split never uses them"


@pytest.mark.parametrize("name", ["texas", "actor"])
def test_geom_gcn_splits(name):
    first, fourth = load(name, SHARED, split=0), load(name, SHARED, split=3)
    assert first.split_id == 0 and fourth.split_id == 3
    assert not torch.equal(first.split.train_idx, fourth.split.train_idx)
    n = first.data.num_nodes
    for loaded in (first, fourth):
        s = loaded.split
        everything = torch.cat([s.train_idx, s.valid_idx, s.test_idx])
        assert everything.numel() == n and everything.unique().numel() == n  # a partition
    # split 3 is column 3 of the masks in the raw geom-gcn file
    prefix = "film" if name == "actor" else name
    raw = np.load(SHARED / get_info(name).directory / "raw" / f"{prefix}_split_0.6_0.2_3.npz")
    assert fourth.split.test_idx.tolist() == np.flatnonzero(raw["test_mask"]).tolist()


@pytest.mark.parametrize("name", ["texas", "actor", "usair", "pb-50"])
def test_bad_split_id_lists_valid_range(name):
    for bad in (10, -1, 1.5):
        with pytest.raises(DatasetError, match="0-9"):
            load(name, SHARED, split=bad)


@pytest.mark.parametrize("name", [*WALKPOOL, *(f"{key}-50" for key in WALKPOOL)])
def test_walkpool_matches_catalogue_and_files(name):
    info = get_info(name)
    loaded = load(name, SHARED, split=0, seed=0)
    s, n = loaded.split, loaded.data.num_nodes
    assert n == info.stats["num_nodes"]
    pos = torch.cat([s.train_pos, s.valid_pos, s.test_pos], dim=1)
    assert _pair_keys(pos, n).size == pos.size(1) == info.stats["num_undirected_edges"]
    # 0-based: ids lie in [0, n), node 0 occurs and no id equals n
    everything = torch.cat([s.train_pos, s.valid_pos, s.test_pos, s.train_neg, s.valid_neg,
                            s.test_neg], dim=1)
    assert int(everything.min()) == 0 and int(everything.max()) == n - 1
    # independent reading of the split file: 1-based [E, 2] arrays
    folder = "splitted" if info.options["observed"] == 0.9 else "splitted_0_5"
    mat = scipy.io.loadmat(SHARED / "WalkPool" / folder / f"{info.options['file']}_split_1.mat")
    for key, part in (("test_pos", s.test_pos), ("test_neg", s.test_neg)):
        expected = np.sort(mat[key].astype(np.int64) - 1, axis=1)
        assert np.array_equal(_pair_keys(part, n), np.unique(expected[:, 0] * n + expected[:, 1]))
    for key, train, valid in (("train_pos", s.train_pos, s.valid_pos),
                              ("train_neg", s.train_neg, s.valid_neg)):
        total = mat[key].shape[0]
        assert valid.size(1) == math.floor(0.05 * total) and train.size(1) + valid.size(1) == total


def test_walkpool_split_id_seed_and_leakage():
    n = get_info("usair").stats["num_nodes"]
    last = load("usair", SHARED, split=9, seed=0)
    mat = scipy.io.loadmat(SHARED / "WalkPool" / "splitted" / "USAir_split_10.mat")
    expected = np.sort(mat["test_pos"].astype(np.int64) - 1, axis=1)
    assert np.array_equal(_pair_keys(last.split.test_pos, n),
                          np.unique(expected[:, 0] * n + expected[:, 1]))
    again, other = load("usair", SHARED, split=9, seed=0), load("usair", SHARED, split=9, seed=1)
    assert torch.equal(again.split.valid_pos, last.split.valid_pos)
    assert not torch.equal(other.split.valid_pos, last.split.valid_pos)
    assert torch.equal(other.split.test_pos, last.split.test_pos)  # the fixed part is fixed
    _assert_no_leakage(last)


@pytest.mark.parametrize("name", ["cora", "texas", "blogcatalog"])
def test_random_link_split_has_no_leakage(name):
    loaded = load(name, SHARED, task="link", seed=3)
    assert loaded.seed == 3 and loaded.task == "link"
    if name != "blogcatalog":
        assert loaded.data.x.size(0) == loaded.data.num_nodes
    _assert_no_leakage(loaded)
    full = load(name, SHARED, task="node").data
    n = full.num_nodes
    full_keys = _pair_keys(full.edge_index, n)
    s = loaded.split
    for negatives in (s.valid_neg, s.test_neg):
        assert not np.isin(_pair_keys(negatives, n), full_keys).any()
    pos = torch.cat([s.train_pos, s.valid_pos, s.test_pos], dim=1)
    assert np.array_equal(_pair_keys(pos, n), full_keys)


def _assert_no_leakage(loaded):
    """The message-passing graph is exactly the train positives (both directions)."""
    s, n = loaded.split, loaded.data.num_nodes
    graph = _pair_keys(loaded.data.edge_index, n)
    assert np.array_equal(graph, _pair_keys(s.train_pos, n))
    assert loaded.data.edge_index.size(1) == 2 * s.train_pos.size(1)
    for held_out in (s.valid_pos, s.test_pos):
        assert not np.isin(_pair_keys(held_out, n), graph).any()


@pytest.mark.parametrize(
    "name, missing",
    [("cora", "Cora/raw"), ("actor", "Actor/raw"), ("blogcatalog", "BlogCatalog/blogcatalog.mat"),
     ("usair", "WalkPool/USAir.mat")],
)
def test_missing_files_name_the_path(tmp_path, name, missing):
    with pytest.raises(DatasetNotFoundError) as err:
        load(name, tmp_path)
    message = str(err.value)
    assert str(tmp_path / missing) in message
    if name == "cora":
        assert "ind.cora.graph" in message and "download=True" in message


def test_missing_walkpool_split_file(tmp_path):
    (tmp_path / "WalkPool").mkdir()
    shutil.copy(SHARED / "WalkPool" / "USAir.mat", tmp_path / "WalkPool")
    with pytest.raises(DatasetNotFoundError, match="USAir_split_4.mat"):
        load("usair", tmp_path, split=3)


def _walkpool_copy(root: Path, **split: np.ndarray) -> None:
    """A data root holding USAir.mat and a hand-made split file 1 of the 90 % folder."""
    (root / "WalkPool" / "splitted").mkdir(parents=True)
    shutil.copy(SHARED / "WalkPool" / "USAir.mat", root / "WalkPool")
    scipy.io.savemat(root / "WalkPool" / "splitted" / "USAir_split_1.mat", split)


def test_walkpool_transposed_split_file_reads_the_same(tmp_path):
    mat = scipy.io.loadmat(SHARED / "WalkPool" / "splitted" / "USAir_split_1.mat")
    keys = ("train_pos", "train_neg", "test_pos", "test_neg")
    _walkpool_copy(tmp_path, **{key: mat[key].T for key in keys})
    transposed, original = load("usair", tmp_path), load("usair", SHARED)
    for field in ("train_pos", "valid_pos", "test_pos", "train_neg", "valid_neg", "test_neg"):
        assert torch.equal(getattr(transposed.split, field), getattr(original.split, field))


@pytest.mark.parametrize("defect", ["zero_based", "not_an_edge", "missing_key"])
def test_walkpool_malformed_split_file(tmp_path, defect):
    mat = scipy.io.loadmat(SHARED / "WalkPool" / "splitted" / "USAir_split_1.mat")
    split = {key: mat[key].astype(np.int64) for key in ("train_pos", "train_neg", "test_pos",
                                                           "test_neg")}
    if defect == "zero_based":
        split["test_neg"] = split["test_neg"] - 1
        split["test_neg"][0] = [0, 5]
    elif defect == "not_an_edge":
        split["test_pos"][0] = split["test_neg"][0]
    else:
        del split["train_neg"]
    _walkpool_copy(tmp_path, **split)
    match = {"zero_based": "1-based", "not_an_edge": "not an edge", "missing_key": "train_neg"}
    with pytest.raises(FileFormatError, match=match[defect]):
        load("usair", tmp_path)


def test_unknown_option_is_rejected():
    with pytest.raises(DatasetError, match="train_ratio"):
        load("usair", SHARED, train_ratio=0.5)
    with pytest.raises(DatasetError, match="valid_ratio"):
        load("texas", SHARED, valid_ratio=0.1)  # the node task has a fixed split


def test_blogcatalog_split_options():
    loaded = load("blogcatalog", SHARED, seed=1, train_ratio=0.3, valid_ratio=0.1)
    sizes = loaded.split.sizes()
    assert sizes["train"] == round(0.3 * 10312) and sizes["valid"] == round(0.1 * 10312)
    assert sum(sizes.values()) == 10312 and loaded.seed == 1


def test_blogcatalog_checksum_and_download(tmp_path):
    info = get_info("blogcatalog")
    source = SHARED / "BlogCatalog" / "blogcatalog.mat"
    local = dataclasses.replace(info, url=source.resolve().as_uri())
    loaded = load_blogcatalog(local, tmp_path, task="node", split_id=None, seed=0, download=True)
    assert (tmp_path / "BlogCatalog" / "blogcatalog.mat").read_bytes() == source.read_bytes()
    assert loaded.data.num_nodes == info.stats["num_nodes"]
    corrupted = tmp_path / "corrupted" / "BlogCatalog" / "blogcatalog.mat"
    corrupted.parent.mkdir(parents=True)
    corrupted.write_bytes(source.read_bytes()[:-1] + b"\0")
    with pytest.raises(ChecksumError):
        load("blogcatalog", tmp_path / "corrupted")


def test_pyg_mirror_links_raw_files_and_download(tmp_path, monkeypatch):
    from torch_geometric.datasets import WebKB

    from graphkit.data.root import cache_dir

    load("cornell", SHARED)
    raw = cache_dir("pyg", "cornell", "raw")
    assert (raw / "out1_graph_edges.txt").is_symlink()
    assert (raw / "out1_graph_edges.txt").resolve() == (
        SHARED / "cornell" / "raw" / "out1_graph_edges.txt").resolve()
    assert (cache_dir("pyg", "cornell", "processed") / "data.pt").is_file()

    # download=True on an empty data root: PyG fetches into the mirror (a local fake source)
    def fake_download(self):
        for name in self.raw_file_names:
            shutil.copy(SHARED / "wisconsin" / "raw" / name, self.raw_dir)

    monkeypatch.setenv("GRAPHKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(WebKB, "download", fake_download)
    loaded = load("wisconsin", tmp_path / "empty", download=True)
    assert loaded.data.num_nodes == get_info("wisconsin").stats["num_nodes"]
    fetched = tmp_path / "cache" / "pyg" / "wisconsin" / "raw" / "out1_graph_edges.txt"
    assert fetched.is_file() and not fetched.is_symlink()
    # later offline loads reuse the downloaded copy
    assert load("wisconsin", tmp_path / "empty").split.sizes() == loaded.split.sizes()


@pytest.mark.parametrize("direction", ["undirected", "out", "in"])
def test_geom_gcn_message_direction_against_the_raw_edge_file(direction):
    """'in' sends messages along each stored line ``u v``, 'out' against it (v -> u)."""
    lines = (SHARED / "texas" / "raw" / "out1_graph_edges.txt").read_text().splitlines()[1:]
    stored = {tuple(map(int, line.split())) for line in lines}
    stored = {(u, v) for u, v in stored if u != v}
    expected = {
        "in": stored,
        "out": {(v, u) for u, v in stored},
        "undirected": stored | {(v, u) for u, v in stored},
    }[direction]
    edge_index = load("texas", SHARED, split=0, direction=direction).data.edge_index
    assert set(map(tuple, edge_index.t().tolist())) == expected
    assert edge_index.size(1) == len(expected)  # no duplicates


def test_geom_gcn_unknown_direction_lists_the_choices():
    with pytest.raises(DatasetError, match="undirected, out, in"):
        load("texas", SHARED, direction="both")


@pytest.mark.parametrize("self_loops", ["remove", "keep"])
def test_geom_gcn_self_loops_option_against_the_raw_edge_file(self_loops):
    """'keep' keeps the loops of the edge file (Texas: 16), 'remove' (default) drops them."""
    lines = (SHARED / "texas" / "raw" / "out1_graph_edges.txt").read_text().splitlines()[1:]
    stored = {tuple(map(int, line.split())) for line in lines}
    loops = {(u, v) for u, v in stored if u == v}
    assert len(loops) == 16
    expected = {(v, u) for u, v in stored} - (loops if self_loops == "remove" else set())
    edge_index = load("texas", SHARED, split=0, direction="out", self_loops=self_loops).data.edge_index
    assert set(map(tuple, edge_index.t().tolist())) == expected
    assert edge_index.size(1) == len(expected)


def test_geom_gcn_unknown_self_loops_lists_the_choices():
    with pytest.raises(DatasetError, match="remove, keep"):
        load("texas", SHARED, self_loops="double")
