"""
Exact and streaming CCA of two views
====================================

Canonical correlation analysis (CCA) finds, in two views of the same samples, the
pairs of linear combinations that correlate most. Here the two views are the left
and the right halves of scikit-learn's 8 x 8 handwritten digits, two "sensors"
looking at the same event. This example shows

- how the two views travel through scikit-learn as **one** array,
  ``X = np.hstack([X1, X2])`` with ``view_sizes``;
- the canonical correlations of :class:`~sklearn_ccafusion.CCAProjector`, what its
  default whitener keeps and why, beside scikit-learn's
  :class:`~sklearn.cross_decomposition.CCA`, on the training data and on held-out
  data;
- :class:`~sklearn_ccafusion.CCAProjector` inside a
  :class:`~sklearn.pipeline.Pipeline` and a grid search;
- that :meth:`~sklearn_ccafusion.CCAProjector.partial_fit` over batches gives the
  same CCA as one :meth:`~sklearn_ccafusion.CCAProjector.fit`.
"""

# %%
# Two views stacked in one array
# ------------------------------
# Every multi-view estimator of the package takes the views stacked column-wise, so
# that pipelines, cross-validation and joblib can slice samples without knowing
# about views. ``view_sizes`` says where view 1 ends.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.cross_decomposition import CCA
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_ccafusion import CCAProjector, PCAWhitener

digits = load_digits()
left = digits.images[:, :, :4].reshape(len(digits.images), -1)  # 8 x 4 pixels
right = digits.images[:, :, 4:].reshape(len(digits.images), -1)
X = np.hstack([left, right])
y = digits.target
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
print(
    f"{X.shape[0]} images, views of {left.shape[1]} and {right.shape[1]} pixels"
)

# %%
# Canonical correlations
# ----------------------
# Each view is centred and whitened first. The default whitener,
# ``PCAWhitener(0.9999)``, drops two kinds of directions: those with no variance at
# all (here the border pixels that are blank in every training image) and the
# weakest of the others, which together carry the last 0.01 % of the view's
# variance. Whitening scales every kept direction to unit variance, so a direction of
# almost no variance would weigh as much as the strongest and could correlate with
# the other view by chance. The number of canonical pairs is the smaller of the two
# retained ranks.
cca = CCAProjector(view_sizes=(32, 32)).fit(X_train)
k1, k2 = (w.n_components_ for w in cca.whiteners_)
print(f"retained ranks: {k1} and {k2}, so {cca.n_components_} canonical pairs")
print(
    "first five canonical correlations:",
    np.round(cca.canonical_correlations_[:5], 3),
)

# %%
# Beside scikit-learn's CCA
# -------------------------
# :class:`sklearn.cross_decomposition.CCA` keeps every direction. With
# ``PCAWhitener(n_components=None)`` (every direction of non-zero variance),
# :class:`~sklearn_ccafusion.CCAProjector` solves the same problem and gives the
# same canonical correlations, to the tolerance of scikit-learn's iterations; the
# default's dropped directions explain the whole difference. ``ccafusion cca``
# prints this comparison on all the images.
full = CCAProjector(view_sizes=(32, 32), whitener=PCAWhitener(None)).fit(X_train)
f1, f2 = (w.n_components_ for w in full.whiteners_)
print(f"every direction of non-zero variance: ranks {f1} and {f2}")
U_sk, V_sk = CCA(n_components=3, max_iter=500, tol=1e-10).fit_transform(
    X_train[:, :32], X_train[:, 32:]
)
theirs = np.array([np.corrcoef(U_sk[:, j], V_sk[:, j])[0, 1] for j in range(3)])
print("scikit-learn's CCA:       ", np.round(theirs, 6))
print("every direction kept:     ", np.round(full.canonical_correlations_[:3], 6))
print("PCAWhitener(0.9999) kept: ", np.round(cca.canonical_correlations_[:3], 6))

# %%
# On the training data, the correlation of the ``k``-th pair of canonical variates
# is exactly ``canonical_correlations_[k]``. On held-out images the leading pairs
# keep their correlation, while the weak pairs at the end, fitted partly to noise,
# lose it: ``transform`` with ``output="both"`` returns both views' variates.
both = CCAProjector(view_sizes=(32, 32), output="both").fit(X_train)
Z = both.transform(X_test)
U, V = Z[:, : both.n_components_], Z[:, both.n_components_ :]
held_out = np.array(
    [np.corrcoef(U[:, j], V[:, j])[0, 1] for j in range(U.shape[1])]
)

pairs = np.arange(1, cca.n_components_ + 1)
fig, ax = plt.subplots(figsize=(7.5, 3.2), layout="constrained")
ax.bar(pairs - 0.2, cca.canonical_correlations_, width=0.4, label="train")
ax.bar(pairs + 0.2, held_out, width=0.4, label="held out")
ax.set_xlabel("canonical pair")
ax.set_ylabel("correlation")
ax.set_title("Left vs right half of the digits")
ax.legend()
plt.show()

# %%
# ``score`` is the mean held-out correlation of the first ``n_components`` pairs,
# so a grid search can choose how much variance the whitener keeps without a
# custom scorer.
search = GridSearchCV(
    CCAProjector(n_components=9, view_sizes=(32, 32)),
    {"whitener": [PCAWhitener(0.99), PCAWhitener(0.999), PCAWhitener(0.9999)]},
    cv=3,
).fit(X_train)
print("best whitener:", search.best_params_["whitener"])
print(f"held-out mean correlation of 9 pairs: {search.score(X_test):.3f}")

# %%
# CCA in a pipeline
# -----------------
# :class:`~sklearn_ccafusion.CCAProjector` is a transformer: its output, view 1's
# first ``n_components`` canonical variates, can feed a classifier. The left half
# alone, reduced to the 9 directions it shares most with the right half, already
# classifies most digits.
for n in (1, 3, 9, cca.n_components_):
    model = make_pipeline(
        CCAProjector(n_components=n, view_sizes=(32, 32)),
        LogisticRegression(max_iter=2000),
    )
    accuracy = model.fit(X_train, y_train).score(X_test, y_test)
    print(
        f"{n:2d} canonical variates of the left half: accuracy {accuracy:.3f}"
    )

# %%
# Streaming CCA is exact
# ----------------------
# ``partial_fit`` accumulates counts, means and centred second moments batch by
# batch (a pairwise merge, numerically stable), and the CCA is a function of those
# moments only. Features too large for memory, or emitted batch by batch by a
# network, give the same result as one ``fit``.
streaming = CCAProjector(view_sizes=(32, 32))
for batch in np.array_split(X_train, 12):
    streaming.partial_fit(batch)
gap = np.abs(
    streaming.canonical_correlations_ - cca.canonical_correlations_
).max()
print(f"largest difference of the canonical correlations: {gap:.1e}")
print(
    "same variates:",
    np.allclose(streaming.transform(X_test), cca.transform(X_test)),
)
