"""A user's file opened for an import, with a progress bar on standard error when asked."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import rich.progress
from rich.console import Console

from vigie.kernel.textfile import open_binary


@contextmanager
def reading(path: str | Path, show: bool) -> Iterator[BinaryIO]:
    """The file's bytes (an unreadable file is a located ConfigError); a bar named after the
    file follows the reading when ``show``."""
    handle = open_binary(path)
    with (
        handle,
        rich.progress.wrap_file(
            handle,
            os.fstat(handle.fileno()).st_size,
            description=Path(path).name,
            console=Console(stderr=True),
            transient=True,
            disable=not show,
        ) as wrapped,
    ):
        yield wrapped
