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
# The run
# -------
# The same call as in figure 4b, so the networks it trained are read from the
# cache in ``out``.
import os
import tempfile
from pathlib import Path

from sklearn_ccafusion.plotting import plot_cross_sensor
from sklearn_ccafusion.runs import reproduce
from sklearn_ccafusion.study import cross_sensor_study

out = Path(tempfile.gettempdir()) / "ccafusion-examples"
shl_dir = os.environ.get("CCAFUSION_SHL_DIR")
if shl_dir:
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
else:
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

# %%
# The figure
# ----------
# Rows: the CCA partner's sensor; columns: the sensor whose features are projected.
figure = plot_cross_sensor(run.cross_sensor, n_classes=n_classes)
figure

# %%
# The grid from the networks
# --------------------------
# ``run.networks`` maps each sensor to its trained networks, as
# :class:`~sklearn_ccafusion.study.NetworkFeatures` (features and last layer):
# networks ``0 .. pairs - 1`` are projected, networks ``pairs .. 2 pairs - 1`` are
# the partners. :func:`~sklearn_ccafusion.study.cross_sensor_study` pairs network
# ``i`` of each sensor with network ``i + pairs`` of every sensor: give it your
# own networks' features, one list per sensor, to draw this figure for them. Here
# with two sensors and two methods:
sensors = run.data.sensors[:2]
pairs = len(run.networks[sensors[0]]) // 2
grid = cross_sensor_study(
    {sensor: run.networks[sensor] for sensor in sensors},
    run.data.y_train,
    run.data.y_validation,
    n_pairs=pairs,
    methods=("cca_highest", "cca_lowest"),
    repeats=1,
    metric=run.data.metric,
    random_state=0,
    progress=False,
)
at_k = grid[grid["n"] == n_classes]  # the scores at the dotted line
print(at_k.pivot_table(index=["sensor", "partner"], columns="method", values="score"))
figure = plot_cross_sensor(grid, n_classes=n_classes)
figure
