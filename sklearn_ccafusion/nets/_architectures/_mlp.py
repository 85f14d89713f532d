"""Multilayer perceptron with the package's module convention.

``MLPNet`` is the small network of the embedded default (scikit-learn's digits):
``features(x)`` returns the last hidden layer (post-ReLU), ``classifier`` is the
final :class:`torch.nn.Linear`, so ``forward(x) = classifier(dropout(features(x)))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

from torch import Tensor, nn

__all__ = ["MLPNet"]


def _as_hidden(hidden: int | Sequence[int]) -> tuple[int, ...]:
    """Normalise ``hidden`` to a tuple of positive widths."""
    if isinstance(hidden, Integral) and not isinstance(hidden, bool):
        hidden = (int(hidden),)
    widths = tuple(hidden)
    if not all(isinstance(w, Integral) and not isinstance(w, bool) and w > 0 for w in widths):
        raise ValueError(
            f"hidden must be a positive int or a sequence of positive ints, got {hidden!r}."
        )
    return tuple(int(w) for w in widths)


class MLPNet(nn.Module):
    """Fully connected ReLU network: hidden layers, then a linear classification layer.

    Inputs of any shape ``(n, ...)`` are flattened to ``(n, n_features)``, so 8x8
    digit images work as well as tables.

    Parameters
    ----------
    n_features : int
        Width of the (flattened) input.
    n_classes : int
        Number of classes, the output width of :attr:`classifier`.
    hidden : int or sequence of int, default=(128,)
        Widths of the hidden layers. ``()`` gives multinomial logistic regression
        (the penultimate features are then the input itself).
    dropout : float, default=0.0
        Dropout probability after each hidden layer (identity in eval mode, so
        the logits equal ``features(x) @ classifier.weight.T + classifier.bias``).

    Attributes
    ----------
    hidden_layers : torch.nn.Sequential
        The hidden ``Linear -> ReLU`` blocks, dropout between them.
    classifier : torch.nn.Linear
        The final layer; its weight rows are the class components.

    Examples
    --------
    >>> import torch
    >>> net = MLPNet(64, 10, hidden=(32, 16))
    >>> x = torch.zeros(5, 64)
    >>> tuple(net.features(x).shape), tuple(net(x).shape)
    ((5, 16), (5, 10))
    """

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        hidden: int | Sequence[int] = (128,),
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not (0.0 <= float(dropout) < 1.0):
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
        self.n_features = int(n_features)
        self.n_classes = int(n_classes)
        widths = _as_hidden(hidden)
        layers: list[nn.Module] = []
        width_in = self.n_features
        for i, width in enumerate(widths):
            if i > 0 and dropout > 0:
                layers.append(nn.Dropout(dropout))
            layers += [nn.Linear(width_in, width), nn.ReLU()]
            width_in = width
        self.hidden_layers = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout) if widths and dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(width_in, self.n_classes)

    def _flatten(self, x: Tensor) -> Tensor:
        x = x.reshape(x.shape[0], -1) if x.ndim != 2 else x
        if x.shape[1] != self.n_features:
            raise ValueError(
                f"MLPNet was built for n_features={self.n_features} but got inputs with "
                f"{x.shape[1]} features per sample; set module__n_features={x.shape[1]}."
            )
        return x

    def features(self, x: Tensor) -> Tensor:
        """Penultimate features: the last hidden layer, after its ReLU.

        Parameters
        ----------
        x : Tensor of shape (n, n_features) or (n, ...)
            A batch of inputs; each row is flattened to its ``n_features`` values.

        Returns
        -------
        features : Tensor of shape (n, hidden[-1])
            ``(n, n_features)`` without hidden layers.
        """
        return self.hidden_layers(self._flatten(x))

    def forward(self, x: Tensor) -> Tensor:
        """Logits, ``classifier(dropout(features(x)))``.

        Parameters
        ----------
        x : Tensor of shape (n, n_features) or (n, ...)
            A batch of inputs; each row is flattened to its ``n_features`` values.

        Returns
        -------
        logits : Tensor of shape (n, n_classes)
        """
        return self.classifier(self.dropout(self.features(x)))
