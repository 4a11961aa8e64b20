"""Security symbols: stock/ETF tickers and OCC option symbols.

An OCC option symbol is ``root + YYMMDD + C|P + strike``:

- **root**: the OCC option root, 1–6 characters, an upper-case letter followed by
  upper-case letters or digits (adjusted series after a corporate action carry a
  digit, e.g. ``AAPL1``). OCC roots have no class separator: the options on BRK.B
  trade under the root ``BRKB``.
- **expiry**: ``YYMMDD``, years 2000–2099.
- **C|P**: call or put.
- **strike**: 8 digits in thousandths of a dollar, ``00150000`` = $150.000.

Two spellings are accepted and normalised to the **compact** one:

- compact (the spec's sample and Polygon's): ``AAPL240119C00150000`` (16–21 chars);
- padded (OCC's own 21-character form, root space-padded to 6):
  ``AAPL  240119C00150000``.

Polygon's option tickers prefix the compact form with ``O:``; that prefix is
accepted as well and dropped.

A stock or ETF ticker is 1–6 upper-case letters, optionally followed by a share-class
suffix of ``.`` or ``-`` and 1–2 letters (``BRK.B``, ``BF-B``). Lower-case input is
rejected rather than silently upper-cased, so what is stored is what the user wrote.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

OptionType = Literal["C", "P"]

TICKER_RE = re.compile(r"[A-Z]{1,6}(?:[.-][A-Z]{1,2})?")
ROOT_RE = re.compile(r"[A-Z][A-Z0-9]{0,5}")
POLYGON_PREFIX = "O:"
ROOT_WIDTH = 6
SUFFIX_LENGTH = 15  # YYMMDD (6) + C|P (1) + strike (8)
PADDED_LENGTH = ROOT_WIDTH + SUFFIX_LENGTH
MAX_STRIKE_THOUSANDTHS = 99_999_999
_LOOSE_RE = re.compile(r"[A-Z]{1,6} *(?P<expiry>\d+)[A-Z](?P<strike>\d+)")
_SYMBOL_FORMAT = (
    "an OCC symbol is root (1-6 characters) + YYMMDD + C|P + 8-digit strike in "
    "thousandths, e.g. AAPL240119C00150000"
)

_OPTION_TYPES: dict[str, Literal["C", "P"]] = {"C": "C", "P": "P"}


class SymbolError(ValueError):
    """A position symbol is neither a valid ticker nor a valid OCC option symbol."""


class OccSymbolError(SymbolError):
    """An OCC option symbol is malformed; the message says which part and why."""


@dataclass(frozen=True)
class OccSymbol:
    """A parsed OCC option symbol.

    Attributes
    ----------
    root : str
        OCC option root (the underlying's ticker for standard series).
    expiry : datetime.date
        Expiration date.
    option_type : {'C', 'P'}
        Call or put.
    strike : float
        Strike price in dollars per share (the symbol's thousandths / 1000).
    """

    root: str
    expiry: dt.date
    option_type: OptionType
    strike: float

    @property
    def symbol(self) -> str:
        """The compact form, e.g. ``AAPL240119C00150000`` (what the warehouse stores)."""
        return format_occ(self.root, self.expiry, self.option_type, self.strike)

    @property
    def padded(self) -> str:
        """OCC's 21-character form with the root space-padded to 6 characters."""
        return self.root.ljust(ROOT_WIDTH) + self.symbol[len(self.root):]

    @property
    def polygon_ticker(self) -> str:
        """Polygon's option ticker: ``O:`` + compact symbol."""
        return POLYGON_PREFIX + self.symbol


def is_option_symbol(text: str) -> bool:
    """Whether ``text`` looks like an attempt at an OCC symbol rather than a ticker.

    True when it carries the Polygon ``O:`` prefix, or when it starts with a letter,
    is longer than the 6-letter root of a ticker and contains a digit. Such text is
    then validated by :func:`parse_occ` (which explains what is wrong); anything else
    is judged as a ticker.
    """
    text = text.strip()
    return text.upper().startswith(POLYGON_PREFIX) or (
        len(text) > ROOT_WIDTH and text[0].isalpha() and any(c.isdigit() for c in text)
    )


def _split_root(text: str) -> tuple[str, str]:
    """Split a symbol into (root, 15-character suffix); padded and compact forms."""
    if len(text) < 1 + SUFFIX_LENGTH or len(text) > PADDED_LENGTH:
        raise OccSymbolError(
            f"wrong length: {len(text)} characters, expected 16-21; {_SYMBOL_FORMAT}"
        )
    root, suffix = text[:-SUFFIX_LENGTH], text[-SUFFIX_LENGTH:]
    if len(text) == PADDED_LENGTH and root != root.rstrip(" "):
        root = root.rstrip(" ")  # OCC's padded form: root left-aligned in 6 columns
    if not root or " " in root:
        raise OccSymbolError(
            f"malformed root {root!r}: spaces are allowed only as padding after the "
            "root in the 21-character form"
        )
    if not ROOT_RE.fullmatch(root):
        raise OccSymbolError(
            f"malformed root {root!r}: expected an upper-case letter followed by up to 5 "
            "upper-case letters or digits"
        )
    return root, suffix


def _parse_expiry(digits: str) -> dt.date:
    if not (digits.isascii() and digits.isdigit()):
        raise OccSymbolError(f"expiry {digits!r} is not 6 digits YYMMDD")
    year, month, day = 2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:])
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        raise OccSymbolError(
            f"bad expiry date {digits!r} ({year:04d}-{month:02d}-{day:02d}): {error}"
        ) from None


