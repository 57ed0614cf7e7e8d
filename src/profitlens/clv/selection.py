"""Choosing a transaction model by its log-likelihood on held-out customers.

BG/NBD, MBG/NBD and Pareto/NBD are all likelihoods of the same observations (x, t_x given T),
so their log-likelihoods on the same customers compare directly. Each candidate is fitted on
three quarters of the customers and scored on the remaining quarter (customers assigned by a
stable hash of their id, so the split does not change from run to run); the best mean held-out
log-likelihood wins and is then refitted on everyone. Beyond ``max_customers`` the comparison
runs on a stable sample of that many customers (by another part of the same hash), because
fitting three models on everyone costs more than the rest of the valuation (Pareto/NBD above
all). Models whose held-out log-likelihoods a sample of 7,500 cannot tell apart fit about equally
well, and either serves; the chosen model is still fitted on everyone.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from profitlens.errors import FitError, InsufficientDataError
from profitlens.models import TRANSACTION_MODELS

__all__ = [
    "InsufficientDataError",
    "Selection",
    "holdout_mask",
    "select_transaction_model",
    "sample_mask",
    "MIN_CUSTOMERS",
    "MIN_REPEAT_BUYERS",
]

MIN_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 5


@dataclass
class Selection:
    """Outcome of model selection: the chosen name and every candidate's held-out score."""

    chosen: str
    scores: dict[str, float] = field(default_factory=dict)  # mean held-out log-likelihood
    n_train: int = 0
    n_test: int = 0


def _id_hashes(customer_ids) -> np.ndarray:
    return np.fromiter(
        (zlib.crc32(str(c).encode()) for c in customer_ids), dtype=np.int64, count=len(customer_ids)
    )


def holdout_mask(customer_ids, share: float = 0.25) -> np.ndarray:
    """True for the customers held out: a stable CRC32 hash of the id below ``share``."""
    return _id_hashes(customer_ids) % 10_000 < share * 10_000


def sample_mask(customer_ids, size: int) -> np.ndarray:
    """A stable sample of about ``size`` customers (all of them when there are no more).

    Uses the hash's high 16 bits, so the sample is independent of :func:`holdout_mask`, which
    uses its value modulo 10,000.
    """
    n = len(customer_ids)
    if n <= size:
        return np.ones(n, dtype=bool)
    return (_id_hashes(customer_ids) >> 16) < size / n * 65_536


def check_enough(frequency) -> None:
    """Raise :class:`InsufficientDataError` unless there are enough customers to fit."""
    x = np.asarray(frequency, dtype=float)
    if x.size < MIN_CUSTOMERS or int((x > 0).sum()) < MIN_REPEAT_BUYERS:
        raise InsufficientDataError(
            f"lifetime value needs at least {MIN_CUSTOMERS} customers of whom "
            f"{MIN_REPEAT_BUYERS} bought again; got {x.size} customers, "
            f"{int((x > 0).sum())} repeat buyers"
        )


def select_transaction_model(
    customer_ids,
    frequency,
    recency,
    T,
    *,
    candidates=("bgnbd", "mbgnbd", "pareto"),
    share: float = 0.25,
    max_customers: int = 30_000,
) -> Selection:
    """Fit each candidate on the training customers, score it on the held-out ones.

    Parameters
    ----------
    customer_ids, frequency, recency, T : array-like
        One entry per customer.
    candidates : sequence of str
        Names in :data:`profitlens.models.TRANSACTION_MODELS`.
    share : float
        Share of the (sampled) customers held out.
    max_customers : int
        Compare the models on a stable sample of about this many customers when there are
        more (see the module docstring).

    Returns
    -------
    Selection
        ``scores[name]`` is the mean log-likelihood per held-out customer (higher is better);
        a candidate whose fit fails is scored ``-inf``.
    """
    x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    check_enough(x)
    ids = np.asarray(customer_ids, dtype=object)
    sample = sample_mask(ids, max_customers)
    if not sample.all():
        ids, x, t_x, age = ids[sample], x[sample], t_x[sample], age[sample]
    test = holdout_mask(ids, share)
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
