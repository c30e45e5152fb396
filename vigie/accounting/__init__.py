"""Where availability is computed: the accounting rules, as pure functions.

Data in, data out: no store, no config file, no clock. The probe daemon (alerts), the
exporter, the console, the reports and the status page all apply these rules, so a
component's state and its figures read the same everywhere.

- :mod:`.results`: the measurement (a probe result) and the states;
- :mod:`.terms`: what the accounting is told (schedule, policy, maintenance windows);
- :mod:`.timeline`: one probe's results as run-length segments (coverage, rule 1);
- :mod:`.state`: the component's state over time (rules 2-5), and as it changes live;
- :mod:`.schedules`: service schedules and maintenance windows as UTC spans, DST included;
- :mod:`.figures`: the SLA figures over a period (rule 6: the schedule), error budget;
- :mod:`.incidents`: incidents, MTTR and MTBF.
"""
