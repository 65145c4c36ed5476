"""How much one member of staff or one API client may screen (docs/security.md).

Two fixed windows per screener, counted in the cache (Redis in production: INCRBY and
EXPIRE in one round trip, atomic, so concurrent requests cannot both take the last place):

- **screenings**: each search, mailing list or API call (single or batch) counts one, so a
  screener cannot hammer the registry (`MAMORI_SCREENING_LIMIT_*` per
  `MAMORI_SCREENING_WINDOW_SECONDS`);
- **people**: each person screened counts one, so nobody screens the whole city in
  10,000-row batches (`MAMORI_SCREENING_PEOPLE_*` per
  `MAMORI_SCREENING_PEOPLE_WINDOW_SECONDS`).

Every entry point goes through `actions.screen_people`, which asks `take` first: the search
page, the mailing-list upload, and the API's single and batch endpoints.

The request that first goes over a limit in its window, and only that one, is an audit event:
the counts are atomic, so exactly one request crosses each limit, and a flood of refused
requests writes one event per screener, limit and window.
If the cache cannot be reached, screening goes on (logged): the limits protect the audit
log and the registry from a flood, and a clerk who cannot screen would be less safe, not
more.
"""

from __future__ import annotations

import datetime
import logging
import math
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext as _

from supportmeasures.refusals import ActionRefused

logger = logging.getLogger(__name__)


class Counts(StrEnum):
    SCREENINGS = "screenings"
    PEOPLE = "people"


@dataclass(frozen=True)
class Rate:
    counts: Counts
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    rate: Rate  # the limit that refused (the first one when allowed)
    window_starts_at: datetime.datetime
    retry_after: int  # seconds until that window ends
    first_refusal: bool  # this request went over the limit first in its window: record it


class ScreeningThrottled(ActionRefused):
    """Too much screening in the window: the API answers 429, the pages a 429 page."""

    def __init__(self, verdict: Verdict) -> None:
        values = {
            "limit": verdict.rate.limit,
            "seconds": verdict.rate.window_seconds,
            "retry": verdict.retry_after,
        }
        if verdict.rate.counts == Counts.PEOPLE:
            message = _(
                "Too many people screened: at most %(limit)d in %(seconds)d seconds. "
                "Try again in %(retry)d seconds."
            )
        else:
            message = _(
                "Too many screenings: at most %(limit)d in %(seconds)d seconds. "
                "Try again in %(retry)d seconds."
            )
        super().__init__(message % values)
        self.verdict = verdict


def rates_for(*, client: bool) -> tuple[Rate, Rate]:
    """The limits for an API client, or for a member of staff, from the settings."""
    return (
        Rate(
            Counts.SCREENINGS,
            settings.MAMORI_SCREENING_LIMIT_CLIENT
            if client
            else settings.MAMORI_SCREENING_LIMIT_STAFF,
            settings.MAMORI_SCREENING_WINDOW_SECONDS,
        ),
        Rate(
            Counts.PEOPLE,
            settings.MAMORI_SCREENING_PEOPLE_CLIENT
            if client
            else settings.MAMORI_SCREENING_PEOPLE_STAFF,
            settings.MAMORI_SCREENING_PEOPLE_WINDOW_SECONDS,
        ),
    )


@dataclass(frozen=True)
class _Window:
    rate: Rate
    key: str
    cost: int
    starts_at: datetime.datetime
    retry_after: int
    ttl: int


def _window(screener: str, rate: Rate, cost: int, at: datetime.datetime) -> _Window:
    seconds = max(rate.window_seconds, 1)
    index = math.floor(at.timestamp()) // seconds
    starts_at = datetime.datetime.fromtimestamp(index * seconds, tz=datetime.UTC)
    return _Window(
        rate=rate,
        key=f"mamori:screening-rate:{screener}:{rate.counts}:{seconds}:{index}",
        cost=cost,
        starts_at=starts_at,
        retry_after=max(1, math.ceil(starts_at.timestamp() + seconds - at.timestamp())),
        # A key is never read after its window: it only has to outlive it.
        ttl=seconds * 2 + 60,
    )


def take(*, screener: str, rates: tuple[Rate, ...], people: int, at: datetime.datetime) -> Verdict:
    """Count one screening of `people` people by `screener` ("staff:12", "client:3")."""
    windows = [
        _window(screener, rate, 1 if rate.counts == Counts.SCREENINGS else people, at)
        for rate in rates
    ]
    try:
        counts = _increment(windows)
    except Exception:  # the cache is down: screen, and say so in the log
        logger.exception("Screening rate limit not checked: the cache is unreachable")
        first = windows[0]
        return Verdict(True, first.rate, first.starts_at, first.retry_after, False)
    over = [(w, n) for w, n in zip(windows, counts, strict=True) if n > w.rate.limit]
    if not over:
        first = windows[0]
        return Verdict(True, first.rate, first.starts_at, first.retry_after, False)
    window, _count = max(over, key=lambda pair: pair[0].retry_after)
    # Atomic counts: exactly one request in a window goes from within the limit to over it.
    crossed = any(n - w.cost <= w.rate.limit for w, n in over)
    return Verdict(False, window.rate, window.starts_at, window.retry_after, crossed)


def _increment(windows: list[_Window]) -> list[int]:
    """Add each window's cost to its counter and return the new counts."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):  # one round trip for every counter
        keys = [backend.make_and_validate_key(w.key) for w in windows]
        client = backend._cache.get_client(keys[0], write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline(transaction=False)
        for key, w in zip(keys, windows, strict=True):
            pipe.incrby(key, w.cost)
            pipe.expire(key, w.ttl)
        return [int(n) for n in pipe.execute()[::2]]
    # Another backend (the demo's local memory): add, then incr under its own lock.
    counts = []
    for w in windows:
        cache.add(w.key, 0, w.ttl)
        counts.append(int(cache.incr(w.key, w.cost)))
    return counts
