"""Propagation of blocks to the city's linked systems (issue 12).

Every event that changes what must be blocked writes one `BlockChange` (the snapshot the
change feed serves) and, in the same transaction, one `ConfirmationTask` per active
`LinkedSystem`. Imported by `supportmeasures/models.py`, so these models belong to the
`supportmeasures` app (migrations `supportmeasures/migrations/*propagation_*`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class ConfirmsBy(models.TextChoices):
    HAND = "hand", _("By hand (section staff)")
    API = "api", _("Through the API")


class LinkedSystem(models.Model):
    """A city system that also prints or discloses addresses and must set each block.

    Kept by administrators in the admin (every change audited). Section staff are those
    granted `confirm_for_system` on the system (guardian object permission)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    section = models.CharField(_("section responsible"), max_length=100)
    confirms_by = models.CharField(
        _("confirms"), max_length=10, choices=ConfirmsBy.choices, default=ConfirmsBy.HAND
    )
    api_client = models.ForeignKey(
        "supportmeasures.ApiClient",
        verbose_name=_("API client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linked_systems",
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("linked system")
        verbose_name_plural = _("linked systems")
        permissions = [
            ("confirm_for_system", _("Confirm blocks for the linked system (section staff)")),
        ]
        constraints = [
            models.CheckConstraint(
                name="linkedsystem_api_needs_client",
                condition=~Q(confirms_by="api") | Q(api_client__isnull=False),
            ),
            # One system per API client: a client's confirmation names its system.
            models.UniqueConstraint(fields=["api_client"], name="linkedsystem_one_per_client"),
        ]

    def __str__(self) -> str:
        return self.name


class BlockChangeKind(models.TextChoices):
    REGISTERED = "registered", _("Application registered (provisional block)")
    APPROVED = "approved", _("Decided: measure granted")
    REFUSED = "refused", _("Decided: application refused (block lifted)")
    EXTENDED = "extended", _("Extended")
    PERIOD_CORRECTED = "period_corrected", _("Period corrected")
    ENDED = "ended", _("Ended (block lifted)")
    RELEASED = "released", _("Lapsed measure released (block lifted)")
    COVERAGE_CHANGED = "coverage_changed", _("People or documents covered changed")
    IMPORTED = "imported", _("Imported from the resident register system")
    FORWARD_RECEIVED = "forward_received", _("Forwarded measure received (転送受付)")
    MOVED_OUT = "moved_out", _("Moved out: protected as former address (前住所地)")


class BlockDocument(models.TextChoices):
    """What other systems must refuse, the measure's restricts_* flags as codes."""

    INSPECTION = "inspection", _("Inspection (閲覧)")
    RESIDENT_COPIES = "resident_copies", _("Resident record copies (住民票の写し等)")
    KOSEKI_ATTACHMENT = "koseki_attachment", _("Family register attachment (戸籍の附票の写し)")


class BlockChange(models.Model):
    """One event that changes what the linked systems must block, as they must apply it.

    The snapshot is the whole state after the change (not a diff): `blocks` says whether
    the measure now blocks at all, `persons` who is now restricted, `released_persons` who
    no longer is, `documents` which documents and processes. Persons carry only what other
    systems need to find them (public id, role, name, kana, birth date), never an address.

    `sequence` orders the change feed: on PostgreSQL a deferred constraint trigger assigns
    it at commit under the audit chain's lock (migration *_propagation_sequence_at_commit),
    so sequence order is commit order and a reader paging `sequence > cursor` never skips
    nor repeats; elsewhere (SQLite, one writer) the action assigns max + 1.
    """

    measure = models.ForeignKey(
        "supportmeasures.SupportMeasure",
        verbose_name=_("support measure"),
        on_delete=models.PROTECT,
        related_name="block_changes",
    )
    kind = models.CharField(_("change"), max_length=20, choices=BlockChangeKind.choices)
    effective_from = models.DateField(_("effective from"))
    # The period the block runs to, when it has one (a provisional block has none).
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    blocks = models.BooleanField(_("block in force"))
    # [{"id": public_id, "role": PartyRole, "name", "kana", "birth_date": "YYYY-MM-DD"|null}]
    persons = models.JSONField(_("persons restricted"), default=list)
    released_persons = models.JSONField(_("persons no longer restricted"), default=list)
    documents = models.JSONField(_("documents and processes"), default=list)  # BlockDocument
    created_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        "supportmeasures.Staff", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    sequence = models.BigIntegerField(_("feed sequence"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("block change")
        verbose_name_plural = _("block changes")
        indexes = [models.Index(fields=["measure", "created_at"], name="blockchange_measure")]
        constraints = [
            models.CheckConstraint(
                name="blockchange_lifted_restricts_no_one",
                condition=Q(blocks=True) | Q(persons=[]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.kind} #{self.sequence or '-'}"


class TaskState(models.TextChoices):
    OPEN = "open", _("Not yet confirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    FAILED = "failed", _("Could not be set")
    SUPERSEDED = "superseded", _("Replaced by a later change")


class ConfirmationTask(models.Model):
    """That one linked system has set (or lifted) one change's block.

    Open until the section confirms (by hand or through the API) or reports that it could
    not (failed: escalates at once; a later confirmation still closes it). When a newer
    change of the same measure is recorded, the system's open task for the older one is
    superseded: the newer snapshot is the whole state, confirming it covers both."""

    change = models.ForeignKey(
        BlockChange, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("change")
    )
    system = models.ForeignKey(
        LinkedSystem, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("system")
    )
    due_at = models.DateTimeField(_("due by"))
    state = models.CharField(
        _("state"), max_length=12, choices=TaskState.choices, default=TaskState.OPEN
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "supportmeasures.Staff",
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_via = models.CharField(
        _("confirmed"), max_length=10, choices=ConfirmsBy.choices, blank=True
    )
    confirmed_client = models.ForeignKey(
        "supportmeasures.ApiClient",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    failed_at = models.DateTimeField(_("reported failed at"), null=True, blank=True)
    failed_by = models.ForeignKey(
        "supportmeasures.Staff", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("confirmation task")
        verbose_name_plural = _("confirmation tasks")
        indexes = [
            models.Index(fields=["state", "due_at"], name="task_state_due"),
            models.Index(fields=["system", "state"], name="task_system_state"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["change", "system"], name="task_once_per_system"),
            models.CheckConstraint(
                name="task_confirmed_has_when_and_who",
                condition=~Q(state="confirmed")
                | (
                    Q(confirmed_at__isnull=False)
                    & (
                        Q(confirmed_via="hand", confirmed_by__isnull=False)
                        | Q(confirmed_via="api", confirmed_client__isnull=False)
                    )
                ),
            ),
            models.CheckConstraint(
                name="task_failed_has_when_and_reason",
                condition=~Q(state="failed") | (Q(failed_at__isnull=False) & ~Q(note="")),
            ),
            models.CheckConstraint(
                name="task_superseded_is_closed",
                condition=~Q(state="superseded") | Q(closed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change} → {self.system} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == TaskState.OPEN


# guardian: direct foreign-key permission models (grants die with their system).
class LinkedSystemUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(LinkedSystem, on_delete=models.CASCADE)


class LinkedSystemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(LinkedSystem, on_delete=models.CASCADE)
