"""Deterministic synthetic market data from a factor model (the offline default).

Every symbol's path is generated once over the fixed horizon of XNYS sessions
:data:`EPOCH` … :data:`~ingest.calendar.LAST_DATE` and then sliced, so the bar of
(symbol, date) never depends on the requested range. Seeds come from SHA-256 of
``"{seed}|{symbol}|{purpose}"`` (never Python's salted ``hash``), so the data are the
same in every process and on every machine.

Model (daily log returns, t = session index, 252 sessions a year)::

    r_s,t = Σ_k b_s,k · f_k,t + (σ_ε,s / √252) · ε_s,t,    ε ~ N(0, 1)
    f_k,t ~ N(μ_k / 252, σ_k² / 252)  independent, k ∈ FACTORS

with factor vols σ = 16 % (market), 5–10 % (styles) and a market drift μ = 6 %/yr;
``b_s,0`` is the market beta. The loadings, idiosyncratic vols, levels and reference data
come from the synthetic security master (:mod:`ingest.synthetic_master`). The model vol
of a symbol is σ_s = √(Σ_k (b_s,k σ_k)² + σ_ε²) (annualised).

Prices: close_t = level · exp(Σ_{u ≤ t} r_u − Σ_{u ≤ anchor} r_u), i.e. the close on
:data:`ANCHOR` equals the symbol's level (known tickers: a realistic level; others:
log-uniform $10–$600 from the seed). Bars: open = previous close · e^{0.3 σ_d z₁},
high = max(open, close) · e^{0.5 σ_d |z₂|}, low = min(open, close) · e^{−0.5 σ_d |z₃|},
vwap = (high + low + close) / 3, volume = base · e^{0.3 z₄}, σ_d = σ_s / √252.

Options (compact OCC symbols): Black–Scholes on the synthetic underlying,
``bs_price(S, K, T, r, σ_underlying, is_call)`` with T = calendar days to expiry / 365,
for the open, high, low, close and vwap of the underlying (the option price is
monotone in S, so low ≤ open, close ≤ high holds). Rows stop at the expiry date
(T = 0 there: intrinsic value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property

import numpy as np
import pandas as pd

from ingest import calendar
from ingest.occ import OccSymbol, SymbolError, parse_symbol
from ingest.providers import BAR_COLUMNS, REFERENCE_COLUMNS, BarsResult, ReferenceResult
from ingest.synthetic_master import (
    ANCHOR,
    EPOCH,
    FACTOR_DRIFTS,
    FACTOR_VOLS,
    FACTORS,
    GAP,
    RANGE,
    SOURCE,
    TRADING_DAYS,
    VOLUME_NOISE,
    SecurityModel,
    security_model,
    symbol_rng,
)
from python_models.black_scholes import bs_price

__all__ = ["EPOCH", "SOURCE", "SyntheticProvider", "security_model"]


class SyntheticProvider:
    """Offline :class:`~ingest.providers.PriceProvider` and ``ReferenceProvider``.

    Parameters
    ----------
    risk_free_rate : float
        r for option prices (annual, continuously compounded, decimal).
    seed : int
        Global seed; every symbol's stream is derived from it and the symbol.
    """

    name = SOURCE

    def __init__(self, risk_free_rate: float, seed: int = 7):
        self.risk_free_rate = float(risk_free_rate)
        self.seed = int(seed)

    # ----------------------------------------------------------------- horizon
    @cached_property
    def horizon(self) -> np.ndarray:
        """Every XNYS session EPOCH … LAST_DATE as ``datetime64[D]``."""
        return np.array(calendar.sessions(EPOCH, calendar.LAST_DATE), dtype="datetime64[D]")

    @cached_property
    def _anchor_index(self) -> int:
        return int(np.searchsorted(self.horizon, np.datetime64(ANCHOR, "D")))

    @cached_property
    def factor_log_returns(self) -> np.ndarray:
        """Daily factor log returns, shape (sessions, factors); row 0 (EPOCH) is zero."""
        rng = symbol_rng(self.seed, "__factors__", "returns")
        shocks = rng.standard_normal((len(self.horizon), len(FACTORS)))
        returns = FACTOR_DRIFTS / TRADING_DAYS + shocks * FACTOR_VOLS / np.sqrt(TRADING_DAYS)
        returns[0] = 0.0
        return returns

    def model(self, symbol: str) -> SecurityModel:
        """The factor-model parameters of ``symbol`` (a stock or ETF ticker)."""
        return security_model(symbol, self.seed)

    def _noise(self, symbol: str) -> np.ndarray:
        """The symbol's standard normals over the horizon, shape (5, sessions).

        Rows: idiosyncratic return, open gap, high range, low range, log volume.
        """
        return symbol_rng(self.seed, symbol, "path").standard_normal((5, len(self.horizon)))

    # ------------------------------------------------------------------ stocks
    def _underlying_bars(self, symbols: list[str], hi: int) -> dict[str, np.ndarray]:
        """Bars of stock/ETF ``symbols`` on horizon sessions 0 … hi−1, shape (n, hi).

        Returns arrays keyed ``open, high, low, close, vwap, volume, trades`` and
        ``vol`` (the model vol per symbol, shape (n,)).
        """
        models = [self.model(symbol) for symbol in symbols]
        n_days = max(hi, self._anchor_index + 1)  # the anchor fixes the price level
        loadings = np.array([m.loadings for m in models])              # (n, k)
        idio = np.array([m.idio_vol for m in models])[:, None]
        vol = np.array([m.vol for m in models])
        noise = np.stack([self._noise(s) for s in symbols])[:, :, :n_days]  # (n, 5, days)
        log_returns = (loadings @ self.factor_log_returns[:n_days].T
                       + idio / np.sqrt(TRADING_DAYS) * noise[:, 0])
        log_returns[:, 0] = 0.0
        log_price = np.cumsum(log_returns, axis=1)
        log_price -= log_price[:, self._anchor_index][:, None]
        close = np.array([m.level for m in models])[:, None] * np.exp(log_price[:, :hi])
        noise = noise[:, :, :hi]
        daily_vol = (vol / np.sqrt(TRADING_DAYS))[:, None]
        previous = np.concatenate([close[:, :1], close[:, :-1]], axis=1)
        open_ = previous * np.exp(GAP * daily_vol * noise[:, 1])
        high = np.maximum(open_, close) * np.exp(RANGE * daily_vol * np.abs(noise[:, 2]))
        low = np.minimum(open_, close) * np.exp(-RANGE * daily_vol * np.abs(noise[:, 3]))
        base = np.array([m.base_volume for m in models])[:, None]
        volume = np.round(base * np.exp(VOLUME_NOISE * noise[:, 4]))
        return {"open": open_, "high": high, "low": low, "close": close,
                "vwap": (high + low + close) / 3, "volume": volume,
                "trades": np.round(volume / 150.0), "vol": vol}

    # ------------------------------------------------------------------ public
    def daily_bars(self, symbols: Iterable[str], start: dt.date, end: dt.date) -> BarsResult:
        """Bars of every session ``start … end`` for each symbol (options up to expiry).

        Symbols that are neither a valid ticker nor a valid OCC symbol, and options
        that expired before ``start``, are reported in ``errors``.
        """
        requested = list(dict.fromkeys(symbols))
        errors: dict[str, str] = {}
        stocks: list[str] = []
        options: dict[str, OccSymbol] = {}
        for symbol in requested:
            try:
                _, occ = parse_symbol(symbol)
            except SymbolError as error:
                errors[symbol] = f"invalid symbol: {error}"
                continue
            if occ is None:
                stocks.append(symbol)
            elif occ.expiry < max(start, EPOCH):
                errors[symbol] = f"option expired on {occ.expiry}, before {start}"
            else:
                options[symbol] = occ
        lo, hi = self._range(start, end)
        underlyings = list(dict.fromkeys(stocks + [occ.root for occ in options.values()]))
        if hi <= lo or not underlyings:
            errors.update({s: f"no synthetic sessions in {start} … {end}"
                           for s in [*stocks, *options] if s not in errors})
            return BarsResult(bars=_frame([]), errors=errors)
        arrays = self._underlying_bars(underlyings, hi)
        row = {symbol: i for i, symbol in enumerate(underlyings)}
        frames = [self._stock_frame(stocks, [row[s] for s in stocks], arrays, lo, hi),
                  self._option_frame(options, row, arrays, lo, hi)]
        return BarsResult(bars=_frame(frames), errors=errors)

    def _range(self, start: dt.date, end: dt.date) -> tuple[int, int]:
        """Horizon slice [lo, hi) of the sessions start … end (clipped to the horizon)."""
        lo = int(np.searchsorted(self.horizon, np.datetime64(max(start, EPOCH), "D")))
        hi = int(np.searchsorted(self.horizon, np.datetime64(min(end, calendar.LAST_DATE), "D"),
                                 side="right"))
        return lo, hi

    def _stock_frame(self, symbols: list[str], rows: list[int], arrays: dict[str, np.ndarray],
                     lo: int, hi: int) -> pd.DataFrame:
        n_days = hi - lo
        frame = pd.DataFrame({
            "symbol": np.repeat(symbols, n_days),
            "price_date": np.tile(self.horizon[lo:hi], len(symbols)),
        })
        for column in ("open", "high", "low", "close", "vwap", "volume", "trades"):
            frame[column] = arrays[column][rows, lo:hi].ravel()
        return frame

    def _option_frame(self, options: dict[str, OccSymbol], row: dict[str, int],
                      arrays: dict[str, np.ndarray], lo: int, hi: int) -> pd.DataFrame:
        """Black–Scholes bars of each option on the sessions lo … min(hi, expiry)."""
        if not options:
            return pd.DataFrame()
        symbols = list(options)
        ends = np.minimum(hi, np.searchsorted(
            self.horizon, np.array([o.expiry for o in options.values()], dtype="datetime64[D]"),
            side="right"))
        counts = ends - lo
        index = np.concatenate([np.arange(lo, end) for end in ends])   # horizon positions
        underlying = np.repeat([row[options[s].root] for s in symbols], counts)
        strike = np.repeat([options[s].strike for s in symbols], counts)
        expiry = np.repeat(np.array([options[s].expiry for s in symbols],
                                    dtype="datetime64[D]"), counts)
        is_call = np.repeat([options[s].option_type == "C" for s in symbols], counts)
        t_years = (expiry - self.horizon[index]).astype(float) / 365.0
        vol = arrays["vol"][underlying]

        def price(column: str) -> np.ndarray:
            spot = arrays[column][underlying, index]
            return bs_price(spot, strike, t_years, self.risk_free_rate, vol, is_call)

        at_high, at_low = price("high"), price("low")
        volume_noise = np.concatenate([self._noise(s)[4, lo:end]
                                       for s, end in zip(symbols, ends, strict=True)])
        base = np.repeat([np.exp(symbol_rng(self.seed, s, "volume").uniform(np.log(50),
                                                                            np.log(5000)))
                          for s in symbols], counts)  # contracts a day
        volume = np.round(base * np.exp(VOLUME_NOISE * volume_noise))
        return pd.DataFrame({
            "symbol": np.repeat(symbols, counts), "price_date": self.horizon[index],
            "open": price("open"), "high": np.maximum(at_high, at_low),
            "low": np.minimum(at_high, at_low), "close": price("close"), "vwap": price("vwap"),
            "volume": volume, "trades": np.round(volume / 5.0),
        })

    def reference_data(self, symbols: Iterable[str]) -> ReferenceResult:
        """Name, sector, industry and short interest from the table or the seed.

        An option gets its underlying's sector, industry and short interest.
        """
        rows, errors = [], {}
        for symbol in dict.fromkeys(symbols):
            try:
                _, occ = parse_symbol(symbol)
            except SymbolError as error:
                errors[symbol] = f"invalid symbol: {error}"
                continue
            model = self.model(occ.root if occ else symbol)
            name = (f"{occ.root} {occ.expiry} {occ.option_type} {occ.strike:g}"
                    if occ else model.name)
            rows.append((symbol, name, model.sector, model.industry, model.short_interest,
                         SOURCE))
        return ReferenceResult(frame=pd.DataFrame(rows, columns=list(REFERENCE_COLUMNS)),
                               errors=errors)


def _frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate bar frames into :data:`BAR_COLUMNS` order with ``date`` price dates."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame({column: [] for column in BAR_COLUMNS})
    frame = pd.concat(parts, ignore_index=True)
    frame["price_date"] = pd.to_datetime(frame["price_date"]).dt.date
    frame["trades"] = frame["trades"].astype("int64")
    frame["source"] = SOURCE
    return frame[list(BAR_COLUMNS)]
