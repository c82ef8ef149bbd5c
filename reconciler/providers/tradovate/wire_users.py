"""Tradovate wire models of users and their contact info: read back, created, modified."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from reconciler.providers.tradovate.wire import ROW, ErrorTextResponse, Wire, WireRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    __pydantic_config__ = ROW

    id: int
    name: str
    email: str
    status: str
    professional: bool = False
    organization_id: int | None = None
    timestamp: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactInfo:
    __pydantic_config__ = ROW

    id: int
    user_id: int
    first_name: str
    last_name: str
    street_address1: str
    street_address2: str | None = None
    city: str
    state: str | None = None
    post_code: str | None = None
    country: str
    phone: str


class SubscriptionPlan(Wire):
    id: int
    name: str
    title: str = ""
    organization_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TradovateSubscription:
    """A subscription a user holds; cancel-everything sets `cancelledRenewal`. The refresh
    lists the firm's: a row."""

    __pydantic_config__ = ROW

    id: int
    user_id: int
    tradovate_subscription_plan_id: int
    cancelled_renewal: bool = False


class AddTradovateSubscription(WireRequest):
    tradovate_subscription_plan_id: int
    user_id: int


class SubscriptionOutcome(ErrorTextResponse):
    error_code: str | None = None
    tradovate_subscription: TradovateSubscription | None = None


class EvaluationUser(WireRequest):
    name: str
    email: str
    password: SecretStr
    first_name: str
    last_name: str
    tradovate_subscription_plan_id: int | None = None
    entitlement_ids: list[int] | None = None


class ContactUpdate(WireRequest):
    user_id: int
    first_name: str
    last_name: str
    street_address1: str
    street_address2: str | None = None
    city: str
    state: str | None = None
    post_code: str | None = None
    country: str
    phone: str


class CreateEvaluationUsers(WireRequest):
    users: list[EvaluationUser]


class ModifyEmailAddress(WireRequest):
    user_id: int
    email: str


class ModifyPassword(WireRequest):
    user_id: int
    password: SecretStr


class ContactInfoResponse(ErrorTextResponse):
    contact_info: ContactInfo | None = None
