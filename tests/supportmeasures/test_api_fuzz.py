"""Property-based fuzzing of the screening API against its own served OpenAPI description
(schemathesis, calling the WSGI application directly): bodies that fit the schema and bodies
that do not, with a real client's token. No 5xx, every answer as documented (status, content
type, headers, body schema), and every body the schema refuses refused by the API too."""

from __future__ import annotations

import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from config.wsgi import application
from supportmeasures import actions, wareki
from supportmeasures.models import ConfirmsBy, LinkedSystem
from supportmeasures.openapi import DATE_FORMAT, SCHEMA

# Per operation and generation mode: 2 screening operations × (positive + negative), ping,
# and the change feed's two (reading, confirming).
EXAMPLES = 60


@pytest.fixture
def same_connection():
    """Calls through the WSGI app share the test's connection and transaction, as Django's
    test client arranges: a request's end must not close it."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(autouse=True)
def wsgi_calls(db, settings, same_connection):
    # schemathesis calls the app as http://localhost; the fuzzing is about input, not about
    # the rate limit (tests/supportmeasures/test_throttle.py), so one client may send them all.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.MAMORI_SCREENING_LIMIT_CLIENT = 1_000_000
    settings.MAMORI_SCREENING_PEOPLE_CLIENT = 1_000_000_000


@pytest.fixture
def token(now) -> str:
    client, token = actions.create_api_client(name="fuzz", acting_user=None, created_at=now)
    # The client of a linked system, so the change feed answers it too (docs/propagation.md).
    LinkedSystem.objects.filter(code="tax").update(confirms_by=ConfirmsBy.API, api_client=client)
    return token


@st.composite
def birth_dates(draw: st.DrawFn) -> str:
    """What the schema's date format means: a past day, written in ISO or in 和暦."""
    day = draw(st.dates(datetime.date(1900, 1, 1), datetime.date.today() - datetime.timedelta(1)))
    return draw(st.sampled_from([day.isoformat(), wareki.format_wareki(day)]))


schemathesis.openapi.format(DATE_FORMAT, birth_dates())

# The description the app serves at /api/v1/schema (test_api.py checks they are equal), called
# through the WSGI application itself. Loaded at collection, before any database exists.
schema = schemathesis.openapi.from_dict(SCHEMA)
schema.app = application
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
    database="none",
)


@schema.parametrize()
@hypothesis_settings(
    deadline=None,
    # One token and one registry for all of a test's examples: they only read and append.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_documented(case, token, x, y):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
