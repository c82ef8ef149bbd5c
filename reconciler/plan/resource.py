"""Resource values shared by the planner and the providers: desired, recorded, remote."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Unpack

from pydantic import SecretStr

from reconciler.frozen import Forwarded, quick_init, slot_filler
from reconciler.plan.action import Action
from reconciler.plan.address import Address
from reconciler.plan.hold import NO_HOLD, RemoteHold, hold_of
from reconciler.plan.shape import PLAIN, ResourceShape, ShapeParts, shaped


@dataclass(frozen=True, slots=True)
class GeneratedSecret:
    """Marks a secret that apply generates at create time (`password: {generate: true}`)."""

    length: int = 24


SecretValue = SecretStr | GeneratedSecret

_NONE: Mapping[str, Any] = MappingProxyType({})
"""The default of every empty mapping here: one shared, read-only (a large firm has
hundreds of thousands of resources)."""


@dataclass(frozen=True, slots=True, init=False)
class DesiredResource:
    """One resource the manifests declare, in the provider's attribute vocabulary.

    `attributes` are plain JSON values except secrets (SecretStr or GeneratedSecret), whose
    names are in `sensitive`. `natural_key` finds the object remotely without its id.
    Changing an attribute in `replace_on` plans a replace instead of an update.
    `create_action` is `entitle` for entitlements, `create` otherwise. `inputs` are values the
    platform needs at create time that are neither compared nor recorded (e.g. a plan name).
    Changing an attribute in `reset_on` plans a reset (an update that also resets the object on
    the platform); its first recorded value only records, never resets.
    `create_only` attributes are recorded and compared, but the platform accepts them only at
    creation: a later change is not planned, and the plan says so in a note. `trader_refs` are
    paths into the attributes whose values name another trader (e.g. a mentor): when that
    trader is renamed by a move, the recorded value follows in state alone.

    Those per-kind fields are given by keyword and kept in one shared `shape` (a firm has
    hundreds of thousands of resources and a handful of shapes); they read as fields.
    """

    address: Address
    attributes: Mapping[str, Any]
    natural_key: str
    inputs: Mapping[str, Any]
    depends_on: tuple[Address, ...]
    shape: ResourceShape
    sensitive: ClassVar[Forwarded[frozenset[str]]] = Forwarded("shape.sensitive")
    replace_on: ClassVar[Forwarded[frozenset[str]]] = Forwarded("shape.replace_on")
    reset_on: ClassVar[Forwarded[frozenset[str]]] = Forwarded("shape.reset_on")
    create_only: ClassVar[Forwarded[frozenset[str]]] = Forwarded("shape.create_only")
    create_action: ClassVar[Forwarded[Action]] = Forwarded("shape.create_action")
    protected: ClassVar[Forwarded[bool]] = Forwarded("shape.protected")
    trader_refs: ClassVar[Forwarded[tuple[tuple[str, ...], ...]]] = Forwarded("shape.trader_refs")

    def __init__(
        self,
        address: Address,
        attributes: Mapping[str, Any],
        natural_key: str,
        inputs: Mapping[str, Any] = _NONE,
        depends_on: tuple[Address, ...] = (),
        shape: ResourceShape = PLAIN,
        **parts: Unpack[ShapeParts],
    ) -> None:
        shape = shaped(shape, parts) if parts else shape
        _fill_desired(self, address, attributes, natural_key, inputs, depends_on, shape)


_fill_desired = slot_filler(
    DesiredResource, "address", "attributes", "natural_key", "inputs", "depends_on", "shape"
)


@dataclass(frozen=True, slots=True, init=False)
class Remote:
    """An object as the platform shows it now.

    `attributes` holds only what the platform returns, in the same shape as the desired
    attributes (an attribute the platform cannot read is absent and compared with state).
    `blocked` names an unmet precondition outside our control (the plan shows a wait).
    `facts` are remote ids and observations worth remembering in state. `probe`: the wait
    is checked by apply with one call (see `Change.probe`). `deferred` names attributes the
    platform refuses to change for now, with why (a status while identity is unverified): a
    difference in them is a plan note, not a change, and state keeps its value.

    The rarely set `blocked`, `probe` and `deferred` are kept in one shared `hold` (`NO_HOLD`
    when none is set) and read as fields; `hold` is given either alone or not at all.
    """

    address: Address
    remote_id: str | None
    attributes: Mapping[str, Any]
    facts: Mapping[str, Any]
    hold: RemoteHold
    blocked: ClassVar[Forwarded[str | None]] = Forwarded("hold.blocked")
    probe: ClassVar[Forwarded[bool]] = Forwarded("hold.probe")
    deferred: ClassVar[Forwarded[Mapping[str, str]]] = Forwarded("hold.deferred")

    def __init__(
        self,
        address: Address,
        remote_id: str | None,
        attributes: Mapping[str, Any] = _NONE,
        blocked: str | None = None,
        facts: Mapping[str, Any] = _NONE,
        probe: bool = False,
        deferred: Mapping[str, str] = _NONE,
        *,
        hold: RemoteHold | None = None,
    ) -> None:
        if blocked is not None or probe or deferred:
            if hold is not None and hold is not NO_HOLD:
                raise TypeError("a Remote's hold is given alone, or its fields without it")
            hold = hold_of(blocked, probe, deferred)
        _fill_remote(self, address, remote_id, attributes, facts, hold or NO_HOLD)

    def __eq__(self, other: object) -> bool:
        """Equal to any Remote (a record among them) that shows the same."""
        if not isinstance(other, Remote):
            return NotImplemented
        return (
            self.address == other.address
            and self.remote_id == other.remote_id
            and self.attributes == other.attributes
            and self.facts == other.facts
            and self.hold == other.hold
        )


_fill_remote = slot_filler(Remote, "address", "remote_id", "attributes", "facts", "hold")


@dataclass(frozen=True, slots=True, init=False)
class Recorded(Remote):
    """What state remembers of one address: remote id, last applied attributes, facts, the
    natural key the object was found by when it was last applied, and since when the address
    is recorded (empty when not known). A record is also a `Remote`: the very object the
    refresh gives when the platform shows exactly what it records (`ReadRequest.shown`), one
    object for both in an unchanged firm. Two records are equal when all their fields are."""

    remote_id: str
    natural_key: str
    since: str

    def __init__(
        self,
        address: Address,
        remote_id: str,
        attributes: Mapping[str, Any],
        facts: Mapping[str, Any] = _NONE,
        natural_key: str = "",
        since: str = "",
        *,
        hold: RemoteHold | None = None,
    ) -> None:
        hold = hold or NO_HOLD
        _fill_recorded(self, address, remote_id, attributes, facts, hold, natural_key, since)


_fill_recorded = slot_filler(
    Recorded, "address", "remote_id", "attributes", "facts", "hold", "natural_key", "since"
)


@quick_init
@dataclass(frozen=True, slots=True)
class ReadRequest:
    """An address to refresh, with its natural key, what state recorded and what the manifests
    declare (if anything): the refresh foresees with it what apply would be refused, and a
    provider resolves declared names (a risk category) as it reads."""

    address: Address
    natural_key: str
    recorded: Recorded | None = None
    desired: DesiredResource | None = None

    @property
    def recorded_facts(self) -> Mapping[str, Any] | None:
        """The facts state recorded of the address, if it is recorded."""
        return None if self.recorded is None else self.recorded.facts

    @property
    def recorded_attributes(self) -> Mapping[str, Any] | None:
        """The attributes state recorded of the address, if it is recorded."""
        return None if self.recorded is None else self.recorded.attributes

    def shown(
        self, remote_id: str, attributes: Mapping[str, Any], facts: Mapping[str, Any] = _NONE
    ) -> Remote:
        """What the platform shows of the address: the record itself when it is exactly what
        state records (its id, its attributes and facts mappings: see `same_id` and
        `shown_as_recorded`), so an unchanged object is one object in memory, not two."""
        recorded = self.recorded
        if (
            recorded is not None
            and recorded.remote_id == remote_id
            and recorded.attributes is attributes
            and (recorded.facts is facts or not (facts or recorded.facts))
            and recorded.hold is NO_HOLD
            and recorded.address == self.address
        ):
            return recorded
        return Remote(self.address, remote_id, attributes, facts=facts)

    def same_id(self, remote_id: str) -> str:
        """`remote_id`, the recorded text itself when state recorded that id (one copy of an
        unchanged firm's ids in memory, not two)."""
        recorded = self.recorded
        if recorded is not None and recorded.remote_id == remote_id:
            return recorded.remote_id
        return remote_id


@dataclass(frozen=True, slots=True)
class KindRules:
    """What the planner must know of one resource kind: its actions, cascading parent, and
    what a cancel means on the platform when that is more than "it is gone" (shown in plans).
    A `followed` kind is no platform object but something observed on one (a trader's
    identity verification): it waits until the platform shows it, and is then recorded by a
    state-only update (never a create, never an adoption)."""

    actions: frozenset[Action]
    parent: str | None = None
    cancel_note: str | None = None
    followed: bool = False
