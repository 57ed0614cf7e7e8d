"""Synthetic companies for demos and tests: contract data plus the truth planted in it.

>>> from profitlens.generate import generate_company
"""

from .company import GeneratedCompany, generate_company

__all__ = ["GeneratedCompany", "generate_company"]
