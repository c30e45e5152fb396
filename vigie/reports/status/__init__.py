"""The public status page's content: what was communicated (incidents and maintenance notices,
:mod:`.communication`), which components are public (:mod:`.config`), their daily bars from
the accounting (:mod:`.days`) and the page as one snapshot (:mod:`.page`). The faces that
serve and build it live in :mod:`vigie.console.status`."""
