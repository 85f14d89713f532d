"""Reproduce the paper's experiments end to end (the ``ccafusion reproduce`` command)."""

from sklearn_ccafusion.reproduce._datasets import DATASETS, PAPER_NUMBERS
from sklearn_ccafusion.reproduce._gallery import gallery_run
from sklearn_ccafusion.reproduce._pipeline import Reproduction, reproduce
from sklearn_ccafusion.reproduce._report import key_numbers

__all__ = ["DATASETS", "PAPER_NUMBERS", "Reproduction", "gallery_run", "key_numbers", "reproduce"]
