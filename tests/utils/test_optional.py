"""The light core: everything that trains no network works without torch and skorch."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from sklearn_ccafusion.utils._optional import MissingExtraError, require_extra

# Makes torch and skorch unimportable in a fresh interpreter, as in an install
# without the ``nets`` extra.
_BLOCK = """
import sys
class _Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "skorch"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _Absent())
"""


def _run_without_torch(code: str, tmp_path) -> subprocess.CompletedProcess:
    script = tmp_path / "light.py"
    script.write_text(_BLOCK + textwrap.dedent(code))
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )


def test_core_runs_without_torch(tmp_path):
    done = _run_without_torch(
        """
        import numpy as np
        from sklearn_ccafusion import CCAProjector, CCASumFusion, PCAWhitener, SubspaceProjector
        from sklearn_ccafusion import similarity, study, plotting, runs, datasets
        from sklearn_ccafusion.cli import main

        rng = np.random.default_rng(0)
        X = rng.normal(size=(200, 6))
        cca = CCAProjector(n_components=2).fit(X)
        assert cca.canonical_correlations_.shape == (3,)
        assert 0 <= similarity.linear_cka(X[:, :3], X[:, 3:]) <= 1
        assert main(["cca", "--n-components", "2"]) == 0
        assert "torch" not in sys.modules and "skorch" not in sys.modules
        print("light core ok")
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "light core ok" in done.stdout


def test_nets_without_torch_names_the_extra(tmp_path):
    done = _run_without_torch(
        """
        from sklearn_ccafusion.utils._optional import MissingExtraError
        try:
            import sklearn_ccafusion.nets
        except MissingExtraError as error:
            print("message:", error)
        from sklearn_ccafusion.cli import main
        status = main(["reproduce", "--out", "out", "--quiet"])
        print("status:", status)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "sklearn-ccafusion[nets]" in done.stdout
    assert "status: 2" in done.stdout
    assert "sklearn-ccafusion[nets]" in done.stderr  # the CLI's one-line error


def test_require_extra_with_the_extra_installed():
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    require_extra("nets", "this test")


def test_missing_extra_is_an_import_error():
    assert issubclass(MissingExtraError, ImportError)
