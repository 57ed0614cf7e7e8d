"""Referral rewards: what was paid to referrers, in the period each referral was made."""

from __future__ import annotations

import ibis.expr.types as ir

from profitlens.periods import period_of


def referral_cost(referrals: ir.Table, period_kind: str) -> ir.Table:
    """Rewards paid to referrers, by ``referred_on``: one row per referral, summed per customer
    and period by :func:`customer_pnl`. Columns: customer_id, period, amount."""
    return referrals.select(
        customer_id=referrals.referrer_id,
        period=period_of(referrals.referred_on, period_kind),
        amount=referrals.reward.fill_null(0.0),
    )
