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
from .settings import (
    CreditPolicy,
    Decisions,
    LifetimeValueSettings,
    Prospects,
    Referrals,
    TrendSettings,
)

#: what `profitlens init` writes where only the company knows the number
PLACEHOLDER = "TODO"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Resource(_Strict):
    """A resource's cost and practical capacity in one period."""

    cost: float = Field(ge=0)
    capacity_minutes: float = Field(gt=0)
    #: False when its cost does not fall with its use within the decision horizon
    reducible: bool = True


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


def check_substitutions(substitutions: dict[str, str], activities: dict) -> None:
    """``serve_differently`` maps activities with rows to other activities with rows."""
    for old, new in substitutions.items():
        for name in (old, new):
            if name not in activities:
                raise ValueError(
                    f"serve_differently: unknown activity {name!r}; activities "
                    f"defined: {', '.join(sorted(activities)) or 'none'}"
                )
            if activities[name].per != "row":
                raise ValueError(
                    f"serve_differently: activity {name!r} is charged per "
                    "invoice; only activities with rows can be moved"
                )
        if old == new:
            raise ValueError(f"serve_differently: {old!r} is moved to itself")


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
    credit: CreditPolicy = Field(default_factory=CreditPolicy)
    trends: TrendSettings = Field(default_factory=TrendSettings)
    clv: LifetimeValueSettings = Field(default_factory=LifetimeValueSettings)
    referrals: Referrals = Field(default_factory=Referrals)
    serve_differently: dict[str, str] = Field(default_factory=dict)
    decisions: Decisions = Field(default_factory=Decisions)
    prospects: Prospects = Field(default_factory=Prospects)

    @model_validator(mode="after")
    def _resources_exist(self) -> "CostModel":
        known = set(self.resources)
        for name, activity in self.activities.items():
            unknown = [r for r in activity.resources if r not in known]
            if unknown:
                raise ValueError(
                    f"activity {name!r} uses unknown resource {unknown[0]!r}; "
                    f"resources defined: {', '.join(sorted(known)) or 'none'}"
                )
        check_substitutions(self.serve_differently, self.activities)
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


def _problem(err: dict) -> str:
    """One validation error as ``location: what is wrong`` (an unknown key named as such)."""
    if err["type"] == "extra_forbidden":
        key, where = str(err["loc"][-1]), _location(err["loc"][:-1])
        return f"{where}: unknown key {key!r}" if where else f"unknown key {key!r} at the top level"
    return f"{_location(err['loc']) or 'model'}: {err['msg'].removeprefix('Value error, ')}"


def yaml_mapping(text: str, source, error: type[Exception], expected: str) -> dict:
    """A YAML text's top-level mapping, or ``error`` naming ``source`` and what was expected."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise error(f"{source}: expected {expected} at the top level")
    return raw


def placeholders(raw, where: str = "") -> list[str]:
    """Where a parsed cost model still holds :data:`PLACEHOLDER` (``resources.team.cost``)."""
    if isinstance(raw, dict):
        items = raw.items()
    elif isinstance(raw, list):
        items = enumerate(raw)
    else:
        return [where] if raw == PLACEHOLDER else []
    return [
        loc
        for key, value in items
        for loc in placeholders(value, f"{where}.{key}" if where else str(key))
    ]


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
    raw = yaml_mapping(text, source, CostModelError, "a mapping of settings")
    left = placeholders(raw)
    if left:
        raise CostModelError(
            f"{source}: fill in the {PLACEHOLDER} placeholders first: "
            + ", ".join(left[:5])
            + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        )
    try:
        return CostModel.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        raise CostModelError(f"{source}: {problems}") from None
