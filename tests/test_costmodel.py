"""costmodel.yaml: refused with a message naming the key and what was expected."""

from __future__ import annotations

import pytest
import yaml

from profitlens.costmodel import load_cost_model
from profitlens.errors import CostModelError

BASE = {
    "resources": {"team": {"cost": 600, "capacity_minutes": 1200}},
    "activities": {"call": {"category": "sales", "resources": ["team"], "minutes": 30}},
}


def write(tmp_path, model):
    path = tmp_path / "costmodel.yaml"
    path.write_text(yaml.safe_dump(model))
    return path


def test_tiny_model(tmp_path):
    model = load_cost_model(write(tmp_path, BASE))
    assert model.rate("team") == 0.5
    assert model.period == "month" and model.payment_terms_days == 30


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"resources": {"team": {"cost": 600, "capacity_minutes": 0}}},
            r"resources\.team\.capacity_minutes: Input should be greater than 0",
        ),
        (
            {"resources": {"team": {"cost": 600, "capacity_minutes": -10}}},
            "capacity_minutes: Input should be greater than 0",
        ),
        (
            {"activities": {"call": {"category": "marketing", "resources": ["team"]}}},
            "activities.call.category: unknown category 'marketing'; expected one of sales, service",
        ),
        (
            {"activities": {"call": {"category": "sales", "resources": ["robots"]}}},
            "activity 'call' uses unknown resource 'robots'; resources defined: team",
        ),
        (
            {"activities": {"call": {"category": "sales", "resources": ["team"], "minutes": -1}}},
            "activities.call.minutes: Input should be greater than or equal to 0",
        ),
        ({"period": "week"}, "period: Input should be 'month' or 'quarter'"),
        (
            {"commission": {"default_rate": 0.05, "by_segment": {"smb": -0.1}}},
            "commission rates must not be negative",
        ),
        (
            {"resources": {"team": {"cost": 600, "capacity": 5}}},
            "resources.team: unknown key 'capacity'",
        ),
        ({"credit": {"bucket_days": [0, 30]}}, "credit: unknown key 'bucket_days'"),
        (
            {"credit": {"bucket_edges": [0, 60, 30]}},
            "credit.bucket_edges: bucket_edges must start at 0 and increase strictly",
        ),
        ({"trends": {"window": 0}}, "trends.window: Input should be greater than or equal to 1"),
        (
            {"trends": {"attention": {"min_share": 0.2}}},
            "trends.attention: unknown key 'min_share'",
        ),
        ({"clv": {"model": "magic"}}, "clv.model: Input should be 'auto', 'bgnbd'"),
        ({"clv": {"horizon": 24}}, "clv: unknown key 'horizon'"),
        ({"budget": 5}, "costmodel.yaml: unknown key 'budget' at the top level"),
    ],
)
def test_inconsistent_models_are_refused(tmp_path, change, message):
    with pytest.raises(CostModelError, match=message):
        load_cost_model(write(tmp_path, {**BASE, **change}))


def test_not_yaml(tmp_path):
    path = tmp_path / "costmodel.yaml"
    path.write_text("resources: [unclosed")
    with pytest.raises(CostModelError, match="not valid YAML"):
        load_cost_model(path)


def test_product_ids_are_text(tmp_path):
    model = load_cost_model(write(tmp_path, {**BASE, "commission": {"by_product": {42: 0.1}}}))
    assert model.commission.by_product == {"42": 0.1}
