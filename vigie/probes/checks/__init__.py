"""Probe kinds: one module per kind, each turning a probe's options into a measurement."""
