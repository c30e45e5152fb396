"""The public status page: its pages, JSON, feed and badges (:mod:`.site`), served read-only
by `vigie status serve` (:mod:`.app`) or written as static files by `vigie status build`."""
