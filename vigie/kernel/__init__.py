"""The shared kernel: what every package needs, importing nothing else of Vigie.

Reading users' files and collecting their located problems: opening text
(:mod:`.textfile`), TOML sections (:mod:`.tomlfile`), CSV and JSON rows (:mod:`.table`),
all in the same words (:mod:`.problems`); durations (:mod:`.durations`), time spans and
local time (:mod:`.spans`, :mod:`.localtime`), pausing the garbage collector around bulk
loads (:mod:`.gcpause`); and what users read: messages and number, percentage, duration
and date formats (:mod:`.text`). The import contracts in ``pyproject.toml`` keep it at the
bottom.
"""
