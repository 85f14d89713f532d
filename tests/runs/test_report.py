"""``report.md``'s wording: bands named by what they measure, training settings as resolved."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sklearn_ccafusion.runs import DATASETS, DataOptions, StudyData
from sklearn_ccafusion.runs._networks import network_factory
from sklearn_ccafusion.runs._recipes import training_recipe
from sklearn_ccafusion.runs._report import _fusion_band_lines, _fusion_figures_names
from sklearn_ccafusion.runs._training import NOT_TRAINED, training_lines, training_settings


def _toy(modules, recipe) -> StudyData:
    y = np.array([0, 1, 0, 1])
    return StudyData(
        name="toy",
        inputs_train={s: np.zeros((4, 2)) for s in modules},
        inputs_validation={s: np.zeros((4, 2)) for s in modules},
        y_train=y,
        y_validation=y,
        classes=np.array([0, 1]),
        metric="accuracy",
        make_net=network_factory(modules, recipe),
        net_settings={},
    )


def test_digits_settings_resolve_every_default():
    data = DATASETS["digits"](DataOptions())
    settings = training_settings(data)
    assert set(settings) == {"left", "right"}
    left = settings["left"]
    # the recipe gives no optimiser nor weight decay: the network's and Adam's defaults
    assert left["optimiser"] == "Adam" and left["weight decay"].startswith("0 ")
    assert (left["epochs"], left["batch size"], left["learning rate"]) == ("30", "64", "0.001")
    assert left["network"] == "MLPNet(n_features=32, n_classes=10, hidden=(64,))"
    assert left["precision"] == "fp32" and left["device"] == "cpu"
    assert "None" not in " ".join(v for s in settings.values() for v in s.values())
    quick = training_settings(DATASETS["digits"](DataOptions(quick=True)))
    assert quick["left"]["epochs"] == "10"


@pytest.mark.parametrize(
    ("recipe", "expected"),
    [
        (
            "shl",
            {"weight decay": "0.001", "epochs": "50", "class weights": "balanced",
             "learning-rate schedule": "none"},
        ),
        (
            "cifar",
            {"epochs": "80", "batch size": "128",
             "learning-rate schedule": "x 0.333 every 20 epochs",
             "augmentation": "FlipCrop(padding=4, flip=True)"},
        ),
        (
            "cifar-he",
            {"optimiser": "SGD", "momentum": "0.9", "weight decay": "0.0001",
             "learning-rate schedule": "x 0.1 at epochs [82, 123]"},
        ),
    ],
)  # fmt: skip
def test_paper_recipes_are_stated_as_given(recipe, expected):
    from sklearn_ccafusion.nets import MLPNet

    module = (MLPNet, {"n_features": 2, "n_classes": 2})
    settings = training_settings(_toy({"a": module}, training_recipe(recipe)))["a"]
    assert {key: settings[key] for key in expected} == expected


def test_training_lines_share_the_recipe_and_say_once_when_nothing_was_trained():
    from sklearn_ccafusion.nets import MLPNet

    modules = {
        "a": (MLPNet, {"n_features": 2, "n_classes": 2}),
        "b": (MLPNet, {"n_features": 3, "n_classes": 2}),
    }
    lines = training_lines(training_settings(_toy(modules, {"max_epochs": 7})), {"reg": 0.1})
    recipe = [line for line in lines if line.startswith("- training (")]
    assert len(recipe) == 1 and "every sensor" in recipe[0] and "epochs 7" in recipe[0]
    assert "- a: MLPNet(n_features=2, n_classes=2)" in lines
    assert lines[-1] == "- retrained last layer (ClassLayerClassifier): reg=0.1."
    given = "\n".join(training_lines(None, {}))
    assert given.lower().count("no network was trained") == 1 and NOT_TRAINED in given


def _bands(value_by_name: dict) -> pd.DataFrame:
    rows = [
        {"name": name, "measure": measure, "value": v, "low": v - 0.02, "high": v + 0.02,
         "sensor": "acc+gyr", "pair": pair}
        for pair in (0, 1)
        for (name, measure), v in value_by_name.items()
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_fusion_bands_name_each_quantity():
    # logit averaging's accuracy and CCA-sum's agreement are equal here: their columns
    # must still say which is which, and CCA-sum's own accuracy sits beside logit averaging's
    bands = _bands(
        {
            ("logit_average", "accuracy"): 0.942,
            ("cca_sum_svm", "accuracy"): 0.953,
            ("cca_sum_svm", "agreement"): 0.942,
            ("view_1", "accuracy"): 0.8,
        }
    )
    lines = _fusion_band_lines(bands, "acc+gyr", "accuracy", 450)
    assert "95 % bootstrap interval over the 450 validation samples" in lines[0]
    header = [cell.strip() for cell in lines[2].strip("|").split("|")]
    assert header == [
        "pair",
        "logit averaging, accuracy",
        "CCA-sum + SVM, accuracy",
        "CCA-sum + SVM, agreement with logit averaging",
    ]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[4:]]
    assert rows == [
        [str(pair), "0.942 [0.922, 0.962]", "0.953 [0.933, 0.973]", "0.942 [0.922, 0.962]"]
        for pair in (0, 1)
    ]
    assert _fusion_band_lines(bands, "acc+mag", "accuracy", 450) == []
    assert _fusion_band_lines(None, "acc+gyr", "accuracy", 450) == []


def test_an_estimator_of_another_kind_is_stated_in_its_own_words():
    from sklearn.neural_network import MLPClassifier

    data = _toy({"a": None}, {}).with_changes(
        make_net=lambda sensor, seed, device: MLPClassifier((5,), max_iter=9, random_state=seed)
    )
    settings = training_settings(data)
    assert set(settings["a"]) == {"network"} and "max_iter=9" in settings["a"]["network"]
    lines = training_lines(settings, {})
    assert not any(line.startswith("- training (") for line in lines)


def test_fusion_figures_have_one_file_each_inside_the_folder():
    pairs = [("acc", "gyr"), ("a_b", "c"), ("a", "b_c"), ("../../x", "/y"), ("Acc", "gyr")]
    fusion = pd.DataFrame(
        [{"view_1": a, "view_2": b, "method": "m", "value": 0.5} for a, b in pairs]
    )
    names = _fusion_figures_names(fusion)
    assert names[0] == "fusion.png" and names[1].startswith("fusion_a_b_c-")
    assert len({name.casefold() for name in names}) == len(pairs)
    assert all("/" not in name and ".." not in name for name in names)
