"""The audit log: append-only (database triggers) and hash-chained (tamper-evident)."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The hashed form is defined once, in the script auditors run on their own machine (standard
# library only), so the server and the offline verifier cannot drift apart.
from auditlog.offline_verify import GENESIS_HASH as GENESIS_HASH
from auditlog.offline_verify import canonical_form as canonical_form


class EventKind(models.TextChoices):
    """The fixed vocabulary of what can happen. New kinds are added here, never free text."""

    APPLICATION_REGISTERED = "measure.application_registered", _("Application registered")
    MEASURE_APPROVED = "measure.approved", _("Measure decided (granted)")
    MEASURE_REFUSED = "measure.refused", _("Measure decided (refused)")
    MEASURE_PERIOD_CORRECTED = "measure.period_corrected", _("Measure period corrected")
    MEASURE_EXTENDED = "measure.extended", _("Measure extended")
    MEASURE_ENDED = "measure.ended", _("Measure ended")
    MEASURE_LAPSED = "measure.lapsed", _("Measure lapsed")
    MEASURE_RELEASED = "measure.released", _("Lapsed measure released")
    ACCESS_GRANTED = "measure.access_granted", _("Access to details granted")
    ACCESS_REVOKED = "measure.access_revoked", _("Access to details revoked")
    DETAILS_ACKNOWLEDGED = "details.acknowledged", _("Warning acknowledged")
    DETAILS_DECLINED = "details.declined", _("Warning declined")
    DETAILS_VIEWED = "details.viewed", _("Protected details viewed")
    DETAILS_REFUSED = "details.refused", _("Protected details refused")
    DETAILS_PRINTED = "details.printed", _("Protected details printed")
    SCREENING_HIT = "screening.hit", _("Screening found a registered person")
    REGISTRY_IMPORTED = "registry.imported", _("Registry imported")
    API_CLIENT_CREATED = "api_client.created", _("API client created")
    API_CLIENT_REVOKED = "api_client.revoked", _("API client revoked")
    INQUIRY_CREATED = "inquiry.created", _("Inquiry drafted")
    INQUIRY_SIGNED_OFF = "inquiry.signed_off", _("Inquiry signed off and sent")
    INQUIRY_REFUSED = "inquiry.refused", _("Inquiry refused at sign-off")
    INQUIRY_STATUS_RAISED = "inquiry.status_raised", _("Inquiry's protected status raised")
    INQUIRY_ACKNOWLEDGED = "inquiry.acknowledged", _("Inquiry's protected status acknowledged")
    INQUIRY_ANSWERED = "inquiry.answered", _("Answer drafted")
    ANSWER_SIGNED_OFF = "inquiry.answer_signed_off", _("Answer signed off and released")
    PLAN_CREATED = "plan.created", _("Contact plan recorded")
    PLAN_UPDATED = "plan.updated", _("Contact plan changed (approvals withdrawn)")
    PLAN_APPROVED = "plan.approved", _("Contact plan approved")
    PLAN_REFUSED = "plan.refused", _("Contact plan refused")
    CONTACT_RECORDED = "plan.contact_recorded", _("Contact recorded")
    CONTACT_REFUSED = "plan.contact_refused", _("Contact without an approved plan refused")
    EMERGENCY_REVIEWED = "plan.emergency_reviewed", _("Emergency contact reviewed")
    APPROVAL_EXPIRED = "plan.approval_expired", _("Contact plan's approval expired")
    PLAN_REASSESSED = "plan.reassessed", _("Contact plan reassessed, approvals withdrawn")
    STAFF_REGISTERED = "staff.registered", _("Staff member registered")
    TRAINING_RECORDED = "staff.training_recorded", _("Training recorded")
    TRAINING_FAILED = "staff.training_failed", _("Training test failed")
    LOGIN_FAILED = "staff.login_failed", _("Login failed")
    ACCOUNT_LOCKED = "staff.locked_out", _("Account locked after repeated failures")
    ACCOUNT_UNLOCKED = "staff.unlocked", _("Account unlocked")
    PASSWORD_CHANGED = "staff.password_changed", _("Password changed")
    SECOND_FACTOR_ENROLLED = "staff.second_factor_enrolled", _("Second factor enrolled")
    SECOND_FACTOR_RESET = "staff.second_factor_reset", _("Second factor reset by an administrator")
    ADMIN_CHANGED = "admin.changed", _("Changed in the administration site")
    SCREENING_THROTTLED = "screening.throttled", _("Screening refused: rate limit")
    AUDITLOG_EXPORTED = "auditlog.exported", _("Audit log exported")
    AUDITLOG_VIEWED = "auditlog.viewed", _("Access history or staff activity opened")
    RESPONSIBLE_APPOINTED = "staff.responsible_appointed", _("Support-measure officer appointed")
    RESPONSIBLE_WITHDRAWN = "staff.responsible_withdrawn", _("Support-measure officer withdrawn")
    # Document requests (交付・閲覧), inquiries/requests/
    REQUEST_RECORDED = "request.recorded", _("Document request recorded and decided")
    REQUEST_REVIEWED = "request.reviewed", _("Document request reviewed")
    RELEASE_GRANTED = "request.release_granted", _("Temporary release granted")
    REQUEST_ISSUED = "request.issued", _("Certificate issued")
    RELEASE_RELOCKED = "request.relocked", _("Temporary release locked again")
    ISSUANCE_DISPOSED = "request.disposed", _("Wrongly issued certificate destroyed")
    BULK_RUN = "measure.bulk_run", _("Prepared list of ends and releases run")
    INSPECTION_FILTERED = "screening.inspection_filtered", _("Inspection list filtered")
    # Linked systems and forwarding (supportmeasures/propagation/)
    PROPAGATION_TASKS_CREATED = "propagation.tasks_created", _("Linked systems asked to confirm")
    PROPAGATION_CONFIRMED = "propagation.confirmed", _("Linked system confirmed the block")
    PROPAGATION_FAILED = "propagation.failed", _("Linked system could not set the block")
    PROPAGATION_OVERDUE = "propagation.overdue", _("Linked system's confirmation overdue")
    FEED_READ = "propagation.feed_read", _("Change feed read")
    FEED_STALE = "propagation.feed_stale", _("Change feed not read in time")
    MEASURE_FORWARDED = "measure.forwarded", _("Application forwarded to another municipality")
    FORWARD_REPLIED = "measure.forward_replied", _("Forwarding confirmed by the receiving side")
    FORWARD_RECEIVED = "measure.forward_received", _("Forwarded application received")
    MEASURE_MOVED_OUT = "measure.moved_out", _("Protected resident moved out of the city")


# Codes stored in `decision` and, for a few kinds, in `reason`; shown through these labels.
DECISION_LABELS = {
    "approved": _("granted"),
    "refused": _("refused"),
    "corrected": _("corrected"),
    "extended": _("extended"),
    "requested": _("ended at the person's request"),
    "decided": _("ended by decision"),
    "released": _("released"),
    "lapsed": _("lapsed"),
    "granted": _("access granted"),
    "revoked": _("revoked"),
    "acknowledged": _("acknowledged"),
    "declined": _("declined"),
    "shown": _("shown"),
    "printed": _("printed"),
    "imported": _("imported"),
    "dry_run": _("checked (dry run)"),
    "created": _("created"),
    "counterparty": _("counterparty"),
    "protected": _("protected resident"),
    "possible_match": _("possible match"),
    "clear": _("clear"),
    "none": _("not in the registry"),
    "signed_off": _("signed off"),
    "changed": _("changed"),
    "recorded": _("recorded"),
    "answered": _("answered"),
    "raised": _("raised"),
    "reviewed": _("reviewed"),
    "exported": _("exported"),
    "locked": _("locked out"),
    "unlocked": _("unlocked"),
    "expired": _("expired"),
    "critical": _("critical risk"),
    "high": _("high risk"),
    "normal": _("normal risk"),
    "clerk": _("Clerk"),
    "supervisor": _("Supervisor"),
    "auditor": _("Auditor"),
    "administrator": _("Administrator"),
    "contractor": _("Contractor"),
}
REASON_LABELS = {
    "acknowledgement_required": _("no valid acknowledgement"),
    "training_expired": _("annual training expired"),
    "registry_search": _("Registry search"),
    "no_approved_plan": _("no approved plan"),
    "approval_expired": _("the approval expired"),
    "registry_changed": _("the registry changed"),
    "risk_rose": _("the plan's risk rose"),
    "status_rose": _("a status rose since the plan was assessed"),
    "inquiry_status_raised": _("the inquiry's status was raised"),
    "not_in_scope": _("not among those who must act"),
    "plan_contact": _("a contact plan's phone number or address"),
    "audit": _("read by an auditor"),
    "inquiry": _("an inquiry, by its sending or receiving ward"),
}


def day_start(day: datetime.date) -> datetime.datetime:
    """The first instant of a calendar day in the office's time zone (Japan time): the one
    place a date becomes a time, for periods, filters, charts and reports."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))


