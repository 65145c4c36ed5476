"""The payloads of the contact plans' audit events, one function per kind of payload."""

from __future__ import annotations

from inquiries.models import (
    ContactPlan,
)


def plan_event_data(plan: ContactPlan) -> dict[str, object]:
    return {
        "plan": str(plan.public_id),
        "risk": plan.risk,
        "target_status": plan.target_status,
        "matter_status": plan.matter_status,
        "emergency": plan.is_emergency,
        "findings": [f["kind"] for f in plan.findings],
        "fingerprint": plan.fingerprint,
    }
