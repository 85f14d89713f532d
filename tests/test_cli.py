"""The ccafusion command line."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from sklearn_ccafusion._cli_checks import _as_flags
from sklearn_ccafusion.cli import main


def test_cca_command_prints_exact_correlations(capsys):
    assert main(["cca", "--n-components", "3", "--max-iter", "50"]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^\s+(\d)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)$", out, flags=re.M)
    assert [int(r[0]) for r in rows] == [0, 1, 2]
    ours = np.array([float(r[1]) for r in rows])
    assert np.all(np.diff(ours) <= 0) and 0.5 < ours[0] < 1
    assert "fit time" in out


def test_library_parameters_become_flags():
    flags = {"data_dir": "--data-dir", "path": "--data", "overwrite=True": "--overwrite"}
    message = "dataset 'shl' needs data_dir; path /tmp/path/data_dir.npz: pass overwrite=True"
    assert _as_flags(message, flags) == (
        "dataset 'shl' needs --data-dir; --data /tmp/path/data_dir.npz: pass --overwrite"
    )
    assert _as_flags("name them: sensors=acc,gyr.", {"sensors=": "--sensors "}) == (
        "name them: --sensors acc,gyr."
    )


def test_bad_argument_exits_non_zero():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_ccafusion", "cca", "--variance", "2"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "variance" in result.stderr


def test_import_does_not_load_torch():
    code = "import sys, sklearn_ccafusion; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_layers_command_is_wired():
    from sklearn_ccafusion.cli import build_parser, layers_command

    args = build_parser().parse_args(["layers", "--dataset", "synthetic-shl", "--quick"])
    assert args.handler is layers_command and args.quick and args.permutations == 199
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_ccafusion", "layers", "--dataset", "cifar10"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "invalid choice" in result.stderr


@pytest.mark.slow
def test_layers_command_writes_tables_and_figures(tmp_path, capsys):
    assert main(["layers", "--quick", "--quiet", "--permutations", "19",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "probe scores" in out and "hidden_layers.5" in out
    for stem in ("layer_similarity", "layer_correlations", "layer_probe", "layer_alignment",
                 "layer_permutation", "layer_bootstrap"):
        assert (tmp_path / f"{stem}.csv").exists()
    assert (tmp_path / "layer_depth.png").exists() and (tmp_path / "layer_similarity.png").exists()
