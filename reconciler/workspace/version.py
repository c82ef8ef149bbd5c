"""The installed reconciler's distribution name and version (saved plans record it)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "prop-firm-reconciler"
"""The project's name on the package index (`reconciler` there is an unrelated project)."""


def reconciler_version() -> str:
    """The installed reconciler's version (saved plans record it)."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


__all__ = ["DISTRIBUTION", "reconciler_version"]
