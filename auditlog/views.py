import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from auditlog import selectors
from auditlog.models import EventKind
from auditlog.verification import verify_chain
from supportmeasures.models import Staff


class EventListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        assert isinstance(user, Staff)
        before = request.GET.get("before", "")
        person = request.GET.get("person", "")
        try:
            person = str(uuid.UUID(person)) if person else ""
        except ValueError:
            person = ""
        events = selectors.events_page(
            user=user,
            before=int(before) if before.isdigit() else None,
            kind=request.GET.get("kind", "") if request.GET.get("kind") in EventKind.values else "",
            person=person,
            measure=request.GET.get("measure", "")[:40],
        )
        return render(
            request,
            "auditlog/events.html",
            {
                "events": events,
                "kinds": EventKind.choices,
                "next_before": events[-1].sequence if len(events) == selectors.PAGE_SIZE else None,
                "chain": verify_chain() if request.GET.get("verify") else None,
            },
        )
