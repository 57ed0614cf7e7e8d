"""The purchase simulator is the BG/NBD process: checked against its closed forms.

For a customer with rate lambda and dropout p observed for T days after its first purchase:
P(alive at T) = exp(-lambda p T) (sum over n of Poisson(n; lambda T) (1 - p)^n), and the expected
number of repeat purchases is (1 - exp(-lambda p T)) / p (Fader, Hardie & Lee 2005, eq. 7 for a
single customer). Over the population, E[X(t)] is eq. 9, used for prospects' expected value.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from profitlens.generate import config as cfg
from profitlens.generate.prospects import expected_purchases
from profitlens.generate.purchases import simulate_purchases

N = 50_000
WINDOW = cfg.Window(cfg.parse_start("2023-01-01"), 24)


def customers(lam, p, n=N, acquired=None):
    acquired = WINDOW.start_day if acquired is None else acquired
    return {
        "lam": np.full(n, lam),
        "p": np.full(n, p),
        "acquired_day": np.full(n, acquired),
        "contractual": np.zeros(n, bool),
    }


@pytest.mark.parametrize("lam,p", [(0.05, 0.02), (0.01, 0.2), (0.1, 0.002)])
def test_alive_share_and_mean_repeats_match_closed_forms(lam, p):
    cust = customers(lam, p)
    simulate_purchases(np.random.default_rng(1), cust, WINDOW)
    T = WINDOW.as_of_day + 1 - WINDOW.start_day
    alive = np.exp(-lam * p * T)
    mean_repeat = (1 - alive) / p
    se = np.sqrt(alive * (1 - alive) / N)
    assert abs(cust["alive"].mean() - alive) < 4 * se + 1e-4
    assert cust["repeat"].mean() == pytest.approx(mean_repeat, rel=0.01)


def test_purchase_times_are_uniform_for_a_customer_who_never_drops_out():
    cust = customers(0.03, 1e-9, n=20_000)
    events = simulate_purchases(np.random.default_rng(2), cust, WINDOW)
    T = WINDOW.as_of_day + 1 - WINDOW.start_day
    repeat_t = events["t"][events["t"] > 0]
    assert stats.kstest(repeat_t / T, "uniform").pvalue > 0.01
    assert cust["repeat"].mean() == pytest.approx(0.03 * T, rel=0.01)
    assert cust["alive"].all()


def test_dropout_day_is_the_last_purchase_and_first_purchase_is_the_acquisition():
    cust = customers(0.05, 0.1, n=5_000)
    events = simulate_purchases(np.random.default_rng(3), cust, WINDOW)
    last = np.zeros(5_000, np.int64)
    np.maximum.at(last, events["cust"], events["day"])
    gone = ~cust["alive"]
    assert gone.any()
    assert (cust["dropout_day"][gone] == last[gone]).all()
    assert (cust["dropout_day"][~gone] == -1).all()
    assert np.bincount(events["cust"]).tolist() == (1 + cust["repeat"]).tolist()
    assert (events["day"] <= WINDOW.as_of_day).all()
    assert (events["day"][events["t"] == 0] == WINDOW.start_day).all()


def test_expected_purchases_equals_the_population_average():
    """Eq. 9 (hypergeometric) against a direct integral over the Beta of the single-customer mean
    averaged over the Gamma: E[1 - exp(-lambda p t)] = 1 - (alpha / (alpha + p t))^r."""
    P, t = cfg.POPULATION, 730.0

    def mean_repeats(p):
        return (1 - (P.alpha / (P.alpha + p * t)) ** P.r) / p * stats.beta.pdf(p, P.a, P.b)

    direct = integrate.quad(mean_repeats, 0, 1, limit=200)[0]
    assert expected_purchases(t) == pytest.approx(1 + direct, rel=1e-6)


@pytest.mark.slow
def test_a_bgnbd_fit_on_the_written_invoices_recovers_the_population(tmp_path):
    """Maximum likelihood (Fader et al. 2005, eq. 6) on the invoices of customers first seen
    inside the window: x = invoices - 1, t_x and T in days from the first invoice."""
    import pandas as pd
    from scipy.optimize import minimize
    from scipy.special import betaln, gammaln

    from profitlens.generate import generate_company

    company = generate_company(tmp_path, customers=20_000, months=24, seed=9)
    lines = pd.read_parquet(
        tmp_path / "invoice_lines.parquet", columns=["invoice_id", "customer_id", "invoice_date"]
    )
    lines = lines[lines.invoice_id.str.startswith("INV")].drop_duplicates("invoice_id")
    days = pd.to_datetime(lines.invoice_date)
    g = days.groupby(lines.customer_id).agg(["count", "min", "max"])
    acquired = pd.read_parquet(tmp_path / "customers.parquet").set_index("customer_id").acquired_on
    g = g[g["min"] == pd.to_datetime(acquired.loc[g.index]).to_numpy()]
    x = (g["count"] - 1).to_numpy(float)
    t_x = (g["max"] - g["min"]).dt.days.to_numpy(float) + 0.5 * (x > 0)  # mid-day purchases
    T = (pd.Timestamp(company.as_of) - g["min"]).dt.days.to_numpy(float) + 1

    def nll(theta):
        r, alpha, a, b = np.exp(theta)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        alive = betaln(a, b + x) - betaln(a, b) + common - (r + x) * np.log(alpha + T)
        gone = np.where(
            x > 0,
            betaln(a + 1, b + np.maximum(x, 1) - 1)
            - betaln(a, b)
            + common
            - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
        return -np.logaddexp(alive, gone).sum()

    fit = np.exp(
        minimize(
            nll,
            np.log([1.0, 20.0, 1.0, 10.0]),
            method="Nelder-Mead",
            options={"maxiter": 5000, "xatol": 1e-6, "fatol": 1e-6},
        ).x
    )
    P = cfg.POPULATION
    assert fit[0] == pytest.approx(P.r, rel=0.10)
    assert fit[1] == pytest.approx(P.alpha, rel=0.15)
    assert fit[2] == pytest.approx(P.a, rel=0.25)
    assert fit[3] == pytest.approx(P.b, rel=0.30)