def _parse_strike(digits: str) -> float:
    if not (len(digits) == 8 and digits.isascii() and digits.isdigit()):
        raise OccSymbolError(
            f"bad strike {digits!r}: expected 8 digits in thousandths of a dollar "
            "(00150000 = 150.000)"
        )
    thousandths = int(digits)
    if thousandths == 0:
        raise OccSymbolError("bad strike 00000000: the strike must be positive")
    return thousandths / 1000


def parse_occ(symbol: str) -> OccSymbol:
    """Parse an OCC option symbol (compact, 21-character padded, or ``O:``-prefixed).

    Parameters
    ----------
    symbol : str
        The symbol as written; surrounding whitespace is ignored.

    Returns
    -------
    OccSymbol
        Root, expiry, type and strike in dollars (= 8-digit field / 1000).

    Raises
    ------
    OccSymbolError
        With a precise reason: wrong length, lower case, malformed root, bad expiry
        date, option type other than C/P, bad or zero strike.
    """
    text = symbol.strip()  # the padded form's spaces are inside, never at the ends
    if text.upper().startswith(POLYGON_PREFIX):
        text = text[len(POLYGON_PREFIX):]
    if text != text.upper():
        raise OccSymbolError(
            f"OCC symbols are upper case: got {symbol.strip()!r}, did you mean "
            f"{symbol.strip().upper()!r}?"
        )
    try:
        root, suffix = _split_root(text)
        expiry = _parse_expiry(suffix[:6])
    except OccSymbolError as error:
        raise _digit_count_error(text) or error from None
    option_type = suffix[6]
    kind = _OPTION_TYPES.get(option_type)
    if kind is None:
        raise OccSymbolError(f"option type must be C or P, got {option_type!r}")
    return OccSymbol(root, expiry, kind, _parse_strike(suffix[7:]))


def _digit_count_error(text: str) -> OccSymbolError | None:
    """A clearer reason for a symbol that miscounts its digits or has a trailing extra."""
    if text and not text[-1].isdigit():
        return OccSymbolError(f"{text!r} must end with the 8-digit strike, not {text[-1]!r}")
    loose = _LOOSE_RE.fullmatch(text)
    if loose is None:
        return None
    expiry, strike = loose["expiry"], loose["strike"]
    if len(expiry) != 6:
        return OccSymbolError(f"expiry {expiry!r} has {len(expiry)} digits, expected 6 (YYMMDD)")
    if len(strike) != 8:
        return OccSymbolError(
            f"strike {strike!r} has {len(strike)} digits, expected 8 (thousandths of a dollar, "
            "00150000 = 150.000)"
        )
    return None


def format_occ(root: str, expiry: dt.date, option_type: str, strike: float) -> str:
    """The compact OCC symbol ``root + YYMMDD + C|P + round(strike · 1000):08d``.

    Raises
    ------
    OccSymbolError
        When the root is malformed, the expiry is outside 2000–2099, the type is not
        C/P, or the strike is not a positive multiple of $0.001 below $100,000.
    """
    if not ROOT_RE.fullmatch(root):
        raise OccSymbolError(f"malformed root {root!r}")
    if not 2000 <= expiry.year <= 2099:
        raise OccSymbolError(f"expiry {expiry.isoformat()} is outside 2000-2099")
    if option_type not in ("C", "P"):
        raise OccSymbolError(f"option type must be C or P, got {option_type!r}")
    thousandths = round(strike * 1000)
    if not (0 < thousandths <= MAX_STRIKE_THOUSANDTHS) or abs(strike * 1000 - thousandths) > 1e-6:
        raise OccSymbolError(
            f"strike {strike!r} is not a positive multiple of 0.001 below 100000"
        )
    return f"{root}{expiry:%y%m%d}{option_type}{thousandths:08d}"


def parse_symbol(text: str) -> tuple[str, OccSymbol | None]:
    """Validate a position symbol; returns (normalised symbol, OccSymbol or None).

    Option-like text (:func:`is_option_symbol`) goes through :func:`parse_occ` and
    is normalised to the compact form; anything else must be a ticker.

    Raises
    ------
    SymbolError
        (or :class:`OccSymbolError`) with the reason.
    """
    text = text.strip()
    if is_option_symbol(text):
        occ = parse_occ(text)
        return occ.symbol, occ
    if not text:
        raise SymbolError("ticker is empty")
    if TICKER_RE.fullmatch(text):
        return text, None
    if TICKER_RE.fullmatch(text.upper()):
        raise SymbolError(f"tickers are upper case: got {text!r}, did you mean {text.upper()!r}?")
    raise SymbolError(
        f"{text[:40]!r} is not a valid ticker (1-6 upper-case letters, optionally a class "
        "suffix such as .B or -B) nor an OCC option symbol"
    )
