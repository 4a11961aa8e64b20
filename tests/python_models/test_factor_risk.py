"""Portfolio factor / specific risk against an independent covariance route and loops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_models.factor_model import factor_covariance, multi_factor_exposures
from python_models.factor_risk import portfolio_factor_risk
from tests.python_models.factor_fixtures import FACTORS, factor_returns, security_returns


@pytest.fixture(scope="module")
def model():
    f = factor_returns()
    sec = pd.concat([security_returns(f), f[["SPY"]]], axis=1)
    loadings, stats = multi_factor_exposures(sec, f)
    return loadings, stats["specific_variance"], factor_covariance(f).cov


def holdings_frame() -> pd.DataFrame:
    rows = [  # portfolio, underlying, delta-adjusted exposure ($)
        (1, "S0", 1_000_000.0), (1, "S1", -400_000.0), (1, "S0", 250_000.0),  # stock + option
        (1, "S2", 300_000.0), (1, "SPY", -500_000.0), (1, "S3", 80_000.0),    # S3: no model
        (2, "S5", 700_000.0), (2, "S6", 200_000.0), (2, "S7", -900_000.0),
        (3, "S4", 100_000.0),                                                  # nothing modelled
        (4, "S0", 500_000.0), (4, "S0", -500_000.0),                           # long = short
    ]
    return pd.DataFrame(rows, columns=["portfolio_id", "underlying_symbol",
                                       "delta_adjusted_exposure"])


EQUITY = pd.Series({1: 2_000_000.0, 2: 1_000_000.0, 3: 500_000.0, 4: 1_000_000.0})


def test_decomposition_matches_the_model_covariance_route(model):
    loadings, spec, cov = model
    risk, contrib = portfolio_factor_risk(holdings_frame(), loadings, spec, cov, EQUITY)
    risk = risk.set_index("portfolio_id")
    f = cov.to_numpy()
    for pid, group in holdings_frame().groupby("portfolio_id"):
        x = group.groupby("underlying_symbol")["delta_adjusted_exposure"].sum()
        x = x[loadings.loc[x.index].notna().all(axis=1)]
        if x.empty:
            continue
        b = loadings.loc[x.index].to_numpy()
        # independent route: x' (b F b' + diag(s2)) x, the model's security covariance
        sigma = b @ f @ b.T + np.diag(spec.loc[x.index].to_numpy())
        total = float(x.to_numpy() @ sigma @ x.to_numpy())
        big_b = sum(xi * loadings.loc[s].to_numpy() for s, xi in x.items())
        row = risk.loc[pid]
        assert row.total_variance == pytest.approx(total, rel=1e-10)
        assert row.factor_variance == pytest.approx(big_b @ f @ big_b, rel=1e-10)
        specific = sum(xi**2 * spec.loc[s] for s, xi in x.items())
        assert row.specific_variance == pytest.approx(specific, rel=1e-12)
        # factor + specific = total to 1e-9 (relative to the total)
        assert abs(row.factor_variance + row.specific_variance - row.total_variance) <= \
            1e-9 * row.total_variance
        assert row.total_risk == pytest.approx(np.sqrt(total), rel=1e-10)
        assert row.total_risk_fraction == pytest.approx(np.sqrt(total) / EQUITY[pid], rel=1e-10)
        mine = contrib[contrib["portfolio_id"] == pid].set_index("factor").loc[FACTORS]
        np.testing.assert_allclose(mine["dollar_exposure"].to_numpy(), big_b, rtol=1e-12)


def test_euler_contributions_sum_and_equal_finite_differences(model):
    loadings, spec, cov = model
    risk, contrib = portfolio_factor_risk(holdings_frame(), loadings, spec, cov, EQUITY)
    f = cov.to_numpy()
    for pid in (1, 2):
        row = risk.set_index("portfolio_id").loc[pid]
        mine = contrib[contrib["portfolio_id"] == pid].set_index("factor").loc[FACTORS]
        assert mine["variance_contribution"].sum() == pytest.approx(row.factor_variance,
                                                                    rel=1e-12)
        assert mine["risk_contribution"].sum() == pytest.approx(row.factor_risk, rel=1e-12)
        assert mine["share_of_factor_risk"].sum() == pytest.approx(1.0, rel=1e-12)
        big_b = mine["dollar_exposure"].to_numpy()
        for k in range(len(FACTORS)):  # risk contribution = B_k dσ/dB_k (central difference)
            h = 1e-4 * max(abs(big_b[k]), 1.0)
            up, down = big_b.copy(), big_b.copy()
            up[k] += h
            down[k] -= h
            grad = (np.sqrt(up @ f @ up) - np.sqrt(down @ f @ down)) / (2 * h)
            assert mine["risk_contribution"].iloc[k] == pytest.approx(big_b[k] * grad,
                                                                      rel=1e-6, abs=1e-6)


def test_exclusions_flags_and_hedges(model):
    loadings, spec, cov = model
    risk, contrib = portfolio_factor_risk(holdings_frame(), loadings, spec, cov, EQUITY)
    risk = risk.set_index("portfolio_id")
    assert risk.loc[1, "n_securities"] == 5
    assert risk.loc[1, "n_securities_excluded"] == 1
    assert risk.loc[1, "excluded_exposure"] == 80_000.0
    # nothing modelled: NaN with a flag, never 0
    assert risk.loc[3, "quality_flag"] == "insufficient_data"
    assert np.isnan(risk.loc[3, ["factor_variance", "specific_variance", "total_risk"]]
                    .astype(float)).all()
    assert contrib[contrib["portfolio_id"] == 3]["variance_contribution"].isna().all()
    # a long and an equal short of the same stock carry no risk at all
    assert risk.loc[4, "total_variance"] == 0.0
    assert risk.loc[4, "quality_flag"] == "ok"
