"""Exceptions a user can act on; the CLI turns each into one message and exit code 2."""


class ProfitlensError(Exception):
    """Base class of every error caused by a user's input, never by a bug."""


class ContractError(ProfitlensError):
    """A data file cannot be used at all (unreadable, missing a required column, ...)."""


class CostModelError(ProfitlensError):
    """``costmodel.yaml`` is missing, unreadable or inconsistent."""


class InsufficientDataError(ProfitlensError):
    """Too little data to fit a model (too few customers, repeat buyers or outcomes)."""


class FitError(ProfitlensError):
    """A model's likelihood could not be maximised (no data, or the optimiser failed)."""


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit``: a programming error, as in scikit-learn (where
    ``NotFittedError`` is also a ``ValueError`` and an ``AttributeError``)."""


class MappingError(ProfitlensError):
    """An import mapping (``profitlens import --mapping``) cannot be used as written."""


class ScenarioError(ProfitlensError):
    """A what-if scenario file is unreadable, names an unknown key or an unknown customer."""
