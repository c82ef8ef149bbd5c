"""The plan stage: addresses, actions, the diff, ordering and the Plan value."""

from reconciler.plan.action import SENSITIVE, Action, Change
from reconciler.plan.address import Address
from reconciler.plan.diff import Diff, DiffInput, Digest, diff, display, recordable
from reconciler.plan.moves import Move, plan_moves, rekey
from reconciler.plan.order import order_changes, waves
from reconciler.plan.plan import Plan, make_plan
from reconciler.plan.resource import (
    DesiredResource,
    GeneratedSecret,
    KindRules,
    ReadRequest,
    Recorded,
    Remote,
)

__all__ = [
    "SENSITIVE",
    "Action",
    "Address",
    "Change",
    "DesiredResource",
    "Diff",
    "DiffInput",
    "Digest",
    "GeneratedSecret",
    "KindRules",
    "Move",
    "Plan",
    "ReadRequest",
    "Recorded",
    "Remote",
    "diff",
    "display",
    "make_plan",
    "order_changes",
    "plan_moves",
    "recordable",
    "rekey",
    "waves",
]
