"""Validating the traders file by file as the manifests are read: once the first Firm is read,
each file's traders are validated and their raw values let go before the next file is read
(a large firm's raw values and models are then never all in memory at once)."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.manifest.kinds import (
    Entry,
    FirmContext,
    Invalid,
    Valid,
    validate_firm,
    validate_trader,
)
from reconciler.manifest.models import ProviderSchema
from reconciler.manifest.report import Report


class Validation:
    """The traders validated so far, in the order they were read.

    Traders read before any Firm wait for it. The Firm's problems are reported once every
    file is read (`finish`), by the loader; traders are validated against the first Firm
    read, which is the one `validate_firm` validates then. Their problems are kept apart and
    reported after the Firm's, in the order they were found, as when all were validated at
    the end."""

    def __init__(self, schemas: Mapping[str, ProviderSchema]) -> None:
        self._schemas = schemas
        self._context: FirmContext | None = None
        self._report = Report()
        self.loaded: list[Valid] = []
        self.invalid: list[Invalid] = []
        self.names: set[str] = set()
        """Every trader's `name` as read, valid or not."""
        self.cached: set[int] = set()
        """The ids of the traders in `loaded` validated by an earlier run (`take_valid`)."""

    def take(self, firms: list[Entry], traders: list[Entry]) -> None:
        """Validate and empty `traders` once a Firm is among `firms` (else keep them)."""
        if self._context is None:
            if not firms:
                return
            self._context = validate_firm(firms[:1], schemas=self._schemas, report=Report())
        self._validate(traders, self._context)

    @property
    def context(self) -> FirmContext | None:
        """What traders are validated against, once a Firm is read."""
        return self._context

    def take_file(self, traders: list[Entry]) -> list[Valid] | None:
        """With a Firm read: validate one file's `traders` and empty the list, as `take`;
        the file's traders when every one validated without a problem, else None."""
        assert self._context is not None
        loaded, invalid, reported = len(self.loaded), len(self.invalid), self._report.count
        self._validate(traders, self._context)
        if len(self.invalid) > invalid or self._report.count > reported:
            return None
        return self.loaded[loaded:]

    def take_valid(self, names: list[str], valid: list[Valid]) -> None:
        """One file's traders, validated by an earlier run (`names` as written)."""
        self.names.update(names)
        self.loaded.extend(valid)
        self.cached.update(map(id, valid))

    def finish(self, traders: list[Entry], context: FirmContext, report: Report) -> None:
        """Validate what is left (all of it when no Firm was read) against `context`, the
        Firm as the loader validated it, and add the traders' problems to `report`."""
        self._validate(traders, self._context or context)
        report.extend(self._report)

    def _validate(self, traders: list[Entry], context: FirmContext) -> None:
        """Each raw value is let go once validated (popped from the emptied list)."""
        self.names.update(str(entry.value.get("name")) for entry in traders)
        traders.reverse()
        while traders:
            entry = traders.pop()
            result = validate_trader(entry, context, report=self._report)
            if isinstance(result, Invalid):
                self.invalid.append(result)
            else:
                self.loaded.append(Valid(entry.where, entry.line, *result))


__all__ = ["Validation"]
