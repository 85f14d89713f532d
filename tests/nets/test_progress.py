"""The compact per-network progress bar: what it shows, pickling, switching it off."""

from __future__ import annotations

import io
import pickle
import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_ccafusion.nets import (
    NetFeatures,
    TrainingProgress,
)
from tests.nets._helpers import make_mlp


def test_progress_bar_shows_name_epochs_and_loss(digits, capsys):
    X, y = digits
    make_mlp(max_epochs=3, progress="acc#0").fit(X, y)
    err = capsys.readouterr().err
    final = err.replace("\r", "\n").strip().splitlines()[-1]
    assert final.startswith("acc#0: 100%") and "3/3" in final and "loss=" in final
    make_mlp(max_epochs=1).fit(X, y)
    assert capsys.readouterr().err == ""


def test_progress_bar_pickles_after_fit(digits):
    X, y = digits
    out = io.StringIO()
    net = make_mlp(max_epochs=1, callbacks=[("bar", TrainingProgress(file=out))]).fit(X, y)
    assert "\rMLPNet: 100%" in out.getvalue()
    loaded = pickle.loads(pickle.dumps(net))
    assert_array_equal(loaded.predict(X[:5]), net.predict(X[:5]))


def test_net_features_names_each_bar(digits_halves, capsys):
    X, y = digits_halves
    net = make_mlp(module__n_features=32, max_epochs=1, progress=True)
    NetFeatures(
        [("left", net), ("right", net)], inputs={"left": slice(0, 32), "right": slice(32, 64)}
    ).fit(X, y)
    lines = capsys.readouterr().err.replace("\r", "\n").splitlines()
    assert any(line.startswith("left: ") for line in lines)
    assert any(line.startswith("right: ") for line in lines)


@pytest.mark.parametrize("progress", [False, "x"])
def test_progress_is_a_parameter(progress):
    net = make_mlp(progress=progress)
    assert net.get_params()["progress"] == progress
    assert np.isscalar(net.get_params()["torch_threads"])


def test_bars_under_a_run_bar_do_not_pile_up(digits):
    """A network's bar stays on screen alone; under a run's open bar it is cleared."""
    from tqdm.auto import tqdm

    X, y = digits
    alone = io.StringIO()
    make_mlp(max_epochs=2, callbacks=[("bar", TrainingProgress("net", file=alone))]).fit(X, y)
    assert "net: 100%" in alone.getvalue() and alone.getvalue().endswith("\n")
    nested = io.StringIO()
    with tqdm(total=1, desc="networks", file=nested):
        make_mlp(max_epochs=2, callbacks=[("bar", TrainingProgress("net", file=nested))]).fit(
            X, y
        )
    # Whether the last epoch is drawn depends on timing; that its line is blanked does not.
    _, after_last = nested.getvalue().rsplit("net: ", 1)
    assert re.search(r"\n\r +\x1b\[A\rnetworks:", after_last)
    assert not re.search(r"\n\r +\x1b\[A", alone.getvalue())
