"""Tests of the OGB loaders: the real ogbl-ddi files, fake OGB layouts, downloads and safety."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from graphkit.data import load
from graphkit.data.catalog import FileSpec, get_info
from graphkit.data.ogb import load_ogb_link, load_ogb_node, load_split_pt
from graphkit.errors import ChecksumError, DatasetError, DatasetNotFoundError, FileFormatError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
DDI = SHARED / "ogbl_ddi"


def _link(info, root, download=False, **options):
    return load_ogb_link(
        info, Path(root), task="link", split_id=None, seed=0, download=download, **options
    )


def _keys(pairs: torch.Tensor, n: int) -> np.ndarray:
    """Undirected pair keys min * n + max, for set comparisons."""
    u, v = pairs.numpy()
    return np.minimum(u, v) * n + np.maximum(u, v)


def _distinct(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct keys (np.unique and np.isin take seconds on 2M int64 in numpy 2.4)."""
    keys = np.sort(keys)
    return keys[np.r_[True, keys[1:] != keys[:-1]]]


# ---------------------------------------------------------------- the real ogbl-ddi files


@pytest.fixture(scope="module")
def ddi():
    if not DDI.is_dir():
        pytest.skip(f"offline ogbl-ddi copy not found at {DDI}")
    return load("ogbl-ddi", root=SHARED)


def test_ddi_sizes_match_the_official_split(ddi):
    split = ddi.split
    assert (ddi.name, ddi.task, ddi.split_id, ddi.seed) == ("ogbl-ddi", "link", None, None)
    assert ddi.data.num_nodes == 4267
    assert split.negatives == "global"
    assert split.sizes() == {
        "train_pos": 1067911, "valid_pos": 133489, "valid_neg": 101882,
        "test_pos": 133489, "test_neg": 95599,
    }
    stats = ddi.info.stats
    assert split.sizes() == {
        "train_pos": stats["num_train_edges"], "valid_pos": stats["num_valid_pos"],
        "valid_neg": stats["num_valid_neg"], "test_pos": stats["num_test_pos"],
        "test_neg": stats["num_test_neg"],
    }
    for pairs in (split.train_pos, split.valid_pos, split.valid_neg, split.test_pos, split.test_neg):
        assert pairs.dtype == torch.int64 and pairs.shape[0] == 2
    assert "x" not in ddi.data  # ddi has no node features


def test_ddi_values_match_the_raw_files(ddi):
    # first and last lines of raw/edge.csv.gz; first rows of valid.pt / test.pt read from the
    # pickle bytes with pickletools
    assert ddi.split.train_pos[:, 0].tolist() == [4039, 2424]
    assert ddi.split.train_pos[:, -1].tolist() == [835, 3554]
    assert ddi.split.valid_pos[:, :2].tolist() == [[722, 874], [548, 3436]]
    assert ddi.split.valid_neg[:, :2].tolist() == [[0, 0], [58, 84]]
    assert ddi.split.test_pos[:, :2].tolist() == [[2198, 1205], [1172, 719]]


def test_ddi_training_graph_is_the_train_edges_in_both_directions(ddi):
    n = ddi.data.num_nodes
    edge_index = ddi.data.edge_index
    train = _distinct(_keys(ddi.split.train_pos, n))
    assert edge_index.shape == (2, 2 * train.size)
    assert np.array_equal(_distinct(_keys(edge_index, n)), train)
    u, v = edge_index.numpy()
    assert np.array_equal(np.sort(u * n + v), np.sort(v * n + u))  # symmetric
    for held_out in (ddi.split.valid_pos, ddi.split.test_pos):
        keys = _keys(held_out, n)
        assert not np.any(train[np.searchsorted(train, keys).clip(max=train.size - 1)] == keys)


