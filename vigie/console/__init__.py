"""The faces: the `vigie` command line and the Textual console; composes the rest."""
