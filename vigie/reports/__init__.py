"""Computations over measurements and the catalog (SLA accounting, statistics) and rendering."""
