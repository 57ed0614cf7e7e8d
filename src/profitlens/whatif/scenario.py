"""A what-if scenario file (DATA_CONTRACT.md section 5.5), read and checked.

The file holds any keys of ``costmodel.yaml``, deep-merged over it (a mapping merges key by
key, anything else replaces), and optionally::

    price_change: {default: 0.0, by_segment: {enterprise: 0.05}}
    end_customers: [C001, C002]

A key that is neither a cost-model key nor one of these two, or a merged cost model that breaks
a rule of the cost model (an unknown activity key, a negative cost), is refused with a
:class:`~profitlens.errors.ScenarioError` naming the scenario file and the key.

Examples
--------
>>> deep_merge({"resources": {"a": {"cost": 1, "capacity_minutes": 2}}},
...            {"resources": {"a": {"cost": 5}}})
{'resources': {'a': {'cost': 5, 'capacity_minutes': 2}}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..costmodel import CostModel, cost_model_from_text
from ..errors import CostModelError, ScenarioError

SCENARIO_KEYS = ("price_change", "end_customers")


class PriceChange(BaseModel):
    """Each line's revenue x (1 + change): by the customer's segment, else the default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    default: float = Field(default=0.0, gt=-1)
    by_segment: dict[str, float] = Field(default_factory=dict)

    @field_validator("by_segment", mode="before")
    @classmethod
    def _text_keys(cls, value):
        return {str(k): v for k, v in (value or {}).items()}

    @field_validator("by_segment")
    @classmethod
    def _above_minus_one(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if v <= -1}
        if bad:
            raise ValueError(f"a price change must be above -1 (-100%): {bad}")
        return value


@dataclass
class Scenario:
    """A scenario: cost-model overrides, a price change and the customers to end."""

    overrides: dict = field(default_factory=dict)
    price_change: PriceChange = field(default_factory=PriceChange)
    end_customers: list[str] = field(default_factory=list)


def deep_merge(base: dict, over: dict) -> dict:
    """``over`` merged into a copy of ``base``: mappings key by key, other values replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def read_scenario(path: Path) -> Scenario:
    """Read a scenario file.

    Raises
    ------
    ScenarioError
        When the file is missing or not YAML, or holds an unknown key or a bad value of
        ``price_change`` or ``end_customers``.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: not found; expected a scenario YAML file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not valid YAML ({exc})") from None
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: expected a mapping of settings at the top level")
    known = set(CostModel.model_fields) | set(SCENARIO_KEYS)
    unknown = [str(k) for k in raw if k not in known]
    if unknown:
        raise ScenarioError(
            f"{path}: unknown key {unknown[0]!r}; a scenario holds keys of "
            f"costmodel.yaml ({', '.join(CostModel.model_fields)}) and "
            f"{', '.join(SCENARIO_KEYS)}"
        )
    try:
        price = PriceChange.model_validate(raw.get("price_change") or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(
            f"{path}: price_change.{where}: {err['msg'].removeprefix('Value error, ')}"
        ) from None
    ended = raw.get("end_customers") or []
    if not isinstance(ended, list):
        raise ScenarioError(f"{path}: end_customers must be a list of customer ids")
    overrides = {k: v for k, v in raw.items() if k not in SCENARIO_KEYS}
    return Scenario(overrides, price, [str(c) for c in ended])


def scenario_model(model_text: str, scenario: Scenario, source: Path) -> CostModel:
    """The cost model with the scenario's overrides deep-merged over it, validated.

    Parameters
    ----------
    model_text : str
        The data folder's ``costmodel.yaml``.
    source : Path
        The scenario file, named in errors.
    """
    base = yaml.safe_load(model_text) or {}
    merged = deep_merge(base, scenario.overrides)
    try:
        return cost_model_from_text(yaml.safe_dump(merged), f"{source} (over costmodel.yaml)")
    except CostModelError as exc:
        raise ScenarioError(str(exc)) from None
