"""The code's identity: a digest of the source files that determine numbers, and libraries."""

from __future__ import annotations

import shutil

import pytest

from sklearn_ccafusion.utils import _code_identity
from sklearn_ccafusion.utils._code_identity import code_identity, digest_of, is_presentation

VERSIONS = {"numpy": "2.0", "torch": "2.6"}


@pytest.fixture()
def package(tmp_path):
    """A copy of the package's sources, to edit."""
    copy = tmp_path / "pkg"
    shutil.copytree(_code_identity._PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_a_change_of_a_source_file_changes_the_digest(package):
    before = digest_of(package, VERSIONS)
    assert digest_of(package, VERSIONS) == before
    target = package / "fusion" / "_kelm.py"
    target.write_text(target.read_text() + "\n# edited\n")
    assert digest_of(package, VERSIONS) != before


def test_a_new_or_moved_file_changes_the_digest(package):
    before = digest_of(package, VERSIONS)
    (package / "study" / "_fusion.py").rename(package / "study" / "_fusion2.py")
    assert digest_of(package, VERSIONS) != before


def test_files_that_only_show_results_do_not_count(package):
    before = digest_of(package, VERSIONS)
    for name in ("plotting/_fusion.py", "runs/_report.py", "cli.py", "_cli_parser.py"):
        assert is_presentation(name)
        (package / name).write_text((package / name).read_text() + "\n# wording\n")
    assert digest_of(package, VERSIONS) == before
    assert not is_presentation("runs/_pipeline.py") and not is_presentation("study/_cli_x.py")


def test_library_versions_count(package):
    assert digest_of(package, VERSIONS) != digest_of(package, {**VERSIONS, "numpy": "2.1"})


def test_computed_once_per_process(monkeypatch):
    first = code_identity()

    def read_again(*args):
        raise AssertionError("the files were read again")

    monkeypatch.setattr(_code_identity, "digest_of", read_again)
    assert code_identity() == first
