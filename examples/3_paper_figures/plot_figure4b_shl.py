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
"""

# %%
import os
import tempfile
from pathlib import Path

from sklearn_ccafusion.plotting import plot_subspace_study
from sklearn_ccafusion.reproduce import reproduce

data_dir = os.environ.get("CCAFUSION_SHL_DIR")
dataset = "shl" if data_dir else "synthetic-shl"
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
# Macro F1 against the subspace dimension, one column per sensor.
figure = plot_subspace_study(run.results, n_classes=8)
figure
