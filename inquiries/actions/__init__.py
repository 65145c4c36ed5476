"""Every change to inquiries and contact plans: one transaction, its audit event, its notices.

Two people, never one: an inquiry, an answer and a contact plan each need a supervisor of the
acting ward who did not write it (promise 2). The protected status travels with the inquiry
and only ever rises (promise 1). Contact targets are screened (promise 3) and the wording is
checked by the disclosure guard (promise 4). Every step is an audit event (promise 5).

A package by topic (notifications, inquiries, plans, emergencies, events); every action is
re-exported here, so callers import `inquiries.actions` as before.
"""

from inquiries.actions.common import RESULT_TO_STATUS, strongest
from inquiries.actions.emergencies import (
    print_plan_contact,
    reveal_plan_contact,
    review_emergency,
)
from inquiries.actions.inquiries import (
    acknowledge_inquiry,
    answer_inquiry,
    create_inquiry,
    has_acknowledged,
    raise_inquiry_status,
    record_audit_reading,
    record_flagged_reading,
    reevaluate_open_inquiries,
    refuse_inquiry,
    sign_off_answer,
    sign_off_inquiry,
)
from inquiries.actions.notifications import (
    deliver_pending_notifications,
    enqueue_delivery,
    mark_read,
    notify,
    notify_auditors_once,
    send_digests,
    write_alarm_notices,
    write_requested_notice,
)
from inquiries.actions.plans import (
    PLAN_FIELDS,
    GuardContext,
    PlanReassessed,
    approve_plan,
    assess,
    create_plan,
    escalate_waiting_plans,
    expire_approvals,
    plan_fingerprint,
    reassess_plan,
    record_contact,
    reevaluate_open_plans,
    refuse_plan,
    update_plan,
    valid_approvals,
)
from inquiries.actions.printing import print_inquiry
from inquiries.permissions import PlanNeedsRewording

__all__ = [
    "PLAN_FIELDS",
    "RESULT_TO_STATUS",
    "GuardContext",
    "PlanNeedsRewording",
    "PlanReassessed",
    "acknowledge_inquiry",
    "answer_inquiry",
    "approve_plan",
    "assess",
    "create_inquiry",
    "create_plan",
    "deliver_pending_notifications",
    "enqueue_delivery",
    "escalate_waiting_plans",
    "expire_approvals",
    "has_acknowledged",
    "mark_read",
    "notify",
    "notify_auditors_once",
    "plan_fingerprint",
    "print_inquiry",
    "print_plan_contact",
    "raise_inquiry_status",
    "reassess_plan",
    "record_audit_reading",
    "record_contact",
    "record_flagged_reading",
    "reevaluate_open_inquiries",
    "reevaluate_open_plans",
    "refuse_inquiry",
    "refuse_plan",
    "reveal_plan_contact",
    "review_emergency",
    "send_digests",
    "sign_off_answer",
    "sign_off_inquiry",
    "strongest",
    "update_plan",
    "valid_approvals",
    "write_alarm_notices",
    "write_requested_notice",
]
