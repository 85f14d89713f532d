"""``NetworkFeatures.from_module``: any trained torch module, read by hooks, left unchanged."""

from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from sklearn_ccafusion.study import NetworkFeatures  # noqa: E402


def _module(seed=0, dtype=torch.float32):
    """Dropout and batch norm (eval mode matters) and in-place ReLUs (hooks must copy)."""
    torch.manual_seed(seed)
    module = nn.Sequential(
        nn.Linear(5, 8),
        nn.BatchNorm1d(8),
        nn.ReLU(inplace=True),
        nn.Dropout(0.5),
        nn.Linear(8, 6),
        nn.ReLU(inplace=True),
        nn.Linear(6, 3),
    ).to(dtype)
    module[1].running_mean.normal_()  # as after training
    module[1].running_var.uniform_(0.5, 2.0)
    return module.train()


def _inputs(n=23, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 5))


def _reference(module, X, layer, pre=False):
    """A plain hook that copies what it sees, on all of X at once, in eval mode."""
    module = copy.deepcopy(module).eval()
    seen = []
    target = dict(module.named_modules())[layer]
    if pre:
        handle = target.register_forward_pre_hook(lambda m, i: seen.append(i[0].clone()))
    else:
        handle = target.register_forward_hook(lambda m, i, o: seen.append(o.clone()))
    with torch.no_grad():
        logits = module(torch.as_tensor(X, dtype=torch.float32))
    handle.remove()
    return seen[0].numpy(), logits.numpy()


