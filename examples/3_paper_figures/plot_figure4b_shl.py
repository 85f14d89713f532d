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
from sklearn_ccafusion.plotting import plot_subspace_study
from sklearn_ccafusion.runs import gallery_run

run = gallery_run(
    "shl", stand_in="synthetic-shl", data_dir_variable="CCAFUSION_SHL_DIR"
)

# %%
# Macro F1 against the subspace dimension, one column per sensor.
figure = plot_subspace_study(run.results, n_classes=8)
figure
