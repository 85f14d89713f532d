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
quick stand-in on scikit-learn's digits.
"""

# %%
import os
import tempfile
from pathlib import Path

from sklearn_ccafusion.plotting import plot_subspace_study
from sklearn_ccafusion.reproduce import reproduce

data_dir = os.environ.get("CCAFUSION_CIFAR_DIR")
dataset = "cifar10" if data_dir else "digits"
run = reproduce(
    dataset,
    data_dir=data_dir,
    device=os.environ.get("CCAFUSION_DEVICE", "cpu"),
    out=Path(tempfile.gettempdir()) / "ccafusion-examples" / dataset,
    quick=data_dir is None,
    pairs=1 if data_dir is None else 3,
    repeats=2 if data_dir is None else 5,
    progress=False,
    overwrite=True,
)

# %%
# The same-sensor curves: one panel per sensor, original layer on top.
figure = plot_subspace_study(run.results, n_classes=10)
figure

# %%
# The numbers behind the dotted line (n = n_classes):
from sklearn_ccafusion.reproduce import key_numbers  # noqa: E402

numbers = key_numbers(run.results, n_classes=10)
print(numbers[["sensor", "full", "cca_highest@K original", "cca_lowest@K original"]])
