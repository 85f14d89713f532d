"""Joint (vectorised) training: each net equals the one its own ``fit`` gives.

Modules are float64 here, so the only differences left between a net trained
jointly and alone are floating-point reassociations (batched against single
matrix products): the trained weights agree to ``ATOL``.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.base import clone

from sklearn_ccafusion.nets import (
    CIFARResNet,
    FlipCrop,
    MLPNet,
    NetFeatures,
    SensorNetClassifier,
    SHLConvNet,
    fit_jointly,
    joint_training_obstacle,
)
from sklearn_ccafusion.nets._joint._joint import fit_on_workers
from tests.nets._helpers import PlainModule, make_mlp, requires_cuda

ATOL = 1e-10  # float64: reassociation only


class DoubleMLP(MLPNet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.double()


class DoubleSHL(SHLConvNet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.double()


class DoubleResNet(CIFARResNet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.double()


class NoisyMLP(DoubleMLP):
    """Draws random numbers in its forward: cannot be vectorised."""

    def forward(self, x):
        out = super().forward(x)
        return out + 1e-3 * torch.randn_like(out) if self.training else out


def _weights(net):
    state = net.module_.state_dict()
    return {k: v.detach().double().numpy() for k, v in state.items() if v.is_floating_point()}


def assert_same_net(joint, alone, atol=ATOL):
    wj, wa = _weights(joint), _weights(alone)
    assert wj.keys() == wa.keys()
    for name in wj:
        assert_allclose(wj[name], wa[name], rtol=0, atol=atol, err_msg=name)
    assert_allclose(joint.history[:, "train_loss"], alone.history[:, "train_loss"], atol=atol)
    assert joint.history[:, "train_batch_count"] == alone.history[:, "train_batch_count"]


def _mlp(seed, **params):
    defaults = {
        "module": DoubleMLP,
        "module__n_features": 64,
        "module__n_classes": 10,
        "module__hidden": (24, 16),
        "module__dropout": 0.3,
        "max_epochs": 2,
        "batch_size": 32,
        "optimizer__weight_decay": 1e-3,
        "lr_step_epochs": 1,
        "class_weight": "balanced",
        "random_state": seed,
    }
    defaults.update(params)
    return SensorNetClassifier(**defaults)


@pytest.fixture(scope="module")
def small_digits(digits):
    X, y = digits
    return X[:300], y[:300]  # 300 = 9 batches of 32 + 12: a short last batch


@pytest.fixture(scope="module")
def mlp_pair(small_digits):
    X, y = small_digits
    joint = fit_jointly([_mlp(0), _mlp(1), _mlp(2)], X, y)
    alone = [_mlp(seed).fit(X, y) for seed in range(3)]
    return joint, alone


def test_mlp_joint_equals_alone(mlp_pair):
    """Dropout masks, class weights, weight decay, schedule and batch order: all per net."""
    joint, alone = mlp_pair
    for j, a in zip(joint, alone):
        assert_same_net(j, a)
        assert j.history[:, "event_lr"] == a.history[:, "event_lr"]
    assert np.abs(joint[0].class_components_ - joint[1].class_components_).max() > 0.05


def test_joint_nets_continue_like_lone_nets(mlp_pair, small_digits):
    """The optimiser state and history written back make ``partial_fit`` continue alike."""
    X, y = small_digits
    joint, alone = mlp_pair
    j = pickle.loads(pickle.dumps(joint[0])).partial_fit(X, y)
    a = pickle.loads(pickle.dumps(alone[0])).partial_fit(X, y)
    assert len(j.history) == 4
    assert_same_net(j, a)


def test_joint_nets_are_ordinary_estimators(mlp_pair, small_digits):
    X, y = small_digits
    net = mlp_pair[0][1]
    assert clone(net).get_params()["random_state"] == 1
    loaded = pickle.loads(pickle.dumps(net))
    assert_allclose(loaded.transform(X[:20]), net.transform(X[:20]))
    logits = net.transform(X[:20]) @ net.class_components_.T + net.class_bias_
    assert_allclose(net.decision_function(X[:20]), logits, rtol=1e-5, atol=1e-5)
    expected = net.classes_[net.decision_function(X).argmax(axis=1)]
    assert (net.predict(X) == expected).all()


@pytest.mark.parametrize(
    "module, shape, params",
    [
        (DoubleSHL, (1, 48, 48), {"max_epochs": 1}),  # two dropout layers
        (
            DoubleResNet,  # batch norm, flip-and-crop augmentation, schedule
            (3, 32, 32),
            {"module__depth": 8, "augment": FlipCrop(), "lr_step_epochs": 1, "max_epochs": 2},
        ),
    ],
    ids=["SHLConvNet", "CIFARResNet8"],
)
def test_image_nets_joint_equals_alone(module, shape, params):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, *shape)).astype(np.float32)
    y = np.arange(20) % 3

    def make(seed):
        return SensorNetClassifier(
            module, module__n_classes=3, batch_size=16, random_state=seed, **params
        )

    joint = fit_jointly([make(0), make(1)], X, y, vectorize=True)
    for seed, net in enumerate(joint):
        assert_same_net(net, make(seed).fit(X, y))
    assert np.abs(joint[0].transform(X) - joint[1].transform(X)).max() > 1e-3


def test_auto_trains_convolutional_nets_alone_on_cpu(monkeypatch):
    """``vectorize="auto"``: no stacked model for convolutions on CPU (measured slower)."""
    import sklearn_ccafusion.nets._joint._joint as joint_module

    def no_stacking(*args, **kwargs):
        raise AssertionError("stacked training was used")

    monkeypatch.setattr(joint_module, "train_stacked", no_stacking)
    X = np.random.default_rng(0).standard_normal((8, 1, 48, 48)).astype(np.float32)
    y = np.arange(8) % 2

    def make(seed):
        return SensorNetClassifier(SHLConvNet, module__n_classes=2, max_epochs=1, random_state=seed)

    fitted = fit_jointly([make(0), make(1)], X, y)
    assert_same_net(fitted[1], make(1).fit(X, y), atol=0)


@pytest.mark.parametrize(
    ("n_jobs", "convolutional", "expected"),
    [
        (3, True, {"max_group_size": 2, "n_jobs": 3}),  # 5 nets on 3 workers: 2, 2, 1
        (8, True, {"max_group_size": 1, "n_jobs": 5}),  # never more workers than nets
        (None, True, {}),  # one worker: in process
        (3, False, {}),  # dense modules stack in one process
    ],
)
def test_fit_on_workers_spreads_only_nets_that_train_alone_on_cpu(
    monkeypatch, n_jobs, convolutional, expected
):
    import sklearn_ccafusion.nets._joint._joint as joint_module

    calls = []
    monkeypatch.setattr(
        joint_module, "fit_jointly", lambda nets, X, y, **kwargs: calls.append(kwargs) or nets
    )
    if convolutional:
        nets = [SensorNetClassifier(SHLConvNet, random_state=seed) for seed in range(5)]
    else:
        nets = [make_mlp(random_state=seed) for seed in range(5)]
    assert joint_module.fit_on_workers(nets, None, None, n_jobs=n_jobs) == nets
    assert calls == [expected]


def test_one_input_per_net(digits_halves):
    """Nets on different sensors (inputs of one shape) train together too."""
    X, y = digits_halves
    X, y = X[:200], y[:200]
    left, right = X[:, :32], X[:, 32:]
    nets = [_mlp(0, module__n_features=32), _mlp(0, module__n_features=32)]
    joint = fit_jointly(nets, [left, right], y)
    assert_same_net(joint[0], _mlp(0, module__n_features=32).fit(left, y))
    assert_same_net(joint[1], _mlp(0, module__n_features=32).fit(right, y))


def test_incompatible_nets_train_alone(small_digits):
    """Nets that cannot join a group (or whose module draws randomness) are fit one by one."""
    X, y = small_digits
    nets = [
        _mlp(0),
        _mlp(1, module__hidden=(8,)),  # another architecture
        _mlp(2, optimizer=torch.optim.ASGD),  # not element-wise
        _mlp(3, module=NoisyMLP),
        _mlp(4, module=NoisyMLP),  # a group whose module draws randomness
    ]
    assert joint_training_obstacle(nets[2]) == (
        f"its optimizer {torch.optim.ASGD!r} is not an element-wise one"
    )
    fitted = fit_jointly(nets, X, y)
    for net in fitted:
        assert_same_net(net, clone(net).fit(X, y))


@pytest.mark.parametrize(
    "net, reason",
    [
        (make_mlp(callbacks=[]), "its own callbacks"),
        (make_mlp(data_on_device=False), "in-memory tensors"),
        (make_mlp(module=MLPNet(64, 10)), "module is an instance"),
        (make_mlp(train_split=lambda ds, y: (ds, ds)), "validation split"),
    ],
)
def test_obstacles(net, reason):
    assert reason in joint_training_obstacle(net)


def test_bad_arguments(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="X is a list of 1 inputs but there are 2 nets"):
        fit_jointly([_mlp(0), _mlp(1)], [X], y)
    with pytest.raises(ValueError, match='vectorize must be True, False or "auto"'):
        fit_jointly([_mlp(0)], X, y, vectorize="yes")
    with pytest.raises(ValueError, match="max_group_size must be a positive int"):
        fit_jointly([_mlp(0)], X, y, max_group_size=0)
    net = _mlp(0)
    with pytest.raises(ValueError, match="same net object twice"):
        fit_jointly([net, net], X, y)


@pytest.mark.parametrize(
    "nets, match",
    [
        ([object()], r"estimators with a fit method .*nets\[0\] is a object"),
        ([None, None], r"nets\[0\] is a NoneType; nets\[1\] is a NoneType"),
        (5, "must be a list of networks .*got int"),
        ("net", "got one str; wrap a single net in a list"),
    ],
)
def test_nets_that_are_not_estimators_are_named(small_digits, nets, match):
    X, y = small_digits
    with pytest.raises(TypeError, match=match):
        fit_jointly(nets, X, y)
    with pytest.raises(TypeError, match=match):
        fit_on_workers(nets, X, y)


def test_no_nets_is_refused(small_digits):
    X, y = small_digits
    for fit in (fit_jointly, fit_on_workers):
        with pytest.raises(ValueError, match="nets is empty"):
            fit(iter(()), X, y)
        with pytest.raises(ValueError, match="nets is empty"):
            fit([], X, y)


def test_a_single_net_must_be_wrapped_in_a_list(small_digits):
    X, y = small_digits
    with pytest.raises(TypeError, match="got one SensorNetClassifier; wrap a single net"):
        fit_jointly(_mlp(0), X, y)


@pytest.mark.slow  # each worker process imports torch
def test_groups_as_separate_processes(small_digits):
    """Two groups as joblib tasks in two worker processes equal one group in process."""
    X, y = small_digits

    def nets():
        return [make_mlp(max_epochs=2, random_state=seed) for seed in range(4)]

    together = fit_jointly(nets(), X, y)
    apart_nets = nets()
    apart = fit_jointly(apart_nets, X, y, max_group_size=2, n_jobs=2)
    assert all(a is b for a, b in zip(apart, apart_nets))
    for a, b in zip(apart, together):
        assert_allclose(a.transform(X), b.transform(X), rtol=1e-5, atol=1e-5)


def test_net_features_joint_switch(digits):
    X, y = digits
    nets = [(f"n{seed}", make_mlp(max_epochs=2, random_state=seed)) for seed in range(3)]
    joint = NetFeatures(nets).fit(X[:300], y[:300])
    alone = NetFeatures(nets, joint=False).fit(X[:300], y[:300])
    assert_allclose(joint.transform(X[300:400]), alone.transform(X[300:400]), atol=1e-5)
    assert joint.get_params()["joint"] is True


@requires_cuda
def test_joint_training_on_cuda(small_digits):
    """fp32 without dropout: the lone fit's numbers; bf16 for large steps: finite, distinct."""
    X, y = small_digits

    def make(seed, **params):
        return make_mlp(device="cuda", max_epochs=2, random_state=seed, **params)

    joint = fit_jointly([make(0, precision="fp32"), make(1, precision="fp32")], X, y)
    for seed, net in enumerate(joint):
        alone = make(seed, precision="fp32").fit(X, y)
        assert_allclose(net.transform(X), alone.transform(X), rtol=1e-4, atol=1e-4)
    big = fit_jointly([make(s, batch_size=256, module__dropout=0.2) for s in range(3)], X, y)
    assert big[0]._amp(3 * 256) == (True, False)
    features = [net.transform(X) for net in big]
    assert all(np.isfinite(f).all() for f in features)
    assert np.abs(features[0] - features[1]).max() > 1e-3
    assert_allclose(pickle.loads(pickle.dumps(big[2])).transform(X), features[2])


