"""``costmodel.yaml`` parsed into validated objects (DATA_CONTRACT.md section 2).

The cost model says what a resource costs per period and how much practical capacity it has
(Kaplan & Anderson's time-driven ABC), which activities consume which resources for how long,
and how commissions are paid. Anything inconsistent is refused with a :class:`CostModelError`
that names the key and what was expected.

Examples
--------
>>> model = CostModel.model_validate({
...     "resources": {"support_team": {"cost": 3000, "capacity_minutes": 6000}},
...     "activities": {"ticket": {"category": "service", "resources": ["support_team"],
...                               "minutes": 20}}})
>>> model.rate("support_team")
0.5
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .contract import CATEGORIES
from .errors import CostModelError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Resource(_Strict):
    """A resource's cost and practical capacity in one period."""

    cost: float = Field(ge=0)
    capacity_minutes: float = Field(gt=0)


class Activity(_Strict):
    """An activity: its P&L category, the resources it uses and its time equation.

    ``per: invoice`` activities have no rows of their own: they happen once per invoice with
    quantity = the invoice's number of lines.
    """

    category: str
    resources: list[str] = Field(min_length=1)
    minutes: float = Field(default=0.0, ge=0)
    minutes_per_unit: float = Field(default=0.0, ge=0)
    per: Literal["row", "invoice"] = "row"

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r}; expected one of {', '.join(CATEGORIES)}")
        return value


class Commission(_Strict):
    """Commission rates: by product, else by segment, else the default."""

    default_rate: float = Field(default=0.0, ge=0)
    by_segment: dict[str, float] = Field(default_factory=dict)
    by_product: dict[str, float] = Field(default_factory=dict)

    @field_validator("by_segment", "by_product", mode="before")
    @classmethod
    def _text_keys(cls, value):
        # YAML reads `123: 0.1` with an integer key; identifiers are text in the contract.
        return {str(k): v for k, v in (value or {}).items()}

    @field_validator("by_segment", "by_product")
    @classmethod
    def _rates_in_domain(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if v < 0}
        if bad:
            raise ValueError(f"commission rates must not be negative: {bad}")
        return value


class Prospects(_Strict):
    """How open prospects are told apart and judged (DATA_CONTRACT.md section 5.2).

    ``stale_after_days``: without ``prospects.closed_on``, a prospect with no activity in this
    many days before the as-of date is taken as given up. ``deprioritise_below``: a prospect
    whose expected return is positive but less than this many times its expected remaining
    pursuit cost is ``deprioritise`` (the return is small for the effort), not ``pursue``.
    """

    stale_after_days: int = Field(default=180, ge=1)
    deprioritise_below: float = Field(default=1.0, ge=0)


class CostModel(_Strict):
    """The whole cost model; see DATA_CONTRACT.md section 2."""

    currency: str | None = None
    period: Literal["month", "quarter"] = "month"
    annual_discount_rate: float = Field(default=0.10, ge=0)
    annual_carrying_rate: float = Field(default=0.0, ge=0)
    payment_terms_days: int = Field(default=30, ge=0)
    resources: dict[str, Resource]
    activities: dict[str, Activity] = Field(default_factory=dict)
    commission: Commission = Field(default_factory=Commission)
    credit: dict | None = None
    trends: dict | None = None
    clv: dict | None = None
    prospects: Prospects = Field(default_factory=Prospects)

    @model_validator(mode="after")
    def _resources_exist(self) -> "CostModel":
        known = set(self.resources)
        for name, activity in self.activities.items():
            unknown = [r for r in activity.resources if r not in known]
            if unknown:
                raise ValueError(
                    f"activity {name!r} uses unknown resource {unknown[0]!r}; "
                    f"resources defined: {', '.join(sorted(known)) or 'none'}")
        return self

    def rate(self, resource: str) -> float:
        """Default cost per minute of practical capacity of ``resource``."""
        res = self.resources[resource]
        return res.cost / res.capacity_minutes

    def activities_per(self, per: str) -> dict[str, Activity]:
        """The activities that happen per ``row`` (have rows) or per ``invoice``."""
        return {name: a for name, a in self.activities.items() if a.per == per}


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part not in ("function-after", "function-before"))


def load_cost_model(path: Path) -> CostModel:
    """Read and validate ``costmodel.yaml``.

    Parameters
    ----------
    path : Path
        The YAML file.

    Returns
    -------
    CostModel

    Raises
    ------
    CostModelError
        When the file is missing, is not YAML, or breaks a rule; the message names the key.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else None
    except UnicodeDecodeError as exc:
        raise CostModelError(f"{path}: not valid YAML ({exc})") from None
    return cost_model_from_text(text, path)


def cost_model_from_text(text: str | None, source) -> CostModel:
    """Validate the content of a ``costmodel.yaml`` read elsewhere (e.g. from object storage).

    Parameters
    ----------
    text : str or None
        The file's text; None when the file does not exist.
    source : Path or str
        Where the text comes from, to name in error messages.

    Returns and raises as :func:`load_cost_model`.
    """
    if text is None:
        raise CostModelError(f"{source}: not found; every data folder needs a costmodel.yaml")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CostModelError(f"{source}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise CostModelError(f"{source}: expected a mapping of settings at the top level")
    try:
        return CostModel.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_location(err['loc']) or 'model'}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors())
        raise CostModelError(f"{source}: {problems}") from None
