"""Errors for user-supplied files the pipeline refuses to open."""

from __future__ import annotations


class UnsafeFileError(ValueError):
    """A file that would run code if loaded (a pickle or checkpoint needing arbitrary globals).

    The message names the file and what was refused; nothing from the file was executed.
    """


class InconsistentDataError(ValueError):
    """Two artifacts that must agree do not (counts, checksums): joining them would give wrong answers."""
