"""The desired resources of every configured provider, expanded from the manifests."""

from __future__ import annotations

from reconciler.manifest import Desired
from reconciler.plan import Address, DesiredResource, mark_all_referenced
from reconciler.providers import PROVIDERS


def desired_resources(desired: Desired) -> dict[Address, DesiredResource]:
    """Every configured provider's desired resources, by address (values that came from a
    secret reference are marked sensitive)."""
    expanded = [
        resource for name in desired.firm.providers for resource in PROVIDERS[name].expand(desired)
    ]
    marked = mark_all_referenced(expanded, desired.sensitive_values)
    return {resource.address: resource for resource in marked}


__all__ = ["desired_resources"]
