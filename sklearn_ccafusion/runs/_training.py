"""The training settings of a run's networks, as resolved, for the report.

A data set builds each sensor's network with ``make_net``; the settings are read
back from that network's parameters (defaults included: an optimiser's own weight
decay when the recipe gives none), so the report states what trained the
networks, never an option left to a default (``epochs=None``).
"""

from __future__ import annotations

import inspect
from typing import Any

from sklearn_ccafusion.runs._data import StudyData

__all__ = ["NOT_TRAINED", "training_lines", "training_settings"]

#: The report's one sentence when the run trained no network.
NOT_TRAINED = "No network was trained by this run: the networks were given, trained before it."

#: Parameters of a network that do not change what it learns (speed, display, the seed).
_NOT_SETTINGS = {
    "module",
    "random_state",
    "verbose",
    "progress",
    "torch_threads",
    "iterator_train",
    "iterator_valid",
    "dataset",
    "callbacks",
    "predict_nonlinearity",
    "warm_start",
    "compile",
    "use_caching",
    "torch_load_kwargs",
    "_params_to_validate",
    "classes",
    "channels_last",
    "data_on_device",
}


def _name(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, type):
        return value.__name__
    return str(value)


def _optimiser_default(optimizer: Any, name: str) -> Any:
    try:
        parameter = inspect.signature(optimizer).parameters.get(name)
    except (TypeError, ValueError):  # pragma: no cover - a callable without a signature
        return None
    return None if parameter is None else parameter.default


def _schedule(params: dict[str, Any]) -> str:
    steps, gamma = params.get("lr_step_epochs"), params.get("lr_gamma")
    if steps is None:
        return "none"
    when = f"every {steps} epochs" if isinstance(steps, int) else f"at epochs {list(steps)}"
    return f"x {gamma:.3g} {when}"


def _precision(params: dict[str, Any]) -> str:
    from sklearn_ccafusion.nets._classifier._device import resolve_precision

    train, infer = resolve_precision(
        params.get("precision", "auto"), params.get("device"), params.get("batch_size")
    )
    if not train:
        return "fp32"
    return "bf16" if infer else "bf16 training, fp32 inference"


def _recipe(params: dict[str, Any]) -> dict[str, str]:
    """The shared recipe of one network, in the report's words, every default resolved."""
    optimizer = params.get("optimizer")
    decay = params.get("optimizer__weight_decay")
    decay_text = (
        f"{_optimiser_default(optimizer, 'weight_decay')} (the optimiser's default)"
        if decay is None
        else str(decay)
    )
    recipe = {
        "optimiser": _name(optimizer),
        "learning rate": str(params.get("lr")),
        "weight decay": decay_text,
    }
    for key, value in params.items():
        if key.startswith("optimizer__") and key != "optimizer__weight_decay":
            recipe[key.removeprefix("optimizer__").replace("_", " ")] = str(value)
    recipe |= {
        "epochs": str(params.get("max_epochs")),
        "batch size": str(params.get("batch_size")),
        "loss": _name(params.get("criterion")),
        "class weights": _name(params.get("class_weight")),
        "learning-rate schedule": _schedule(params),
        "augmentation": _name(params.get("augment")),
        "precision": _precision(params),
        "device": _name(params.get("device")),
    }
    return recipe


def training_settings(data: StudyData, device: str = "cpu") -> dict[str, dict[str, str]]:
    """Per sensor, the resolved settings its networks were trained with.

    Parameters
    ----------
    data : StudyData
        A data set that builds its networks (``make_net`` not ``None``).
    device : str, default="cpu"
        The run's device.

    Returns
    -------
    settings : dict of str to dict of str to str
        Per sensor, ``"network"`` (the module and its parameters) and the recipe's
        entries (optimiser, learning rate, weight decay, epochs, batch size...),
        each as the report writes it; the networks of a sensor differ only by seed.

    Examples
    --------
    >>> from sklearn_ccafusion.runs import DATASETS, DataOptions
    >>> settings = training_settings(DATASETS["digits"](DataOptions(quick=True)))
    >>> settings["left"]["epochs"], settings["left"]["optimiser"], settings["left"]["weight decay"]
    ('10', 'Adam', "0 (the optimiser's default)")
    """
    settings = {}
    for sensor in data.sensors:
        net = data.make_net(sensor, 0, device)
        params = net.get_params(deep=False)
        if "module" not in params:  # another estimator than SensorNetClassifier: its own words
            given = ", ".join(f"{k}={v}" for k, v in params.items() if k != "random_state")
            settings[sensor] = {"network": f"{type(net).__name__}({given})"}
            continue
        module = ", ".join(
            f"{key.removeprefix('module__')}={value}"
            for key, value in params.items()
            if key.startswith("module__")
        )
        rest = {
            k: v
            for k, v in params.items()
            if k not in _NOT_SETTINGS and not k.startswith("module__")
        }
        settings[sensor] = {"network": f"{_name(params['module'])}({module})", **_recipe(rest)}
    return settings


def training_lines(training: dict[str, dict[str, str]] | None, head_params: dict) -> list[str]:
    """The report's lines on how the networks were trained (and the retrained layer).

    Parameters
    ----------
    training : dict or None
        :func:`training_settings`' value; ``None`` when the run trained no network.
    head_params : dict
        Parameters of the retrained :class:`~sklearn_ccafusion.ClassLayerClassifier`.

    Returns
    -------
    lines : list of str
        Markdown lines: one per network type, then the recipe (once when every
        sensor shares it), then the retrained layer's parameters.
    """
    head = ", ".join(f"{k}={v}" for k, v in head_params.items()) or "its defaults"
    head_line = f"- retrained last layer (ClassLayerClassifier): {head}."
    if training is None:
        return [NOT_TRAINED, "", head_line]
    lines = ["Training settings, as resolved (the networks of a sensor differ only by seed):", ""]
    recipes: dict[tuple, list[str]] = {}
    for sensor, settings in training.items():
        lines.append(f"- {sensor}: {settings['network']}")
        recipe = tuple((k, v) for k, v in settings.items() if k != "network")
        recipes.setdefault(recipe, []).append(sensor)
    for recipe, sensors in recipes.items():
        if not recipe:
            continue
        who = "every sensor" if len(recipes) == 1 else ", ".join(sensors)
        lines.append(f"- training ({who}): " + ", ".join(f"{k} {v}" for k, v in recipe) + ".")
    lines.append(head_line)
    return lines
