"""The synthetic security master: factor-model parameters and reference data per ticker.

Factors (daily log returns, annualised vols :data:`FACTOR_VOLS`, drifts
:data:`FACTOR_DRIFTS`) are the seven of :data:`python_models.conventions.FACTORS`, in that
order (market first). The factor ETFs load 1 on their own style factor (SPY is pure
market) with a fixed market beta and idiosyncratic vol (:data:`FACTOR_ETF_BETAS`); every
other ticker draws β ~ U(0.6, 1.6), style loadings ~ N(0, 0.35²) clipped to ±0.8 and a
target total vol U(20 %, 60 %) from its seed, and its idiosyncratic vol fills the gap:
σ_ε = √max(target² − systematic², 8 %²). Known tickers (:data:`KNOWN`) have a realistic
name, sector, industry, price level and short interest; others draw them from the seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np

from python_models.conventions import FACTORS as FACTOR_ETFS

SOURCE = "synthetic"
EPOCH = dt.date(2015, 1, 2)
ANCHOR = dt.date(2026, 1, 2)
TRADING_DAYS = 252
FACTORS = tuple(FACTOR_ETFS.values())  # market, momentum, value, growth, quality, ...
FACTOR_VOLS = np.array([0.16, 0.10, 0.08, 0.08, 0.05, 0.08, 0.07])  # annualised
FACTOR_DRIFTS = np.array([0.06, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])  # annual log drift
MIN_IDIO_VOL = 0.08
GAP, RANGE, VOLUME_NOISE = 0.3, 0.5, 0.3  # multiples of σ_d; log-volume s.d.

# factor ETF: (market beta, idiosyncratic vol); each loads 1 on its own style factor
FACTOR_ETF_BETAS: dict[str, tuple[float, float]] = {
    "SPY": (1.00, 0.010), "MTUM": (1.00, 0.030), "VTV": (0.90, 0.025), "VUG": (1.10, 0.025),
    "QUAL": (0.95, 0.020), "IWM": (1.15, 0.040), "SPLV": (0.65, 0.030),
}


def factor_etf_loadings(symbol: str) -> np.ndarray:
    """Loadings of a factor ETF: its market beta, and 1 on its own style factor."""
    beta = FACTOR_ETF_BETAS[symbol][0]
    own_style = np.array([FACTOR_ETFS[symbol] == name for name in FACTORS[1:]], dtype=float)
    return np.concatenate([[beta], own_style])


# symbol: (name, sector, industry, price level on ANCHOR, short interest)
KNOWN: dict[str, tuple[str, str, str, float, float]] = {
    "SPY": ("SPDR S&P 500 ETF Trust", "ETF", "Large Blend", 590.0, 0.02),
    "MTUM": ("iShares MSCI USA Momentum Factor ETF", "ETF", "Large Growth", 210.0, 0.01),
    "VTV": ("Vanguard Value ETF", "ETF", "Large Value", 175.0, 0.005),
    "VUG": ("Vanguard Growth ETF", "ETF", "Large Growth", 420.0, 0.005),
    "QUAL": ("iShares MSCI USA Quality Factor ETF", "ETF", "Large Blend", 180.0, 0.01),
    "IWM": ("iShares Russell 2000 ETF", "ETF", "Small Blend", 225.0, 0.08),
    "SPLV": ("Invesco S&P 500 Low Volatility ETF", "ETF", "Large Value", 72.0, 0.01),
    "AAPL": ("Apple Inc.", "Technology", "Consumer Electronics", 245.0, 0.008),
    "MSFT": ("Microsoft Corporation", "Technology", "Software - Infrastructure", 420.0, 0.006),
    "NVDA": ("NVIDIA Corporation", "Technology", "Semiconductors", 140.0, 0.011),
    "GOOGL": ("Alphabet Inc.", "Communication Services", "Internet Content", 190.0, 0.009),
    "AMZN": ("Amazon.com, Inc.", "Consumer Cyclical", "Internet Retail", 220.0, 0.007),
    "META": ("Meta Platforms, Inc.", "Communication Services", "Internet Content", 600.0,
             0.012),
    "TSLA": ("Tesla, Inc.", "Consumer Cyclical", "Auto Manufacturers", 400.0, 0.025),
    "AVGO": ("Broadcom Inc.", "Technology", "Semiconductors", 230.0, 0.010),
    "AMD": ("Advanced Micro Devices, Inc.", "Technology", "Semiconductors", 120.0, 0.025),
    "ORCL": ("Oracle Corporation", "Technology", "Software - Infrastructure", 170.0, 0.012),
    "CRM": ("Salesforce, Inc.", "Technology", "Software - Application", 330.0, 0.013),
    "ADBE": ("Adobe Inc.", "Technology", "Software - Application", 440.0, 0.015),
    "NFLX": ("Netflix, Inc.", "Communication Services", "Entertainment", 900.0, 0.018),
    "INTC": ("Intel Corporation", "Technology", "Semiconductors", 20.0, 0.030),
    "JPM": ("JPMorgan Chase & Co.", "Financial Services", "Banks - Diversified", 240.0, 0.009),
    "BAC": ("Bank of America Corporation", "Financial Services", "Banks - Diversified", 44.0,
            0.010),
    "GS": ("The Goldman Sachs Group, Inc.", "Financial Services", "Capital Markets", 570.0,
           0.014),
    "V": ("Visa Inc.", "Financial Services", "Credit Services", 315.0, 0.012),
    "MA": ("Mastercard Incorporated", "Financial Services", "Credit Services", 525.0, 0.007),
    "UNH": ("UnitedHealth Group Incorporated", "Healthcare", "Healthcare Plans", 510.0, 0.009),
    "JNJ": ("Johnson & Johnson", "Healthcare", "Drug Manufacturers - General", 145.0, 0.006),
    "LLY": ("Eli Lilly and Company", "Healthcare", "Drug Manufacturers - General", 770.0,
            0.008),
    "PFE": ("Pfizer Inc.", "Healthcare", "Drug Manufacturers - General", 26.0, 0.016),
    "XOM": ("Exxon Mobil Corporation", "Energy", "Oil & Gas Integrated", 107.0, 0.011),
    "CVX": ("Chevron Corporation", "Energy", "Oil & Gas Integrated", 145.0, 0.014),
    "PG": ("The Procter & Gamble Company", "Consumer Defensive", "Household Products", 168.0,
           0.007),
    "KO": ("The Coca-Cola Company", "Consumer Defensive", "Beverages - Non-Alcoholic", 62.0,
           0.008),
    "PEP": ("PepsiCo, Inc.", "Consumer Defensive", "Beverages - Non-Alcoholic", 152.0, 0.011),
    "WMT": ("Walmart Inc.", "Consumer Defensive", "Discount Stores", 90.0, 0.006),
    "COST": ("Costco Wholesale Corporation", "Consumer Defensive", "Discount Stores", 915.0,
             0.012),
    "HD": ("The Home Depot, Inc.", "Consumer Cyclical", "Home Improvement Retail", 390.0,
           0.008),
    "MCD": ("McDonald's Corporation", "Consumer Cyclical", "Restaurants", 290.0, 0.010),
    "NKE": ("NIKE, Inc.", "Consumer Cyclical", "Footwear & Accessories", 76.0, 0.030),
    "DIS": ("The Walt Disney Company", "Communication Services", "Entertainment", 111.0, 0.010),
    "T": ("AT&T Inc.", "Communication Services", "Telecom Services", 23.0, 0.012),
    "VZ": ("Verizon Communications Inc.", "Communication Services", "Telecom Services", 40.0,
           0.015),
    "CAT": ("Caterpillar Inc.", "Industrials", "Farm & Heavy Construction Machinery", 365.0,
            0.018),
    "BA": ("The Boeing Company", "Industrials", "Aerospace & Defense", 175.0, 0.017),
    "GE": ("GE Aerospace", "Industrials", "Aerospace & Defense", 168.0, 0.009),
    "F": ("Ford Motor Company", "Consumer Cyclical", "Auto Manufacturers", 10.0, 0.035),
    "IBM": ("International Business Machines Corporation", "Technology",
            "Information Technology Services", 220.0, 0.025),
}

# (sector, industry) pairs that unknown tickers draw from their seed
SECTOR_INDUSTRIES = (
    ("Technology", "Software - Application"),
    ("Technology", "Semiconductors"),
    ("Healthcare", "Biotechnology"),
    ("Healthcare", "Medical Devices"),
    ("Financial Services", "Banks - Regional"),
    ("Financial Services", "Asset Management"),
    ("Consumer Cyclical", "Specialty Retail"),
    ("Consumer Defensive", "Packaged Foods"),
    ("Industrials", "Specialty Industrial Machinery"),
    ("Energy", "Oil & Gas E&P"),
    ("Utilities", "Utilities - Regulated Electric"),
    ("Real Estate", "REIT - Industrial"),
    ("Basic Materials", "Specialty Chemicals"),
    ("Communication Services", "Internet Content"),
)


def symbol_rng(seed: int, symbol: str, purpose: str) -> np.random.Generator:
    """A generator seeded by SHA-256 of ``"{seed}|{symbol}|{purpose}"`` (process-stable)."""
    digest = hashlib.sha256(f"{seed}|{symbol}|{purpose}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


@dataclass(frozen=True)
class SecurityModel:
    """Factor-model parameters of one stock or ETF.

    Attributes
    ----------
    loadings : numpy.ndarray
        ``b_k`` for each of :data:`FACTORS` (``loadings[0]`` is the market beta).
    idio_vol : float
        Annualised idiosyncratic vol σ_ε (decimal).
    level : float
        Close on :data:`ANCHOR` (dollars).
    base_volume : float
        Typical daily volume (shares).
    """

    symbol: str
    name: str
    sector: str
    industry: str
    short_interest: float
    loadings: np.ndarray
    idio_vol: float
    level: float
    base_volume: float

    @property
    def beta(self) -> float:
        """Market loading b_0."""
        return float(self.loadings[0])

    @property
    def vol(self) -> float:
        """Annualised model vol √(Σ_k (b_k σ_k)² + σ_ε²)."""
        return float(np.sqrt(np.sum((self.loadings * FACTOR_VOLS) ** 2) + self.idio_vol**2))


def security_model(symbol: str, seed: int = 7) -> SecurityModel:
    """The model of a stock/ETF ticker: fixed for factor ETFs, seeded otherwise."""
    rng = symbol_rng(seed, symbol, "model")
    beta = rng.uniform(0.6, 1.6)
    styles = np.clip(rng.normal(0.0, 0.35, len(FACTORS) - 1), -0.8, 0.8)
    target_vol = rng.uniform(0.20, 0.60)
    level = float(np.exp(rng.uniform(np.log(10.0), np.log(600.0))))
    base_volume = float(np.exp(rng.uniform(np.log(1e6), np.log(5e7))))
    short_interest = float(np.exp(rng.uniform(np.log(0.005), np.log(0.25))))
    sector, industry = SECTOR_INDUSTRIES[int(rng.integers(len(SECTOR_INDUSTRIES)))]
    loadings = np.concatenate([[beta], styles])
    systematic = np.sum((loadings * FACTOR_VOLS) ** 2)
    idio_vol = float(np.sqrt(max(target_vol**2 - systematic, MIN_IDIO_VOL**2)))
    if symbol in FACTOR_ETF_BETAS:
        loadings, idio_vol = factor_etf_loadings(symbol), FACTOR_ETF_BETAS[symbol][1]
    name = f"{symbol} Inc. (synthetic)"
    if symbol in KNOWN:
        name, sector, industry, level, short_interest = KNOWN[symbol]
    return SecurityModel(symbol, name, sector, industry, short_interest, loadings,
                         idio_vol, level, base_volume)
