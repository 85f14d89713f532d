"""The softmax objective: the training loss and gradient torch computes, in NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from sklearn_ccafusion.head._softmax_objective import softmax_objective


def torch_objective(X, y, W, b, class_weight, weight_decay):
    """The training loss as torch computes it: weighted mean CE + coupled L2 (wd/2 ||.||^2)."""
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    logits = torch.tensor(X) @ Wt.T + bt
    loss = torch.nn.CrossEntropyLoss(weight=torch.tensor(class_weight))(logits, torch.tensor(y))
    loss = loss + weight_decay / 2 * (Wt.pow(2).sum() + bt.pow(2).sum())
    loss.backward()
    return loss.item(), np.concatenate([Wt.grad.numpy().ravel(), bt.grad.numpy()])


@pytest.mark.parametrize("weight_decay", [0.0, 1e-3, 0.1])
def test_objective_and_gradient_match_torch(problem, weight_decay):
    X, y, W, b = problem
    class_weight = np.array([1.0, 2.0, 0.5, 3.0])
    params = np.concatenate([W.ravel(), b])
    loss, grad = softmax_objective(params, X, y, class_weight[y], weight_decay, 4)
    expected_loss, expected_grad = torch_objective(X, y, W, b, class_weight, weight_decay)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-12)
