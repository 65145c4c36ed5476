"""Forwarding between municipalities (転送, 転送受付) and moves out of the city (issue 12).

- `Forwarding`: the ward that first received an application forwards it to the municipalities
  that also hold the person's records (本籍地, 前住所地, 転出先). Each forwarding is a task: the
  receiving side's reply, recorded by the clerk, confirms it; unreplied past its deadline it
  escalates like a linked system's confirmation.
- `ForwardReceipt`: a measure registered from an application forwarded by another
  municipality (転送受付), in force at once with the period the origin decided.
- `MoveOut`: the protected resident moved out of the city; the measure continues as 前住所地
  protection, provisional (spec 3.4), and is forwarded to the new municipality.

Imported by `supportmeasures/models.py` (migrations `supportmeasures/migrations/*forwarding_*`).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# 全国地方公共団体コード: five digits and a check digit (the sixth is often left out).
MUNICIPALITY_CODE = RegexValidator(
    r"^[0-9]{5,6}$", _("Enter the local government code: 5 or 6 digits (e.g. 131016).")
)


class ForwardingRelation(models.TextChoices):
    DOMICILE = "domicile", _("Registered domicile (本籍地)")
    FORMER_ADDRESS = "former_address", _("Former address (前住所地)")
    DESTINATION = "destination", _("New address after moving out (転出先)")


class Forwarding(models.Model):
    """One application forwarded to one municipality, and its reply."""

    measure = models.ForeignKey(
        "supportmeasures.SupportMeasure",
        verbose_name=_("support measure"),
        on_delete=models.PROTECT,
        related_name="forwardings",
    )
    relation = models.CharField(
        _("forwarded as"), max_length=20, choices=ForwardingRelation.choices
    )
    municipality_name = models.CharField(_("municipality"), max_length=100)
    municipality_code = models.CharField(
        _("local government code"), max_length=6, validators=[MUNICIPALITY_CODE]
    )
    forwarded_on = models.DateField(_("forwarded on"))
    due_at = models.DateTimeField(_("reply due by"))
    recorded_by = models.ForeignKey(
        "supportmeasures.Staff", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    replied_on = models.DateField(_("reply received on"), null=True, blank=True)
    reply_note = models.CharField(_("reply"), max_length=500, blank=True)
    reply_recorded_by = models.ForeignKey(
        "supportmeasures.Staff", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reply_recorded_at = models.DateTimeField(_("reply recorded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("forwarding")
        verbose_name_plural = _("forwardings")
        indexes = [models.Index(fields=["replied_on", "due_at"], name="forwarding_open_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "relation", "municipality_code"],
                name="forwarding_once_per_municipality",
            ),
            models.CheckConstraint(
                name="forwarding_reply_complete",
                condition=Q(
                    replied_on__isnull=True,
                    reply_recorded_by__isnull=True,
                    reply_recorded_at__isnull=True,
                )
                | Q(
                    replied_on__isnull=False,
                    reply_recorded_by__isnull=False,
                    reply_recorded_at__isnull=False,
                ),
            ),
            models.CheckConstraint(
                name="forwarding_code_digits",
                condition=Q(municipality_code__regex=r"^[0-9]{5,6}$"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} → {self.municipality_name} ({self.relation})"

    @property
    def is_replied(self) -> bool:
        return self.replied_on is not None


class ForwardReceipt(models.Model):
    """A measure registered from another municipality's forwarded application (転送受付)."""

    measure = models.OneToOneField(
        "supportmeasures.SupportMeasure",
        verbose_name=_("support measure"),
        on_delete=models.PROTECT,
        related_name="forward_receipt",
    )
    origin_name = models.CharField(_("forwarded by (municipality)"), max_length=100)
    origin_code = models.CharField(
        _("local government code"), max_length=6, validators=[MUNICIPALITY_CODE]
    )
    origin_forwarded_on = models.DateField(_("forwarded on"))
    received_on = models.DateField(_("received on"))
    # Spec 1.1.16: the origin had not confirmed the need for support; the date the applicant
    # was told so.
    need_confirmed = models.BooleanField(_("the origin confirmed the need for support"))
    applicant_notified_on = models.DateField(
        _("applicant notified on (need not confirmed)"), null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        "supportmeasures.Staff", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("forwarded application received")
        verbose_name_plural = _("forwarded applications received")
        constraints = [
            models.CheckConstraint(
                name="forwardreceipt_notified_only_if_unconfirmed",
                condition=Q(need_confirmed=False) | Q(applicant_notified_on__isnull=True),
            ),
            models.CheckConstraint(
                name="forwardreceipt_code_digits",
                condition=Q(origin_code__regex=r"^[0-9]{5,6}$"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} ← {self.origin_name}"


class MoveOut(models.Model):
    """The protected resident moved out of the city: protection continues as the former
    address (前住所地), provisional, and the measure is forwarded to the new municipality."""

    measure = models.OneToOneField(
        "supportmeasures.SupportMeasure",
        verbose_name=_("support measure"),
        on_delete=models.PROTECT,
        related_name="move_out",
    )
    moved_out_on = models.DateField(_("moved out on"))
    previous_status = models.CharField(_("status before the move"), max_length=20)
    forwarding = models.OneToOneField(
        Forwarding, on_delete=models.PROTECT, related_name="move_out", verbose_name=_("forwarding")
    )
    recorded_by = models.ForeignKey(
        "supportmeasures.Staff", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("move out of the city")
        verbose_name_plural = _("moves out of the city")

    def __str__(self) -> str:
        return f"{self.measure} moved out {self.moved_out_on}"
