"""
Networks you trained yourself: the whole study from a features file
===================================================================

The study's question is about networks that already exist. Here they are
trained outside the package, as a user's would be: two "sensors", the left
and right halves of scikit-learn's 8 x 8 digits (1,797 images, 10 classes),
each seen by two networks with different seeds. The left half's networks are
scikit-learn :class:`~sklearn.neural_network.MLPClassifier` s; the right
half's are plain torch modules trained by a hand-written loop.

Each network is exported to the features layout (per network: the training
and validation features of its penultimate layer, and its last layer's
``coef`` and ``intercept``), and one command runs the whole study on the file,
training nothing::

    ccafusion study --features digits_features.npz --out digits-study

The docs' quick build trains 1 pair of networks per sensor for fewer
iterations and runs 1 repeat of the random methods; with ``CCAFUSION_QUICK``
unset it trains 3 pairs.
"""

# %%
# Two sensors, one split
# ----------------------
import os
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.plotting import plot_subspace_study
from sklearn_ccafusion.study import NetworkFeatures

quick = os.environ.get("CCAFUSION_QUICK", "0") == "1"
pairs = 1 if quick else 3
digits = load_digits()
images = digits.images / 16.0
sensors = {
    "left": images[:, :, :4].reshape(len(images), -1),
    "right": images[:, :, 4:].reshape(len(images), -1),
}
rows_train, rows_val = train_test_split(
    np.arange(len(images)), test_size=0.25, stratify=digits.target, random_state=0
)
y_train, y_val = digits.target[rows_train], digits.target[rows_val]

# %%
# The file starts with the labels; each network adds four arrays named
# ``<sensor>.<k>.<part>``. Network ``k`` is projected with network
# ``k + pairs`` as its CCA partner.
arrays = {"y_train": y_train, "y_validation": y_val}
own_accuracy = {}

# %%
# Left half: scikit-learn MLPs
# ----------------------------
# An ``MLPClassifier`` with one hidden layer: its features are the hidden ReLU
# activations, its last layer is ``coefs_[-1]`` (transposed to one row per
# class) and ``intercepts_[-1]``.
left_train, left_val = sensors["left"][rows_train], sensors["left"][rows_val]
for k in range(2 * pairs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(
            (64,), alpha=1e-3, max_iter=100 if quick else 300, random_state=k
        ).fit(left_train, y_train)

    def hidden(X, mlp=mlp):
        return np.maximum(X @ mlp.coefs_[0] + mlp.intercepts_[0], 0.0)

    arrays[f"left.{k}.train"] = hidden(left_train)
    arrays[f"left.{k}.validation"] = hidden(left_val)
    arrays[f"left.{k}.coef"] = mlp.coefs_[-1].T
    arrays[f"left.{k}.intercept"] = mlp.intercepts_[-1]
    own_accuracy["left", k] = mlp.score(left_val, y_val)

# %%
# Right half: plain torch loops
# -----------------------------
# Any ``torch.nn.Module`` whose last layer is a ``torch.nn.Linear``:
# :meth:`NetworkFeatures.from_module
# <sklearn_ccafusion.study.NetworkFeatures.from_module>` reads the input of
# that layer by a hook (batched, on the module's device, in eval mode) and its
# weights, leaving the module unchanged.
right_train = torch.as_tensor(sensors["right"][rows_train], dtype=torch.float32)
right_val = torch.as_tensor(sensors["right"][rows_val], dtype=torch.float32)
targets = torch.as_tensor(y_train)
for k in range(2 * pairs):
    torch.manual_seed(k)
    module = torch.nn.Sequential(
        torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)
    )
    optimiser = torch.optim.Adam(module.parameters(), lr=1e-2)
    for epoch in range(40 if quick else 100):
        for batch in torch.randperm(len(targets)).split(128):
            optimiser.zero_grad()
            loss = torch.nn.functional.cross_entropy(
                module(right_train[batch]), targets[batch]
            )
            loss.backward()
            optimiser.step()
    network = NetworkFeatures.from_module(module, right_train, right_val)
    for part in ("train", "validation", "coef", "intercept"):
        arrays[f"right.{k}.{part}"] = getattr(network, part)
    with torch.no_grad():
        predicted = module(right_val).argmax(1).numpy()
    own_accuracy["right", k] = float((predicted == y_val).mean())

folder = Path(tempfile.mkdtemp())
path = folder / "digits_features.npz"
np.savez(path, **arrays)
print(f"{path.name}: {len(arrays)} arrays, {os.path.getsize(path) / 1e6:.1f} MB")

# %%
# One command
# -----------
# The file is checked first (a missing array, shapes that disagree, NaN, an
# odd number of networks: each named, nothing written), then every stage of
# the study runs on the features: the subspace study (seven methods, both
# heads), the cross-sensor grid, the fusion study, the class-subspace
# alignment, the bootstrap bands, the figures and ``report.md``.
out = folder / "study"
options = ["--quick", "--repeats", "1"] if quick else []
status = main(["study", "--features", str(path), "--out", str(out), "--quiet", *options])
print("exit status", status)

# %%
# The report says where the features came from and that nothing was trained;
# its time by stage has no network stage.
report = (out / "report.md").read_text()
print(report.split("\n\n")[1])  # where the features came from
print(next(line for line in report.splitlines() if line.startswith("No network was trained")))
print(report.split("## Time by stage", 1)[1].strip())

# %%
# The check of the export
# -----------------------
# With all features and the network's own last layer, the study's score is
# the network's own validation accuracy (network 0 of each sensor is the one
# projected in the first pair).
results = pd.read_csv(out / "results.csv")
full = results[
    (results["method"] == "cca_highest")
    & (results["head"] == "original")
    & (results["n"] == 64)
    & (results["pair"] == 0)
]
for sensor in sensors:
    score = full.loc[full["sensor"] == sensor, "score"].mean()
    print(f"{sensor}: study {score:.4f}, the network itself {own_accuracy[sensor, 0]:.4f}")

# %%
# The subspace study: the most correlated ``K = 10`` canonical directions
# keep the score, the least correlated carry almost nothing (the paper's
# figure 4 layout, one column per sensor: the networks' own layer on top, the
# retrained layer below).
figure = plot_subspace_study(results, n_classes=10)
plt.show()

# %%
# The same numbers at ``n = K``:
summary = (
    results[(results["head"] == "original") & (results["n"] == 10)]
    .groupby(["sensor", "method"])["score"]
    .mean()
    .unstack("sensor")
    .round(3)
)
print(summary)

# %%
# The verdicts
# ------------
# Each claim of the paper judged per network pair, with its reason
# (``claims.csv``; a quick run's verdicts are indicative only).
claims = pd.read_csv(out / "claims.csv")
print(claims[["claim", "sensor", "pair", "verdict"]].to_string(index=False))
