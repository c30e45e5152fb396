"""Names vulture reports as unused that are used, by a framework or a template (not imported).

Run `make deadcode` (vulture over vigie/ and bench/ with this file, settings in pyproject.toml's
[tool.vulture]). Code that only the tests call is still reported: the product does not use it.
Not a gate of `make check`. vulture matches names, not places: `_` stands for any object.
"""

# Textual calls these by name: widget composition, message handlers (`on_*`, and methods
# decorated with `@on(...)`), key bindings' `action_*`, class settings, command providers.
_.compose
_.on_mount
_.on_unmount
_.on_resize
_.on_data_table_row_selected
_._worker_done
_._tab_activated
_._filter_changed
_._filter_submitted
_._open_from_table
_._status_chosen
_._typed
_._submitted
_._picked
_._jump
_.action_help
_.action_filter
_.action_clear
_.action_faster
_.action_slower
_.action_sort
_.action_reverse
_.action_back
_.action_dismiss
_.action_alerts
_.action_cancel
_._row_selected
_.discover
_.action_command_palette
_.get_system_commands
_._list_visible
_._search
_._trace_stuck
_.on_worker_state_changed
CSS_PATH
TITLE
BINDINGS

# `vigie deploy` calls each module of vigie/console/deploy by this name.
artefacts

# http.server and socketserver call these by name (the exporter, the demo's simulated SI).
_.do_GET
_.do_POST
_.log_message
_.daemon_threads
_.close_connection
daemon_threads
protocol_version
server_version

# asyncio calls these on the HTTP check's protocol object.
_.data_received
_.eof_received
_.connection_lost

# httptools' parser calls these on the HTTP check's protocol object as it reads an answer.
_.on_status
_.on_header
_.on_headers_complete
_.on_body
_.on_message_complete

# The report templates (vigie/reports/templates/*.j2) use these.
trend_heatmap
throughput_bars
peak_utilisation
incident_count
over_capacity
_.budget_used
_.day_or_month_ranges

# SLA figures reach `vigie sla --json` and the report's JSON through dataclasses.asdict.
budget_used_s
burn_rate
longest_incident_s

# Textual calls these by name on the communication screen and its form (key bindings, buttons).
_.action_communicate
_.action_publish
_.action_update
_.on_button_pressed
_.action_cancel
# The tests read the day states (every one has its words in the catalogue).
DAY_STATES
# The flows' integration report reaches `vigie flows report --json`, the report's JSON and its
# templates through dataclasses.asdict and getattr; rich reads a table's title style.
accepted
rejected
suspended
paid
withdrawn
duplicates
missing_ack
flagged
attached_at
_.title_style
TRANSFORMED
