"""Choosing a transaction model by its log-likelihood on held-out customers.

BG/NBD, MBG/NBD and Pareto/NBD are all likelihoods of the same observations (x, t_x given T),
so their log-likelihoods on the same customers compare directly. Each candidate is fitted on
three quarters of the customers and scored on the remaining quarter (customers assigned by a
stable hash of their id, so the split does not change from run to run); the best mean held-out
log-likelihood wins and is then refitted on everyone.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from profitlens.errors import ProfitlensError
from profitlens.models import TRANSACTION_MODELS
from profitlens.models.base import FitError

__all__ = ["InsufficientDataError", "Selection", "holdout_mask", "select_transaction_model",
           "MIN_CUSTOMERS", "MIN_REPEAT_BUYERS"]

MIN_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 5


class InsufficientDataError(ProfitlensError):
    """Too few customers or repeat buyers to fit a lifetime-value model."""


@dataclass
class Selection:
    """Outcome of model selection: the chosen name and every candidate's held-out score."""

    chosen: str
    scores: dict[str, float] = field(default_factory=dict)  # mean held-out log-likelihood
    n_train: int = 0
    n_test: int = 0


def holdout_mask(customer_ids, share: float = 0.25) -> np.ndarray:
    """True for the customers held out: a stable CRC32 hash of the id below ``share``."""
    buckets = np.fromiter((zlib.crc32(str(c).encode()) % 10_000 for c in customer_ids),
                          dtype=np.int64, count=len(customer_ids))
    return buckets < share * 10_000


def check_enough(frequency) -> None:
    """Raise :class:`InsufficientDataError` unless there are enough customers to fit."""
    x = np.asarray(frequency, dtype=float)
    if x.size < MIN_CUSTOMERS or int((x > 0).sum()) < MIN_REPEAT_BUYERS:
        raise InsufficientDataError(
            f"lifetime value needs at least {MIN_CUSTOMERS} customers of whom "
            f"{MIN_REPEAT_BUYERS} bought again; got {x.size} customers, "
            f"{int((x > 0).sum())} repeat buyers")


def select_transaction_model(customer_ids, frequency, recency, T, *,
                             candidates=("bgnbd", "mbgnbd", "pareto"),
                             share: float = 0.25) -> Selection:
    """Fit each candidate on the training customers, score it on the held-out ones.

    Returns
    -------
    Selection
        ``scores[name]`` is the mean log-likelihood per held-out customer (higher is better);
        a candidate whose fit fails is scored ``-inf``.
    """
    x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    check_enough(x)
    test = holdout_mask(customer_ids, share)
    if test.all() or not test.any() or (x[~test] > 0).sum() < MIN_REPEAT_BUYERS:
        test = np.arange(x.size) % 4 == 0  # tiny data: fall back to every fourth customer
    scores = {}
    for name in candidates:
        try:
            model = TRANSACTION_MODELS[name]().fit(x[~test], t_x[~test], age[~test])
            scores[name] = float(model.log_likelihood(x[test], t_x[test], age[test]).mean())
        except (FitError, ValueError, FloatingPointError):
            scores[name] = float("-inf")
    chosen = max(scores, key=lambda k: scores[k])
    if not np.isfinite(scores[chosen]):
        raise FitError("no lifetime-value model could be fitted to these customers")
    return Selection(chosen, scores, int((~test).sum()), int(test.sum()))
