"""The operations console: a Textual TUI over the store, the catalog and the tickets (`vigie tui`)."""