def test_corrupted_ddi_copy_raises_checksum_error(tmp_path):
    if not DDI.is_dir():
        pytest.skip(f"offline ogbl-ddi copy not found at {DDI}")
    copy = tmp_path / "ogbl_ddi"
    for spec in get_info("ogbl-ddi").files:
        (copy / spec.path).parent.mkdir(parents=True, exist_ok=True)
        (copy / spec.path).write_bytes((DDI / spec.path).read_bytes())
    corrupted = copy / "split/target/valid.pt"
    data = bytearray(corrupted.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupted.write_bytes(bytes(data))
    with pytest.raises(ChecksumError) as info:
        _link(get_info("ogbl-ddi"), tmp_path)
    assert str(corrupted) in str(info.value)
    assert "4a48348f01fad0980a5be269fff7ace300e963144eef22d5ec4fc9830df872ac" in str(info.value)


def test_missing_dataset_names_directory_files_url_and_fixes(tmp_path):
    info = get_info("ogbl-ddi")
    with pytest.raises(DatasetNotFoundError) as raised:
        _link(info, tmp_path)
    message = str(raised.value)
    for part in (str(tmp_path / "ogbl_ddi"), "raw/edge.csv.gz", "split/target/test.pt",
                 info.url, "download=True", "--download", "GRAPHKIT_DATA"):
        assert part in message
    assert list(tmp_path.iterdir()) == []  # nothing written without download=True
    with pytest.raises(DatasetNotFoundError, match="node-label"):
        load_ogb_node(get_info("ogbn-arxiv"), tmp_path, task="node", split_id=None, seed=0,
                      download=False)


def test_unknown_options_and_wrong_task_are_rejected(tmp_path):
    with pytest.raises(DatasetError, match="unknown option"):
        _link(get_info("ogbl-ddi"), tmp_path, ratio=0.5)
    with pytest.raises(DatasetError, match="task='link'"):
        load_ogb_link(get_info("ogbl-ddi"), tmp_path, task="node", split_id=None, seed=0,
                      download=False)


# ---------------------------------------------------------------- fake OGB layouts

# A 6-node graph: train edges, valid/test positives and negatives that are not train edges.
TRAIN = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [0, 2]])
VALID = np.array([[0, 3], [1, 4]])
VALID_NEG = np.array([[0, 5], [2, 5], [1, 5]])
TEST = np.array([[0, 4], [2, 4]])
TEST_NEG = np.array([[1, 3]])


def _csv(path: Path, array) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = "%.6f" if np.asarray(array).dtype.kind == "f" else "%d"
    np.savetxt(path, np.asarray(array), fmt=fmt, delimiter=",")  # .gz suffix: gzipped


def _pt(path: Path, **arrays) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(arrays, path)


def _write_link(directory: Path, split: str = "target") -> None:
    _csv(directory / "raw/edge.csv.gz", TRAIN)
    _csv(directory / "raw/num-node-list.csv.gz", [6])
    _pt(directory / f"split/{split}/valid.pt", edge=VALID, edge_neg=VALID_NEG)
    _pt(directory / f"split/{split}/test.pt", edge=TEST, edge_neg=TEST_NEG)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _zip(folder: Path, archive: Path, top: str) -> str:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, f"{top}/{path.relative_to(folder)}")
    return _sha(archive)


def _check_fake_link(loaded) -> None:
    split = loaded.split
    assert loaded.data.num_nodes == 6
    assert split.train_pos.tolist() == TRAIN.T.tolist()
    assert split.valid_pos.tolist() == VALID.T.tolist()
    assert split.valid_neg.tolist() == VALID_NEG.T.tolist()
    assert split.test_pos.tolist() == TEST.T.tolist()
    assert split.test_neg.tolist() == TEST_NEG.T.tolist()
    expected = sorted({(int(a), int(b)) for a, b in TRAIN} | {(int(b), int(a)) for a, b in TRAIN})
    assert sorted(zip(*loaded.data.edge_index.tolist(), strict=True)) == expected


