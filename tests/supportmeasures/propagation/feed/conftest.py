"""Fixtures of the change feed: a linked system that reads and confirms through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from supportmeasures import actions
from supportmeasures.models import ApiClient, ConfirmsBy, LinkedSystem


@pytest.fixture
def make_feed_client(db: None, now: Any) -> Callable[..., tuple[ApiClient, str]]:
    """An API client made the client of a linked system (tax, unless `code` says)."""

    def make(code: str = "tax", name: str = "税務システム") -> tuple[ApiClient, str]:
        client, token = actions.create_api_client(name=name, acting_user=None, created_at=now)
        system, _ = LinkedSystem.objects.get_or_create(
            code=code, defaults={"name": code, "section": "課", "order": 999}
        )
        system.confirms_by = ConfirmsBy.API
        system.api_client = client
        system.is_active = True
        system.save()
        return client, token

    return make


@pytest.fixture
def feed_token(make_feed_client: Callable[..., tuple[ApiClient, str]]) -> str:
    return make_feed_client()[1]


@pytest.fixture
def api() -> Callable[[str], Client]:
    def api(token: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {token}"})

    return api
