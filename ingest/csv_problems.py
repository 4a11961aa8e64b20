"""Problems of a positions CSV: what they are, how they are collected and reported.

A :class:`CsvProblem` names the row (0 = the header, None = the whole file), the column
and the problem. The validator collects them with :class:`Checks` (vectorised: one call
per rule reports every row the rule's mask marks) and raises them together in one
:class:`CsvValidationError`, ordered by row then column; the API answers 422 with
:func:`problem_dicts`.

Bounded output: an error lists at most ``limit`` problems (the first ones in row then
column order; default :data:`MAX_LISTED_PROBLEMS`, the API's setting
``csv_max_problems``) and carries the ``total`` count. :class:`Checks` therefore keeps
only the first ``limit`` rows of each rule (the first ``limit`` of the file are among
them) and counts the rest, so a file with a million problems costs a count, not a
million messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

COLUMNS = ("ticker", "quantity", "entry_price", "entry_date", "tags")  # problem order too
MAX_LISTED_PROBLEMS = 200  # default number of problems an error lists (the total is counted)


@dataclass(frozen=True)
class CsvProblem:
    """One problem of an upload: ``row`` (0 = header, None = whole file), ``column``."""

    row: int | None
    column: str | None
    message: str


class CsvError(ValueError):
    """A positions CSV was refused."""


class CsvTooLargeError(CsvError):
    """The file exceeds ``max_bytes`` (the API answers 413)."""

    def __init__(self, size: int, max_bytes: int):
        super().__init__(f"file is {size} bytes; the limit is {max_bytes} bytes")
        self.size = size
        self.max_bytes = max_bytes


class CsvValidationError(CsvError):
    """The file has problems (the API answers 422 listing the first ``limit`` of them).

    ``problems`` are the first ``limit`` problems in row then column order; ``total``
    counts them all (given when the caller dropped some already, else ``len(problems)``).
    """

    def __init__(self, problems: list[CsvProblem], total: int | None = None,
                 limit: int = MAX_LISTED_PROBLEMS):
        ordered = sorted(problems, key=_problem_order)
        self.total = max(total or 0, len(ordered))
        self.problems = ordered[:limit]
        first = self.problems[0]
        listed = f" (the first {limit} are listed)" if self.total > len(self.problems) else ""
        super().__init__(
            f"{self.total} problem(s) in the CSV{listed}, first: row {first.row}, "
            f"column {first.column}: {first.message}"
        )


def reject(row: int | None, column: str | None, message: str) -> CsvValidationError:
    """A validation error of one problem (the file cannot be read further)."""
    return CsvValidationError([CsvProblem(row, column, message)])


class Checks:
    """Accumulates problems; each ``flag`` call reports the rows of a mask.

    Of each call only the first ``limit`` rows become problems; ``total`` counts all.
    """

    def __init__(self, limit: int = MAX_LISTED_PROBLEMS) -> None:
        self.problems: list[CsvProblem] = []
        self.limit = limit
        self.total = 0

    def flag(self, text: pd.Series, mask: pd.Series, column: str, template: str,
             show: Callable[[object], str] | None = None) -> pd.Series:
        """Report ``template`` (with ``{value}``) for ``mask`` rows; returns ``mask``.

        ``text`` is indexed by row number, ascending. ``{value}`` is the row's ``text``,
        quoted and shortened unless ``show`` is given.
        """
        show = show or _show
        marked = text[mask]
        self.total += len(marked)
        first = marked.iloc[:self.limit]
        self.problems.extend(
            CsvProblem(int(row), column, template.format(value=show(value)))
            for row, value in zip(first.index.tolist(), first.tolist(), strict=True)
        )
        return mask


def _show(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _problem_order(problem: CsvProblem) -> tuple[int, int]:
    row = -1 if problem.row is None else problem.row
    column = COLUMNS.index(problem.column) if problem.column in COLUMNS else len(COLUMNS)
    return row, column


def problem_dicts(problems: Iterable[CsvProblem]) -> list[dict[str, object]]:
    """Problems as JSON-ready dicts ``{"row", "column", "message"}`` (for the API)."""
    return [{"row": p.row, "column": p.column, "message": p.message} for p in problems]
