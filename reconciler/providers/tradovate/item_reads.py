"""Reads of chosen entities rather than whole lists: `items?ids=` and `ldeps?masterids=`, each
in chunks of as many ids as one call accepts (a targeted plan of a few traders reads only
theirs, whatever the size of the firm)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain

from reconciler.providers.tradovate.calls import list_of
from reconciler.providers.tradovate.dispatch import Domain, ItemT
from reconciler.providers.tradovate.limits import IDS_PER_ITEMS, MASTER_IDS_PER_LDEPS
from reconciler.providers.tradovate.session import Session

ITEMS_CHUNK = IDS_PER_ITEMS.value
"""Most ids one `items` call is sent (assumed, see limits.py)."""
LDEPS_CHUNK = MASTER_IDS_PER_LDEPS.value
"""Most master ids one `ldeps` call is sent (assumed, see limits.py)."""
READS_AT_ONCE = 4
"""Calls of one chunked read in flight at once (assumed: a tuning of ours)."""


def by_id_chunks(
    session: Session,
    domain: Domain,
    path: str,
    model: type[ItemT],
    ids: Iterable[int],
    *,
    parameter: str,
    chunk: int,
) -> Iterator[list[ItemT]]:
    """GET `path?<parameter>=1,2,...` for every `chunk` of the distinct `ids`, a call's answer
    at a time, in order: a caller that lets each go holds the items of READS_AT_ONCE calls at
    most (those in flight), not the firm's."""
    unique = list(dict.fromkeys(ids))
    texts = [
        ",".join(str(i) for i in unique[start : start + chunk])
        for start in range(0, len(unique), chunk)
    ]
    if len(texts) < 2:
        for text in texts:
            yield list_of(session, domain, path, model, params={parameter: text})
        return
    # several calls in flight, answered in order: a call's round trip and the platform's work
    # overlap the reading of the answers before it; at most READS_AT_ONCE answers are held
    pool = ThreadPoolExecutor(READS_AT_ONCE, thread_name_prefix="tradovate-read")
    try:
        sent: deque[Future[list[ItemT]]] = deque()
        for text in texts:
            sent.append(
                pool.submit(list_of, session, domain, path, model, params={parameter: text})
            )
            if len(sent) == READS_AT_ONCE:
                yield sent.popleft().result()
        while sent:
            yield sent.popleft().result()
    finally:  # a failed call or a reader that stopped: the calls not yet sent are not sent
        pool.shutdown(wait=True, cancel_futures=True)


def items(
    session: Session, domain: Domain, entity: str, model: type[ItemT], ids: Iterable[int]
) -> list[ItemT]:
    """The entities of `ids` that exist (`/<entity>/items`)."""
    path, chunk = f"/{entity}/items", ITEMS_CHUNK
    chunks = by_id_chunks(session, domain, path, model, ids, parameter="ids", chunk=chunk)
    return [*chain.from_iterable(chunks)]


def dependents(
    session: Session, domain: Domain, entity: str, model: type[ItemT], masters: Iterable[int]
) -> list[ItemT]:
    """The entities depending on the master ids (`/<entity>/ldeps`)."""
    return [*chain.from_iterable(dependent_chunks(session, domain, entity, model, masters))]


def dependent_chunks(
    session: Session, domain: Domain, entity: str, model: type[ItemT], masters: Iterable[int]
) -> Iterator[list[ItemT]]:
    """`dependents`, a call's answer at a time (see `by_id_chunks`)."""
    path, chunk = f"/{entity}/ldeps", LDEPS_CHUNK
    return by_id_chunks(session, domain, path, model, masters, parameter="masterids", chunk=chunk)


__all__ = [
    "ITEMS_CHUNK",
    "LDEPS_CHUNK",
    "by_id_chunks",
    "dependent_chunks",
    "dependents",
    "items",
]
