"""Opening the text files users hand Vigie: UTF-8, with or without a BOM, problems located.

Every importer reads through here (``config.toml``, catalog CSV and JSON, history and
ticket CSV), so a file is accepted or refused the same way whatever the command:

- UTF-8 text, a leading byte-order mark dropped (Excel's "CSV UTF-8" writes one);
- a byte that is not UTF-8 (Excel's other CSV formats write Windows-1252), a UTF-16 file,
  or a NUL byte (a binary file) is one problem at its line and column;
- a file that cannot be read (absent, a directory, no permission) is one problem too.

Problems are raised as a :class:`~vigie.kernel.problems.ConfigError` holding that one
problem. :func:`read_text` reads a whole file; :class:`TextLines` streams big ones (opened
with :func:`open_binary`) in blocks, yielding every line before a bad one first, so an
importer checks rows in file order and reports whichever problem comes first.
"""

from __future__ import annotations

import codecs
import io
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from vigie.kernel.problems import ConfigError, Problem

BLOCK = 1 << 20

_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SPREADSHEET = (".csv", ".tsv", ".txt")


def unreadable(name: str, exc: OSError) -> ConfigError:
    """The problem of a file that cannot be opened or read."""
    if isinstance(exc, FileNotFoundError):
        reason = "file not found"
    elif isinstance(exc, IsADirectoryError):
        reason = "a directory, not a file"
    elif isinstance(exc, PermissionError):
        reason = "permission denied"
    else:
        reason = (exc.strerror or str(exc)).lower()
    return ConfigError([Problem(name, None, "", f"cannot read: {reason}")])


def open_binary(path: str | Path) -> BinaryIO:
    """Open a user's file for reading bytes; an unreadable one is a located ConfigError."""
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise unreadable(str(path), exc) from None


def read_text(path: str | Path) -> str:
    """The whole text of a user's file (UTF-8, a BOM dropped); any problem is a ConfigError."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise unreadable(name, exc) from None
    data = _without_bom(name, data)
    text = _text(data)
    if text is None:
        raise ConfigError([_bad_byte_problem(name, data, _first_bad_byte(data), 0)])
    return text


class TextLines:
    """The lines of a user's text file (``\\n`` kept), read in big blocks and decoded as UTF-8.

    A leading BOM is dropped. Iterating yields every line before a bad byte, then raises
    the ConfigError naming the byte's line and column. ``bytes`` counts what was read so far
    (for progress bars); ``complete`` turns False once the last line is read if it has no
    line end (a file still being written, or truncated).
    """

    def __init__(self, handle: BinaryIO, name: str, block: int = BLOCK) -> None:
        self.handle = handle
        self.name = name
        self.block = block
        self.bytes = 0
        self.complete = True
        self._lines = 0  # complete lines in the blocks already decoded

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._blocks())

    def _read(self) -> bytes:
        try:
            return self.handle.read(self.block)
        except OSError as exc:
            raise unreadable(self.name, exc) from None

    def _blocks(self) -> Iterator[Iterable[str]]:
        rest = b""
        first = True
        while block := self._read():
            self.bytes += len(block)
            if first:
                block, first = _without_bom(self.name, block), False
            block = rest + block
            cut = block.rfind(b"\n") + 1
            whole, rest = block[:cut], block[cut:]
            if whole:
                yield self._decode(whole)
        if rest:
            # Set only once every complete line was consumed (chain asks for this last).
            self.complete = False
            yield self._decode(rest)

    def _decode(self, whole: bytes) -> Iterable[str]:
        """The lines of a block ending at a line end (or at the end of the file)."""
        text = _text(whole)
        if text is not None:
            self._lines += whole.count(b"\n")
            return io.StringIO(text, newline="\n")
        bad = _first_bad_byte(whole)
        problem = _bad_byte_problem(self.name, whole, bad, self._lines)
        good = whole[: whole.rfind(b"\n", 0, bad) + 1].decode("utf-8")
        return _then_fail(good, problem)


def _then_fail(text: str, problem: Problem) -> Iterator[str]:
    yield from io.StringIO(text, newline="\n")
    raise ConfigError([problem])


def _without_bom(name: str, data: bytes) -> bytes:
    """The data without a UTF-8 byte-order mark; a UTF-16 one is a problem at line 1."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    if data.startswith(_UTF16):
        raise ConfigError(
            [Problem(name, 1, "", f"not UTF-8 text (UTF-16, by its byte-order mark): {_advice(name)}")]
        )
    return data


def _text(data: bytes) -> str | None:
    """The data decoded, or None when it holds a NUL byte or is not UTF-8."""
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _first_bad_byte(data: bytes) -> int:
    """The offset of the first byte that is NUL or not UTF-8 (:func:`_text` gave None)."""
    nul = data.find(b"\0")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start if nul < 0 else min(nul, exc.start)
    return nul


def _bad_byte_problem(name: str, data: bytes, offset: int, lines_before: int) -> Problem:
    """The problem of the byte at ``offset``: its line and (character) column, and what to do."""
    start = data.rfind(b"\n", 0, offset) + 1
    line = lines_before + data.count(b"\n", 0, start) + 1
    column = len(data[start:offset].decode("utf-8")) + 1
    byte = data[offset]
    if byte == 0:
        message = f"a NUL byte at column {column}: not a text file (UTF-16?): {_advice(name)}"
    else:
        message = f"not UTF-8 text (byte 0x{byte:02X} at column {column}): {_advice(name)}"
    return Problem(name, line, "", message)


def _advice(name: str) -> str:
    if name.lower().endswith(_SPREADSHEET):
        return 'save the file as UTF-8 ("CSV UTF-8" in Excel)'
    return "save the file as UTF-8"
