"""Multi-GPU and multi-node training through skorch's ``AccelerateMixin``.

No distributed loop of our own: Hugging Face Accelerate prepares the module,
optimizer and ``DataLoader`` and handles mixed precision; skorch drives it.
"""

from __future__ import annotations

from typing import Any

from skorch.hf import AccelerateMixin

from sklearn_ccafusion.nets._classifier._classifier import SensorNetClassifier

__all__ = ["AcceleratedSensorNetClassifier"]


class AcceleratedSensorNetClassifier(AccelerateMixin, SensorNetClassifier):
    """:class:`SensorNetClassifier` trained by Hugging Face Accelerate (multi-GPU, multi-node).

    Parameters
    ----------
    module : torch.nn.Module class or instance
        As for :class:`SensorNetClassifier`.
    accelerator : accelerate.Accelerator
        Decides devices, data-parallel wrapping and mixed precision, e.g.
        ``Accelerator(mixed_precision="bf16")``.
    device : None, default=None
        Leave placement to the accelerator.
    precision : str, default="fp32"
        Keep ``"fp32"``: the accelerator's ``mixed_precision`` does the autocast.
    data_on_device : bool, default=False
        Accelerate shards a ``DataLoader``, so batches come from skorch's
        ``DataLoader`` path.
    **kwargs
        Any other :class:`SensorNetClassifier` or skorch parameter
        (``unwrap_after_train``...).

    Notes
    -----
    Write the training in a script and start it with Accelerate's launcher, one
    process per GPU::

        # train.py
        from accelerate import Accelerator
        from sklearn_ccafusion.nets import (
            AcceleratedSensorNetClassifier, CIFARResNet, training_recipe)
        net = AcceleratedSensorNetClassifier(
            CIFARResNet, accelerator=Accelerator(mixed_precision="bf16"),
            **training_recipe("cifar"), random_state=0)
        net.fit(X_train, y_train)
        if net.accelerator.is_main_process:
            features = net.transform(X_test)

        # one node, 4 GPUs
        accelerate launch --multi_gpu --num_processes 4 train.py
        # 2 nodes x 8 GPUs (run on each node, machine_rank 0 and 1)
        accelerate launch --multi_gpu --num_machines 2 --num_processes 16 \\
            --machine_rank 0 --main_process_ip 10.0.0.1 --main_process_port 29500 train.py

    The module is unwrapped after training (``unwrap_after_train=True``), so
    ``transform``, ``class_components_`` and pickling work as for one device.
    ``random_state`` seeds each process identically; Accelerate's sharded sampler
    gives each process its part of every epoch.

    Examples
    --------
    >>> AcceleratedSensorNetClassifier.__mro__[1].__name__
    'AccelerateMixin'
    """

    def __init__(
        self,
        module: Any,
        *,
        accelerator: Any,
        device: Any = None,
        precision: str = "fp32",
        data_on_device: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            module,
            accelerator=accelerator,
            device=device,
            precision=precision,
            data_on_device=data_on_device,
            **kwargs,
        )
