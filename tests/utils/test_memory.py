"""The available memory, read without dependencies, and the byte formatting."""

from __future__ import annotations

import pytest

from sklearn_ccafusion.utils import MemoryBudgetError, _memory


def test_meminfo_parsed(tmp_path):
    path = tmp_path / "meminfo"
    path.write_text("MemTotal:       24683832 kB\nMemAvailable:   21000000 kB\n")
    assert _memory._meminfo_available(path) == 21000000 * 1024
    path.write_text("MemTotal:       24683832 kB\n")  # an old kernel: no MemAvailable
    assert _memory._meminfo_available(path) is None
    assert _memory._meminfo_available(tmp_path / "missing") is None


def test_override_and_fallbacks(monkeypatch):
    monkeypatch.setenv("CCAFUSION_MEMORY_BYTES", "2e9")
    assert _memory.available_memory() == 2_000_000_000
    monkeypatch.delenv("CCAFUSION_MEMORY_BYTES")
    monkeypatch.setattr(_memory, "_meminfo_available", lambda: None)
    monkeypatch.setattr(_memory, "_sysconf_available", lambda: 123)
    assert _memory.available_memory() == 123
    monkeypatch.setattr(_memory, "_sysconf_available", lambda: None)
    monkeypatch.setattr(_memory, "_psutil_available", lambda: 7)
    assert _memory.available_memory() == 7


def test_machine_answers():
    available = _memory.available_memory()
    assert available is None or available > 0


def test_format_bytes():
    assert _memory.format_bytes(999) == "999 B"
    assert _memory.format_bytes(6.9e9) == "6.9 GB"
    assert _memory.format_bytes(2e13) == "20.0 TB"


def test_error_is_memory_and_value_error():
    with pytest.raises(MemoryError):
        raise MemoryBudgetError("x")
    with pytest.raises(ValueError):
        raise MemoryBudgetError("x")
