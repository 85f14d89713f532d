"""
Figure 5: the most correlated directions across sensors
=======================================================

Each sensor's network is projected with a network of ANOTHER sensor as its CCA
partner (the diagonal is the same-sensor case). Only the network's own last layer
is used. The most correlated directions are the class directions whatever the
partner sensor: ``cca_highest`` stays far above ``cca_random`` and
``cca_lowest``.

Uses the same data as figure 4b (real SHL files with ``CCAFUSION_SHL_DIR``,
synthetic SHL-like signals otherwise); the trained networks are cached and
reused.
"""

# %%
from sklearn_ccafusion.plotting import plot_cross_sensor
from sklearn_ccafusion.runs import gallery_run

run = gallery_run(
    "shl", stand_in="synthetic-shl", data_dir_variable="CCAFUSION_SHL_DIR"
)

# %%
# Rows: the CCA partner's sensor; columns: the sensor whose features are projected.
figure = plot_cross_sensor(run.cross_sensor, n_classes=8)
figure
