"""The vectorised text-matrix parser against numpy.loadtxt, on every layout it may meet."""

import numpy as np
import pytest

from sklearn_ccafusion.datasets._textio import read_text_matrix


def _values(n_rows=9, n_cols=37, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.normal(scale=10.0, size=(n_rows, n_cols)) * 10.0 ** rng.integers(
        -6, 6, size=(n_rows, n_cols)
    )
    values[0, :3] = [0.0, -0.0, 1.0]
    return values


@pytest.mark.parametrize(
    "fmt, delimiter",
    [
        ("%16.7e", ""),  # MATLAB save -ascii: fixed width, 3 spaces before positive values
        ("%.7e", " "),  # numpy.savetxt with single spaces: width varies with the sign
        ("%.7E", "\t"),  # tabs, upper-case exponent
        ("%.18e", " "),  # too many digits for the fast path: numpy.loadtxt fallback
        ("%.6f", " "),  # fixed-point, variable width: fallback
        ("%.3e", "  "),
    ],
)
@pytest.mark.parametrize("chunk_bytes", [64, 1 << 20])
def test_read_text_matrix_matches_loadtxt(tmp_path, fmt, delimiter, chunk_bytes):
    path = tmp_path / "m.txt"
    np.savetxt(path, _values(), fmt=fmt, delimiter=delimiter)
    expected = np.loadtxt(path, dtype=np.float64).astype(np.float32)
    got = read_text_matrix(path, chunk_bytes=chunk_bytes)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)


def test_integers_and_line_endings(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_bytes(b"1 2 3\r\n4 5 6\r\n-7 +8 9\r\n\r\n\n")  # CRLF, signs, trailing blanks
    np.testing.assert_array_equal(read_text_matrix(path), [[1, 2, 3], [4, 5, 6], [-7, 8, 9]])
    path.write_bytes(b"1 2\n3 4")  # no final line break
    np.testing.assert_array_equal(read_text_matrix(path), [[1, 2], [3, 4]])


def test_mixed_layouts_fall_back_per_chunk(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text("1.5000000e+00 2.5000000e+00\n3 4\nnan 1e3\n 7.0000000e-01 -8.0000000e-01\n")
    got = read_text_matrix(path, chunk_bytes=8)
    expected = np.array([[1.5, 2.5], [3, 4], [np.nan, 1000], [0.7, -0.8]], dtype=np.float32)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_threads_give_the_same_matrix(tmp_path, n_jobs):
    path = tmp_path / "m.txt"
    values = _values(n_rows=50, n_cols=200, seed=1)
    np.savetxt(path, values, fmt="%16.7e", delimiter="")
    got = read_text_matrix(path, n_jobs=n_jobs, chunk_bytes=1000)
    np.testing.assert_array_equal(got, np.loadtxt(path).astype(np.float32))


@pytest.mark.parametrize(
    "content, message",
    [
        ("1 2 3\n4 5\n6 7 8\n", r"m\.txt, line 2: expected 3 values \(as on line 1\), found 2"),
        ("1 2 3\n4 5 6\n\n7 8 9\n", r"m\.txt, line 3: expected 3 values .* found 0"),
        ("1 2 3\n4 5 6\n7 x 9\n", r"m\.txt, line 3, value 2: cannot read 'x' as a number"),
        (" 1.0e+00 2.0e+00\n 3.0e+00 4.0f+00\n", r"line 2, value 2: cannot read '4.0f\+00'"),
        ("\n1 2\n", r"m\.txt, line 1: the line is empty"),
        ("  \n\n", r"m\.txt holds no numbers"),
    ],
)
def test_malformed_lines_are_named(tmp_path, content, message):
    path = tmp_path / "m.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_text_matrix(path, chunk_bytes=4)


def test_empty_file(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        read_text_matrix(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_text_matrix(tmp_path / "nothere.txt")
