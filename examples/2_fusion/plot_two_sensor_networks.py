"""
Two sensors, two networks: from raw inputs to fusion
====================================================

The whole pipeline of the package on data that ships with scikit-learn: the left
and the right halves of the handwritten digits play two sensors observing the same
event, each read by its own small torch network
(:class:`~sklearn_ccafusion.nets.SensorNetClassifier`).
:class:`~sklearn_ccafusion.nets.NetFeatures` trains both and returns their
penultimate features as two views, named so that every multi-view estimator finds
them; the networks' own classification layers then serve as classifiers
(:class:`~sklearn_ccafusion.ClassLayerClassifier`), for one sensor alone and for
the logit average, next to CCA-sum fusion.
"""

# %%
# Two networks, one per "sensor"
# ------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone

from sklearn_ccafusion import (
    CCAProjector,
    CCASumFusion,
    ClassLayerClassifier,
    LogitAverageFusion,
)
from sklearn_ccafusion.datasets import load_digits_views
from sklearn_ccafusion.nets import MLPNet, NetFeatures, SensorNetClassifier
from sklearn_ccafusion.similarity import class_subspace_alignment

views = load_digits_views("two_sensor", split="left_right", random_state=0)
print(views.DESCR)

net = SensorNetClassifier(
    MLPNet,
    module__n_features=32,
    module__n_classes=10,
    module__hidden=64,
    max_epochs=40,
    random_state=0,
)
networks = NetFeatures(
    [("left", net), ("right", clone(net).set_params(random_state=1))],
    inputs=views.inputs,  # the pixel columns each network sees
).set_output(transform="pandas")
F_train = networks.fit_transform(views.data_train, views.target_train)
F_val = networks.transform(views.data_validation)
y_train, y_val = views.target_train, views.target_validation
print(F_train.columns[[0, 1, -1]].tolist(), networks.view_sizes_)

# %%
# The canonical correlations of the two networks' features
# --------------------------------------------------------
# The columns are named ``left__f<i>`` and ``right__f<i>``, so
# :class:`~sklearn_ccafusion.CCAProjector` finds the two views without
# ``view_sizes``. The two networks never saw the same pixels, yet their first
# canonical pairs correlate strongly. The correlations fall off without the sharp
# drop after ``n_classes - 1 = 9`` pairs that two accurate networks show (see
# :ref:`sphx_glr_auto_examples_2_fusion_plot_fusion_equivalence.py`): each half
# of a digit is a weak sensor, and each network's logits carry much that the
# other's do not.
cca = CCAProjector().fit(F_train)
fig, ax = plt.subplots(figsize=(7.5, 3.2), layout="constrained")
ax.bar(np.arange(1, cca.n_components_ + 1), cca.canonical_correlations_)
ax.axvline(9.5, color="0.3", ls=":", lw=1)
ax.set_xlabel("canonical pair")
ax.set_ylabel("canonical correlation")
ax.set_title("Left-half network vs right-half network")
plt.show()

# %%
# :func:`~sklearn_ccafusion.similarity.class_subspace_alignment` says how much of
# the claim survives: the cosines of the principal angles between the span of the
# left network's first 9 canonical variates and the span of its class-centred
# logits. The leading directions lie in the class subspace (cosines near 1); the
# last ones much less so.
left_features = F_train.filter(like="left__").to_numpy()
right_features = F_train.filter(like="right__").to_numpy()
left_layer = networks.named_nets_["left"].class_components_
cosines = class_subspace_alignment(left_features, right_features, left_layer)
print("cosines:", np.round(cosines, 2))

# %%
# Each network alone, and two fusions
# -----------------------------------
# :meth:`~sklearn_ccafusion.ClassLayerClassifier.from_net` turns a trained
# network's last layer into a scikit-learn classifier that applies it as it is.
# :class:`~sklearn_ccafusion.LogitAverageFusion` averages the two layers' logits;
# :class:`~sklearn_ccafusion.CCASumFusion` sums the canonical variates of the two
# views and fits a linear SVM on them.
heads = [
    (name, ClassLayerClassifier.from_net(networks.named_nets_[name]))
    for name in ("left", "right")
]
for name, head in heads:
    part = F_train.filter(like=f"{name}__")
    score = head.fit(part).score(F_val.filter(like=f"{name}__"), y_val)
    print(f"{name} network alone: accuracy {score:.3f}")

average = LogitAverageFusion(heads).fit(F_train, y_train)
pred_average = average.predict(F_val)
print(f"logit average:       accuracy {np.mean(pred_average == y_val):.3f}")
for n_components in (9, None):
    fusion = CCASumFusion(n_components).fit(F_train, y_train)
    pred = fusion.predict(F_val)
    accuracy, agreement = np.mean(pred == y_val), np.mean(pred == pred_average)
    print(
        f"CCA-sum, {fusion.n_components_:2d} pairs: accuracy {accuracy:.3f}, "
        f"agreement {agreement:.1%}"
    )

# %%
# Averaging the logits of two weak sensors beats either one by far. CCA-sum fusion
# of the first 9 pairs makes the logit average's prediction (the agreement) on most
# samples but not all, since part of the class information lies beyond those
# pairs here; summing all the pairs, as the fusion papers do, recovers it.
