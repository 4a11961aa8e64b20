"""The tag rule, in one place: what a tag name may be, and how it is stored.

A tag name, once trimmed, is 1–:data:`MAX_TAG_LENGTH` ASCII letters, digits, space,
``-``, ``_`` or ``.``, and does not start with a spreadsheet formula character
(``= + - @``: a tag exported to a spreadsheet must never run as a formula). Names are
stored lower-case, so ``Tech`` and a CSV's ``tech`` are the same tag; they are unique per
user. A position carries at most :data:`MAX_TAGS_PER_POSITION` distinct tags; a CSV row
names at most :data:`MAX_TAG_ITEMS_PER_ROW` (repeats included, so the validator's work per
row is bounded). The CSV
validator (:mod:`ingest.csv_positions`), the book writer and the API's tag schemas all
apply this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_TAG_LENGTH = 50
MAX_TAGS_PER_POSITION = 20
MAX_TAG_ITEMS_PER_ROW = 2 * MAX_TAGS_PER_POSITION
FORMULA_PREFIXES = ("=", "+", "-", "@")
TAG_PATTERN = r"[A-Za-z0-9 _.\-]+"
DEFAULT_TAG_COLOR = "#6B7280"


def tag_name_problems(names: pd.Series) -> list[tuple[pd.Series, str]]:
    """The rule applied to trimmed ``names``, vectorised.

    Returns ``(mask, message)`` pairs in order; ``mask`` marks the names that break the
    rule and ``message`` has a ``{value}`` placeholder for the offending name. A name may
    break several of the first three rules; the character rule is reported only for
    names that break none of them.
    """
    empty = names == ""
    formula = names.str.slice(0, 1).isin(FORMULA_PREFIXES)
    long = names.str.len() > MAX_TAG_LENGTH
    passed = ~(empty | formula | long).to_numpy()  # the character rule only for these
    bad = np.zeros(len(names), dtype=bool)
    bad[passed] = ~names[passed].str.fullmatch(TAG_PATTERN).fillna(False).to_numpy(dtype=bool)
    characters = pd.Series(bad, index=names.index)
    return [
        (empty, "empty tag (two commas in a row, or a trailing comma?)"),
        (formula, "tag {value} starts with a spreadsheet formula character "
                  "(= + - @ are not allowed at the start of a tag)"),
        (long, f"tag {{value}} is longer than {MAX_TAG_LENGTH} characters"),
        (characters, "tag {value} may contain only letters, digits, space, '-', '_' and '.'"),
    ]


def clean_tag_name(value: str) -> str:
    """The stored form of one tag name (trimmed, lower-case); ValueError when invalid."""
    name = value.strip()
    for mask, message in tag_name_problems(pd.Series([name], dtype=object)):
        if bool(mask.iloc[0]):
            raise ValueError(message.format(value=repr(name)))
    return name.lower()
