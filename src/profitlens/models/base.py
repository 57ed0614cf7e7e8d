"""The small base every lifetime-value model shares: fitted state, reporting, predictions.

Each model supplies the log-likelihood of a (compressed) data row and its analytic gradient in
the natural parameters; :mod:`profitlens.models._mle` maximises it. Transaction models add three
prediction hooks (P(alive) now, the forecast of an alive customer, E[X(t)] of a new one) from
which :class:`TransactionModel` builds every prediction on distinct data rows only.
"""

from __future__ import annotations

import numpy as np

from profitlens.errors import NotFittedError
from profitlens.models._mle import FitResult, compress_rows, maximize_log_likelihood, weighted_sum  # noqa: F401


class BaseModel:
    """Fitted state and reporting shared by every model.

    Subclasses set ``param_names`` and implement ``fit``; after fitting they hold
    ``params_`` (dict), ``standard_errors_`` (dict), ``covariance_`` (ndarray),
    ``log_likelihood_`` (float, summed over the fitted customers), ``n_`` (customers fitted)
    and ``converged_``.
    """

    param_names: tuple[str, ...] = ()

    def _store(self, result: FitResult, n: int) -> None:
        self.params_ = dict(zip(self.param_names, map(float, result.params)))
        self.standard_errors_ = dict(zip(self.param_names, map(float, result.standard_errors)))
        self.covariance_ = result.covariance
        self.log_likelihood_ = result.log_likelihood
        self.n_ = int(n)
        self.converged_ = result.converged

    def _check_fitted(self) -> tuple[float, ...]:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit() first")
        return tuple(self.params_[k] for k in self.param_names)

    def set_params_(self, **params: float) -> BaseModel:
        """Use given (for example published) parameters without fitting; returns ``self``."""
        missing = set(self.param_names) - set(params)
        if missing:
            raise ValueError(f"missing parameters: {sorted(missing)}")
        self.params_ = {k: float(params[k]) for k in self.param_names}
        self.standard_errors_ = {k: float("nan") for k in self.param_names}
        self.covariance_ = np.full((len(self.param_names),) * 2, np.nan)
        self.log_likelihood_ = float("nan")
        self.n_ = 0
        self.converged_ = True
        return self

    def to_dict(self) -> dict:
        """Parameters, standard errors, log-likelihood and n, ready for JSON."""
        self._check_fitted()
        return {
            "model": type(self).__name__,
            "params": dict(self.params_),
            "standard_errors": dict(self.standard_errors_),
            "log_likelihood": self.log_likelihood_,
            "n": self.n_,
            "converged": self.converged_,
        }

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({inner}; n={self.n_}, LL={self.log_likelihood_:.2f})"


def as_float_arrays(*arrays) -> list[np.ndarray]:
    """Broadcast inputs to float64 arrays of a common shape."""
    return list(np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in arrays]))


