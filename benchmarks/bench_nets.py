"""What does the skorch wrapping cost, next to a plain torch loop doing the same work?

In one run, on the same synthetic data, with the same module (same initial
weights), optimiser (Adam), loss, batch size and number of epochs, it times

* ``plain DataLoader``: the textbook loop, a ``DataLoader`` over a ``TensorDataset``,
  each batch moved to the device (the reference of the < 10 % bar);
* ``plain on-device``: the same loop over batches indexed from tensors kept on the
  device (the batching ``SensorNetClassifier`` uses by default);
* ``SensorNetClassifier``: ``fit`` with its defaults (data on the device);
* ``SensorNetClassifier (DataLoader)``: ``fit`` with ``data_on_device=False``
  (skorch's own ``DataLoader`` path),

for training and for feature extraction (``transform`` against a ``no_grad``
loop over ``module.features``), and reports samples per second and the overhead
of each ``SensorNetClassifier`` row over the plain loop with the same batching
and over the plain ``DataLoader`` loop. Variants are interleaved, repeat by
repeat. On CPU the clock is the process's CPU time, which other jobs sharing the
cores inflate much less than wall time; on CUDA it is wall time. Throughputs are
medians over the rounds (the median wall-clock throughput is shown too); an
overhead is the median over the rounds of the paired ratio of the two variants'
times, so drifts of the machine's load cancel; its quartiles show the noise.

CPU: ``MLPNet`` (64 -> 128 -> 10) and ``SHLConvNet`` (1 x 48 x 48). With CUDA, also
``CIFARResNet(56)`` (3 x 32 x 32), fp32 against bf16 mixed precision and NCHW
against channels-last.

Joint training (``--part joint``, saved as ``bench_nets_joint``): the nets of a
study (copies of one architecture differing by seed) trained one after the other
(``fit`` each) against together (``fit_jointly``, one vectorised model), in the
same run on the same data, interleaved round by round. Reported: total samples
per second over all nets, seconds per epoch (all nets), and the ratio of joint to
sequential time (median of the paired ratios). Rows:

* ``MLPNet`` x 12 on digits (70 % train split, the embedded recipe: hidden 64,
  30 epochs, batch 64) through ``NetFeatures(joint=True)`` against
  ``NetFeatures(joint=False)``, with each net's validation accuracy and whether
  the nets differ (the bar: joint <= 0.35x sequential, every net >= 0.7);
* ``SHLConvNet`` x 6 (batch 64): on CPU 512 of the 13,000 samples, one epoch
  (4 % of an epoch); on CUDA all 13,000 samples;
* ``CIFARResNet(56)`` x 6 (batch 128): on CPU 2 batches (256 samples); on CUDA
  10,000 samples, in fp32 and with the automatic precision.

Run ``PYTHONPATH=. python benchmarks/bench_nets.py`` (a few minutes on 2 CPU
cores); ``--quick`` for a smoke run, ``--repeats`` to change the number of rounds,
``--part overhead`` or ``--part joint`` for one half.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

import numpy as np
import torch
from _harness import report
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

from sklearn_ccafusion.nets import (
    CIFARResNet,
    MLPNet,
    NetFeatures,
    SensorNetClassifier,
    SHLConvNet,
    fit_jointly,
)

LR = 1e-3


def make_data(shape, n_classes, n_samples, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, *shape), dtype=np.float32)
    y = rng.integers(0, n_classes, n_samples).astype(np.int64)
    return X, y


def _sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def _autocast(device, bf16):
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=bf16)


def plain_train(build, X, y, *, epochs, batch_size, device, batching, bf16, channels_last):
    """The textbook torch training loop; returns the trained module."""
    torch.manual_seed(0)
    module = build().to(device)
    if channels_last:
        module = module.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    criterion = torch.nn.CrossEntropyLoss()
    fmt = torch.channels_last if channels_last and X.ndim == 4 else torch.contiguous_format

    def step(xb, yb):
        optimizer.zero_grad()
        with _autocast(device, bf16):
            out = module(xb.contiguous(memory_format=fmt))
        loss = criterion(out.float(), yb)
        loss.backward()
        optimizer.step()

    module.train()
    if batching == "dataloader":
        dataset = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
        loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
        for _ in range(epochs):
            for xb, yb in loader:
                step(xb.to(device, non_blocking=True), yb.to(device, non_blocking=True))
    else:
        Xt, yt = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
        for _ in range(epochs):
            order = torch.randperm(len(Xt)).to(device)
            for start in range(0, len(Xt), batch_size):
                idx = order[start : start + batch_size]
                step(Xt.index_select(0, idx), yt.index_select(0, idx))
    _sync(device)
    return module


def plain_extract(module, X, *, batch_size, device, batching, bf16, channels_last):
    """``module.features`` over batches without grad, gathered as a float32 array."""
    module.eval()
    fmt = torch.channels_last if channels_last and X.ndim == 4 else torch.contiguous_format
    outputs = []
    with torch.no_grad(), _autocast(device, bf16):
        if batching == "dataloader":
            loader = DataLoader(TensorDataset(torch.from_numpy(X)), batch_size=batch_size)
            batches = (xb.to(device, non_blocking=True) for (xb,) in loader)
        else:
            Xt = torch.from_numpy(X).to(device)
            batches = (Xt[i : i + batch_size] for i in range(0, len(Xt), batch_size))
        for xb in batches:
            outputs.append(module.features(xb.contiguous(memory_format=fmt)).float())
    result = torch.cat(outputs).cpu().numpy()
    _sync(device)
    return result


def make_net(module, module_kwargs, *, epochs, batch_size, device, data_on_device, bf16, cl):
    return SensorNetClassifier(
        module,
        **{f"module__{k}": v for k, v in module_kwargs.items()},
        max_epochs=epochs,
        batch_size=batch_size,
        lr=LR,
        device=device,
        precision="bf16" if bf16 else "fp32",
        channels_last=cl,
        data_on_device=data_on_device,
        random_state=0,
    )


def bench_model(
    name, module, module_kwargs, data, *, epochs, batch_size, device, repeats, settings
):
    """Interleaved timings of every variant; returns the table rows."""
    X, y = data
    n = len(X)

    def build():
        return module(**module_kwargs)

    variants = {}
    for bf16, cl in settings:
        tag = (bf16, cl)
        common = {"epochs": epochs, "batch_size": batch_size, "device": device}
        for batching in ("dataloader", "device"):
            variants[("train", f"plain {batching}", tag)] = lambda b=batching, bf=bf16, c=cl: (
                plain_train(build, X, y, batching=b, bf16=bf, channels_last=c, **common)
            )
        for on_device in (True, False):
            label = "SensorNetClassifier" + ("" if on_device else " (DataLoader)")
            variants[("train", label, tag)] = lambda o=on_device, bf=bf16, c=cl: make_net(
                module, module_kwargs, data_on_device=o, bf16=bf, cl=c, **common
            ).fit(X, y)

    # feature extraction, from nets trained once per setting
    for bf16, cl in settings:
        tag = (bf16, cl)
        for on_device in (True, False):
            net = make_net(
                module,
                module_kwargs,
                epochs=1,
                batch_size=batch_size,
                device=device,
                data_on_device=on_device,
                bf16=bf16,
                cl=cl,
            ).fit(X[: 4 * batch_size], y[: 4 * batch_size])
            label = "SensorNetClassifier" + ("" if on_device else " (DataLoader)")
            variants[("extract", label, tag)] = lambda net=net: (net.transform(X), _sync(device))
            for batching in ("dataloader", "device"):
                if on_device:  # the same module for the plain loops
                    variants[("extract", f"plain {batching}", tag)] = (
                        lambda m=net.module_, b=batching, bf=bf16, c=cl: plain_extract(
                            m,
                            X,
                            batch_size=batch_size,
                            device=device,
                            batching=b,
                            bf16=bf,
                            channels_last=c,
                        )
                    )

    cuda = torch.device(device).type == "cuda"
    wall, cpu = defaultdict(list), defaultdict(list)
    for key, fn in variants.items():  # warm-up round (allocators, kernels, imports)
        fn()
    keys = list(variants)
    for round_ in range(repeats):
        # rotate the order, so no variant always runs first or after the same one
        for key in keys[round_ % len(keys) :] + keys[: round_ % len(keys)]:
            fn = variants[key]
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall[key].append(time.perf_counter() - start_wall)
            cpu[key].append(time.process_time() - start_cpu)

    clock = wall if cuda else cpu

    def seconds(key):
        # CUDA: wall time (the GPU's work is not CPU time). CPU: CPU time of this
        # process, which other jobs on shared cores inflate much less.
        return statistics.median(clock[key])

    rows = []
    for key in variants:
        phase, label, (bf16, cl) = key
        work = n * (epochs if phase == "train" else 1)
        same = "plain device" if label == "SensorNetClassifier" else "plain dataloader"
        is_net = label.startswith("SensorNet")

        def ratios(reference, key=key, phase=phase, tag=(bf16, cl)):
            pairs = zip(clock[key], clock[(phase, reference, tag)])
            return sorted(100 * (a / b - 1) for a, b in pairs)

        def overhead(reference, is_net=is_net):
            # median over the rounds of the paired ratio: drifts of the machine's load
            # hit both members of a pair alike
            return round(statistics.median(ratios(reference)), 1) if is_net else None

        def spread(reference, is_net=is_net):
            if not is_net:
                return None
            values = ratios(reference)
            q1, q3 = values[len(values) // 4], values[(3 * len(values)) // 4]
            return f"{q1:+.1f}..{q3:+.1f}"

        rows.append(
            {
                "model": name,
                "device": str(device),
                "phase": phase,
                "variant": label,
                "precision": "bf16" if bf16 else "fp32",
                "channels_last": cl,
                "samples_per_s": round(work / seconds(key)),
                "clock": "wall" if cuda else "CPU time",
                "wall_samples_per_s": round(work / statistics.median(wall[key])),
                "overhead_vs_same_batching_%": overhead(same),
                "overhead_vs_plain_dataloader_%": overhead("plain dataloader"),
                "its_quartiles_%": spread("plain dataloader"),
            }
        )
    return rows


def _clocks():
    return time.perf_counter(), time.process_time()


def _paired(variants, repeats, cuda):
    """Times of each variant over interleaved rounds (first round is a warm-up)."""
    times = defaultdict(list)
    for round_ in range(repeats + 1):
        keys = list(variants)
        for key in keys[round_ % len(keys) :] + keys[: round_ % len(keys)]:
            wall, cpu = _clocks()
            variants[key]()
            if cuda:
                torch.cuda.synchronize()
            if round_:
                times[key].append(time.perf_counter() - wall if cuda else time.process_time() - cpu)
    return times


def _joint_rows(name, device, n_nets, n_samples, epochs, times, extra=None):
    ratios = sorted(a / b for a, b in zip(times["joint"], times["sequential"]))
    rows = []
    for variant, values in times.items():
        seconds = statistics.median(values)
        rows.append(
            {
                "model": name,
                "device": device,
                "nets": n_nets,
                "samples": n_samples,
                "epochs": epochs,
                "variant": variant,
                "clock": "wall" if device == "cuda" else "CPU time",
                "seconds": round(seconds, 3),
                "epoch_s": round(seconds / epochs, 3),
                "samples_per_s": round(n_nets * n_samples * epochs / seconds),
                "joint_vs_sequential": round(statistics.median(ratios), 3)
                if variant == "joint"
                else None,
                **(extra or {}),
            }
        )
    return rows


def bench_joint_mlp(repeats, quick):
    """12 digits MLPs through NetFeatures, joint against one at a time."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(
        (X / 16).astype(np.float32), y, test_size=0.3, random_state=0, stratify=y
    )
    epochs = 3 if quick else 30
    nets = [
        (
            f"net{seed}",
            SensorNetClassifier(
                MLPNet,
                module__n_features=64,
                module__n_classes=10,
                module__hidden=64,
                max_epochs=epochs,
                batch_size=64,
                random_state=seed,
            ),
        )
        for seed in range(12)
    ]
    fitted = {}

    def run(joint):
        fitted[joint] = NetFeatures(nets, joint=joint).fit(X_train, y_train)

    times = _paired({"sequential": lambda: run(False), "joint": lambda: run(True)}, repeats, False)
    trained = [net for _, net in fitted[True].nets_]
    accuracy = [net.score(X_val, y_val) for net in trained]
    comps = [net.class_components_ for net in trained]
    distinct = all(np.abs(a - b).max() > 1e-3 for i, a in enumerate(comps) for b in comps[i + 1 :])
    same = max(
        np.abs(a.class_components_ - b.class_components_).max()
        for (_, a), (_, b) in zip(fitted[True].nets_, fitted[False].nets_)
    )
    extra = {
        "min_val_acc": round(min(accuracy), 3),
        "max_val_acc": round(max(accuracy), 3),
        "nets_distinct": distinct,
        "max_diff_joint_vs_alone": float(f"{same:.1e}"),
    }
    return _joint_rows(
        "MLPNet(64, 10, hidden=64) digits", "cpu", 12, len(X_train), epochs, times, extra
    )


