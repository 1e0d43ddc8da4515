"""Sferum monitoring briefings: data contract, warehouse, indicators, charts and rendering."""

__version__ = "0.1.0"
