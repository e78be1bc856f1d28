"""Archiving crawler for article websites."""

__version__ = "0.1.0"
