"""The study commands' functions: errors name parameters, the command line names flags."""

from __future__ import annotations

import pytest

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.runs import DataOptions, study_from_features, study_from_file
from sklearn_ccafusion.runs._paper import prepare
from sklearn_ccafusion.runs._pipeline import _quick_notes


def test_library_errors_name_parameters(tmp_path):
    with pytest.raises(ValueError, match=r"^path .*missing\.npz: no such file"):
        study_from_file(tmp_path / "missing.npz", out=tmp_path / "out")
    with pytest.raises(ValueError, match="needs data_dir") as error:
        prepare("shl", DataOptions())
    assert "--" not in str(error.value)
    assert not (tmp_path / "out").exists()  # nothing written before the file is read


def test_command_line_errors_name_flags(tmp_path, capsys):
    out = str(tmp_path / "out")
    assert main(["study", "--data", str(tmp_path / "missing.npz"), "--out", out]) == 2
    message = capsys.readouterr().err
    assert "--data " in message and "no such file" in message and "path " not in message
    assert main(["reproduce", "--dataset", "shl", "--out", out]) == 2
    message = capsys.readouterr().err
    assert "needs --data-dir" in message and "data_dir" not in message


def test_features_path_is_named_as_its_flag(tmp_path, capsys):
    missing = tmp_path / "features.npz"
    with pytest.raises(ValueError):
        study_from_features(missing, out=tmp_path / "out")
    assert main(["study", "--features", str(missing), "--out", str(tmp_path / "o")]) == 2
    assert "--data " not in capsys.readouterr().err


def test_quick_notes_say_what_changed():
    assert _quick_notes(False, None, None) == ()
    assert _quick_notes(True, 2, 3) == ()  # both given: nothing changed
    (note,) = _quick_notes(True, None, 3)
    assert note.startswith("quick: 1 pair") and "repeats" not in note
