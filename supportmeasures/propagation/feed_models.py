"""The change feed's per-client state (issue 12): when each API client last read the feed,
how far it has been served, and whether it is in a stale episode.

Imported by `supportmeasures/models.py` (the `supportmeasures` app; migrations
`supportmeasures/migrations/*feed_*`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FeedReader(models.Model):
    """One API client's reading of the change feed.

    `served_through` is the highest sequence the feed has served it (the largest `next` it was
    given); the changes after it wait for the client. `stale_since` is set by the job
    `watch-change-feed` when the client has not read within the allowed time while changes
    wait (one `FEED_STALE` per episode) and cleared by the client's next read."""

    client = models.OneToOneField(
        "supportmeasures.ApiClient",
        verbose_name=_("API client"),
        on_delete=models.PROTECT,
        related_name="feed_reader",
    )
    last_read_at = models.DateTimeField(_("last read at"), null=True, blank=True)
    last_after = models.BigIntegerField(_("last cursor asked from"), default=0)
    served_through = models.BigIntegerField(_("served through sequence"), default=0)
    stale_since = models.DateTimeField(_("stale since"), null=True, blank=True)

    class Meta:
        verbose_name = _("change feed reader")
        verbose_name_plural = _("change feed readers")
        constraints = [
            models.CheckConstraint(
                name="feedreader_cursors_not_negative",
                condition=Q(last_after__gte=0) & Q(served_through__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.served_through}"
