"""Networks as feature transformers: ``NetFeatures`` (penultimate features of several
nets, stacked as views), ``LayerFeatures`` (any named layers), and their saved folders."""
