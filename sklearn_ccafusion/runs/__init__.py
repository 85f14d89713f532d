"""The study end to end on any data set (``ccafusion reproduce`` and ``ccafusion study``)."""

from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.runs._features_file import (
    load_features_file,
    read_features_file,
    write_features_file,
)
from sklearn_ccafusion.runs._gallery import gallery_run
from sklearn_ccafusion.runs._paper import DATASETS, PAPER_NUMBERS, DataOptions
from sklearn_ccafusion.runs._pipeline import reproduce, run_study
from sklearn_ccafusion.runs._report import key_numbers
from sklearn_ccafusion.runs._results import Reproduction
from sklearn_ccafusion.runs._user_data import load_study_file

__all__ = [
    "DATASETS",
    "PAPER_NUMBERS",
    "DataOptions",
    "Reproduction",
    "StudyData",
    "gallery_run",
    "key_numbers",
    "load_features_file",
    "load_study_file",
    "read_features_file",
    "reproduce",
    "run_study",
    "write_features_file",
]
