"""Utilities for developers and users of the package."""

from sklearn_ccafusion.utils.discovery import all_estimators, public_modules

__all__ = ["all_estimators", "public_modules"]
