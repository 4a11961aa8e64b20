"""Black–Scholes Greeks, vectorised over any number of options (mibian's conventions).

Units (per share of the option, i.e. per "contract unit" before the ×100 multiplier):

- ``delta`` = ∂P/∂S: call N(d1), put −N(−d1).
- ``gamma`` = ∂²P/∂S² = φ(d1) / (S σ √T), per $1 of spot.
- ``theta`` = ∂P/∂t per **calendar day** = annual theta / 365:
  call [−S φ(d1) σ / (2√T) − r K e^{−rT} N(d2)] / 365,
  put  [−S φ(d1) σ / (2√T) + r K e^{−rT} N(−d2)] / 365.
- ``vega`` = ∂P/∂σ per **1 volatility point** = S φ(d1) √T / 100.
- ``rho`` = ∂P/∂r per **1 rate point**: call K T e^{−rT} N(d2) / 100,
  put −K T e^{−rT} N(−d2) / 100.

These are exactly mibian 0.1.3's ``BS`` formulas (mibian takes rate and vol in percent
and time in days, with T = days / 365; pass ``rate``/``vol`` here as decimals and
``t_years`` = days / 365). Where mibian differs from textbook conventions we follow
mibian: theta divides by 365 (calendar days, not 252 trading days); its
``putCallParity`` attribute discounts with ``(1 + r)^T`` rather than ``e^{−rT}`` — that
is not a Greek and we do not use it (our parity check is the continuous-compounding
identity C − P = S − K e^{−rT}, which is what the BS prices satisfy). mibian cannot
price T = 0 (division by zero); here T ≤ 0, σ ≤ 0 or any missing input gives NaN, and
the caller falls back (:func:`position_greeks`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import ndtr

from python_models.black_scholes import norm_pdf
from python_models.columns import Columns, as_floats, as_objects
from python_models.conventions import (
    CALENDAR_DAYS_PER_YEAR,
    FALLBACK_GREEKS,
    SOURCE_BS,
    SOURCE_FALLBACK,
    SOURCE_STOCK,
)

GREEKS = ("delta", "gamma", "theta", "vega", "rho")


def bs_greeks(spot: ArrayLike, strike: ArrayLike, t_years: ArrayLike, rate: ArrayLike,
              vol: ArrayLike, is_call: ArrayLike) -> dict[str, np.ndarray]:
    """Price and Greeks per share of the option, all inputs broadcast together.

    Parameters
    ----------
    spot, strike : currency per share.
    t_years : calendar days to expiry / 365.
    rate : annual decimal, continuously compounded.
    vol : annualised decimal volatility.
    is_call : True for calls, False for puts.

    Returns
    -------
    dict with ``price, delta, gamma, theta, vega, rho`` (units in the module docstring);
    NaN wherever T ≤ 0, σ ≤ 0, S ≤ 0, K ≤ 0 or an input is NaN.
    """
    spot, strike, t_years, rate, vol = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (spot, strike, t_years, rate, vol)))
    # +1 for calls, −1 for puts: N(±d) needs one ndtr call per d instead of two.
    sign = np.where(np.broadcast_to(np.asarray(is_call, dtype=bool), spot.shape), 1.0, -1.0)
    with np.errstate(invalid="ignore"):
        ok = (t_years > 0) & (vol > 0) & (spot > 0) & (strike > 0) & np.isfinite(rate)
    all_ok = bool(ok.all())
    if all_ok:
        s, k, t, v, r = spot, strike, t_years, vol, rate
    else:  # neutral values where not computable (NaN-ed at the end)
        t, s, k = np.where(ok, t_years, 1.0), np.where(ok, spot, 1.0), np.where(ok, strike, 1.0)
        v, r = np.where(ok, vol, 1.0), np.where(ok, rate, 0.0)
    sqrt_t = np.sqrt(t)
    sigma_sqrt_t = v * sqrt_t
    d1 = (np.log(s / k) + (r + 0.5 * v**2) * t) / sigma_sqrt_t
    d2 = d1 - sigma_sqrt_t
    pdf_d1 = norm_pdf(d1)
    k_discount = k * np.exp(-r * t)
    n1 = ndtr(sign * d1)  # call N(d1), put N(−d1)
    n2 = ndtr(sign * d2)  # call N(d2), put N(−d2)
    out = {
        "price": sign * (s * n1 - k_discount * n2),
        "delta": sign * n1,
        "gamma": pdf_d1 / (s * sigma_sqrt_t),
        "theta": (-s * pdf_d1 * v / (2.0 * sqrt_t) - sign * r * k_discount * n2)
        / CALENDAR_DAYS_PER_YEAR,
        "vega": s * pdf_d1 * sqrt_t / 100.0,
        "rho": sign * k_discount * t * n2 / 100.0,
    }
    if all_ok:
        return out
    return {name: np.where(ok, value, np.nan) for name, value in out.items()}


def greek_arrays(columns: Columns) -> dict[str, np.ndarray]:
    """Per-contract and position Greeks for every position at once, as arrays.

    ``columns`` maps each input of :func:`position_greeks` to one value per position
    (a DataFrame or a dict of arrays); the result maps each output column to an array in
    the same row order. This is the computation; :func:`position_greeks` frames it.
    """
    q = as_floats(columns["quantity"])
    m = as_floats(columns["multiplier"])
    spot = as_floats(columns["spot"])
    is_option = as_objects(columns["asset_type"]) == "OPTION"
    t_years = as_floats(columns["days_to_expiry"]) / CALENDAR_DAYS_PER_YEAR
    bs = bs_greeks(spot, as_floats(columns["strike"]), t_years, as_floats(columns["rate"]),
                   as_floats(columns["volatility"]),
                   as_objects(columns["option_type"]) == "C")
    computed = is_option & np.isfinite(bs["delta"])
    fallback = is_option & ~computed
    out = {"t_years": np.where(is_option, t_years, np.nan),
           "greeks_source": np.select([computed, fallback], [SOURCE_BS, SOURCE_FALLBACK],
                                      SOURCE_STOCK),
           "theoretical_price": np.where(computed, bs["price"], np.nan)}
    fallback_rows = np.flatnonzero(fallback)
    fallback_types = as_objects(columns["position_type"])[fallback_rows]
    for greek in GREEKS:
        table = np.full(len(q), np.nan)  # the design's table, on fallback rows only
        table[fallback_rows] = [FALLBACK_GREEKS.get(ptype, {}).get(greek, np.nan)
                                for ptype in fallback_types]
        contract = np.where(computed, bs[greek], table)
        out[f"contract_{greek}"] = contract
        stock_value = q if greek == "delta" else np.zeros_like(q)
        out[greek] = np.where(computed, contract * q * m,
                              np.where(fallback, table * np.abs(q) * m, stock_value))
    out["dollar_delta"] = out["delta"] * spot
    return out


def position_greeks(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-contract and position Greeks for every position at once.

    ``frame`` columns: ``asset_type`` (STOCK|ETF|OPTION), ``position_type``
    (LONG|SHORT|LC|LP|SC|SP), ``option_type`` (C|P), ``quantity`` (signed q),
    ``multiplier`` (m), ``spot`` (S, underlying close), ``strike`` (K), ``days_to_expiry``
    (calendar days), ``volatility`` (σ, decimal), ``rate`` (r, decimal).

    Returns a frame on the same index with ``t_years``, ``greeks_source``
    (``stock`` | ``black_scholes`` | ``fallback``), the per-contract Greeks
    ``contract_<greek>`` and ``theoretical_price`` (BS only), the position Greeks
    ``<greek>`` = per-contract · q · m (stocks: delta = q, others 0; fallback: the
    design's table · |q| · m, rho NULL), and ``dollar_delta`` = delta · S (= the
    delta-adjusted exposure; NULL without S). (:func:`greek_arrays` as a frame.)
    """
    return pd.DataFrame(greek_arrays(frame), index=frame.index)
