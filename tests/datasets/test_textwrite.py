"""format_rows against numpy.savetxt's "%16.7e" (C's printf), and read back by the parser."""

import io

import numpy as np
import pytest

from sklearn_ccafusion.datasets._textio import read_text_matrix
from sklearn_ccafusion.datasets._textwrite import format_rows, write_rows


def _savetxt(values):
    buffer = io.BytesIO()
    np.savetxt(buffer, values, fmt="%16.7e", delimiter="")
    return buffer.getvalue()


@pytest.mark.parametrize("seed", range(3))
def test_float32_of_every_magnitude_is_printf(seed):
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.integers(-30, 31, size=(40, 300))
    values = (rng.standard_normal((40, 300)) * scale).astype(np.float32)
    assert format_rows(values) == _savetxt(values)


def test_float64_and_integers_are_printf():
    rng = np.random.default_rng(0)
    values = rng.standard_normal((30, 200)) * 10.0 ** rng.integers(-95, 96, size=(30, 200))
    assert format_rows(values) == _savetxt(values)
    integers = rng.integers(-20000, 20000, size=(5, 50))
    assert format_rows(integers) == _savetxt(integers)


def test_edges_are_printf():
    # zeros of both signs, rounding that carries to the next power of ten, ties,
    # powers of ten where log10 is exact, the last two-digit exponents
    edges = [0.0, -0.0, 1.0, 9.99999995, 9.9999999, 99999999.5, 0.5, 0.125, 1e22, 1e-99]
    edges += [9.99999999e99, -1e-99, 12345678.5, 1e7, 1e8, 0.1, 0.3, 2.0**-20, 123.456]
    values = np.array([edges, [-v for v in edges]])
    assert format_rows(values) == _savetxt(values)


def test_rows_outside_the_layout_are_printf():
    values = np.ones((4, 3))
    values[1, 2] = np.nan
    values[2, 0] = -np.inf
    values[3, 1] = 1.5e-300  # a three-digit exponent
    assert format_rows(values) == _savetxt(values)
    assert format_rows(np.array([[5e-324, 1e308]])) == _savetxt(np.array([[5e-324, 1e308]]))


def test_read_back_by_the_parser(tmp_path):
    rng = np.random.default_rng(0)
    values = (9.81 + rng.standard_normal((7, 600))).astype(np.float32)
    path = tmp_path / "signal.txt"
    with path.open("wb") as fh:
        written = write_rows(fh, values[:3]) + write_rows(fh, values[3:])
    assert written == path.stat().st_size == 7 * (600 * 16 + 1)
    parsed = read_text_matrix(path)
    expected = np.array([[float(f"{v:.7e}") for v in row] for row in values.tolist()])
    np.testing.assert_allclose(parsed, expected, rtol=1e-7)
    np.testing.assert_allclose(parsed, values, rtol=1e-7)  # 8 significant digits


def test_needs_a_matrix():
    with pytest.raises(ValueError, match=r"2-d array, got shape \(3,\)"):
        format_rows([1.0, 2.0, 3.0])