def test_progress_labels_change_neither_grouping_nor_numbers(small_digits, capsys):
    """A progress label per net (what a run shows unless quiet) trains the same nets."""
    X, y = small_digits
    quiet = fit_jointly([_mlp(0), _mlp(1)], X, y)
    shown = fit_jointly([_mlp(0, progress="a#0"), _mlp(1, progress="a#1")], X, y)
    assert "epoch" in capsys.readouterr().err  # the group's bar replaced the nets' bars
    for q, s in zip(quiet, shown):
        # the same code path on the same machine: the same bits
        for name, weights in _weights(q).items():
            np.testing.assert_array_equal(_weights(s)[name], weights, err_msg=name)


@pytest.mark.parametrize("vectorize", [True, False])
def test_an_input_the_modules_cannot_take_is_named(vectorize):
    nets = [SensorNetClassifier(PlainModule, max_epochs=1, random_state=s) for s in range(2)]
    with pytest.raises(ValueError, match=r"PlainModule cannot run on a batch of shape \(6, 7\)"):
        fit_jointly(nets, np.zeros((6, 7), np.float32), np.arange(6) % 2, vectorize=vectorize)
    fitted = fit_jointly(nets, np.zeros((6, 4), np.float32), np.arange(6) % 2, vectorize=vectorize)
    assert [net.predict(np.zeros((2, 4), np.float32)).shape for net in fitted] == [(2,), (2,)]
