"""Country codes: ISO 3166-1 alpha-2, as the manifests and every platform's contact fields
expect them (the list comes from the `pycountry` package's copy of the ISO standard)."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def _alpha_2() -> frozenset[str]:
    return frozenset(str(country.alpha_2) for country in pycountry.countries)


def is_country(code: str) -> bool:
    """True when `code` is an assigned ISO 3166-1 alpha-2 code (upper case, e.g. `US`)."""
    return code in _alpha_2()


__all__ = ["is_country"]
