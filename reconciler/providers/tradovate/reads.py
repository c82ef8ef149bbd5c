"""What the Tradovate refresh derives from list answers beyond plain fields: accounts' pre-trade
risk in the manifests' shape, and the refusals apply would meet that the lists already show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic.alias_generators import to_camel

from reconciler.providers.tradovate.config import PreTradeRisk
from reconciler.providers.tradovate.models import PositionLimit, RiskParameter

_LIMIT_FIELDS = {to_camel(f): f for f in PreTradeRisk.model_fields if f != "parameters"}
"""Wire name -> attribute name of the fields of a pre-trade risk rule the manifests declare."""
_LINKS = frozenset({"id", "accountId", "userAccountPositionLimitId"})


def pre_trade_risk(
    limits: Sequence[PositionLimit], parameters: Sequence[RiskParameter]
) -> dict[int, list[dict[str, Any]]]:
    """Per account id, its pre-trade risk rules in the shape the manifests declare them (rules
    and parameters in the order the platform made them)."""
    by_limit: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for parameter in sorted(parameters, key=lambda p: p.id):
        extra = parameter.model_extra or {}
        by_limit[parameter.user_account_position_limit_id].append(
            {k: v for k, v in extra.items() if k not in _LINKS and v is not None}
        )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for limit in sorted(limits, key=lambda p: p.id):
        extra = limit.model_extra or {}
        rule = {
            _LIMIT_FIELDS[k]: v for k, v in extra.items() if k in _LIMIT_FIELDS and v is not None
        }
        rule["parameters"] = by_limit.get(limit.id, [])
        found[limit.account_id].append(rule)
    return found


__all__ = ["pre_trade_risk"]
