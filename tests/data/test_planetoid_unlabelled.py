"""The unlabelled nodes of a Planetoid dataset, read from its ``test.index`` file."""

from __future__ import annotations

import pytest

from graphkit.data.classic import _planetoid_unlabelled_nodes
from graphkit.errors import FileFormatError


def test_gaps_in_the_test_block_are_unlabelled(tmp_path):
    path = tmp_path / "ind.toy.test.index"
    path.write_text("9\n5\n6\n12\n8\n")  # the block 5..12 without 7, 10, 11
    assert _planetoid_unlabelled_nodes(path).tolist() == [7, 10, 11]


def test_contiguous_block_has_none(tmp_path):
    path = tmp_path / "ind.toy.test.index"
    path.write_text("3\n1\n2\n")
    assert _planetoid_unlabelled_nodes(path).numel() == 0


@pytest.mark.parametrize("text", ["1\nabc\n", ""])
def test_malformed_file_is_named(tmp_path, text):
    path = tmp_path / "ind.toy.test.index"
    path.write_text(text)
    with pytest.raises(FileFormatError, match="ind.toy.test.index"):
        _planetoid_unlabelled_nodes(path)
