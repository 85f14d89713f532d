"""The study end to end: the public path of 0.2.0, an alias of :mod:`sklearn_ccafusion.runs`."""

from sklearn_ccafusion.runs import (
    DATASETS,
    PAPER_NUMBERS,
    DataOptions,
    Reproduction,
    StudyData,
    gallery_run,
    key_numbers,
    load_study_file,
    reproduce,
    run_layer_study,
    run_study,
    study_from_file,
)

__all__ = [
    "DATASETS",
    "PAPER_NUMBERS",
    "DataOptions",
    "Reproduction",
    "StudyData",
    "gallery_run",
    "key_numbers",
    "load_study_file",
    "reproduce",
    "run_layer_study",
    "run_study",
    "study_from_file",
]
