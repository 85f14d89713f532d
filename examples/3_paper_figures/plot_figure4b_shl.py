"""
Figure 4b: subspace projection on SHL sensors
=============================================

One small CNN per sensor of the SHL 2018 challenge (accelerometer norm,
gyrometer y axis, magnetometer norm), trained on 48 x 48 log-frequency
spectrograms; each is projected with a second network of the same sensor as its
CCA partner.

With ``CCAFUSION_SHL_DIR`` pointing at the challenge's train folder
(http://www.shl-dataset.org/activity-recognition-challenge/), this runs the
paper's setup; otherwise it runs a quick version on the package's synthetic
SHL-like signals (:func:`sklearn_ccafusion.datasets.make_multisensor_classification`).
Every step is public API, as in :ref:`figure 4a
<sphx_glr_auto_examples_3_paper_figures_plot_figure4a_cifar.py>`.
"""

# %%
# The run
# -------
# :func:`~sklearn_ccafusion.runs.reproduce` reads the sensors, turns each segment
# (60 s in the challenge data) into a 48 x 48 spectrogram per sensor
# (:class:`~sklearn_ccafusion.preprocessing.Spectrogram`), trains ``2 x pairs``
# CNNs per sensor and runs the studies; the SHL score is the macro F1. The
# trained networks are cached in ``out`` and reused by figure 5.
import os
import tempfile
from pathlib import Path

from sklearn_ccafusion.plotting import plot_subspace_study
from sklearn_ccafusion.runs import key_numbers, reproduce

out = Path(tempfile.gettempdir()) / "ccafusion-examples"
shl_dir = os.environ.get("CCAFUSION_SHL_DIR")
if shl_dir:  # the paper's setting: 3 pairs per sensor, 5 repeats (use a GPU)
    run = reproduce(
        "shl",
        data_dir=shl_dir,
        device=os.environ.get("CCAFUSION_DEVICE", "cpu"),
        pairs=3,
        repeats=5,
        out=out / "shl",
        progress=False,
        overwrite=True,
    )
else:  # the stand-in: synthetic SHL-like signals, 1 pair, 2 repeats, on CPU
    run = reproduce(
        "synthetic-shl",
        quick=True,
        pairs=1,
        repeats=2,
        out=out / "synthetic-shl",
        progress=False,
        overwrite=True,
    )
n_classes = run.data.n_classes
print(run.data.description)
print({sensor: x.shape for sensor, x in run.data.inputs_train.items()})

# %%
# The figure
# ----------
# Macro F1 against the subspace dimension, one column per sensor, the network's
# own layer on top and a retrained layer below.
figure = plot_subspace_study(run.results, n_classes=n_classes)
figure

# %%
# Per sensor, the score with every feature and with the ``n_classes`` most and
# least correlated directions (the network's own layer):
numbers = key_numbers(run.results, n_classes=n_classes)
print(numbers[["sensor", "full", "cca_highest@K original", "cca_lowest@K original"]])

# %%
# Only some methods or one head: ``methods=`` and ``heads=`` choose the curves,
# ``column=`` what makes the columns.
figure = plot_subspace_study(
    run.results,
    n_classes=n_classes,
    methods=("cca_highest", "cca_random", "cca_lowest"),
    heads=("original",),
)
figure
