"""A compact per-network progress bar for training: name, epochs done, last loss.

skorch's own ``ProgressBar`` counts the batches of each epoch and its ``PrintLog``
prints a table row per epoch; a study that trains dozens of networks wants one
line per network instead.
"""

from __future__ import annotations

import sys
from typing import Any

from skorch.callbacks import Callback
from tqdm.auto import tqdm

__all__ = ["TrainingProgress"]

# history keys shown after the epoch count, in this order, when present
_SHOWN = (("train_loss", "loss"), ("valid_loss", "val_loss"), ("valid_acc", "val_acc"))


class TrainingProgress(Callback):
    """skorch callback: one tqdm bar per ``fit``, over epochs, with the last losses.

    Parameters
    ----------
    name : str or None, default=None
        Text before the bar; ``None``: the module's class name.
    leave : bool or None, default=None
        Keep the finished bar on screen; ``None``: only when no other bar is open
        (as tqdm's ``leave=None``), so that the bars of the networks a run trains
        under its own bar do not pile up.
    file : file-like or None, default=None
        Where the bar is written; ``None``: ``sys.stderr``.

    See Also
    --------
    SensorNetClassifier : Its ``progress`` parameter adds this callback.

    Examples
    --------
    >>> import io
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> out = io.StringIO()
    >>> net = SensorNetClassifier(
    ...     MLPNet, module__n_features=64, module__n_classes=10, max_epochs=2,
    ...     callbacks=[("bar", TrainingProgress("digits", file=out))], random_state=0,
    ... ).fit(X / 16, y)
    >>> final = out.getvalue().split("\\r")[-1]
    >>> final.startswith("digits: 100%"), "2/2" in final, "loss=" in final
    (True, True, True)
    """

    def __init__(
        self, name: str | None = None, *, leave: bool | None = None, file: Any = None
    ) -> None:
        self.name = name
        self.leave = leave
        self.file = file

    def on_train_begin(self, net: Any, X: Any = None, y: Any = None, **kwargs: Any) -> None:
        """Open the bar, sized to ``net.max_epochs``.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        X, y : object, default=None
            Its training data (unused).
        **kwargs : dict
            Other arguments skorch passes (unused).
        """
        name = self.name
        if name is None:
            module = getattr(net, "module_", None)
            name = type(module).__name__ if module is not None else type(net).__name__
        self.bar_ = tqdm(
            total=int(net.max_epochs),
            desc=str(name),
            unit="epoch",
            leave=self.leave,
            file=self.file if self.file is not None else sys.stderr,
            dynamic_ncols=True,
        )

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        """Advance one epoch and show the last losses.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained; its last ``history`` row is shown.
        **kwargs : dict
            Other arguments skorch passes (unused).
        """
        bar = getattr(self, "bar_", None)
        if bar is None:
            return
        last = net.history[-1]
        shown = {label: f"{last[key]:.4g}" for key, label in _SHOWN if last.get(key) is not None}
        bar.set_postfix(shown, refresh=False)
        bar.update(1)

    def on_train_end(self, net: Any, X: Any = None, y: Any = None, **kwargs: Any) -> None:
        """Close the bar (a fitted net carries no open bar, so it pickles).

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        X, y : object, default=None
            Its training data (unused).
        **kwargs : dict
            Other arguments skorch passes (unused).
        """
        bar = getattr(self, "bar_", None)
        if bar is not None:
            bar.close()
        self.bar_ = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["bar_"] = None
        return state
