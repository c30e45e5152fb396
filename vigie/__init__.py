"""Vigie: the operations console of a large public-sector information system."""

__version__ = "0.1.0"
