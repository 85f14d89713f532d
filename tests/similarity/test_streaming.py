"""``stream_layer_similarity``: two models' layers over a loader, equal to in-memory measures."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from sklearn_ccafusion.nets import LayerFeatures  # noqa: E402
from sklearn_ccafusion.similarity import (  # noqa: E402
    linear_cka,
    pwcca,
    stream_layer_similarity,
    svcca,
)


class _SmallConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.relu = nn.ReLU(inplace=True)
        self.fc = nn.Linear(6, 5)

    def forward(self, x):
        h = self.relu(self.bn(self.conv(x)))
        return self.fc(h.mean(dim=(2, 3)))


def _models():
    torch.manual_seed(0)
    first, second = _SmallConv().eval(), _SmallConv().eval()
    for m in (first.bn, second.bn):
        m.running_mean.normal_()
    return first, second


def test_layer_map_equals_in_memory_measures():
    first, second = _models()
    X = torch.randn(203, 2, 5, 5)
    y = torch.zeros(203)
    loader = DataLoader(TensorDataset(X, y), batch_size=50)  # last batch of 3
    layers = ["conv", "bn", "fc"]
    table = stream_layer_similarity(first, second, loader, layers, progress=False)
    assert len(table) == 9 * 5 and set(table["n_samples"]) == {203}
    acts = [LayerFeatures(m, layers, batch_size=50).fit(X).layer_features(X) for m in _models()]
    reference = {
        "svcca": lambda a, b: svcca(a, b),
        "pwcca": lambda a, b: pwcca(a, b),
        "cka": lambda a, b: linear_cka(a, b),
        "cka_debiased": lambda a, b: linear_cka(a, b, debiased=True),
    }
    for row in table.itertuples():
        if row.measure == "cca_top":
            continue
        a = acts[0][row.layer_1].astype(np.float64)
        b = acts[1][row.layer_2].astype(np.float64)
        assert row.value == pytest.approx(reference[row.measure](a, b), abs=1e-8), row
    # bn's output is kept before the in-place ReLU: its negative values count
    assert acts[0]["bn"].min() < 0


def test_one_model_pairs_and_errors():
    first, _ = _models()
    batches = [torch.randn(n, 2, 4, 4) for n in (7, 1, 30)]
    table = stream_layer_similarity(
        first,
        None,
        batches,
        ["conv", "fc"],
        pairs=[("conv", "fc")],
        measures=["cka"],
        progress=False,
    )
    assert table[["layer_1", "layer_2", "measure"]].values.tolist() == [["conv", "fc", "cka"]]
    # the model runs where it is (in eval mode), then gets its mode back and no hooks
    first.train()
    again = stream_layer_similarity(
        first,
        None,
        batches,
        ["conv", "fc"],
        pairs=[("conv", "fc")],
        measures=["cka"],
        progress=False,
    )
    assert again["value"].iloc[0] == table["value"].iloc[0]  # eval mode: same values
    assert first.training and first.bn.training
    assert not first.conv._forward_hooks and not first.fc._forward_hooks
    first.eval()
    flat = stream_layer_similarity(
        first, first, batches, "conv", pooling="flatten", measures=["cka"], progress=False
    )
    assert flat["value"].iloc[0] == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError, match="Unknown measure"):
        stream_layer_similarity(first, None, batches, "conv", measures=["rsa"], progress=False)
    with pytest.raises(ValueError, match="Unknown layer name"):
        stream_layer_similarity(first, None, batches, "nope", progress=False)
    with pytest.raises(ValueError, match="no samples"):
        stream_layer_similarity(first, None, [], "conv", progress=False)


def test_near_collinear_layers_give_one_warning_for_the_map():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    with torch.no_grad():  # unit 2 of layer "0" nearly repeats unit 0: cond ~ 1e10
        model[0].weight[2] = model[0].weight[0] + 1e-5 * torch.randn(4)
        model[0].bias[2] = model[0].bias[0]
    batches = [torch.randn(200, 4) for _ in range(3)]
    with pytest.warns(UserWarning) as record:
        table = stream_layer_similarity(model, None, batches, ["0", "1"], progress=False)
    messages = [str(w.message) for w in record]
    # every pair with layer "0" (3 of the 4), reported once
    assert len(messages) == 1 and "3 of 4 layer pairs" in messages[0], messages
    assert len(table) == 4 * 5


def test_half_precision_outputs_are_read_as_float32():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).to(torch.bfloat16)
    batches = [torch.randn(n, 8, dtype=torch.bfloat16) for n in (40, 3, 57)]
    table = stream_layer_similarity(
        model,
        None,
        batches,
        ["0", "2"],
        pairs=[("0", "2")],
        measures=["cka_debiased", "svcca"],
        progress=False,
    )
    with torch.no_grad():
        hidden = torch.cat([model[0](b) for b in batches]).float().numpy().astype(float)
        out = torch.cat([model(b) for b in batches]).float().numpy().astype(float)
    values = dict(zip(table["measure"], table["value"]))
    assert values["cka_debiased"] == pytest.approx(linear_cka(hidden, out, debiased=True), abs=1e-8)
    assert values["svcca"] == pytest.approx(svcca(hidden, out), abs=1e-8)


def test_a_sequence_first_layer_is_refused_while_streaming():
    class SequenceFirst(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 3)
            self.fc = nn.Linear(3, 2)

        def forward(self, x):  # (n, sequence, 4) -> (sequence, n, 4), as torch expects
            out, _ = self.lstm(x.transpose(0, 1))
            return self.fc(out[-1])

    batches = [torch.randn(n, 6, 4) for n in (5, 5)]
    with pytest.raises(ValueError, match=r"'lstm' \(LSTM\) returned a tensor of shape "
                                         r"\(6, 5, 3\) .*batch_first=True"):
        stream_layer_similarity(SequenceFirst(), None, batches, ["lstm", "fc"], progress=False)
