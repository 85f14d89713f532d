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
from sklearn_ccafusion.plotting import plot_subspace_study
from sklearn_ccafusion.runs import gallery_run

run = gallery_run(
    "cifar10", stand_in="digits", data_dir_variable="CCAFUSION_CIFAR_DIR"
)

# %%
# The same-sensor curves: one panel per sensor, original layer on top.
figure = plot_subspace_study(run.results, n_classes=10)
figure

# %%
# The numbers behind the dotted line (n = n_classes):
from sklearn_ccafusion.runs import key_numbers  # noqa: E402

numbers = key_numbers(run.results, n_classes=10)
print(
    numbers[
        ["sensor", "full", "cca_highest@K original", "cca_lowest@K original"]
    ]
)
