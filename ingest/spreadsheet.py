"""Spreadsheet formula injection guard for CSV exports.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return, which some spreadsheets skip before evaluating) is run as a formula when a
CSV file is opened in Excel, LibreOffice or Google Sheets. Before the API writes a
user-supplied *text* field (symbols, tag names, portfolio names) into a CSV export
it passes it through :func:`neutralise_formula`, which prefixes a single quote: the
spreadsheet shows the text literally. Numbers are written as numbers and are not
passed through this function (``-500`` is a quantity, not a formula).
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """``text`` made inert for spreadsheets: ``"'" + text`` when it starts a formula.

    Parameters
    ----------
    text : str
        A text cell of a CSV export.

    Returns
    -------
    str
        ``text`` unchanged, or prefixed with ``'`` when it starts with one of
        ``= + - @``, a tab or a carriage return.
    """
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
