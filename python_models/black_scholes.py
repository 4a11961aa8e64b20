"""Black–Scholes prices, European options, no dividends (vectorised numpy).

Conventions: ``spot`` and ``strike`` in currency per share, ``t_years`` in years
(calendar days / 365), ``rate`` continuously compounded annual decimal (0.05 = 5 %),
``vol`` annualised decimal (0.20 = 20 %).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

_SQRT_2PI = np.sqrt(2.0 * np.pi)


def norm_pdf(x: ArrayLike) -> np.ndarray:
    r"""Standard normal density φ(x) = e^{−x²/2} / √(2π)."""
    x = np.asarray(x, dtype=float)
    return np.asarray(np.exp(-0.5 * x * x) / _SQRT_2PI, dtype=float)


def d1_d2(spot: ArrayLike, strike: ArrayLike, t_years: ArrayLike, rate: ArrayLike,
          vol: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""d1 = [ln(S/K) + (r + σ²/2) T] / (σ √T),  d2 = d1 − σ √T."""
    spot, strike, t_years, rate, vol = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (spot, strike, t_years, rate, vol))
    )
    sigma_sqrt_t = vol * np.sqrt(t_years)
    d1 = (np.log(spot / strike) + (rate + 0.5 * vol**2) * t_years) / sigma_sqrt_t
    return d1, d1 - sigma_sqrt_t


def bs_price(spot: ArrayLike, strike: ArrayLike, t_years: ArrayLike, rate: ArrayLike,
             vol: ArrayLike, is_call: ArrayLike) -> np.ndarray:
    r"""Option price per share.

    call = S N(d1) − K e^{−rT} N(d2);  put = K e^{−rT} N(−d2) − S N(−d1).
    At or after expiry (T ≤ 0) the price is the intrinsic value max(±(S − K), 0).
    """
    spot, strike, t_years, rate, vol, is_call = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (spot, strike, t_years, rate, vol)),
        np.asarray(is_call, dtype=bool),
    )
    live = t_years > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        d1, d2 = d1_d2(spot, strike, np.where(live, t_years, 1.0), rate, vol)
        discounted_strike = strike * np.exp(-rate * t_years)
        call = spot * ndtr(d1) - discounted_strike * ndtr(d2)
        put = discounted_strike * ndtr(-d2) - spot * ndtr(-d1)
    intrinsic = np.where(is_call, np.maximum(spot - strike, 0.0), np.maximum(strike - spot, 0.0))
    return np.asarray(np.where(live, np.where(is_call, call, put), intrinsic), dtype=float)
