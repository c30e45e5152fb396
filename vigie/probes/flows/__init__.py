"""Following business flows (invoices, EDI files) end to end: events, life cycle, store."""
