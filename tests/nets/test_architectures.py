"""The torch modules: shapes, dtypes, the features/classifier convention, bad inputs."""

from __future__ import annotations

import pytest
import torch

from sklearn_ccafusion.nets import CIFARResNet, MLPNet, SHLConvNet

CASES = [
    (lambda: MLPNet(64, 10), (5, 64), 128, 10),
    (lambda: MLPNet(64, 10, hidden=(32, 16), dropout=0.3), (5, 1, 8, 8), 16, 10),
    (lambda: MLPNet(64, 3, hidden=()), (5, 64), 64, 3),
    (lambda: SHLConvNet(), (3, 1, 48, 48), 128, 8),
    (lambda: SHLConvNet(n_classes=5, in_channels=2), (3, 2, 48, 48), 128, 5),
    (lambda: CIFARResNet(depth=20), (2, 3, 32, 32), 64, 10),
    (lambda: CIFARResNet(depth=8, shortcut="B", n_classes=4), (2, 3, 32, 32), 64, 4),
    (lambda: CIFARResNet(depth=14, shortcut="conv3x3", in_channels=1), (2, 1, 16, 16), 64, 10),
]


@pytest.mark.parametrize("build, shape, n_features, n_classes", CASES)
def test_convention_shapes_and_logits(build, shape, n_features, n_classes):
    torch.manual_seed(0)
    module = build().eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        feats = module.features(x)
        logits = module(x)
    assert feats.shape == (shape[0], n_features) and feats.dtype == torch.float32
    assert logits.shape == (shape[0], n_classes) and logits.dtype == torch.float32
    assert isinstance(module.classifier, torch.nn.Linear)
    assert module.classifier.weight.shape == (n_classes, n_features)
    # In eval mode the logits are the last layer applied to the features.
    expected = feats @ module.classifier.weight.T + module.classifier.bias
    torch.testing.assert_close(logits, expected)


def test_shl_architecture_matches_the_original_study():
    net = SHLConvNet()
    convs = [m for m in net.conv if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [16, 32, 64]
    assert [c.padding for c in convs] == [(1, 1), (1, 1), (0, 0)]
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    drops = [m.p for m in net.modules() if isinstance(m, torch.nn.Dropout)]
    assert drops == [0.25, 0.5]
    assert net.fc[2].in_features == 1600 and net.fc[2].out_features == 128
    # the third convolution is unpadded: 12x12 -> 10x10 -> pooled 5x5
    with torch.no_grad():
        assert net.conv(torch.zeros(1, 1, 48, 48)).shape == (1, 64, 5, 5)
    assert (net.eval().features(torch.randn(4, 1, 48, 48)) >= 0).all()


@pytest.mark.parametrize(
    "depth, shortcut, n_params",
    [(20, "A", 0.27), (32, "A", 0.46), (56, "A", 0.85), (110, "A", 1.7)],
)  # He et al. 2016, table 6, millions of parameters (rounded there)
def test_resnet_size_matches_he_et_al(depth, shortcut, n_params):
    net = CIFARResNet(depth=depth, shortcut=shortcut)
    assert sum(p.numel() for p in net.parameters()) / 1e6 == pytest.approx(n_params, rel=0.02)
    n_convs = sum(isinstance(m, torch.nn.Conv2d) for m in net.modules())
    assert n_convs + 1 == depth  # 6n + 1 convolutions + the final linear layer


def test_resnet_authors_variant_has_3x3_projections():
    net = CIFARResNet(depth=38, shortcut="conv3x3")
    projections = [m.shortcut[0] for m in net.stages if isinstance(m.shortcut, torch.nn.Sequential)]
    assert [p.kernel_size for p in projections] == [(3, 3), (3, 3)]
    assert len(net.stages) == 18


@pytest.mark.parametrize(
    "module, shape, match",
    [
        (SHLConvNet(), (2, 1, 32, 32), r"\(n, 1, 48, 48\).*\(2, 1, 32, 32\)"),
        (SHLConvNet(in_channels=2), (2, 1, 48, 48), r"\(n, 2, 48, 48\)"),
        (SHLConvNet(), (2, 5), r"got an input of shape \(2, 5\)"),
        (CIFARResNet(depth=8), (2, 1, 32, 32), r"\(n, 3, H, W\)"),
        (MLPNet(64, 10), (2, 63), r"n_features=64 .* 63 features"),
    ],
)
def test_bad_input_shape_is_named(module, shape, match):
    with pytest.raises(ValueError, match=match):
        module(torch.zeros(*shape))


def test_accepted_reshapes():
    shl = SHLConvNet().eval()
    x = torch.randn(2, 1, 48, 48)
    with torch.no_grad():
        ref = shl(x)
        torch.testing.assert_close(shl(x[:, 0]), ref)
        torch.testing.assert_close(shl(x.reshape(2, -1)), ref)
        resnet = CIFARResNet(depth=8).eval()
        img = torch.randn(2, 3, 32, 32)
        torch.testing.assert_close(resnet(img.reshape(2, -1)), resnet(img))


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: CIFARResNet(depth=21), "6 n \\+ 2"),
        (lambda: CIFARResNet(shortcut="C"), "shortcut"),
        (lambda: MLPNet(4, 2, hidden=(0,)), "hidden"),
        (lambda: MLPNet(4, 2, dropout=1.0), "dropout"),
    ],
)
def test_bad_constructor_arguments(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_channels_last_gives_same_output():
    torch.manual_seed(0)
    net = SHLConvNet().eval()
    x = torch.randn(3, 1, 48, 48)
    with torch.no_grad():
        ref = net(x)
        net_cl = net.to(memory_format=torch.channels_last)
        out = net_cl(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)
