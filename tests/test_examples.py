"""The hand-written PyG models in ``examples/`` run end to end (one epoch each)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / ".." / "shared" / "datasets"


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(not (DATASETS / "Cora").is_dir(), reason="needs ../shared/datasets/Cora")
def test_ncn_example_trains_on_cora():
    out = _run("examples/ncn_model.py", "--root", str(DATASETS), "--epochs", "2")
    aucs = [float(a) for a in re.findall(r"valid AUC (\d\.\d{4})", out)]
    assert len(aucs) == 3 and all(0.5 < auc <= 1.0 for auc in aucs), out  # 2 epochs + best


def test_walkpool_example_trains_on_a_planted_graph():
    out = _run("examples/walkpool_model.py", "--epochs", "1")
    match = re.fullmatch(r"epoch 1: loss \d\.\d{4}, valid AUC (\d+\.\d\d), test AUC (\d+\.\d\d)\n", out)
    assert match and all(50.0 < float(auc) <= 100.0 for auc in match.groups()), out
