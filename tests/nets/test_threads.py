"""CPU thread counts chosen from a net's work, applied while training and restored afterwards."""

from __future__ import annotations

import torch
from skorch.callbacks import Callback
from torch import nn

from sklearn_ccafusion.nets import (
    FLOPS_PER_THREAD,
    TimeSeriesConvNet,
)
from sklearn_ccafusion.nets._classifier._threads import auto_torch_threads, forward_flops
from tests.nets._helpers import make_mlp


class _RecordThreads(Callback):
    def on_epoch_begin(self, net, **kwargs):
        self.seen_ = getattr(self, "seen_", []) + [torch.get_num_threads()]


def test_forward_flops_counts_linear_and_conv_layers():
    assert forward_flops(nn.Linear(64, 10), torch.zeros(3, 64)) == 2 * 64 * 10 * 3
    conv = nn.Conv1d(3, 8, 5, padding=2)
    assert forward_flops(conv, torch.zeros(1, 3, 20)) == 2 * (3 * 5) * (8 * 20)
    grouped = nn.Conv2d(4, 8, 3, groups=2)
    assert forward_flops(grouped, torch.zeros(1, 4, 6, 6)) == 2 * (2 * 9) * (8 * 4 * 4)
    net = TimeSeriesConvNet(3, 4, filters=(8, 16), kernel_size=(5, 3))
    # conv 1 on 40 samples, pooled to 20 for conv 2, then the 16 -> 4 classifier
    expected = 2 * (3 * 5 * 8 * 40 + 8 * 3 * 16 * 20 + 16 * 4)
    assert forward_flops(net.train(), torch.zeros(1, 3, 40)) == expected
    assert net.training  # the mode is restored


def test_auto_rule_follows_the_work_per_step():
    wide = nn.Linear(4096, 4096)
    flops = 3 * forward_flops(wide, torch.zeros(1, 4096)) * 256
    expected = int(flops // FLOPS_PER_THREAD)
    assert 2 <= expected < 16
    assert auto_torch_threads(wide, torch.zeros(1, 4096), 256, max_threads=16) == expected
    assert auto_torch_threads(wide, torch.zeros(1, 4096), 256, max_threads=2) == 2
    assert auto_torch_threads(wide, torch.zeros(1, 4096), 1, max_threads=16) == 1


def test_explicit_threads_apply_while_training_and_are_restored(digits):
    X, y = digits
    before = torch.get_num_threads()
    record = _RecordThreads()
    net = make_mlp(max_epochs=2, torch_threads=2, callbacks=[("threads", record)]).fit(X, y)
    assert record.seen_ == [2, 2]
    assert torch.get_num_threads() == before and net.torch_threads_ == 2


def test_auto_picks_one_thread_for_a_small_net_and_none_leaves_it(digits):
    X, y = digits
    torch.set_num_threads(2)
    try:
        record = _RecordThreads()
        net = make_mlp(max_epochs=1, callbacks=[("threads", record)]).fit(X, y)
        assert net.torch_threads_ == 1 and record.seen_ == [1]
        assert torch.get_num_threads() == 2
        record = _RecordThreads()
        left = make_mlp(max_epochs=1, torch_threads=None, callbacks=[("threads", record)])
        assert left.fit(X, y).torch_threads_ is None and record.seen_ == [2]
    finally:
        torch.set_num_threads(1)
