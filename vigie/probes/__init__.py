"""Measuring the outside world: probes, scheduler, the measurement store, the exporter."""
