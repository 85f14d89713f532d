"""How many torch threads should a small network train on, on CPU?

In one run, for each network and batch size, it trains the same
``SensorNetClassifier`` (same data, same seed, one epoch) alternately on 1 thread and
on every core (``torch.get_num_threads()`` at start, torch's default), round after
round, and reports the median wall time of an epoch on each and the median of the
paired ratios ``time(all cores) / time(1 thread)`` with its quartiles (above 1: the
extra threads slow training down). Next to it: the floating-point work of one
training step (three forward passes of a batch, counted by
``sklearn_ccafusion.nets._classifier._threads.forward_flops``) and the thread count that
``torch_threads="auto"`` picks, so the rule can be read off the table.

Networks: ``MLPNet`` on scikit-learn's digits (64 -> 128 -> 10), ``SHLConvNet``
(1 x 48 x 48) and ``TimeSeriesConvNet`` (3 channels x 256 samples), batches of 64
and 256.

Run ``PYTHONPATH=. python benchmarks/bench_threads.py`` (a few minutes);
``--quick`` for a smoke run, ``--repeats`` to change the number of rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch
from _harness import report
from sklearn.datasets import load_digits

from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier, SHLConvNet, TimeSeriesConvNet
from sklearn_ccafusion.nets._classifier._threads import auto_torch_threads, forward_flops


def _random(shape, n_classes, n_samples, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, *shape), dtype=np.float32)
    return X, rng.integers(0, n_classes, n_samples)


def cases(scale: int):
    X, y = load_digits(return_X_y=True)
    digits = ((X / 16).astype(np.float32), y)
    for batch in (64, 256):
        yield "MLPNet digits", MLPNet, {"n_features": 64, "n_classes": 10}, digits, batch
    for batch in (64, 256):
        yield (
            "SHLConvNet 1x48x48",
            SHLConvNet,
            {"n_classes": 8},
            _random((1, 48, 48), 8, 1024 // scale),
            batch,
        )
    for batch in (64, 256):
        yield (
            "TimeSeriesConvNet 3x256",
            TimeSeriesConvNet,
            {"n_channels": 3, "n_classes": 6},
            _random((3, 256), 6, 1024 // scale),
            batch,
        )


def bench(name, module, params, data, batch, threads, repeats):
    X, y = data
    net = SensorNetClassifier(
        module,
        **{f"module__{k}": v for k, v in params.items()},
        max_epochs=1,
        batch_size=batch,
        torch_threads=None,
        random_state=0,
    )

    def run(k):
        torch.set_num_threads(k)
        start = time.perf_counter()
        net.fit(X, y)
        return time.perf_counter() - start

    times = {1: [], threads: []}
    run(1), run(threads)  # warm-up
    for _ in range(repeats):
        for k in (1, threads):
            times[k].append(run(k))
    ratios = [b / a for a, b in zip(times[1], times[threads])]
    q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios * 3)
    built = module(**params)
    sample = torch.as_tensor(X[:1])
    torch.set_num_threads(threads)
    return {
        "network": name,
        "batch_size": batch,
        "step_gflops": round(3 * forward_flops(built, sample) * batch / 1e9, 4),
        "epoch_s_1_thread": round(statistics.median(times[1]), 3),
        f"epoch_s_{threads}_threads": round(statistics.median(times[threads]), 3),
        "ratio_all_vs_1": round(statistics.median(ratios), 2),
        "ratio_q1": round(q1, 2),
        "ratio_q3": round(q3, 2),
        "auto_threads": auto_torch_threads(built, sample, batch, max_threads=threads),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    threads = torch.get_num_threads()
    repeats = 1 if args.quick else args.repeats
    print(f"torch {torch.__version__}, default threads {threads}, load {os.getloadavg()}")
    rows = [
        bench(*case, threads=threads, repeats=repeats) for case in cases(8 if args.quick else 1)
    ]
    torch.set_num_threads(threads)
    report("bench_threads", rows)


if __name__ == "__main__":
    main()
