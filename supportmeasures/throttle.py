"""How often one member of staff or one API client may screen people (docs/security.md).

A fixed window per screener, counted in the cache (Redis in production: one atomic INCR per
screening, so concurrent requests cannot both take the last place). Every entry point goes
through `actions.screen_people`, which asks `take` first: the search page, the mailing-list
upload, and the API's single and batch endpoints. A batch or a mailing list counts as one
screening (it is bounded by its 10,000 rows).

The first refusal in a window, and only that one, is an audit event: the count is atomic,
so exactly one request sees limit + 1, and a flood of refused requests writes one event per
screener per window.
If the cache cannot be reached, screening goes on (logged): the limit protects the audit
log and the registry from a flood, and a clerk who cannot screen would be less safe, not
more.
"""

from __future__ import annotations

import datetime
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext as _

from supportmeasures.refusals import ActionRefused

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rate:
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    rate: Rate
    window_starts_at: datetime.datetime
    retry_after: int  # seconds until the window ends
    first_refusal: bool  # the window's first refused request: record it, once


class ScreeningThrottled(ActionRefused):
    """Too many screenings in the window: the API answers 429, the pages a 429 page."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(
            _(
                "Too many screenings: at most %(limit)d in %(seconds)d seconds. "
                "Try again in %(retry)d seconds."
            )
            % {
                "limit": verdict.rate.limit,
                "seconds": verdict.rate.window_seconds,
                "retry": verdict.retry_after,
            }
        )
        self.verdict = verdict


def rate_for(*, client: bool) -> Rate:
    """The limit for an API client, or for a member of staff, from the settings."""
    return Rate(
        limit=settings.MAMORI_SCREENING_LIMIT_CLIENT
        if client
        else settings.MAMORI_SCREENING_LIMIT_STAFF,
        window_seconds=settings.MAMORI_SCREENING_WINDOW_SECONDS,
    )


def take(*, screener: str, rate: Rate, at: datetime.datetime) -> Verdict:
    """Count one screening by `screener` ("staff:12", "client:3") at `at`."""
    window = max(rate.window_seconds, 1)
    index = math.floor(at.timestamp()) // window
    starts_at = datetime.datetime.fromtimestamp(index * window, tz=datetime.UTC)
    retry_after = max(1, math.ceil((starts_at.timestamp() + window) - at.timestamp()))
    key = f"mamori:screening-rate:{screener}:{window}:{index}"
    try:
        count = _increment(key, ttl=window * 2 + 60)
    except Exception:  # the cache is down: screen, and say so in the log
        logger.exception("Screening rate limit not checked: the cache is unreachable")
        return Verdict(True, rate, starts_at, retry_after, False)
    # INCR is atomic: exactly one request sees the first count over the limit.
    return Verdict(count <= rate.limit, rate, starts_at, retry_after, count == rate.limit + 1)


def _increment(key: str, *, ttl: int) -> int:
    """Add one to the window's counter and return it. A key is never read after its window,
    so it only has to outlive it (ttl). Redis: INCR and EXPIRE in one round trip."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        full = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full, write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline(transaction=False)
        pipe.incr(full)
        pipe.expire(full, ttl)
        count, _ = pipe.execute()
        return int(count)
    # Another backend (the demo's local memory): add, then incr under its own lock.
    cache.add(key, 0, ttl)
    return int(cache.incr(key))
