"""The security master's rows (``raw.securities``) built from the symbols alone.

Identity comes from the symbol: ``asset_type`` is OPTION for OCC symbols (type, strike and
expiry from the symbol, ``underlying_symbol`` = the OCC root), ETF for :data:`KNOWN_ETFS`
(the factor ETFs of :data:`python_models.conventions.FACTORS` among them), STOCK
otherwise. Reference data (name, sector, industry, short interest) comes from a reference
provider; an option takes its underlying's, and where the provider failed for a symbol the
previously stored values are kept and ``reference_error`` says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from ingest.occ import SymbolError, parse_symbol
from ingest.providers import ReferenceResult
from ingest.warehouse import Connection, in_list
from python_models.conventions import FACTORS

FACTOR_ETFS = tuple(FACTORS)
KNOWN_ETFS = frozenset(FACTOR_ETFS) | frozenset({
    "QQQ", "DIA", "VOO", "VTI", "IVV", "EFA", "EEM", "TLT", "IEF", "HYG", "LQD", "GLD",
    "SLV", "USO", "XLK", "XLF", "XLE", "XLV", "XLY", "XLP", "XLI", "XLU", "XLB", "XLRE",
    "XLC", "SMH", "ARKK", "USMV", "VLUE", "SIZE",
})
REFERENCE_FIELDS = ("name", "sector", "industry", "short_interest", "reference_source")
SECURITY_COLUMNS = ("symbol", "asset_type", "underlying_symbol", "option_type", "strike",
                    "expiry_date", *REFERENCE_FIELDS, "reference_error")


def expand_symbols(symbols: Iterable[str]) -> list[str]:
    """``symbols`` plus the underlying of every option among them, sorted, distinct.

    Symbols that do not parse are kept (the load reports them as errors).
    """
    expanded = set(symbols)
    for symbol in list(expanded):
        try:
            _, occ = parse_symbol(symbol)
        except SymbolError:
            continue
        if occ is not None:
            expanded.add(occ.root)
    return sorted(expanded)


def symbols_for_book(conn: Connection) -> list[str]:
    """Every position symbol, every option's underlying and the factor ETFs."""
    held = [row[0] for row in conn.fetchall("select distinct symbol from app.positions")]
    return expand_symbols([*held, *FACTOR_ETFS])


def security_master(symbols: Sequence[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Identity columns of the security master from the symbols alone.

    Returns
    -------
    (frame, errors)
        ``frame``: ``symbol, asset_type, underlying_symbol, option_type, strike,
        expiry_date`` for every valid symbol; ``errors``: the invalid ones.
    """
    rows: list[tuple[Any, ...]] = []
    errors: dict[str, str] = {}
    for symbol in symbols:
        try:
            _, occ = parse_symbol(symbol)
        except SymbolError as error:
            errors[symbol] = f"invalid symbol: {error}"
            continue
        if occ is None:
            rows.append((symbol, "ETF" if symbol in KNOWN_ETFS else "STOCK", symbol,
                         None, None, None))
        else:
            rows.append((symbol, "OPTION", occ.root, occ.option_type, occ.strike, occ.expiry))
    frame = pd.DataFrame(rows, columns=["symbol", "asset_type", "underlying_symbol",
                                        "option_type", "strike", "expiry_date"])
    return frame, errors


def with_reference(master: pd.DataFrame, reference: ReferenceResult,
                   stored: pd.DataFrame) -> pd.DataFrame:
    """Security-master rows: identity + reference data of the symbol (options: underlying).

    Where the reference provider failed for a symbol, ``reference_error`` says why and
    the previously ``stored`` reference values of that symbol are kept.
    """
    fields = list(REFERENCE_FIELDS)
    found = reference.frame.loc[:, ["symbol", *fields]].drop_duplicates("symbol")
    found = found.rename(columns={"symbol": "underlying_symbol"}).astype(object)
    frame = master.merge(found, on="underlying_symbol", how="left")
    missing = frame["reference_source"].isna()
    previous = (stored.set_index("symbol").reindex(frame["symbol"])[fields]
                .set_axis(frame.index).astype(object))
    frame[fields] = frame[fields].where(~missing, previous, axis=0)
    is_option = frame["asset_type"] == "OPTION"
    options = frame[is_option]
    frame.loc[is_option, "name"] = (
        options["underlying_symbol"] + " " + options["expiry_date"].astype(str) + " "
        + options["option_type"] + " " + options["strike"].map("{:g}".format))
    reasons = [reference.errors.get(s, "no reference data returned")
               for s in frame["underlying_symbol"]]
    frame["reference_error"] = pd.Series(reasons, index=frame.index, dtype=object).where(
        missing, None)
    frame["short_interest"] = pd.to_numeric(frame["short_interest"]).astype(float)
    return frame[list(SECURITY_COLUMNS)]


def stored_securities(conn: Connection, symbols: Sequence[str]) -> pd.DataFrame:
    """The stored ``raw.securities`` rows of ``symbols`` (every column, ``updated_at``)."""
    clause, params = in_list("symbol", symbols)
    return conn.fetch_df(
        "select " + ", ".join([*SECURITY_COLUMNS, "updated_at"])
        + f" from raw.securities where symbol in {clause}", params)


def with_updated_at(frame: pd.DataFrame, stored: pd.DataFrame,
                    now: dt.datetime) -> pd.DataFrame:
    """``frame`` with ``updated_at``: the stored one where no column changed, else ``now``.

    So a load that finds the same reference data does not refresh its age, and the
    reference TTL (:mod:`ingest.yfinance_reference`) expires as it should.
    """
    out = frame.copy()
    previous = stored.drop_duplicates("symbol").set_index("symbol").reindex(out["symbol"])
    same = pd.Series(previous["updated_at"].notna().to_numpy(), index=out.index)
    for column in SECURITY_COLUMNS[1:]:
        new = out[column].astype(object)
        old = pd.Series(previous[column].astype(object).to_numpy(), index=out.index)
        if column == "expiry_date":
            new, old = (pd.to_datetime(new).astype(object), pd.to_datetime(old).astype(object))
        equal = (new == old) | (new.isna() & old.isna())
        same &= equal.fillna(False).astype(bool)
    stamps = pd.to_datetime(previous["updated_at"]).to_numpy()
    out["updated_at"] = pd.Series(stamps, index=out.index).where(same, pd.Timestamp(now))
    return out


