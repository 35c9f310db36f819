"""Cliniko API client: HTTP, paging, rate budget, errors and typed records.

Imports nothing else from oncord; no Cliniko dict leaves this package.
"""

from .classes import Attendee, Booking, GroupAppointment, UnavailableBlock, booking_from_api
from .client import ClinikoClient
from .errors import (
    AuthenticationFailed,
    BadRequest,
    ClinikoDataError,
    ClinikoError,
    Forbidden,
    InvalidApiKey,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationFailed,
)
from .listing import Listing
from .rate_budget import LocalRateBudget, RateBudget, RedisRateBudget, budget_key
from .records import (
    Appointment,
    DeletedRecord,
    IndividualAppointment,
    Patient,
    PhoneNumber,
    Pronouns,
    RepeatRule,
)
from .reference import Account, AppointmentType, Business, Practitioner, User
from .shards import base_url_for_shard, shard_from_key, user_agent
from .transport import RetryPolicy

__all__ = [
    "Account", "Appointment", "Attendee", "Booking", "GroupAppointment", "UnavailableBlock",
    "booking_from_api", "AppointmentType", "AuthenticationFailed", "BadRequest", "DeletedRecord",
    "Business", "ClinikoClient", "ClinikoDataError", "ClinikoError", "Forbidden",
    "IndividualAppointment", "InvalidApiKey", "Listing", "LocalRateBudget", "MalformedResponse",
    "NotFound", "Patient", "PhoneNumber", "Practitioner", "Pronouns", "RateBudget", "RateLimited",
    "RedisRateBudget", "RepeatRule", "RetryPolicy", "Unavailable", "User", "ValidationFailed",
    "base_url_for_shard", "budget_key", "shard_from_key", "user_agent",
]
