"""The plan stage: addresses, actions, the diff, ordering, guardrails, targeting, drift, the
Plan value and its saved files."""

from reconciler.plan.action import SENSITIVE, Action, Change, of_actions
from reconciler.plan.address import Address, in_address_order, provider_of
from reconciler.plan.as_recorded import AsRecorded, as_recorded, unrecorded
from reconciler.plan.compare import (
    display,
    following_renames,
    held_alike,
    recordable,
    renamed_references,
    share_texts,
    shown_as_recorded,
    written_alike,
)
from reconciler.plan.concealed import conceal, mark_all_referenced, mark_referenced
from reconciler.plan.diff import diff
from reconciler.plan.drift import Drift, DriftItem, DriftStatus, FieldDrift, detect_drift
from reconciler.plan.funnel import (
    ENTITLEMENT,
    FUNNEL_PLATFORMS,
    USER_MARK,
    FunnelRow,
    FunnelStage,
    PlatformSummary,
    funnel,
    reads_record,
    select_rows,
    stage_age,
    summarize_funnel,
)
from reconciler.plan.guard import (
    FROM_MANIFESTS,
    FROM_STATE,
    check_guards,
    offboarded_traders,
    protected_addresses,
    restricted_traders,
    restricts_trading,
)
from reconciler.plan.inputs import Diff, DiffInput, Digest
from reconciler.plan.moves import Move, plan_moves, rekey
from reconciler.plan.order import order_changes, waves
from reconciler.plan.paths import ABSENT, PathChange, path_changes
from reconciler.plan.plan import DEFAULT_MAX_CANCEL, Plan, PlanOptions, make_plan
from reconciler.plan.planfile import (
    PLANFILE_VERSION,
    SavedPlan,
    dump_plan,
    encode_change,
    load_plan,
    plan_pieces,
    summary_counts,
)
from reconciler.plan.resource import (
    DesiredResource,
    GeneratedSecret,
    KindRules,
    ReadRequest,
    Recorded,
    Remote,
    SecretValue,
)
from reconciler.plan.shape import shape_of
from reconciler.plan.staleness import Origin, check_saved, match_saved, values_digest
from reconciler.plan.target import check_target, select_targets

__all__ = [
    "ABSENT",
    "DEFAULT_MAX_CANCEL",
    "ENTITLEMENT",
    "FROM_MANIFESTS",
    "FROM_STATE",
    "FUNNEL_PLATFORMS",
    "PLANFILE_VERSION",
    "SENSITIVE",
    "USER_MARK",
    "Action",
    "Address",
    "AsRecorded",
    "Change",
    "DesiredResource",
    "Diff",
    "DiffInput",
    "Digest",
    "Drift",
    "DriftItem",
    "DriftStatus",
    "FieldDrift",
    "FunnelRow",
    "FunnelStage",
    "GeneratedSecret",
    "KindRules",
    "Move",
    "Origin",
    "PathChange",
    "Plan",
    "PlanOptions",
    "PlatformSummary",
    "ReadRequest",
    "Recorded",
    "Remote",
    "SavedPlan",
    "SecretValue",
    "as_recorded",
    "check_guards",
    "check_saved",
    "check_target",
    "conceal",
    "detect_drift",
    "diff",
    "display",
    "dump_plan",
    "encode_change",
    "following_renames",
    "funnel",
    "held_alike",
    "in_address_order",
    "load_plan",
    "make_plan",
    "mark_all_referenced",
    "mark_referenced",
    "match_saved",
    "of_actions",
    "offboarded_traders",
    "order_changes",
    "path_changes",
    "plan_moves",
    "plan_pieces",
    "protected_addresses",
    "provider_of",
    "reads_record",
    "recordable",
    "rekey",
    "renamed_references",
    "restricted_traders",
    "restricts_trading",
    "select_rows",
    "select_targets",
    "shape_of",
    "share_texts",
    "shown_as_recorded",
    "stage_age",
    "summarize_funnel",
    "summary_counts",
    "unrecorded",
    "values_digest",
    "waves",
    "written_alike",
]
