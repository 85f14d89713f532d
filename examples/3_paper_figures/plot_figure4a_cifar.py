"""
Figure 4a: subspace projection on two initialisations of one network
=====================================================================

Two networks of the same architecture, trained from different initialisations
on the same images, are projected onto subspaces of growing dimension chosen by
seven methods; the projected features are classified by the network's own last
layer (top) and by a layer retrained on them (bottom). The ``n_classes`` most
correlated canonical directions keep the score, the least correlated keep none
of it.

With ``CCAFUSION_CIFAR_DIR`` pointing at the python version of CIFAR-10
(https://www.cs.toronto.edu/~kriz/cifar.html), this trains ResNet-56 pairs with
the authors' recipe (use a GPU: ``CCAFUSION_DEVICE=cuda``); otherwise it runs a
quick stand-in on scikit-learn's digits. Every step is public API: change the
data set, the settings or the networks to draw the same figure for your own.
"""

# %%
# The run
# -------
# :func:`~sklearn_ccafusion.runs.reproduce` is what ``ccafusion reproduce`` calls:
# it trains ``2 x pairs`` networks per sensor (in pair ``i``, network ``i`` is
# projected and network ``i + pairs`` is its CCA partner), keeps their penultimate
# features and last layers, and runs the studies. ``repeats`` seeds the random
# subspace methods; ``quick`` trains fewer epochs on fewer dimensions. The outputs
# (CSV files, figures, ``report.md``) and the trained networks are cached in
# ``out``, so a second run with the same settings only reads them.
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from sklearn_ccafusion.plotting import plot_subspace_study
from sklearn_ccafusion.runs import key_numbers, reproduce
from sklearn_ccafusion.study import subspace_study

out = Path(tempfile.gettempdir()) / "ccafusion-examples"
cifar_dir = os.environ.get("CCAFUSION_CIFAR_DIR")
if cifar_dir:  # the paper's setting: 3 pairs of ResNet-56, 5 repeats
    run = reproduce(
        "cifar10",
        data_dir=cifar_dir,
        device=os.environ.get("CCAFUSION_DEVICE", "cpu"),
        pairs=3,
        repeats=5,
        out=out / "cifar10",
        progress=False,
        overwrite=True,
    )
else:  # the stand-in: MLPs on the digits, 1 pair, 2 repeats, a few seconds on CPU
    run = reproduce(
        "digits",
        quick=True,
        pairs=1,
        repeats=2,
        out=out / "digits",
        progress=False,
        overwrite=True,
    )
n_classes = run.data.n_classes
print(run.data.description)
print(run.results[["sensor", "pair", "method", "repeat", "n", "head", "score"]].head())

# %%
# The figure
# ----------
# One column per sensor, the network's own layer on top and the retrained layer
# below; a line per method with its band (one standard deviation over pairs and
# repeats), and a dotted line at ``n = n_classes``.
figure = plot_subspace_study(run.results, n_classes=n_classes)
figure

# %%
# The numbers at the dotted line, beside the score with every feature:
numbers = key_numbers(run.results, n_classes=n_classes)
print(numbers[["sensor", "full", "cca_highest@K original", "cca_lowest@K original"]])

# %%
# The study on networks of your own
# ---------------------------------
# The run keeps every network as a :class:`~sklearn_ccafusion.study.NetworkFeatures`:
# its training and validation features and its last layer (``coef``,
# ``intercept``). Networks trained anywhere give the same four arrays, and the
# figure is then two calls: :func:`~sklearn_ccafusion.study.subspace_study` on
# (projected network, CCA partner) pairs, and the plot, here on axes of our own.
# One pair, three methods, the network's own layer only:
sensor = run.data.sensors[0]
networks = run.networks[sensor]
pairs = len(networks) // 2
mine = subspace_study(
    networks[0],
    networks[pairs],
    run.data.y_train,
    run.data.y_validation,
    methods=("cca_highest", "pca", "cca_lowest"),
    heads=("original",),
    repeats=1,
    metric=run.data.metric,
    random_state=0,
    progress=False,
)
fig, ax = plt.subplots(figsize=(5, 3.2), layout="constrained")
plot_subspace_study(mine, n_classes=n_classes, heads=("original",), ax=ax)
ax.set_title(f"{sensor}: network 0 projected, network {pairs} its partner")
plt.show()
