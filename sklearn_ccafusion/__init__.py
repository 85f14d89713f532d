"""Canonical correlation analysis of neural-network features, inside scikit-learn."""

__version__ = "0.1.0"