def bench_joint_model(
    name, module, kwargs, data, *, n_nets, epochs, batch_size, device, repeats, precisions=("auto",)
):
    """``n_nets`` nets of one module trained one after the other and together."""
    X, y = data
    n_classes = kwargs.get("n_classes", 10)
    cuda = device == "cuda"
    rows = []
    for precision in precisions:

        def make(seed, precision=precision):
            return SensorNetClassifier(
                module,
                **{f"module__{k}": v for k, v in kwargs.items()},
                max_epochs=epochs,
                batch_size=batch_size,
                device=device,
                precision=precision,
                classes=list(range(n_classes)),
                random_state=seed,
            )

        variants = {
            "sequential": lambda: [make(s).fit(X, y) for s in range(n_nets)],
            "joint": lambda: fit_jointly([make(s) for s in range(n_nets)], X, y, vectorize=True),
        }
        times = _paired(variants, repeats, cuda)
        rows += _joint_rows(name, device, n_nets, len(X), epochs, times, {"precision": precision})
    return rows


def run_joint(args, repeats, quick):
    rows = []
    only = set(args.only or ["mlp", "shl", "resnet"])
    devices = set(args.devices or ["cpu", "cuda"])
    small = 8 if quick else 1
    if "mlp" in only and "cpu" in devices:
        rows += bench_joint_mlp(max(1, repeats // 10), quick)
    if "shl" in only and "cpu" in devices:
        rows += bench_joint_model(
            "SHLConvNet() [CPU: 512 of 13,000 samples]",
            SHLConvNet,
            {"n_classes": 8},
            make_data((1, 48, 48), 8, 512 // small),
            n_nets=6,
            epochs=1,
            batch_size=64,
            device="cpu",
            repeats=max(1, repeats // 10),
        )
    if "resnet" in only and "cpu" in devices:
        rows += bench_joint_model(
            "CIFARResNet(56) [CPU: 2 batches]",
            CIFARResNet,
            {"depth": 56},
            make_data((3, 32, 32), 10, 256 // small),
            n_nets=6,
            epochs=1,
            batch_size=128,
            device="cpu",
            repeats=1,
        )
    if torch.cuda.is_available() and "cuda" in devices:
        if "shl" in only:
            rows += bench_joint_model(
                "SHLConvNet()",
                SHLConvNet,
                {"n_classes": 8},
                make_data((1, 48, 48), 8, 13000 // small),
                n_nets=6,
                epochs=2,
                batch_size=64,
                device="cuda",
                repeats=2,
                precisions=("auto", "fp32"),
            )
        if "resnet" in only:
            rows += bench_joint_model(
                "CIFARResNet(56)",
                CIFARResNet,
                {"depth": 56},
                make_data((3, 32, 32), 10, 10000 // small),
                n_nets=6,
                epochs=1,
                batch_size=128,
                device="cuda",
                repeats=2,
                precisions=("auto", "fp32"),
            )
    report("bench_nets_joint", rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument(
        "--only",
        choices=["mlp", "shl", "resnet"],
        action="append",
        help="benchmark only these models (repeatable)",
    )
    parser.add_argument(
        "--part",
        choices=["overhead", "joint"],
        action="append",
        help="skorch overhead against plain loops, or joint against sequential training",
    )
    parser.add_argument(
        "--devices",
        choices=["cpu", "cuda"],
        action="append",
        help="joint part: rows of these devices only (repeatable; CUDA rows need CUDA)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads for every variant (default 1: steadier on shared cores)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    repeats = 1 if args.quick else args.repeats
    scale = 8 if args.quick else 1
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"CUDA: {torch.cuda.is_available()}"
    )
    parts = set(args.part or ["overhead", "joint"])
    if "joint" in parts:
        run_joint(args, args.repeats if not args.quick else 1, args.quick)
    if "overhead" not in parts:
        return
    only = set(args.only or ["mlp", "shl", "resnet"])
    common = {"repeats": repeats}
    rows = []
    if "mlp" in only:
        rows += bench_model(
            "MLPNet(64, 10, hidden=(128,))",
            MLPNet,
            {"n_features": 64, "n_classes": 10, "hidden": (128,)},
            make_data((64,), 10, 8192 // scale),
            epochs=2,
            batch_size=64,
            device="cpu",
            settings=[(False, False)],
            **common,
        )
    if "shl" in only:
        rows += bench_model(
            "SHLConvNet()",
            SHLConvNet,
            {"n_classes": 8},
            make_data((1, 48, 48), 8, 1024 // scale),
            epochs=1,
            batch_size=64,
            device="cpu",
            settings=[(False, False)],
            **common,
        )
    if torch.cuda.is_available():
        if "shl" in only:
            rows += bench_model(
                "SHLConvNet()",
                SHLConvNet,
                {"n_classes": 8},
                make_data((1, 48, 48), 8, 13000 // scale),
                epochs=2,
                batch_size=64,
                device="cuda",
                settings=[(False, False), (True, False), (True, True)],
                **common,
            )
        if "resnet" in only:
            rows += bench_model(
                "CIFARResNet(56)",
                CIFARResNet,
                {"depth": 56},
                make_data((3, 32, 32), 10, 10000 // scale),
                epochs=2,
                batch_size=128,
                device="cuda",
                settings=[(False, False), (True, False), (False, True), (True, True)],
                **common,
            )
    report("bench_nets", rows)


if __name__ == "__main__":
    main()
