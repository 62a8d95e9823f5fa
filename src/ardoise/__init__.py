"""Ardoise: open-source order-to-cash."""

__version__ = "0.1.0"
