"""Intermediate tables: what the marts are made of.

Named for what they do, as dbt's intermediate models are: activity costs (time-driven ABC),
commissions, sales lines, invoices, credit costs (bad debt and carrying cost), referral costs,
and exact (fixed-point) sums.
"""
