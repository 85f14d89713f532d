"""Torch modules of the study: ``module.features(x)`` gives the penultimate features and
``module.classifier`` is the final ``nn.Linear`` (MLPNet, SHLConvNet, CIFARResNet,
TimeSeriesConvNet), with the input-shape checks they share."""
