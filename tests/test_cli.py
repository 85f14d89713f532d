"""The ccafusion command line."""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sklearn_ccafusion import __version__
from sklearn_ccafusion._cli_checks import _as_flags, _discard_unused_out
from sklearn_ccafusion.cli import build_parser, main


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
    assert (
        main(["layers", "--quick", "--quiet", "--permutations", "19", "--out", str(tmp_path)]) == 0
    )
    out = capsys.readouterr().out
    assert "probe scores" in out and "hidden_layers.5" in out
    for stem in (
        "layer_similarity",
        "layer_correlations",
        "layer_probe",
        "layer_alignment",
        "layer_permutation",
        "layer_bootstrap",
    ):
        assert (tmp_path / f"{stem}.csv").exists()
    assert (tmp_path / "layer_depth.png").exists() and (tmp_path / "layer_similarity.png").exists()


def _subcommands(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def test_every_option_of_every_command_has_help():
    parser = build_parser()
    commands = _subcommands(parser)
    assert set(commands) == {"cca", "reproduce", "study", "layers", "make-data"}
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, command in [("ccafusion", parser), *commands.items()]
        for action in command._actions
        if not isinstance(action, argparse._SubParsersAction)
        and not action.help
        and action.dest != "help"
    ]
    assert not missing, missing


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"ccafusion {__version__}"


def test_help_imports_nothing_heavy():
    """``ccafusion --help`` stays fast: the command line imports its work lazily."""
    heavy = ["numpy", "scipy", "sklearn", "pandas", "torch", "matplotlib", "joblib", "tqdm"]
    code = (
        "import sys, sklearn_ccafusion.cli, sklearn_ccafusion._cli_parser\n"
        "sklearn_ccafusion.cli.build_parser().format_help()\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
        "print([m for m in sys.modules if m.startswith(('sklearn_ccafusion.runs', "
        "'sklearn_ccafusion.study', 'sklearn_ccafusion.nets'))])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split("\n")[:2] == ["[]", "[]"], result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_ccafusion", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "make-data" in result.stdout


@pytest.mark.parametrize(
    ("argv", "out"),
    [
        (["reproduce"], "ccafusion-out/digits"),
        (
            ["reproduce", "--dataset", "synthetic-shl", "--quick"],
            "ccafusion-out/synthetic-shl-quick",
        ),
        (["study", "--data", "some/where/phone.npz"], "ccafusion-out/phone"),
        (["study", "--features", "nets.npz", "--quick"], "ccafusion-out/nets-quick"),
        (["layers", "--dataset", "synthetic-shl"], "ccafusion-out/layers-synthetic-shl"),
        (["reproduce", "--out", "mine"], "mine"),
    ],
)
def test_one_output_folder_per_data_set(argv, out):
    from sklearn_ccafusion._cli_checks import _run_out

    assert Path(_run_out(build_parser().parse_args(argv))) == Path(out)


def test_interrupt_prints_one_line_to_resume(monkeypatch, tmp_path, capsys):
    from sklearn_ccafusion import cli

    def interrupted(args):
        (Path(args.out) / "cache").mkdir(parents=True)
        (Path(args.out) / "cache" / "task.json").write_text("[]")
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.HANDLERS, "reproduce", interrupted)
    argv = ["reproduce", "--quick", "--out", str(tmp_path / "run")]
    assert main(argv) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "resume" in err[0]
    assert err[0].endswith("ccafusion " + " ".join(argv))
    assert (tmp_path / "run" / "cache" / "task.json").exists()  # finished work kept