def test_download_true_fetches_extracts_and_verifies_a_fake_zip(tmp_path):
    source = tmp_path / "source"
    _write_link(source)
    archive = tmp_path / "ddi.zip"
    digest = _zip(source, archive, "ddi")  # OGB zips hold one top folder named after the archive
    info = dataclasses.replace(
        get_info("ogbl-ddi"), url=archive.as_uri(), url_sha256=digest, stats={},
        files=(FileSpec("raw/edge.csv.gz", _sha(source / "raw/edge.csv.gz")),),
    )
    root = tmp_path / "data"
    loaded = _link(info, root, download=True)
    _check_fake_link(loaded)
    assert [p.name for p in root.iterdir()] == ["ogbl_ddi"]  # no archive or temp leftovers
    assert (root / "ogbl_ddi/split/target/valid.pt").is_file()
    _check_fake_link(_link(info, root, download=False))  # now offline


def test_download_with_wrong_archive_checksum_writes_nothing(tmp_path):
    source = tmp_path / "source"
    _write_link(source)
    archive = tmp_path / "ddi.zip"
    _zip(source, archive, "ddi")
    info = dataclasses.replace(get_info("ogbl-ddi"), url=archive.as_uri(), url_sha256="0" * 64,
                               files=())
    root = tmp_path / "data"
    with pytest.raises(ChecksumError, match="0" * 64):
        _link(info, root, download=True)
    assert list(root.iterdir()) == []


def test_downloaded_file_with_wrong_per_file_checksum_is_rejected(tmp_path):
    source = tmp_path / "source"
    _write_link(source)
    archive = tmp_path / "ddi.zip"
    info = dataclasses.replace(
        get_info("ogbl-ddi"), url=archive.as_uri(), url_sha256=_zip(source, archive, "ddi"),
        files=(FileSpec("split/target/test.pt", "f" * 64),),
    )
    with pytest.raises(ChecksumError, match="test.pt"):
        _link(info, tmp_path / "data", download=True)


def test_unreachable_download_says_where_to_put_the_files(tmp_path):
    info = dataclasses.replace(get_info("ogbl-ddi"), url=(tmp_path / "nowhere.zip").as_uri())
    with pytest.raises(DatasetNotFoundError) as raised:
        _link(info, tmp_path / "data", download=True)
    assert str(tmp_path / "data" / "ogbl_ddi") in str(raised.value)
    assert info.url in str(raised.value)


def test_collab_style_edge_weights_and_years(tmp_path):
    directory = tmp_path / "ogbl_collab"
    _write_link(directory, split="time")
    weights, years = np.arange(1, 7), np.arange(2000, 2006)
    _csv(directory / "raw/edge_weight.csv.gz", weights[:, None])
    _csv(directory / "raw/edge_year.csv.gz", years[:, None])
    _pt(directory / "split/time/valid.pt", edge=VALID, edge_neg=VALID_NEG,
        weight=np.array([3, 4]), year=np.array([2018, 2018]))
    loaded = _link(get_info("ogbl-collab"), tmp_path)
    _check_fake_link(loaded)
    data = loaded.data
    assert data.train_edge_weight.dtype == torch.float32
    assert data.train_edge_weight.tolist() == weights.tolist()
    assert data.train_edge_year.tolist() == years.tolist()
    assert data.valid_edge_weight.tolist() == [3.0, 4.0]
    assert data.valid_edge_year.tolist() == [2018, 2018]
    assert "test_edge_weight" not in data


