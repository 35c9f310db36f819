"""How Cliniko's marketing flags become oncord's per-channel status."""
from __future__ import annotations

from datetime import datetime

from oncord.models import ConsentStatus


def status_from_flag(accepted: bool | None) -> str:
    """Consent given in Cliniko means Subscribed; anything else is Pending."""
    return ConsentStatus.SUBSCRIBED.value if accepted else ConsentStatus.PENDING.value


def pulled_status(current: str | None, stored_flag: bool | None, new_flag: bool | None,
                  changed_at: datetime | None, patient_updated_at: datetime) -> str:
    """The status after a pull.

    Cliniko's flag decides only when it is new to us (first pull) or has changed; a
    status set in oncord stands until then. An unsubscribe gives way only to consent
    given in Cliniko after it.
    """
    if current is None:
        return status_from_flag(new_flag)
    if bool(new_flag) == bool(stored_flag):
        return current
    if current == ConsentStatus.UNSUBSCRIBED.value:
        if not new_flag or (changed_at and patient_updated_at <= changed_at):
            return current  # consent withdrawn, or given before the unsubscribe
    return status_from_flag(new_flag)
