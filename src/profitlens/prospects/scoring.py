"""Scores of the open prospects: what each is worth pursuing (DATA_CONTRACT.md section 5.2).

For an open prospect with attributes x:

    expected_return          = p_convert(x) * expected_lifetime_profit(x) - expected_pursuit_cost(x)
    expected_lifetime_profit = first margin(x) + profit per month(x) * A(hazard(x)) + C(segment)
    expected_service_cost    = service cost per month(x) * A(hazard(x))
    expected_pursuit_cost    = pursuit cost per day(x) * days the pursuit still has to run

- ``p_convert``: :class:`~.model.ConversionModel` on the won and lost prospects.
- first margin: won customers' gross margin of their first purchase, a one-off that comes
  with the win; profit per month: the rest of their operating profit (profit before
  acquisition cost: every cost to serve and commission taken off) per month of tenure,
  fitted with the months as weights; service cost per month alike.
- ``hazard``: the won customers' chance of leaving per month, churn events (an ``ended_on``,
  else 1 - p_alive of the lifetime-value model) over months of tenure, a Poisson rate.
- ``A(h)``: discounted months alive over the lifetime-value horizon for a customer surviving
  with hazard h, weighted as ``clv_profit`` weights its alive months
  (:func:`profitlens.clv.value.forecast_sums`: same horizon, monthly discounting at
  ``annual_discount_rate``, cash flows at month ends).
- ``C``: the tenure correction (:mod:`.tenure`), what the company's customers of the segment
  earned month by month of tenure less what the constant rate and hazard say of them.
- pursuit cost to come (:mod:`.pursuit`): the past pursuits' TDABC cost per day they ran
  (won or lost), times the mean days that past pursuits of the segment which ran longer than
  this one has still ran; what it has cost so far is sunk.

Trees when at least ``min_won`` past prospects were won (default 200), segment means shrunk to
the overall mean below that (:mod:`.model`). Fewer than ``min_history`` past outcomes (20): no
scores, a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..clv.value import HORIZON_MONTHS, forecast_sums
from ..costmodel import CostModel
from .history import attribute_frame
from .model import ConversionModel, RateModel, segment_of
from .pursuit import RemainingPursuit
from .reasons import prospect_reasons
from .tenure import ALL

SCORE_COLUMNS = (
    "prospect_id",
    "p_convert",
    "expected_lifetime_profit",
    "expected_service_cost",
    "expected_pursuit_cost",
    "expected_return",
    "recommendation",
    "reasons",
)
OUTCOME_COLUMNS = (
    "pursuit_cost",
    "last_activity_on",
    "status",
    "pursuit_days",
    "operating_profit",
    "first_margin",
    "service_cost",
    "tenure_months",
    "churned",
)
MIN_HISTORY = 20
MIN_WON = 200


@dataclass
class ProspectScores:
    """The scores (None when there are none), a note saying why not, and what was fitted."""

    table: pd.DataFrame | None
    note: str | None = None
    settings: dict = field(default_factory=dict)


def discounted_months(
    hazard: np.ndarray, annual_discount_rate: float, horizon_months: int = HORIZON_MONTHS
) -> np.ndarray:
    """Discounted months alive over the horizon of a new customer leaving at ``hazard`` a month.

    sum over m = 1..H of d^m (S(m - 1) + S(m)) / 2 with S(t) = exp(-hazard t), the weights of
    ``clv_profit``'s alive months.

    Examples
    --------
    >>> round(float(discounted_months(np.array([0.0]), 0.0, 12)[0]), 6)
    12.0
    """
    weights = forecast_sums(horizon_months, annual_discount_rate)[: horizon_months + 1, 3]
    months = np.arange(horizon_months + 1, dtype=float)
    return np.exp(-np.outer(np.asarray(hazard, float), months)) @ weights


def recommend(
    expected_return: np.ndarray, pursuit_cost: np.ndarray, deprioritise_below: float
) -> np.ndarray:
    """``skip`` when the expected return is not positive, ``deprioritise`` when it is less than
    ``deprioritise_below`` times the pursuit cost still to spend, else ``pursue``.

    Examples
    --------
    >>> recommend(np.array([-5.0, 50.0, 500.0]), np.array([100.0, 100.0, 100.0]), 1.0).tolist()
    ['skip', 'deprioritise', 'pursue']
    """
    return np.where(
        expected_return <= 0,
        "skip",
        np.where(expected_return < deprioritise_below * pursuit_cost, "deprioritise", "pursue"),
    )


def value_rows(won: pd.DataFrame) -> pd.DataFrame:
    """Per won prospect: first_margin (its first purchase's gross margin, a one-off), and
    profit_rate (the rest of its operating profit), service_rate and hazard per month, and
    their weight (months of tenure, at least one: a customer won last week is not a month of
    evidence)."""
    months = won["tenure_months"].clip(lower=1.0)
    return pd.DataFrame(
        {
            "first_margin": won["first_margin"],
            "profit_rate": (won["operating_profit"] - won["first_margin"]) / months,
            "service_rate": won["service_cost"] / months,
            "hazard": won["churned"].clip(0.0, 1.0) / months,
            "months": months,
        },
        index=won.index,
    )


def _fit_rate(method: str, loss: str, X: pd.DataFrame, y: pd.Series, weight=None):
    """A fitted :class:`RateModel`, or None when there is nothing to learn (no rows; a
    non-negative rate that is zero throughout)."""
    if len(y) == 0 or (loss == "poisson" and not np.any(y.to_numpy(float) > 0)):
        return None
    return RateModel(method=method, loss=loss).fit(X, y, weight)


def _predict(model, X: pd.DataFrame) -> np.ndarray:
    return np.zeros(len(X)) if model is None else model.predict(X)


def score_prospects(
    history: pd.DataFrame,
    model: CostModel,
    *,
    min_won: int = MIN_WON,
    min_history: int = MIN_HISTORY,
    tenure: dict[str, float] | None = None,
) -> ProspectScores:
    """Fit the models on the past prospects of ``history`` and score its open ones.

    Parameters
    ----------
    history : DataFrame
        :func:`~.history.prospect_outcomes`: one row per prospect with its status.
    model : CostModel
        ``annual_discount_rate``, ``currency`` and ``prospects.deprioritise_below``.
    min_won : int
        Won prospects needed for trees; segment means below.
    min_history : int
        Past outcomes (won or lost prospects) needed to score at all.
    tenure : dict, optional
        :func:`~.tenure.tenure_correction`: added to the lifetime profit of a prospect of
        each segment (``""``: any other segment); none when not given.

    Returns
    -------
    ProspectScores
        ``table`` has :data:`SCORE_COLUMNS`, one row per open prospect, best return first.
    """
    status = history["status"]
    past, open_ = history[status != "open"], history[status == "open"]
    if open_.empty:
        return ProspectScores(None, "No prospect_scores: no prospect is open at the as-of date.")
    if len(past) < min_history:
        return ProspectScores(
            None,
            (
                f"No prospect_scores: {len(past)} past prospects were won or given up, fewer than "
                f"the {min_history} needed to learn from; {len(open_)} open prospects not scored."
            ),
        )
    attributes = attribute_frame(history.drop(columns=list(OUTCOME_COLUMNS)))
    X_past, X_open = attributes.loc[past["prospect_id"]], attributes.loc[open_["prospect_id"]]
    won = (past["status"] == "won").to_numpy()
    method = "trees" if won.sum() >= min_won else "shrinkage"
    conversion = ConversionModel(method=method).fit(X_past, won)
    value = value_rows(past.set_index("prospect_id")[won])
    value = value[value["months"].notna()]
    X_won = X_past.loc[value.index]
    rates = {
        name: _fit_rate(
            method, loss, X_won, value[name], None if name == "first_margin" else value["months"]
        )
        for name, loss in (
            ("first_margin", "squared_error"),
            ("profit_rate", "squared_error"),
            ("service_rate", "squared_error"),
            ("hazard", "poisson"),
        )
    }
    pursuit = RemainingPursuit(method=method).fit(
        X_past, past["pursuit_cost"], past["pursuit_days"]
    )
    months = discounted_months(
        np.clip(_predict(rates["hazard"], X_open), 0, None),
        model.annual_discount_rate,
        model.clv.horizon_months,
    )
    p = np.clip(conversion.predict_proba(X_open), 0.0, 1.0)
    remaining = pursuit.predict(X_open, open_["pursuit_days"])
    tenure = tenure or {}
    lifetime = (
        _predict(rates["first_margin"], X_open)
        + _predict(rates["profit_rate"], X_open) * months
        + np.array([tenure.get(g, tenure.get(ALL, 0.0)) for g in segment_of(X_open)])
    )
    table = pd.DataFrame(
        {
            "prospect_id": open_["prospect_id"].to_numpy(),
            "p_convert": p,
            "expected_lifetime_profit": lifetime,
            "expected_service_cost": np.clip(_predict(rates["service_rate"], X_open), 0, None)
            * months,
            "expected_pursuit_cost": remaining,
            "expected_return": p * lifetime - remaining,
        }
    )
    table["recommendation"] = recommend(
        table["expected_return"].to_numpy(), remaining, model.prospects.deprioritise_below
    )
    outcomes = value_rows(past.set_index("prospect_id")).reindex(X_past.index)
    outcomes.loc[~won, ["profit_rate", "service_rate", "months"]] = np.nan
    explained = table.assign(
        profit_rate=_predict(rates["profit_rate"], X_open),
        service_rate=_predict(rates["service_rate"], X_open),
    )
    table["reasons"] = prospect_reasons(
        X_past, won, outcomes, X_open, explained, model.currency or ""
    )
    table = table.sort_values(
        ["expected_return", "prospect_id"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    settings = {
        "method": method,
        "past_prospects": len(past),
        "won": int(won.sum()),
        "open": len(open_),
        "calibration": conversion.calibration_,
        "depth": {
            name: getattr(fitted, "max_depth_", None)
            for name, fitted in {
                "conversion": conversion,
                **rates,
                "pursuit_cost_per_day": pursuit.per_day_,
            }.items()
        },
        "cv_brier": conversion.cv_brier_,
        "attributes": list(attributes.columns),
        "tenure_correction": {g: round(v, 2) for g, v in tenure.items()},
    }
    return ProspectScores(table.loc[:, list(SCORE_COLUMNS)], None, settings)