def test_default_features_are_the_classifier_input_and_nothing_changes():
    module = _module()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    modes = [m.training for m in module.modules()]
    X = _inputs()
    network = NetworkFeatures.from_module(module, X[:17], X[17:], batch_size=4)
    # weights, buffers (batch-norm statistics) and every training flag are as they were
    after = module.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert [m.training for m in module.modules()] == modes
    assert all(p.grad is None for p in module.parameters())
    assert not module[-1]._forward_hooks and not module[-1]._forward_pre_hooks
    expected, logits = _reference(module, X, "6", pre=True)
    # batched (4 rows) against one pass: equal to float32 rounding
    np.testing.assert_allclose(network.train, expected[:17], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(network.validation, expected[17:], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(network.coef, module[-1].weight.detach().double().numpy())
    np.testing.assert_array_equal(network.intercept, module[-1].bias.detach().double().numpy())
    # the layer applied to the features gives the module's own logits
    np.testing.assert_allclose(
        network.validation @ network.coef.T + network.intercept, logits[17:], atol=1e-5
    )
    assert network.train.dtype == np.float32 and network.classes.tolist() == [0, 1, 2]


def test_named_layer_is_copied_before_an_in_place_activation():
    module = _module(seed=1)
    X = _inputs(seed=1)
    network = NetworkFeatures.from_module(
        module, X[:17], X[17:], layer="4", classifier="6", classes=["a", "b", "c"]
    )
    expected, _ = _reference(module, X, "4")
    np.testing.assert_allclose(network.train, expected[:17], rtol=1e-5, atol=1e-6)
    assert (network.train < 0).any()  # the ReLU after it ran in place: a hook must copy
    assert network.classes.tolist() == ["a", "b", "c"]


def test_tensors_float64_modules_and_pooled_convolutions():
    module = _module(seed=2, dtype=torch.float64)
    X = torch.as_tensor(_inputs(seed=2))
    network = NetworkFeatures.from_module(module, X[:10], X[10:])
    assert network.train.dtype == np.float64 and network.train.shape == (10, 6)

    torch.manual_seed(0)
    conv = nn.Sequential(
        nn.Conv1d(2, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(4, 3)
    )
    signals = np.random.default_rng(0).normal(size=(12, 2, 16)).astype(np.float32)
    pooled = NetworkFeatures.from_module(conv, signals[:8], signals[8:], layer="1")
    direct = NetworkFeatures.from_module(conv, signals[:8], signals[8:])
    # the 3-D output of layer "1" averaged over time is the classifier's input
    np.testing.assert_allclose(pooled.train, direct.train, rtol=1e-6, atol=1e-6)


class _Tokens(nn.Module):
    """A linear layer applied to every position of a sequence: no single feature vector."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        return self.fc(x[:, None, :].expand(-1, 4, -1))


@pytest.mark.parametrize(
    "build, params, error, match",
    [
        (lambda: nn.Sequential(nn.Conv1d(1, 2, 1), nn.Flatten()), {}, ValueError, "no torch.nn"),
        (lambda: nn.Sequential(nn.Linear(5, 3), nn.Softmax(dim=1)), {}, ValueError, "classifier="),
        (lambda: _module(), {"layer": "nope"}, ValueError, "not a layer"),
        (lambda: _module(), {"classifier": "9"}, ValueError, "not a layer"),
        (lambda: _module(), {"classifier": "5"}, TypeError, "not a torch.nn.Linear"),
        (lambda: _module(), {"layer": "0", "classifier": "6"}, ValueError, "takes 6"),
        (lambda: _module(), {"batch_size": 0}, ValueError, "batch_size"),
        (lambda: "a module", {}, TypeError, "torch.nn.Module"),
        (lambda: _Tokens(), {}, ValueError, "one feature vector per"),
    ],
)
def test_bad_modules_and_names_are_named(build, params, error, match):
    X = _inputs()
    with pytest.raises(error, match=match):
        NetworkFeatures.from_module(build(), X[:17], X[17:], **params)


def test_last_linear_with_a_softmax_after_it_can_be_named():
    module = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3), nn.Softmax(dim=1))
    X = _inputs()
    network = NetworkFeatures.from_module(module, X[:17], X[17:], classifier="2")
    with torch.no_grad():
        probabilities = module(torch.as_tensor(X[17:], dtype=torch.float32)).numpy()
    logits = network.validation @ network.coef.T + network.intercept
    np.testing.assert_array_equal(logits.argmax(1), probabilities.argmax(1))


class _Recurrent(nn.Module):
    """Inputs ``(n, steps, 4)``; an LSTM (sequence-first unless ``batch_first``), then the
    classifier on its mean over the steps."""

    def __init__(self, batch_first):
        super().__init__()
        torch.manual_seed(0)
        self.batch_first = batch_first
        self.lstm = nn.LSTM(4, 5, batch_first=batch_first)
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        out, _ = self.lstm(x if self.batch_first else x.transpose(0, 1))
        return self.fc(out.mean(dim=1 if self.batch_first else 0))


SEQUENCES = np.random.default_rng(0).normal(size=(12, 6, 4)).astype(np.float32)
TABLE = np.random.default_rng(1).normal(size=(12, 4)).astype(np.float32)


def test_a_batch_first_lstm_layer_is_averaged_over_its_steps():
    module = _Recurrent(batch_first=True)
    network = NetworkFeatures.from_module(module, SEQUENCES[:8], SEQUENCES[8:], layer="lstm")
    direct = NetworkFeatures.from_module(module, SEQUENCES[:8], SEQUENCES[8:])
    np.testing.assert_allclose(network.train, direct.train, rtol=1e-6, atol=1e-6)
    assert network.train.shape == (8, 5)


def test_a_layer_whose_rows_are_not_the_samples_is_named():
    module = _Recurrent(batch_first=False)
    with pytest.raises(ValueError, match=r"'lstm' \(LSTM\) returned .*\(6, 3, 5\).*batch_first"):
        NetworkFeatures.from_module(module, SEQUENCES[:8], SEQUENCES[8:], layer="lstm",
                                    batch_size=3)
    pooled = nn.Sequential(nn.Linear(4, 5), nn.Identity(), nn.Linear(5, 3))
    pooled[1].register_forward_hook(lambda m, i, o: o.mean(0, keepdim=True).expand(1, -1))
    with pytest.raises(ValueError, match=r"'1' \(Identity\) returned .*\(1, 5\) for a batch of 3"):
        NetworkFeatures.from_module(pooled, TABLE[:8], TABLE[8:], layer="1", batch_size=3)

