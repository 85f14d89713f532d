"""Similarity at scale: exact streaming against the in-memory path and minibatch CKA.

Part ``moments`` (1,000,000 samples x (256 + 256) features by default, CPU): the
same synthetic post-ReLU features, generated batch by batch from per-batch seeds,
go through

- ``streaming``: one :class:`~sklearn_ccafusion.similarity.PairMoments` fed
  batch by batch (NumPy, float64 accumulation), then every measure;
- ``streaming (torch)``: the same with torch tensors (on the CPU here; on the
  GPU with ``--device cuda``);
- ``in-memory``: every batch concatenated into two float64 arrays, then the
  in-memory functions :func:`svcca`, :func:`pwcca` and :func:`linear_cka`
  (biased and debiased);
- ``minibatch CKA``: the minibatch estimator of Nguyen, Raghu and Kornblith
  (2021) as torch-cka implements it: unbiased HSIC of linear kernels on each
  minibatch, averaged over minibatches, then CKA from the averages. It is an
  estimate of another quantity, not the debiased CKA of all samples; its
  difference from the exact value is reported.

Each runs in its own subprocess, which reports its wall time and its peak
resident memory (``ru_maxrss``, the interpreter and libraries included; the
``baseline`` row is a subprocess that only imports them).

Part ``layers`` (a ResNet-18 in torchvision's layout, random weights, synthetic
32 x 32 inputs): a 6 x 6 layer map of two networks with every measure, streamed
over a DataLoader against the in-memory path (``LayerFeatures`` activations, then
the in-memory measures per pair), with ``--images`` inputs (2,000 by default on
the CPU; 50,000 on a GPU).

Run ``python benchmarks/bench_streaming.py`` (both parts), ``--part moments`` or
``--part layers``; ``--quick`` for a small smoke run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MEASURES = ("svcca", "pwcca", "cka", "cka_debiased")


# ------------------------------------------------------------------ features
def _mixes(width: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal((16, width)) / 4.0 for _ in range(2))


def feature_batch(index: int, rows: int, width: int, seed: int = 0):
    """Batch ``index`` of two post-ReLU float32 views sharing 16 latent directions."""
    mix_1, mix_2 = _mixes(width, seed)
    rng = np.random.default_rng([seed, index])
    shared = rng.standard_normal((rows, 16))
    views = []
    for mix in (mix_1, mix_2):
        view = shared @ mix + rng.standard_normal((rows, width))
        np.maximum(view, 0.0, out=view)
        views.append(view.astype(np.float32))
    return views


def _batches(n_samples: int, batch: int, width: int):
    for index, start in enumerate(range(0, n_samples, batch)):
        yield feature_batch(index, min(batch, n_samples - start), width)


def minibatch_cka(batches) -> float:
    """Nguyen et al. (2021): unbiased HSIC per minibatch, averaged, then CKA."""

    def hsic(K: np.ndarray, L: np.ndarray) -> float:
        # Song et al.'s unbiased HSIC of kernels with zeroed diagonals; tr(K L) and
        # 1'K L 1 are read off K and L without the product K @ L
        n = K.shape[0]
        K, L = K.copy(), L.copy()
        np.fill_diagonal(K, 0.0)
        np.fill_diagonal(L, 0.0)
        trace = np.einsum("ij,ij->", K, L)
        middle = K.sum(axis=0) @ L.sum(axis=1)
        value = trace + K.sum() * L.sum() / ((n - 1) * (n - 2)) - 2 * middle / (n - 2)
        return value / (n * (n - 3))

    sums = np.zeros(3)
    for X, Y in batches:
        X, Y = X.astype(np.float64), Y.astype(np.float64)
        K, L = X @ X.T, Y @ Y.T
        sums += [hsic(K, L), hsic(K, K), hsic(L, L)]
    return float(sums[0] / np.sqrt(sums[1] * sums[2]))


def _measures(moments) -> dict:
    return {
        "svcca": moments.svcca(),
        "pwcca": moments.pwcca(),
        "cka": moments.linear_cka(),
        "cka_debiased": moments.linear_cka(debiased=True),
    }


def moments_worker(method: str, n_samples: int, width: int, batch: int, device: str) -> dict:
    """One method of part ``moments``: its values and wall time."""
    from sklearn_ccafusion.similarity import PairMoments, linear_cka, pwcca, svcca

    start = time.perf_counter()
    if method == "baseline":
        import torch  # noqa: F401  (the streaming (torch) row imports it)

        values = {}
    elif method == "streaming":
        moments = PairMoments()
        for X, Y in _batches(n_samples, batch, width):
            moments.update(X, Y)
        values = _measures(moments)
    elif method == "streaming (torch)":
        import torch

        torch.set_num_threads(1)
        moments = PairMoments()
        for X, Y in _batches(n_samples, batch, width):
            moments.update(torch.from_numpy(X).to(device), torch.from_numpy(Y).to(device))
        values = _measures(moments)
    elif method == "in-memory":
        parts = list(_batches(n_samples, batch, width))
        X = np.concatenate([p[0] for p in parts]).astype(np.float64)
        Y = np.concatenate([p[1] for p in parts]).astype(np.float64)
        del parts
        values = {
            "svcca": svcca(X, Y),
            "pwcca": pwcca(X, Y),
            "cka": linear_cka(X, Y),
            "cka_debiased": linear_cka(X, Y, debiased=True),
        }
    elif method == "minibatch CKA":
        values = {"cka_debiased": minibatch_cka(_batches(n_samples, 1000, width))}
    else:
        raise ValueError(method)
    return {"seconds": time.perf_counter() - start, "values": values}


# -------------------------------------------------------------------- layers
def resnet18(n_classes: int = 10):
    """ResNet-18 in torchvision's layout (BasicBlocks, in-place ReLUs, 64-512 channels)."""
    from torch import nn

    class BasicBlock(nn.Module):
        def __init__(self, inplanes, planes, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or inplanes != planes:
                self.downsample = nn.Sequential(
                    nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
                )

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += identity
            return self.relu(out)

    class ResNet18(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            widths, blocks, inplanes = (64, 128, 256, 512), [], 64
            for i, planes in enumerate(widths):
                stride = 1 if i == 0 else 2
                blocks.append(
                    nn.Sequential(BasicBlock(inplanes, planes, stride), BasicBlock(planes, planes))
                )
                inplanes = planes
            self.layer1, self.layer2, self.layer3, self.layer4 = blocks
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(512, n_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return ResNet18()


LAYERS = ["bn1", "layer1", "layer2", "layer3", "layer4", "fc"]


def layers_worker(method: str, n_images: int, batch: int, device: str) -> dict:
    """One method of part ``layers``: a 6 x 6 map of two random ResNet-18s."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from sklearn_ccafusion.similarity import linear_cka, pwcca, stream_layer_similarity, svcca

    torch.manual_seed(0)
    models = [resnet18().eval().to(device) for _ in range(2)]
    generator = torch.Generator().manual_seed(1)
    images = torch.randn(n_images, 3, 32, 32, generator=generator)
    start = time.perf_counter()
    if method == "baseline":
        return {"seconds": 0.0, "values": {}}
    if method == "streaming":
        loader = DataLoader(TensorDataset(images), batch_size=batch)
        table = stream_layer_similarity(
            models[0], models[1], loader, LAYERS, measures=MEASURES, progress=False
        )
        values = {f"{r.layer_1}|{r.layer_2}|{r.measure}": r.value for r in table.itertuples()}
    else:
        from sklearn_ccafusion.nets import LayerFeatures

        acts = [
            LayerFeatures(m, LAYERS, batch_size=batch).fit(images).layer_features(images)
            for m in models
        ]
        functions = {
            "svcca": svcca,
            "pwcca": pwcca,
            "cka": linear_cka,
            "cka_debiased": lambda a, b: linear_cka(a, b, debiased=True),
        }
        values = {}
        for a in LAYERS:
            for b in LAYERS:
                X, Y = acts[0][a].astype(np.float64), acts[1][b].astype(np.float64)
                for name, fn in functions.items():
                    values[f"{a}|{b}|{name}"] = fn(X, Y)
    return {"seconds": time.perf_counter() - start, "values": values}


# -------------------------------------------------------------------- driver
def _in_subprocess(args: list[str]) -> dict:
    """Run this script as a worker; its result plus its peak resident memory."""
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONPATH": str(HERE.parent),
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def part_moments(n_samples: int, width: int, batch: int, device: str, skip_memory: bool):
    methods = ["baseline", "streaming", "streaming (torch)", "minibatch CKA"]
    if not skip_memory:
        methods.append("in-memory")
    results = {}
    for method in methods:
        print(f"moments: {method} ...", flush=True)
        results[method] = _in_subprocess(
            ["moments", method, str(n_samples), str(width), str(batch), device]
        )
    exact = results["streaming"]["values"]
    rows = []
    for method, result in results.items():
        values = result["values"]
        diff = max((abs(values[k] - exact[k]) for k in values), default=np.nan)
        rows.append(
            {
                "part": "moments",
                "n_samples": n_samples,
                "features": f"{width} + {width}",
                "method": method,
                "seconds": round(result["seconds"], 2),
                "peak_rss_mb": round(result["peak_rss_mb"], 1),
                "max_abs_diff_vs_streaming": diff,
                "cka_debiased": values.get("cka_debiased", np.nan),
            }
        )
    return rows


def part_layers(n_images: int, batch: int, device: str):
    results = {}
    for method in ("baseline", "streaming", "in-memory"):
        print(f"layers: {method} ...", flush=True)
        results[method] = _in_subprocess(["layers", method, str(n_images), str(batch), device])
    exact = results["streaming"]["values"]
    rows = []
    for method, result in results.items():
        values = result["values"]
        diff = max((abs(values[k] - exact[k]) for k in values), default=np.nan)
        rows.append(
            {
                "part": "layers (ResNet-18, 6 x 6 map)",
                "n_samples": n_images,
                "features": "64-512 per layer (avg pooled)",
                "method": method,
                "seconds": round(result["seconds"], 2),
                "peak_rss_mb": round(result["peak_rss_mb"], 1),
                "max_abs_diff_vs_streaming": diff,
                "cka_debiased": np.nan,
            }
        )
    return rows


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        kind, method, *rest = sys.argv[2:]
        if kind == "moments":
            n, width, batch, device = int(rest[0]), int(rest[1]), int(rest[2]), rest[3]
            result = moments_worker(method, n, width, batch, device)
        else:
            result = layers_worker(method, int(rest[0]), int(rest[1]), rest[2])
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result, default=float))
        return
    from _harness import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["moments", "layers", "both"], default="both")
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--width", type=int, default=256, help="features per view (256)")
    parser.add_argument("--batch", type=int, default=10_000, help="rows per streamed batch")
    parser.add_argument("--images", type=int, default=2_000, help="inputs of the layer map")
    parser.add_argument("--device", default="cpu", help="torch device (cpu or cuda)")
    parser.add_argument("--no-in-memory", action="store_true", help="skip the in-memory row")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.images, args.batch = 20_000, 200, 2_000
    rows = []
    if args.part in ("moments", "both"):
        rows += part_moments(args.samples, args.width, args.batch, args.device, args.no_in_memory)
    if args.part in ("layers", "both"):
        rows += part_layers(args.images, 256, args.device)
    suffix = ("_quick" if args.quick else "") + ("" if args.device == "cpu" else "_cuda")
    report(f"bench_streaming{suffix}", rows)


if __name__ == "__main__":
    main()
