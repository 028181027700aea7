"""NCNC against NCN on ogbl-ddi: the measured cost of a training step, on slices of one batch.

NCNC completes the common neighbourhood of a pair ``(i, j)`` with every neighbour ``u`` of only
one endpoint, weighted by the NCN probability of the missing link ``(j, u)`` or ``(i, u)``: each
target pair costs one extra NCN forward pass (without gradient) per one-sided neighbour. On
ogbl-ddi (mean degree about 500) that is hundreds of passes per pair. This script measures it
instead of estimating it: for ``--pairs`` positives (plus as many uniform negatives) of one
shuffled training batch, with the ``ncn``/``ncnc`` defaults (the official ddi command) and
target-link removal, it times encoder + predictor forward, the loss and the backward pass of
each model on the same pairs, ``--repeats`` times (median), and counts the completion pairs
and the distinct unordered ones (NCNC scores each of those once per call). The epoch estimate
scales the median to the 2 × 1,067,911 pairs of an epoch (positives and negatives), without
evaluation. Target pairs share more completion pairs in a larger batch, so the estimate holds
for the batch size measured: ``--pairs 24576`` is the ``ncn``/``ncnc`` default batch.
``--completion-samples 8,96`` adds NCNC rows with the official one-sided neighbour sampling;
``--eval-pairs 65536`` times one eval-mode batch of valid positives and scales it to an
evaluation.

    OMP_NUM_THREADS=2 NUMBA_NUM_THREADS=2 python benchmarks/ncnc_ddi_cost.py \
        --root ../shared/datasets --pairs 24576 --repeats 1 --threads 2
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np
import torch
from torch.nn import functional as F

from graphkit.bench.link import NegativeSampler
from graphkit.bench.link_ncn import NCNC_DEFAULTS, build_ncn_model
from graphkit.data import load
from graphkit.layers.ncn import neighbor_lists, pair_sets, remove_target_links


def _step_seconds(model, graph, pos: torch.Tensor, neg: torch.Tensor, repeats: int) -> float:
    """Median seconds of forward, loss and backward of ``model`` on the pairs ``pos``, ``neg``."""
    pairs = torch.cat([pos, neg], dim=1)
    target = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
    seconds = []
    for _ in range(repeats):
        model.zero_grad()
        start = time.perf_counter()
        g = model.batch_graph(graph, pos)
        logits = model(model.encode(None, g), pairs, g)
        F.binary_cross_entropy_with_logits(logits, target).backward()
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds))


def _completion_pairs(graph, pairs: torch.Tensor, num_nodes: int) -> tuple[float, int, int]:
    """Common neighbours per pair, NCNC completion pairs, and the distinct unordered ones."""
    sets = pair_sets(graph, pairs, residual=True)
    missing = torch.cat([torch.stack([other.repeat_interleave(offsets.diff()), members])
                         for (offsets, members), other in ((sets.only_first, pairs[1]),
                                                           (sets.only_second, pairs[0]))], dim=1)
    distinct = torch.unique(missing.min(0).values * num_nodes + missing.max(0).values).numel()
    return sets.common[1].numel() / pairs.size(1), missing.size(1), distinct


def _eval_seconds(model, graph, pairs: torch.Tensor) -> float:
    """Seconds of one eval-mode forward pass (encoder and predictor) on ``pairs``."""
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        model(model.encode(None, graph), pairs, graph)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--pairs", type=int, default=NCNC_DEFAULTS["batch_size"],
                        help="positives per step (default: the ncnc batch, 24,576)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-pairs", type=int, default=0,
                        help="also time one eval-mode forward on this many valid positives "
                             "(65,536 is the bench's eval batch)")
    parser.add_argument("--completion-samples", default="",
                        help="also time ncnc with these completion_samples, e.g. '8,96'")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dataset = load("ogbl-ddi", args.root, task="link", seed=0)
    data, split = dataset.data, dataset.split
    generator = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(split.train_pos.size(1), generator=generator)
    pos = split.train_pos[:, order[: args.pairs]]
    neg = NegativeSampler(data.edge_index, data.num_nodes, generator)(pos.size(1))
    graph = neighbor_lists(data.edge_index, data.num_nodes)

    common, missing, distinct = _completion_pairs(
        remove_target_links(graph, pos), torch.cat([pos, neg], dim=1), data.num_nodes)
    epoch_pairs = 2 * split.train_pos.size(1)
    print(f"ogbl-ddi, {args.pairs} positives + {args.pairs} negatives per step, {args.threads} "
          f"torch threads, torch {torch.__version__}, {platform.processor() or platform.machine()}")
    print(f"per pair: {common:.1f} common neighbours, {missing / (2 * args.pairs):.1f} "
          f"one-sided neighbours; {missing:,} NCNC completion pairs, {distinct:,} distinct "
          f"unordered ({missing / distinct:.2f} per distinct pair)\n")
    print("| model | s per step (median) | ms per pair | epoch estimate, training only (h) |")
    print("|---|---|---|---|")
    runs = [("ncn", False, 0), ("ncnc", True, 0)]
    runs += [(f"ncnc, completion_samples={k}", True, int(k))
             for k in args.completion_samples.split(",") if k]
    for name, with_completion, samples in runs:
        torch.manual_seed(args.seed)
        params = {**NCNC_DEFAULTS, "completion_samples": samples}
        model = build_ncn_model(params, data.num_nodes, None, with_completion).train()
        seconds = _step_seconds(model, graph, pos, neg, args.repeats)
        per_pair = seconds / (2 * args.pairs)
        print(f"| {name} | {seconds:.2f} | {1000 * per_pair:.3f} | {per_pair * epoch_pairs / 3600:.2f} |")
    if args.eval_pairs:
        _report_evaluation(data, split, graph, args.eval_pairs, args.seed)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MiB")


def _report_evaluation(data, split, graph, count: int, seed: int) -> None:
    """One eval-mode batch of ``count`` valid positives for ``ncn`` and ``ncnc``, scaled to an
    evaluation (valid and test, positives and negatives)."""
    pairs = split.valid_pos[:, :count]
    common, missing, distinct = _completion_pairs(graph, pairs, data.num_nodes)
    eval_total = sum(getattr(split, f"{part}_{kind}").size(1)
                     for part in ("valid", "test") for kind in ("pos", "neg"))
    print(f"\neval batch: {pairs.size(1):,} valid positives on the training graph, {common:.1f} "
          f"common neighbours per pair, {missing:,} completion pairs, {distinct:,} distinct "
          f"({missing / distinct:.2f} per distinct pair); one evaluation scores {eval_total:,} pairs\n")
    print("| model | s per eval batch | one evaluation estimate (min) |")
    print("|---|---|---|")
    for name, with_completion in (("ncn", False), ("ncnc", True)):
        torch.manual_seed(seed)
        model = build_ncn_model(NCNC_DEFAULTS, data.num_nodes, None, with_completion)
        seconds = _eval_seconds(model, graph, pairs)
        print(f"| {name} | {seconds:.2f} | {seconds * eval_total / pairs.size(1) / 60:.1f} |")


if __name__ == "__main__":
    main()