def test_citation2_style_per_positive_negatives(tmp_path):
    directory = tmp_path / "ogbl_citation2"
    _csv(directory / "raw/edge.csv.gz", TRAIN)
    _csv(directory / "raw/num-node-list.csv.gz", [6])
    _csv(directory / "raw/node-feat.csv.gz", np.arange(12, dtype=float).reshape(6, 2))
    neg = np.array([[5, 4, 3], [0, 2, 3]])
    for part in ("valid", "test"):
        _pt(directory / f"split/time/{part}.pt", source_node=VALID[:, 0],
            target_node=VALID[:, 1], target_node_neg=neg)
    loaded = _link(get_info("ogbl-citation2"), tmp_path)
    split = loaded.split
    assert split.negatives == "per_positive"
    assert split.valid_pos.tolist() == VALID.T.tolist()
    assert split.test_neg.tolist() == neg.tolist()
    assert split.sizes()["valid_neg"] == 6
    assert loaded.data.x.tolist() == np.arange(12).reshape(6, 2).tolist()
    assert loaded.data.x.dtype == torch.float32


def test_split_file_in_the_wrong_format_is_reported(tmp_path):
    directory = tmp_path / "ogbl_ddi"
    _write_link(directory)
    _pt(directory / "split/target/test.pt", edge=TEST)  # no edge_neg
    info = dataclasses.replace(get_info("ogbl-ddi"), files=())
    with pytest.raises(FileFormatError, match="missing edge_neg"):
        _link(info, tmp_path)
    _pt(directory / "split/target/test.pt", edge=TEST, edge_neg=np.array([[0, 6]]))
    with pytest.raises(FileFormatError, match="outside"):
        _link(info, tmp_path)


def test_node_dataset_in_ogb_layout(tmp_path):
    directory = tmp_path / "ogbn_arxiv"
    edges = np.array([[0, 1], [1, 2], [2, 0], [3, 4], [1, 0]])  # directed; (1, 0) duplicates
    x = np.arange(15, dtype=float).reshape(5, 3) / 4
    _csv(directory / "raw/edge.csv.gz", edges)
    _csv(directory / "raw/num-node-list.csv.gz", [5])
    _csv(directory / "raw/node-feat.csv.gz", x)
    _csv(directory / "raw/node-label.csv.gz", np.array([[2], [0], [1], [1], [0]]))
    _csv(directory / "split/time/train.csv.gz", np.array([[3], [0]]))
    _csv(directory / "split/time/valid.csv.gz", np.array([[1]]))
    _csv(directory / "split/time/test.csv.gz", np.array([[4], [2]]))
    loaded = load_ogb_node(get_info("ogbn-arxiv"), tmp_path, task="node", split_id=None,
                           seed=0, download=False)
    data = loaded.data
    assert (loaded.task, data.num_nodes) == ("node", 5)
    assert data.x.shape == (5, 3) and data.x.dtype == torch.float32
    assert torch.equal(data.x, torch.from_numpy(x).float())
    assert data.y.tolist() == [2, 0, 1, 1, 0] and data.y.dtype == torch.int64
    assert sorted(zip(*data.edge_index.tolist(), strict=True)) == [
        (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (3, 4), (4, 3)
    ]
    assert loaded.split.sizes() == {"train": 2, "valid": 1, "test": 2}
    assert loaded.split.train_idx.tolist() == [0, 3]
    assert loaded.split.test_idx.tolist() == [2, 4]


# ---------------------------------------------------------------- pickle safety


class _Exploit:
    """Unpickling this calls os.system, which would create the marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("fmt", ["torch-zip", "legacy-pickle"])
def test_split_loader_refuses_pickles_with_foreign_globals(tmp_path, fmt):
    marker = tmp_path / "executed"
    path = tmp_path / "valid.pt"
    payload = {"edge": _Exploit(marker)}
    if fmt == "torch-zip":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(FileFormatError, match="refused or failed"):
        load_split_pt(path)
    assert not marker.exists()


def test_split_loader_reads_numpy_arrays_saved_by_torch(tmp_path):
    path = tmp_path / "valid.pt"
    arrays = {"edge": np.array([[0, 1]]), "w": np.array([0.5], dtype=np.float32)}
    torch.save(arrays, path)
    loaded = load_split_pt(path)
    assert loaded.keys() == arrays.keys()
    assert loaded["edge"].tolist() == [[0, 1]] and loaded["w"].dtype == np.float32
