"""NCN on ogbl-ddi: where the time of a training batch goes, and a time-limited training run.

Part 1 times the stages of a few training batches with the ``ncn`` defaults (the official ddi
recipe: batch 24,576 positives + as many negatives): target-link removal, encoder, common
neighbour sets, pooling, the MLPs, backward and the optimiser step; then one full evaluation.
Part 2 trains one seed with ``graphkit``'s ``ncn`` model under ``--seconds`` of training time
(``time_limit_s``) and prints the valid/test Hits@20 of every epoch; the reported test value is
the one at the best valid epoch. Compare with Wang et al. (ICLR 2024): NCN 82.32 ± 6.10,
NCNC 84.11 ± 3.67 (test Hits@20, 10 seeds, 100 epochs on a GPU).

    nice python benchmarks/ncn_ddi.py --root ../shared/datasets --seconds 1500 --out /tmp/ncn_ddi.md

On a GPU (``--device cuda``; the batch profile is CPU-only, so ``--profile-batches 0``), the
``ncn`` model runs with its graph as ``NeighborTensors`` on the device:

    python benchmarks/ncn_ddi.py --root ../shared/datasets --device cuda --profile-batches 0 \
        --seconds 420 --threads 8 --out ncn_ddi_gpu.md --json ncn_ddi_gpu.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections import defaultdict

import torch
from torch.nn import functional as F

from graphkit.bench import Job, get_model
from graphkit.bench.link import NegativeSampler, evaluate_link_model, link_metrics
from graphkit.bench.link_ncn import NCN_DEFAULTS, build_ncn_model
from graphkit.data import load
from graphkit.layers.ncn import (
    NeighborTensors,
    _bag_sum,
    neighbor_lists,
    pair_sets,
    remove_target_links,
)


def _profile(dataset, batches: int, seed: int) -> tuple[dict[str, float], float, int]:
    """Seconds per stage, averaged over ``batches`` training batches; one evaluation's seconds."""
    p = NCN_DEFAULTS
    data, split = dataset.data, dataset.split
    torch.manual_seed(seed)
    graph = neighbor_lists(data.edge_index, data.num_nodes)
    model = build_ncn_model(p, data.num_nodes, None, completion=False).train()
    encoder, predictor = model.encoder, model.predictor
    optimizer = torch.optim.Adam([{"params": encoder.parameters(), "lr": p["lr"]},
                                  {"params": predictor.parameters(), "lr": p["predictor_lr"]}])
    generator = torch.Generator().manual_seed(seed)
    sampler = NegativeSampler(data.edge_index, data.num_nodes, generator)
    order = torch.randperm(split.train_pos.size(1), generator=generator)
    times: dict[str, float] = defaultdict(float)
    members = 0

    def tick(name: str, start: float) -> float:
        now = time.perf_counter()
        times[name] += now - start
        return now

    for b in range(batches):
        pos = split.train_pos[:, order[b * p["batch_size"] : (b + 1) * p["batch_size"]]]
        t = time.perf_counter()
        optimizer.zero_grad()
        neg = sampler(pos.size(1))
        t = tick("negative sampling", t)
        g = remove_target_links(graph, pos)
        t = tick("target-link removal", t)
        h = encoder(None, g)
        t = tick("encoder (sum propagation)", t)
        pairs = torch.cat([pos, neg], dim=1)
        sets = pair_sets(g, pairs)
        members += int(sets.common[1].numel())
        t = tick("common-neighbour sets (merge)", t)
        hp = predictor.node_features(h)
        t = tick("node MLP (4,267 nodes)", t)
        pooled = _bag_sum(hp, *sets.common)
        t = tick("pooling (embedding_bag)", t)
        logits = predictor._head(h, pairs, pooled)
        t = tick("pair MLPs (cn, pair, out)", t)
        target = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
        loss = F.binary_cross_entropy_with_logits(logits[: pos.size(1)], target[: pos.size(1)]) + \
            F.binary_cross_entropy_with_logits(logits[pos.size(1) :], target[pos.size(1) :])
        loss.backward()
        t = tick("backward", t)
        optimizer.step()
        tick("optimiser step", t)
    per_batch = {k: v / batches for k, v in times.items()}
    start = time.perf_counter()
    evaluate_link_model(model, None, graph, split, link_metrics("hits@20"), 65536)
    return per_batch, time.perf_counter() - start, members // batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--seconds", type=float, default=1500.0, help="training time limit (time_limit_s)")
    parser.add_argument("--profile-batches", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: shared machine)")
    parser.add_argument("--device", default="cpu", help="the ncn model's device ('cpu', 'cuda')")
    parser.add_argument("--epochs", type=int, default=NCN_DEFAULTS["epochs"])
    parser.add_argument("--out", default=None, help="write the markdown report here too")
    parser.add_argument("--json", default=None, help="write the run's record (config, history) here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    dataset = load("ogbl-ddi", args.root, task="link")
    train_edges = dataset.split.train_pos.size(1)
    batches_per_epoch = -(-train_edges // NCN_DEFAULTS["batch_size"])
    say(f"torch threads: {torch.get_num_threads()}; {train_edges} training edges, "
        f"{batches_per_epoch} batches of {NCN_DEFAULTS['batch_size']} positives per epoch")
    device = torch.device(args.device)
    if device.type == "cuda":
        say(f"device: {torch.cuda.get_device_name(device)}, torch {torch.__version__}")
    if device.type != "cpu":
        _check_device(dataset, device, say)
    if args.profile_batches:
        _report_profile(dataset, args, say)
    _report_training(dataset, args, say)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write("\n".join(lines) + "\n")


def _check_device(dataset, device: torch.device, say) -> None:
    """The device path against the CPU one on a training batch: common-neighbour sets
    (tensor search vs. compiled merge), target-link removal, and the model's logits."""
    p, data, split = NCN_DEFAULTS, dataset.data, dataset.split
    graph = neighbor_lists(data.edge_index, data.num_nodes)
    on_device = NeighborTensors.from_graph(graph, device)
    generator = torch.Generator().manual_seed(0)
    pos = split.train_pos[:, torch.randperm(split.train_pos.size(1), generator=generator)[: p["batch_size"]]]
    pairs = torch.cat([pos, NegativeSampler(data.edge_index, data.num_nodes, generator)(pos.size(1))], dim=1)
    cpu_graph, device_graph = remove_target_links(graph, pos), remove_target_links(on_device, pos)
    _require(torch.equal(device_graph.indices.cpu(), torch.from_numpy(cpu_graph.indices)),
             "target-link removal differs between the device and the CPU")
    cpu_sets, device_sets = pair_sets(cpu_graph, pairs, residual=True), pair_sets(device_graph, pairs, residual=True)
    for name in ("common", "only_first", "only_second"):
        for cpu_part, device_part in zip(getattr(cpu_sets, name), getattr(device_sets, name), strict=True):
            _require(torch.equal(cpu_part, device_part.cpu()),
                     f"the {name} pair sets differ between the device and the CPU")
    torch.manual_seed(0)
    model = build_ncn_model(p, data.num_nodes, None, completion=False).eval()
    with torch.no_grad():
        expected = model(model.encode(None, cpu_graph), pairs, cpu_graph)
        model.to(device)
        got = model(model.encode(None, device_graph), pairs, device_graph).cpu()
    gap = float((got - expected).abs().max())
    say(f"device check on a training batch ({pairs.size(1)} pairs, "
        f"{device_sets.common[1].numel()} common-neighbour members): sets and target-link removal "
        f"identical to the CPU merge; largest logit difference {gap:.2e}")
    _require(gap < 1e-3 * (1.0 + float(expected.abs().max())),
             f"device logits differ from the CPU ones by {gap:.2e}")


def _require(condition: bool, problem: str) -> None:
    """Stop the benchmark when the device check fails (an exception, not ``assert``, so that
    ``python -O`` cannot skip it)."""
    if not condition:
        raise RuntimeError(f"device check failed: {problem}; the device path is wrong, do not "
                           "report its timings.")


def _report_profile(dataset, args, say) -> None:
    batches_per_epoch = -(-dataset.split.train_pos.size(1) // NCN_DEFAULTS["batch_size"])
    per_batch, eval_s, members = _profile(dataset, args.profile_batches, args.seed)
    total = sum(per_batch.values())
    say(f"\n## Training batch profile (mean of {args.profile_batches} batches, "
        f"{2 * NCN_DEFAULTS['batch_size']} pairs, {members} common-neighbour memberships per batch)\n")
    say("| stage | s / batch | share |")
    say("|---|---|---|")
    for name, seconds in sorted(per_batch.items(), key=lambda kv: -kv[1]):
        say(f"| {name} | {seconds:.3f} | {100 * seconds / total:.1f} % |")
    say(f"| **total** | **{total:.3f}** | |")
    say(f"\nestimated training time per epoch: {total * batches_per_epoch:.0f} s; one evaluation "
        f"(valid + test pairs): {eval_s:.0f} s; so one epoch with its evaluation is about "
        f"{total * batches_per_epoch + eval_s:.0f} s")



def _report_training(dataset, args, say) -> None:
    params = {**NCN_DEFAULTS, "time_limit_s": args.seconds, "device": args.device, "epochs": args.epochs}
    torch.manual_seed(args.seed)
    job = Job(dataset, "ncn", params, seed=args.seed, metric="hits@20", progress=False)
    start = time.perf_counter()
    outcome = get_model("link", "ncn").run(job)
    wall = time.perf_counter() - start
    say(f"\n## Time-limited training: seed {args.seed}, time_limit_s={args.seconds:.0f}\n")
    say("| epoch | loss | valid Hits@20 | test Hits@20 | elapsed s |")
    say("|---|---|---|---|---|")
    for point in outcome.history:
        say(f"| {point['epoch']} | {point['loss']:.4f} | {100 * point['valid']:.2f} | "
            f"{100 * point['test']:.2f} | {point['time_s']:.0f} |")
    say(f"\nbest valid epoch {outcome.best_epoch}: valid Hits@20 {100 * outcome.valid['hits@20']:.2f}, "
        f"test Hits@20 {100 * outcome.test['hits@20']:.2f} (after {outcome.epochs_run} of "
        f"{args.epochs} epochs, {wall:.0f} s wall, {outcome.num_params} parameters)")
    per_epoch = wall / max(outcome.epochs_run, 1)
    say(f"measured {per_epoch:.1f} s per epoch incl. evaluation: the full protocol (100 epochs x 10 "
        f"seeds) would take about {100 * per_epoch / 3600:.1f} h per seed, "
        f"{1000 * per_epoch / 3600:.1f} h in all on this machine")
    if torch.device(args.device).type == "cuda":
        say(f"peak GPU memory allocated: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
    if args.json:
        record = {"model": "ncn", "dataset": "ogbl-ddi", "seed": args.seed, "config": params,
                  "valid": outcome.valid, "test": outcome.test, "best_epoch": outcome.best_epoch,
                  "epochs_run": outcome.epochs_run, "wall_time_s": wall, "history": outcome.history,
                  "versions": {"python": platform.python_version(), "torch": torch.__version__}}
        with open(args.json, "w") as handle:
            json.dump(record, handle, indent=1)


if __name__ == "__main__":
    main()