def test_failed_run_leaves_no_folder(tmp_path):
    out = tmp_path / "new" / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sklearn_ccafusion",
            "study",
            "--data",
            str(tmp_path / "no.npz"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not out.exists()


def test_discarding_keeps_computed_work(tmp_path):
    out = tmp_path / "run"
    (out / "cache" / "networks").mkdir(parents=True)
    (out / "settings.json").write_text("{}")
    _discard_unused_out(out, existed=True)  # not this run's folder
    assert out.exists()
    _discard_unused_out(out, existed=False)  # this run's, settings and empty folders only
    assert not out.exists()
    (out / "cache").mkdir(parents=True)
    (out / "cache" / "net.npz").write_bytes(b"")
    _discard_unused_out(out, existed=False)  # a cached network: kept for resuming
    assert (out / "cache" / "net.npz").exists()


def test_no_progress_bars_when_stderr_is_not_a_terminal(monkeypatch):
    from sklearn_ccafusion.cli import _progress

    args = build_parser().parse_args(["reproduce"])
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert not _progress(args)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert _progress(args)
    assert not _progress(build_parser().parse_args(["reproduce", "--quiet"]))


@pytest.mark.slow
def test_sigint_ends_with_one_line_and_resumes(tmp_path):
    """Ctrl-C during a run: exit 130, no traceback, the last line says how to resume."""
    out = tmp_path / "run"
    argv = [
        "reproduce",
        "--quick",
        "--pairs",
        "1",
        "--repeats",
        "1",
        "--n-jobs",
        "1",
        "--out",
        str(out),
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "sklearn_ccafusion", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / "settings.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    if process.returncode == 0:
        pytest.skip("the run finished before the signal")
    assert process.returncode == 130, err
    assert "Traceback" not in err and "\x1b[" not in err
    assert err.strip().splitlines()[-1].endswith("ccafusion " + " ".join(argv))
    assert main([*argv, "--quiet"][:-3] + ["--out", str(out)]) == 0


def _make_shl(out, *options):
    return main(["make-data", "shl", "--out", str(out), "--quiet", *options])


def test_make_data_refuses_absurd_sizes_in_the_flags_given(tmp_path, capsys):
    start = time.perf_counter()
    assert _make_shl(tmp_path / "shl", "--segments", "1e12") == 2
    assert time.perf_counter() - start < 30  # refused, not started
    err = capsys.readouterr().err
    assert re.search(
        r"not enough free space to write [\d.]+ PB .*--segments=1000000000000.*"
        r"free there\. Lower --segments or --segment-length",
        err,
    )
    assert not (tmp_path / "shl").exists()
    for value, message in [
        ("2.5", "must be a whole number, got 2.5"),
        ("-5", "must be at least 1, got -5"),
        ("0", "must be at least 1, got 0"),
        ("1e30", "beyond any disk or memory"),
        ("ten", "must be a whole number, got 'ten'"),
    ]:
        with pytest.raises(SystemExit) as exit_:
            _make_shl(tmp_path / "shl", "--segments", value)
        assert exit_.value.code == 2
        assert message in capsys.readouterr().err
    # checked before the plan is printed, named by its flag
    assert _make_shl(tmp_path / "shl", "--segment-length", "8") == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "--segment-length must be at least 16" in captured.err


def test_make_data_refuses_to_write_over_real_files(tmp_path, capsys):
    out = tmp_path / "shl"
    assert _make_shl(out, "--segments", "12", "--segment-length", "16") == 0
    real = out / "train" / "Label.txt"
    real.write_text("the challenge's labels")  # real files unzipped over the rehearsal
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert _make_shl(out, "--segments", "12", "--segment-length", "16") == 2
    assert f"{real} is in the way" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_make_data_memory_is_checked_with_the_threads(tmp_path, capsys, monkeypatch):
    import sklearn_ccafusion.datasets._write_guard as guard

    monkeypatch.setattr(guard, "available_memory", lambda: 50 * 10**6)
    options = ["--segments", "3000", "--segment-length", "2000", "--n-jobs", "8"]
    assert _make_shl(tmp_path / "shl", *options) == 2
    err = capsys.readouterr().err
    assert re.search(
        r"needs about [\d.]+ MB of memory while writing, 50.0 MB available\. "
        "Lower --segment-length or --n-jobs",
        err,
    )
    assert not (tmp_path / "shl").exists()
