"""What the registry announces to the floors above it, which it does not know.

See docs/architecture.md.

- `registry_changed`: sent after a registration or an import commits (no arguments). The
  inquiries app re-screens its open inquiries (inquiries/apps.py); its hourly sweep is the
  safety net when the announcement is lost (no broker).
- `notice_requested`: the registry has something to tell staff (a reminder, a to-do). Sent
  inside the act's transaction with `recipients` (staff), `subject`, `body`, `url`,
  `critical` and `now`; the notices' owner (inquiries/apps.py) writes them in that same
  transaction. Use `tell`, which refuses to run when nobody would write the notice.
- `demo_loaded`: `seed_demo` has loaded the demo cast; sent with `staff` (username → Staff)
  and `now`, so the floors above add their own demo records (inquiries/apps.py: document
  requests).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.dispatch import Signal

if TYPE_CHECKING:
    from supportmeasures.models import Staff

logger = logging.getLogger(__name__)

registry_changed = Signal()
notice_requested = Signal()
demo_loaded = Signal()

SENDER = "supportmeasures"


def announce_registry_changed() -> None:
    """After the current transaction commits, tell whoever listens that the registry changed.
    A listener that fails is logged; the registry's act never fails for it."""

    def send() -> None:
        for receiver, result in registry_changed.send_robust(sender=SENDER):
            if isinstance(result, Exception):
                logger.warning(
                    "registry_changed: %r failed", receiver, exc_info=(type(result), result, None)
                )

    transaction.on_commit(send)


def tell(
    recipients: Iterable[Staff],
    *,
    subject: str,
    body: str,
    url: str,
    critical: bool,
    now: datetime.datetime,
) -> None:
    """Have `recipients` told, in the current transaction (so a reminder recorded as sent is
    sent). Fails closed: without a listener the act fails rather than tell nobody."""
    if not notice_requested.has_listeners(SENDER):
        raise ImproperlyConfigured("Nothing receives supportmeasures.signals.notice_requested.")
    notice_requested.send(
        sender=SENDER,
        recipients=list(recipients),
        subject=subject,
        body=body,
        url=url,
        critical=critical,
        now=now,
    )