def check_rfm(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate frequency / recency / age arrays; raise ``ValueError`` naming the problem."""
    x, t_x, age = as_float_arrays(frequency, recency, T)
    if x.size == 0:
        raise ValueError("no customers to fit")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t_x)) and np.all(np.isfinite(age))):
        raise ValueError("frequency, recency and T must be finite numbers")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be a whole number of repeat purchases >= 0")
    if np.any(t_x < 0) or np.any(t_x > age * (1 + 1e-12)):
        raise ValueError("recency must lie between 0 and T (age of the customer)")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("recency must be 0 for customers without repeat purchases")
    return x, t_x, age


class _Forecasts:
    """Mixin: predictions of a transaction model, built on three per-model hooks.

    ``_cheap_alive``: P(alive) is a closed form, cheaper per row than compressing the rows.

    ``_p_alive(theta, x, t_x, T)``: P(alive at T | data);
    ``_alive_forecast(theta, x, T, t)``: for a customer alive at T, the expected purchases in
    (T, T + t] and the probability of still being alive at T + t;
    ``_expected_new(theta, t)``: E[X(t)] for a customer who has just made a first purchase.
    """

    _cheap_alive = False

    def expected_purchases(self, t) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a new customer, E[X(t)]."""
        theta = np.array(self._check_fitted())
        t_arr = np.asarray(t, dtype=np.float64)
        return self._expected_new(theta, t_arr)

    def probability_alive(self, frequency, recency, T, t=0.0) -> np.ndarray:
        """P(the customer is alive at T + t | x, t_x, T); t = 0 gives P(alive) now."""
        return self._evaluate(t, frequency, recency, T)[2]

    def conditional_expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Expected purchases in (T, T + t] given x, t_x, T: E[Y(t) | x, t_x, T]."""
        return self._evaluate(t, frequency, recency, T)[1]

    def predict(self, t, frequency, recency, T) -> tuple[np.ndarray, np.ndarray]:
        """P(alive) now and expected purchases in (T, T + t], per customer, in one pass.

        Distinct (x, t_x, T) rows are computed once, which is what makes a million customers
        fast.
        """
        alive, expected, _ = self._evaluate(t, frequency, recency, T)
        return alive, expected

    def _evaluate(self, t, frequency, recency, T):
        """(P(alive at T), E[Y(t)], P(alive at T + t)) on distinct rows, expanded."""
        theta = np.array(self._check_fitted())
        x, t_x, age, tt = as_float_arrays(frequency, recency, T, t)
        shape = x.shape
        if x.size > 256 and not self._cheap_alive:
            (x, t_x, age, tt), _, inverse = compress_rows(x, t_x, age, tt)
        else:
            x, t_x, age, tt = (v.reshape(-1) for v in (x, t_x, age, tt))
            inverse = slice(None)
        alive = self._p_alive(theta, x, t_x, age)
        # the forecast of an alive customer does not depend on t_x: compute it per (x, T, t)
        (fx, fT, ft), _, back = compress_rows(x, age, tt)
        mean, surv = self._alive_forecast(theta, fx, fT, ft)
        mean, surv = np.where(ft > 0, mean, 0.0)[back], np.where(ft > 0, surv, 1.0)[back]
        return tuple(v[inverse].reshape(shape) for v in (alive, alive * mean, alive * surv))

    def forecast_curves(
        self, times, frequency, recency, T, combine=None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative expected purchases and P(alive) at T + each of ``times``, per customer.

        Parameters
        ----------
        times : array-like
            Times after T, in the unit of the data.
        frequency, recency, T : array-like
            One entry per customer.
        combine : ndarray of shape (len(times), k), optional
            Return the curves' linear combinations ``curve @ combine`` instead of the curves
            (discounted sums, say): they are formed once per distinct (x, T) row, before
            the rows are expanded to customers, which at a million customers is much cheaper
            than forming the curves.

        Returns
        -------
        Two arrays of shape (customers, len(times)), or (customers, k) with ``combine``.
        P(alive) now is computed once per distinct (x, t_x, T) row and the forecast of an
        alive customer, which does not depend on t_x, once per distinct (x, T).
        """
        theta = np.array(self._check_fitted())
        x, t_x, age = check_rfm(frequency, recency, T)
        (ux, ut, uT), _, inverse = compress_rows(x, t_x, age)
        alive = self._p_alive(theta, ux, ut, uT)[inverse][:, None]
        (fx, fT), _, back = compress_rows(x, age)
        times = np.asarray(times, dtype=np.float64).reshape(1, -1)
        shape = (fx.size, times.size)
        mean, surv = self._alive_forecast(
            theta,
            np.broadcast_to(fx[:, None], shape),
            np.broadcast_to(fT[:, None], shape),
            np.broadcast_to(times, shape),
        )
        if combine is not None:
            combine = np.asarray(combine, dtype=np.float64).reshape(times.size, -1)
            mean, surv = mean @ combine, surv @ combine
        return alive * mean[back], alive * surv[back]


class TransactionModel(_Forecasts, BaseModel):
    """A non-contractual "buy till you die" model of repeat purchases (BG/NBD and relatives).

    Data are, per customer: ``frequency`` x (repeat purchases), ``recency`` t_x (time of the
    last repeat purchase since the first purchase; 0 without repeats) and ``T`` (time from the
    first purchase to the end of the calibration period), all in one time unit.
    Subclasses implement ``_loglik(theta, x, t_x, T)`` returning per-row log-likelihoods and
    their gradient with respect to ``theta`` (shape ``(n, k)``), plus the prediction methods.
    """

    def fit(self, frequency, recency, T, weights=None):
        """Fit by maximum likelihood; returns ``self``.

        Parameters
        ----------
        frequency, recency, T : array-like
            One entry per customer (see class docstring).
        weights : array-like, optional
            How many customers each row stands for (default 1 each).
        """
        x, t_x, age = check_rfm(frequency, recency, T)
        if weights is None:
            w = np.ones_like(x)
            (ux, ut, uT), counts, _ = compress_rows(x, t_x, age)
        else:
            w = np.broadcast_to(np.asarray(weights, dtype=np.float64), x.shape)
            (ux, ut, uT, uw_key), counts, _ = compress_rows(x, t_x, age, w)
            counts = counts * uw_key
        start = None
        if ux.size > 100_000:  # warm start from a fit on a sample of customers, then Newton
            pick = np.random.default_rng(0).choice(x.size, 30_000, replace=False)
            (sx, st, sT, sw), sc, _ = compress_rows(x[pick], t_x[pick], age[pick], w[pick])
            start = maximize_log_likelihood(
                self._objective(sx, st, sT, sc * sw),
                len(self.param_names),
                weights_total=float((sc * sw).sum()),
            )
        result = maximize_log_likelihood(
            self._objective(ux, ut, uT, counts),
            len(self.param_names),
            x0=None if start is None else start.params,
            weights_total=float(counts.sum()),
            newton_from_x0=start is not None,
            hessian0=None if start is None else start.scaled_hessian,
        )
        self._store(result, int(round(float(w.sum()))))
        return self

    def _objective(self, x, t_x, T, counts):
        """``f(theta) -> (total log-likelihood, gradient)`` over weighted rows."""

        def objective(theta):
            ll, grad = self._loglik(theta, x, t_x, T)
            return weighted_sum(counts, ll), weighted_sum(counts, grad)

        return objective

    def log_likelihood(self, frequency, recency, T) -> np.ndarray:
        """Log-likelihood of each customer's (x, t_x, T) at the fitted parameters."""
        theta = np.array(self._check_fitted())
        x, t_x, age = check_rfm(frequency, recency, T)
        return self._loglik(theta, x, t_x, age)[0]
