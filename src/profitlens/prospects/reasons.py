"""Reasons in plain words: what drives a prospect's score.

Each open prospect gets up to three phrases, read off the company's own history for the
attribute values it has: the attribute whose prospects convert furthest from the average
("outbound leads convert 1 in 6"), the one whose won customers make the most different profit
a month ("enterprise customers make 1,240 EUR a month after every cost to serve"), and the one
whose won customers ask for the most different service ("logistics customers of 120-400
employees cost 95 EUR a month in service"), then the verdict. Numbers are banded into the
quartiles of the training prospects ("of 12-40 employees"). A value met fewer than ``MIN_ROWS``
times in the history is not used as a reason.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

MIN_ROWS = 10


def _bands(past: pd.Series, values: pd.Series, column: str) -> tuple[pd.Series, pd.Series]:
    """Quartile bands of a numeric attribute, as labels ("12-40 employees")."""
    edges = np.unique(np.nanquantile(past.to_numpy(float), [0, 0.25, 0.5, 0.75, 1.0]))
    if len(edges) < 2:
        return past.astype(object), values.astype(object)
    name = column.replace("_", " ")
    labels = [f"{lo:,.0f}-{hi:,.0f} {name}" for lo, hi in itertools.pairwise(edges)]

    def band(series: pd.Series) -> pd.Series:
        cut = pd.cut(series.clip(edges[0], edges[-1]), edges, labels=labels, include_lowest=True)
        return cut.astype(object).where(cut.notna(), None)

    return band(past), band(values)


def _described(past: pd.DataFrame, scored: pd.DataFrame) -> dict[str, tuple]:
    """Each attribute as text labels of the past and the scored prospects."""
    out = {}
    for column in past.columns:
        if not pd.api.types.is_numeric_dtype(past[column].dtype):
            out[column] = (past[column], scored[column])
        elif past[column].notna().sum() >= MIN_ROWS:
            out[column] = _bands(past[column], scored[column], column)
    return out


def _strongest(
    labels: dict[str, tuple], y: np.ndarray, weight: np.ndarray, distance, direction: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each scored row, the attribute label whose rows' weighted mean of ``y`` lies
    furthest from the overall mean (``distance(mean, overall)``, signed) on the side the row's
    own score lies (``direction``, +1 above the average, -1 below): its column, label and
    mean. A row no attribute pushes its way gets the attribute that moves it least against."""
    overall = np.sum(weight * y) / max(np.sum(weight), 1e-12)
    n = len(next(iter(labels.values()))[1]) if labels else 0
    best = np.full(n, -np.inf)
    column, label, mean = (np.full(n, None, object), np.full(n, None, object), np.full(n, np.nan))
    for name, (past, scored) in labels.items():
        frame = pd.DataFrame(
            {"v": past.to_numpy(object), "wy": weight * y, "w": weight, "n": 1.0}
        ).dropna(subset=["v"])
        sums = frame.groupby("v").sum()
        sums = sums[(sums["n"] >= MIN_ROWS) & (sums["w"] > 0)]
        means = (sums["wy"] / sums["w"]).to_dict()
        values = scored.to_numpy(object)
        m = np.array([means.get(v, np.nan) if v is not None else np.nan for v in values])
        d = np.where(np.isnan(m), -np.inf, distance(m, overall) * direction)
        better = d > best
        best[better], column[better], label[better], mean[better] = (
            d[better],
            name,
            values[better],
            m[better],
        )
    return column, label, mean


def _logit(p):
    p = np.clip(p, 1e-3, 1 - 1e-3)
    return np.log(p / (1 - p))


def _subject(column, label, noun: str) -> str:
    """'outbound leads', 'enterprise customers', 'customers of 12-40 employees'."""
    if column == "channel" and noun == "prospects":
        return f"{label} leads"
    if label and label[0].isdigit():
        return f"{noun} of {label}" if noun != "prospects" else f"prospects of {label}"
    return f"{label} {noun}"


def prospect_reasons(
    past: pd.DataFrame,
    won: np.ndarray,
    outcomes: pd.DataFrame,
    scored: pd.DataFrame,
    scores: pd.DataFrame,
    currency: str,
) -> list[str]:
    """One reason text per scored prospect.

    Parameters
    ----------
    past : DataFrame
        Attributes of the past prospects (:func:`~.history.attribute_frame`).
    won : array of bool
        Whether each past prospect was won.
    outcomes : DataFrame
        Per past prospect: profit_rate, service_rate, months (the weight; NaN unless won).
    scored : DataFrame
        Attributes of the prospects to explain, with the columns of ``past``.
    scores : DataFrame
        Their p_convert, profit_rate and service_rate (per month), expected_return and
        expected_pursuit_cost, in the rows of ``scored``.
    currency : str

    Returns
    -------
    list of str
    """
    labels = _described(past, scored.reindex(columns=past.columns))
    if not labels:
        return [
            _verdict(r, c, currency)
            for r, c in zip(scores["expected_return"], scores["expected_pursuit_cost"])
        ]
    conv = _strongest(
        labels,
        won.astype(float),
        np.ones(len(won)),
        lambda m, o: _logit(m) - _logit(o),
        np.sign(scores["p_convert"].to_numpy(float) - won.mean()),
    )
    months = outcomes["months"].fillna(0.0).to_numpy(float)

    def rel(m, o):
        return (m - o) / max(abs(o), 1e-9)

    found = {}
    for name, predicted in (("profit_rate", "profit_rate"), ("service_rate", "service_rate")):
        rate = outcomes[name].fillna(0.0).to_numpy(float)
        mean = np.sum(months * rate) / max(np.sum(months), 1e-12)
        found[name] = _strongest(
            labels, rate, months, rel, np.sign(scores[predicted].to_numpy(float) - mean)
        )
    profit, service = found["profit_rate"], found["service_rate"]
    texts = []
    for i in range(len(scored)):
        parts = []
        if conv[0][i] is not None:
            rate = conv[2][i]
            odds = f"1 in {max(1 / rate, 1):.0f}" if rate > 0 else "almost never"
            parts.append(f"{_subject(conv[0][i], conv[1][i], 'prospects')} convert {odds}")
        if profit[0][i] is not None:
            verb = "make" if profit[2][i] >= 0 else "lose"
            parts.append(
                f"{_subject(profit[0][i], profit[1][i], 'customers')} {verb} "
                f"{abs(profit[2][i]):,.0f} {currency} a month after every cost to serve"
            )
        if service[0][i] is not None:
            parts.append(
                f"{_subject(service[0][i], service[1][i], 'customers')} cost "
                f"{service[2][i]:,.0f} {currency} a month in service"
            )
        parts.append(
            _verdict(
                scores["expected_return"].iat[i], scores["expected_pursuit_cost"].iat[i], currency
            )
        )
        texts.append("; ".join(parts))
    return texts


def _verdict(expected_return: float, pursuit_cost: float, currency: str) -> str:
    if expected_return <= 0:
        return (
            f"expected to lose {abs(expected_return):,.0f} {currency} with "
            f"{pursuit_cost:,.0f} {currency} of pursuit still to spend"
        )
    return (
        f"expected return {expected_return:,.0f} {currency} for "
        f"{pursuit_cost:,.0f} {currency} of pursuit still to spend"
    )
