"""The change feed's readers in the admin: read only (the feed and the job write them).

Where an administrator told of a stale reader (`watch-change-feed`) sees when each linked
system's client last read the feed, how far it has been served and since when it is stale.
Registered from `supportmeasures/admin.py`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from supportmeasures import permissions
from supportmeasures.propagation.feed_models import FeedReader


@admin.register(FeedReader)
class FeedReaderAdmin(admin.ModelAdmin):
    list_display = ("client", "last_read_at", "last_after", "served_through", "stale_since")
    list_filter = (("stale_since", admin.EmptyFieldListFilter),)
    ordering = ("client__name",)
    readonly_fields = ("client", "last_read_at", "last_after", "served_through", "stale_since")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.may_manage_accounts(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.may_manage_accounts(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
