"""
CCA-sum fusion is essentially logit averaging
=============================================

CCA-sum fusion (Ahmad & Khan 2020 with a linear SVM, Imran & Raman 2020 with a
kernel extreme learning machine) fits a CCA between two networks' penultimate
features, sums the two views' canonical variates, ``X1' + X2'``, and classifies
the sum. Moreau, Vassilev and Chen (2021) argue that this is roughly the average of
the two networks' logits: the most correlated canonical directions of the two
feature sets are the networks' class components, so the leading summed variates
are, up to a linear map, the summed logits.

This example measures it with :func:`~sklearn_ccafusion.study.fusion_study` on
synthetic features with planted classification layers
(:func:`~sklearn_ccafusion.study.make_planted_features`), which stand in for two
networks trained on two different sensors: ReLU features, a linear last layer per
network, views of unequal quality.
"""

# %%
# Two networks' features, with their classification layers
# --------------------------------------------------------
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

from sklearn_ccafusion import (
    CCASumFusion,
    ClassLayerClassifier,
    LogitAverageFusion,
)
from sklearn_ccafusion.plotting import plot_fusion
from sklearn_ccafusion.study import fusion_study, make_planted_features

n_classes = 8
X1, X2, y, layers = make_planted_features(
    3000,
    n_classes=n_classes,
    n_features=64,
    view_noise=(0.5, 0.9),
    random_state=0,
)
(W1, b1), (W2, b2) = layers
train, val = train_test_split(
    np.arange(len(y)), test_size=0.3, stratify=y, random_state=0
)
print(f"views of {X1.shape[1]} and {X2.shape[1]} ReLU features")
print(f"{n_classes} classes")

# %%
# Early fusion by CCA against late fusion by logit averaging
# -----------------------------------------------------------
# :class:`~sklearn_ccafusion.CCASumFusion` sums canonical variates and classifies
# them with a linear SVM. :class:`~sklearn_ccafusion.LogitAverageFusion` averages the
# logits of one classifier per view; with
# :class:`~sklearn_ccafusion.ClassLayerClassifier` heads holding the trained layers,
# those are the networks' own logits. Both take the two views stacked in one array.
X = np.hstack([X1, X2])
view_sizes = (X1.shape[1], X2.shape[1])
logit_average = LogitAverageFusion(
    [
        ("sensor_1", ClassLayerClassifier(coef=W1, intercept=b1)),
        ("sensor_2", ClassLayerClassifier(coef=W2, intercept=b2)),
    ],
    view_sizes=view_sizes,
).fit(X[train], y[train])
pred_average = logit_average.predict(X[val])
print(f"logit average: accuracy {np.mean(pred_average == y[val]):.3f}")

for n_components in (n_classes - 1, None):
    cca_sum = CCASumFusion(n_components, view_sizes=view_sizes).fit(
        X[train], y[train]
    )
    pred = cca_sum.predict(X[val])
    accuracy, agreement = (
        np.mean(pred == y[val]),
        np.mean(pred == pred_average),
    )
    print(
        f"CCA-sum + SVM, {cca_sum.n_components_:2d} pairs: "
        f"accuracy {accuracy:.3f}, agreement {agreement:.1%}"
    )

# %%
# The agreement is the fraction of validation samples on which CCA-sum predicts
# the same class as logit averaging. With the ``n_classes - 1`` most correlated
# pairs, CCA-sum fusion predicts what logit averaging predicts on almost every
# sample. Summing all the pairs (``n_components=None``, the default, as both
# fusion papers do) adds the weakly correlated ones, mostly each view's own
# variation, and the linear SVM loses some accuracy to them.

# %%
# The fusion study
# ----------------
# :func:`~sklearn_ccafusion.study.fusion_study` sweeps the number of canonical pairs
# fused, for CCA-sum with a linear SVM (Ahmad & Khan), CCA-sum with a kernel ELM
# (Imran & Raman) and CCA-concat with a linear SVM, and reports, next to the
# networks' own layers, the validation accuracy, the agreement of each method's
# predictions with logit averaging, and the canonical correlations between the
# first ``n_classes - 1`` CCA-sum features and the summed class-centred logits.
results = fusion_study(
    (X1[train], X2[train]),
    y[train],
    (X1[val], X2[val]),
    y[val],
    layers,
    progress=False,
)
fig = plot_fusion(results)

# %%
# How to read it. Left: every CCA fusion comes close to the logit average's
# accuracy (dashed line) at ``n_classes - 1 = 7`` pairs (dotted line); the weakly
# correlated pairs beyond add little or hurt. Middle: at 7 pairs they make the same
# prediction as logit averaging on about 96 % of the samples. Right: the first 7
# canonical correlations between the two views stand far above the rest (the
# class directions), and the 7 summed CCA features are, up to a linear map, the
# summed class-centred logits: their canonical correlations with them are all near 1.
equivalence = results.query("method == 'cca_sum_vs_logit_sum'")["value"]
print("canonical correlations, CCA-sum features vs summed logits:")
print(np.round(equivalence.to_numpy(), 4))
agreement = results.query(
    "measure == 'agreement' and n_components == @n_classes - 1"
)
print(agreement[["method", "value"]].to_string(index=False))

# %%
# A negative control
# ------------------
# The argument needs the class directions to be the most correlated ones. When the
# two views share a class-free factor more strongly than their class logits
# (``shared="nuisance"``: two sensors that both see, say, the phone's orientation),
# the first canonical pairs carry that factor instead, and fusing only
# ``n_classes - 1`` pairs no longer reproduces the logit average.
Y1, Y2, z, control_layers = make_planted_features(
    3000, n_classes=n_classes, n_features=64, shared="nuisance", random_state=0
)
control = fusion_study(
    (Y1[train], Y2[train]),
    z[train],
    (Y1[val], Y2[val]),
    z[val],
    control_layers,
    n_components=[n_classes - 1, None],
    fusions={"cca_sum_svm": ("sum", SVC(kernel="linear"))},
    progress=False,
)
print(
    control.query("measure == 'agreement' and method == 'cca_sum_svm'")[
        ["method", "n_components", "value"]
    ].to_string(index=False)
)
