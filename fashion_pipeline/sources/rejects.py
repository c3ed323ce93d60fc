"""Rejected input lines: kept with their line number and reason, never silently dropped."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from fashion_pipeline import columns as C

# A file where more than this share of lines is bad is probably the wrong file or the wrong
# format: failing loudly beats ingesting the few lines that happen to parse.
MAX_REJECT_SHARE = 0.5

REJECTS_SCHEMA = {C.SOURCE_FILE: pl.Utf8, C.LINE_NUMBER: pl.Int64, C.REASON: pl.Utf8, C.RAW_LINE: pl.Utf8}


class MalformedFileError(ValueError):
    """A raw file that cannot be read as the format it claims to be."""


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECTS_SCHEMA)


@dataclass
class ReadResult:
    """What a reader returns: the rows it kept, the lines it rejected, and counts to report."""

    rows: pl.DataFrame
    rejects: pl.DataFrame = field(default_factory=empty_rejects)
    stats: dict[str, int] = field(default_factory=dict)

    def reject_counts(self) -> dict[str, int]:
        if self.rejects.is_empty():
            return {}
        counts = self.rejects.group_by(C.REASON).len().sort(C.REASON)
        return dict(zip(counts[C.REASON].to_list(), counts["len"].to_list()))


def make_rejects(path: Path, line_numbers, reasons, raw_lines) -> pl.DataFrame:
    return pl.DataFrame(
        {
            C.SOURCE_FILE: [str(path)] * len(line_numbers),
            C.LINE_NUMBER: line_numbers,
            C.REASON: reasons,
            # Raw lines are truncated: a reject table is for finding the line, not for storing it.
            C.RAW_LINE: [r[:500] for r in raw_lines],
        },
        schema=REJECTS_SCHEMA,
    )


def fail_if_mostly_bad(path: Path, total: int, rejects: pl.DataFrame) -> None:
    check_reject_share(path, total, len(rejects), rejects.head(3).select(C.LINE_NUMBER, C.REASON).rows())


def check_reject_share(path: Path, total: int, rejected: int, first: list[tuple[int, str]]) -> None:
    """MalformedFileError when the file is empty or mostly rejected; `first` are (line, reason)
    of the first rejects, for the message. Decided on counts over the whole file."""
    if total == 0:
        raise MalformedFileError(f"{path}: the file has no lines")
    if rejected / total > MAX_REJECT_SHARE:
        examples = "; ".join(f"line {n}: {r}" for n, r in first[:3])
        raise MalformedFileError(
            f"{path}: {rejected} of {total} lines rejected (more than "
            f"{MAX_REJECT_SHARE:.0%}); is this the right file and format? First: {examples}"
        )
