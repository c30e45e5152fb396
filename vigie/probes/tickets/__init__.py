"""Service-desk tickets: the model, their store, CSV import and the GLPI pull."""
