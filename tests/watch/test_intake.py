"""Taking in a burst of stream events: a stop between events, progress per event, a reconnect's
catch-up of what is queued or recorded dropped."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.plan import Address
from reconciler.providers import PreconditionMet
from reconciler.watch import Health
from reconciler.watch.intake import take_in
from reconciler.watch.targets import TraderIndex
from tests.watch.test_targets import RESOURCES, USER, record, resource, signed, state

MANY = {a.address: a for a in (resource(Address(USER, f"t{n}"), f"t{n}.user") for n in range(200))}
DOCUMENT = state(**{f"tradovate_user.t{n}": record(str(1000 + n)) for n in range(200)})
BURST = [signed(str(1000 + n)) for n in range(200)]


class Lines:
    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []
        self.on_line: Any = None

    def __call__(self, event: str, **details: Any) -> None:
        self.lines.append((event, details))
        if self.on_line is not None:
            self.on_line(event)

    def named(self, event: str) -> list[dict[str, Any]]:
        return [d for name, d in self.lines if name == event]


def test_a_stop_is_honoured_between_events_and_the_rest_left_over() -> None:
    lines = Lines()
    stopping: list[bool] = []
    lines.on_line = lambda event: stopping.append(True) if len(lines.lines) == 3 else None
    intake = take_in(
        BURST,
        index=TraderIndex(MANY, DOCUMENT),
        queued=[],
        status=lines,
        beat=lambda: None,
        is_stopping=lambda: bool(stopping),
    )
    assert len(lines.named("precondition_met")) == 3
    assert len(intake.queued) == 3
    assert intake.left == tuple(BURST[3:])


def test_progress_is_marked_per_event_so_health_stays_truthful() -> None:
    """Each event takes a second of the (fake) clock; health allows 5 s without a mark."""
    now = [0.0]
    health = Health(stall_after=5.0, monotonic=lambda: now[0])
    unhealthy: list[int] = []
    lines = Lines()

    def tick(_: str) -> None:
        now[0] += 1.0
        if not health.report()[0]:
            unhealthy.append(len(lines.lines))

    lines.on_line = tick
    health.beat()
    take_in(
        BURST,
        index=TraderIndex(MANY, DOCUMENT),
        queued=[],
        status=lines,
        beat=health.beat,
        is_stopping=lambda: False,
    )
    assert len(lines.named("precondition_met")) == len(BURST)
    assert unhealthy == []


def test_a_catch_up_of_what_is_queued_or_recorded_is_dropped() -> None:
    queued = [signed("1000")]
    document = DOCUMENT.model_copy(
        update={
            "resources": {
                **DOCUMENT.resources,
                "tradovate_user.t1": record("1001", mda_signed=True),
            }
        }
    )
    catch_up = [replace(e, caught_up=True) for e in BURST[:3]]
    lines = Lines()
    intake = take_in(
        catch_up,
        index=TraderIndex(MANY, document),
        queued=queued,
        status=lines,
        beat=lambda: None,
        is_stopping=lambda: False,
    )
    assert intake.queued == (catch_up[2],)
    assert intake.duplicates == 2
    assert [d["address"] for d in lines.named("precondition_met")] == ["tradovate_user.t2"]


def test_a_live_event_is_taken_even_when_recorded(  # a new signature is always acted on
) -> None:
    document = state(**{"tradovate_user.alice": record("7", mda_signed=True)})
    intake = take_in(
        [signed("7")],
        index=TraderIndex(RESOURCES, document),
        queued=[],
        status=Lines(),
        beat=lambda: None,
        is_stopping=lambda: False,
    )
    assert intake.queued == (signed("7"),)


def test_the_same_catch_up_twice_in_one_burst_is_taken_once() -> None:
    event = replace(signed("1005"), caught_up=True)
    intake = take_in(
        [event, event],
        index=TraderIndex(MANY, DOCUMENT),
        queued=[],
        status=Lines(),
        beat=lambda: None,
        is_stopping=lambda: False,
    )
    assert intake.queued == (event,)
    assert isinstance(intake.queued[0], PreconditionMet)


def test_state_is_read_again_once_when_the_index_s_document_is_older_than_the_manifests() -> None:
    renamed = {
        a.address: a
        for a in (resource(Address(USER, "alicia"), "alice.smith"), MANY[Address(USER, "t1")])
    }
    index = TraderIndex(renamed, state(**{"tradovate_user.alice": record("7")}))
    rereads: list[int] = []

    def reread() -> None:
        rereads.append(1)
        moved = state(**{"tradovate_user.alicia": record("7"), "tradovate_user.t1": record("9")})
        index.use(moved.model_copy(update={"serial": 3}))

    lines = Lines()
    burst = [signed("7", "alice.smith"), signed("7", "alice.smith"), signed("9", "t1.user")]
    take_in(
        burst,
        index=index,
        queued=[],
        status=lines,
        beat=lambda: None,
        is_stopping=lambda: False,
        reread=reread,
    )
    assert [d["address"] for d in lines.named("precondition_met")] == [
        "tradovate_user.alicia",
        "tradovate_user.alicia",
        "tradovate_user.t1",
    ]
    assert rereads == [1]  # once for the burst, not per event
