"""Every end-to-end run of the study: the paper's data sets, a user's file, the layer study.

``ccafusion reproduce`` calls :func:`reproduce`, ``ccafusion study`` calls
:func:`study_from_file` (or :func:`study_from_features`) and ``ccafusion
layers`` calls :func:`run_layer_study`; all but the last build a
:class:`StudyData` and run :func:`run_study` on it.
"""

from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.runs._features_file import (
    load_features_file,
    read_features_file,
    write_features_file,
)
from sklearn_ccafusion.runs._gallery import gallery_run
from sklearn_ccafusion.runs._layer_run import run_layer_study
from sklearn_ccafusion.runs._paper import DATASETS, PAPER_NUMBERS, DataOptions
from sklearn_ccafusion.runs._pipeline import reproduce, run_study
from sklearn_ccafusion.runs._report import key_numbers
from sklearn_ccafusion.runs._results import Reproduction
from sklearn_ccafusion.runs._scale import RunEstimate, estimate_run
from sklearn_ccafusion.runs._study_file import study_from_features, study_from_file
from sklearn_ccafusion.runs._user_data import load_study_file

__all__ = [
    "DATASETS",
    "PAPER_NUMBERS",
    "DataOptions",
    "Reproduction",
    "RunEstimate",
    "StudyData",
    "estimate_run",
    "gallery_run",
    "key_numbers",
    "load_features_file",
    "load_study_file",
    "read_features_file",
    "reproduce",
    "run_layer_study",
    "run_study",
    "study_from_features",
    "study_from_file",
    "write_features_file",
]
