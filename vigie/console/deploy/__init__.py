"""`vigie deploy`: configuration files for the engines Vigie stands on, one module per
artefact, each with ``artefacts(settings, catalog) -> {relative path: file text}``."""