def format_timestamp(value: Any) -> str:
    """UTC with microseconds and a Z, whatever the database gave back."""
    from datetime import UTC

    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditEvent(models.Model):
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    # No single-column indexes where a (column, sequence) index below serves: each index is
    # written under the chain's lock at every append. No foreign-key constraint in the
    # database either (Django still protects the staff and wards from deletion): its check
    # would lock the staff and ward rows under the chain's lock at every append.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
        db_index=False,
        db_constraint=False,
    )
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    ward = models.ForeignKey(
        "supportmeasures.Ward",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ward"),
        db_index=False,
        db_constraint=False,
    )
    ward_code = models.CharField(_("ward code"), max_length=6, blank=True)
    kind = models.CharField(_("event"), max_length=50, choices=EventKind.choices)
    # Found through the person index (AuditEventPerson), which also holds this column.
    person_public_id = models.UUIDField(_("person"), null=True, blank=True)
    measure_ref = models.CharField(_("measure"), max_length=40, blank=True)
    decision = models.CharField(_("decision"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            # The auditors' filters, each read newest first by key.
            models.Index(fields=["actor", "sequence"]),
            models.Index(fields=["kind", "sequence"]),
            models.Index(fields=["ward", "sequence"]),
            models.Index(fields=["decision", "sequence"]),
            models.Index(fields=["measure_ref", "sequence"]),
            models.Index(fields=["occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="auditevent_sequence_positive", condition=models.Q(sequence__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind}"

    def content(self) -> dict[str, Any]:
        """Every column that says anything, in the form that is hashed."""
        return {
            "sequence": self.sequence,
            "occurred_at": format_timestamp(self.occurred_at),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "ward_id": self.ward_id,
            "ward_code": self.ward_code,
            "kind": self.kind,
            "person_public_id": str(self.person_public_id) if self.person_public_id else None,
            "measure_ref": self.measure_ref,
            "decision": self.decision,
            "reason": self.reason,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }

    def decision_label(self) -> str:
        return str(DECISION_LABELS.get(self.decision, self.decision))

    def reason_label(self) -> str:
        return str(REASON_LABELS.get(self.reason, self.reason))

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical_form(self.content())).hexdigest()


class JobOutcome(models.TextChoices):
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    ALARMED = "alarmed", _("alarmed")


class JobRunQuerySet(models.QuerySet["JobRun"]):
    def current(self) -> JobRunQuerySet:
        """Each attempt's current state: its newest row."""
        newer = JobRun.objects.filter(
            job=models.OuterRef("job"),
            period=models.OuterRef("period"),
            attempt=models.OuterRef("attempt"),
            pk__gt=models.OuterRef("pk"),
        )
        return self.filter(~models.Exists(newer))


class JobRun(models.Model):
    """One state of one attempt of a scheduled job for one period (the date, hour or week it
    covers): `running` when it starts, then `succeeded` or `failed`, then perhaps `alarmed`.

    Append-only (database triggers, migration 0014): a run's progress is a new row with the
    attempt's next state, never a change to an earlier one, so neither the app nor anyone
    holding its database role can turn a failed verification into a success or remove it.
    An attempt's state is its newest row (`JobRun.objects.current()`). A period is done once
    one of its attempts succeeded; running it again does nothing.
    """

    job = models.CharField(_("job"), max_length=100)
    period = models.CharField(_("period"), max_length=40)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=JobOutcome.choices, default=JobOutcome.RUNNING
    )
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = JobRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        indexes = [models.Index(fields=["job", "started_at"])]
        constraints = [
            # Two workers starting the same attempt, or alarming it twice: one row wins.
            models.UniqueConstraint(
                fields=["job", "period", "attempt", "outcome"], name="jobrun_one_row_per_state"
            ),
            models.UniqueConstraint(
                fields=["job", "period"],
                condition=models.Q(outcome="succeeded"),
                name="jobrun_one_success_per_period",
            ),
            models.CheckConstraint(
                name="jobrun_attempt_positive", condition=models.Q(attempt__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period} #{self.attempt} {self.outcome}"

    @property
    def error_line(self) -> str:
        """What went wrong, in one line (the traceback stays in `error`, for the admin)."""
        lines = [line for line in self.error.strip().splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""


class AuditEventPerson(models.Model):
    """Which registered people an event concerns: an index over the chain, written with the
    event and as append-only. Its content is also in the hashed event (`person_public_id`,
    `data["persons"]`), so verification can tell a doctored index from the truth."""

    # Written with its event by the same database function; no constraint to check at
    # commit, under the chain's lock.
    event = models.ForeignKey(
        AuditEvent, on_delete=models.PROTECT, related_name="people", db_constraint=False
    )
    person_public_id = models.UUIDField(_("person"))

    class Meta:
        verbose_name = _("person concerned by an audit event")
        verbose_name_plural = _("people concerned by audit events")
        constraints = [
            models.UniqueConstraint(
                fields=["person_public_id", "event"], name="auditeventperson_once"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.event_id} {self.person_public_id}"
