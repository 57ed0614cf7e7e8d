"""Exceptions a user can act on; the CLI turns each into one message and exit code 2."""


class ProfitlensError(Exception):
    """Base class of every error caused by a user's input, never by a bug."""


class ContractError(ProfitlensError):
    """A data file cannot be used at all (unreadable, missing a required column, ...)."""


class CostModelError(ProfitlensError):
    """``costmodel.yaml`` is missing, unreadable or inconsistent."""


class ScenarioError(ProfitlensError):
    """A what-if scenario file is unreadable, names an unknown key or an unknown customer."""
