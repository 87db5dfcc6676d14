"""The version of feedsmith (read by the packaging too)."""

__version__ = "0.1.0"
