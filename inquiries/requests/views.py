"""Pages for document requests: load with one selector, act with one action, map refusals to
messages. Every page is for case staff (clerks and supervisors); anyone else gets a 404, as
does a request outside the user's scope."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from inquiries.requests import actions, rules, selectors
from inquiries.requests import permissions as request_permissions
from inquiries.requests.forms import DisposalForm, IssuanceForm, RequestForm, ReviewForm
from inquiries.requests.models import DocumentRequest, RequestDecision, RequestStatus
from supportmeasures import permissions
from supportmeasures.actions import ActionRefused, NotPermitted
from supportmeasures.models import Staff
from supportmeasures.views import _staff, refused


def _case_staff(request: HttpRequest) -> Staff:
    user = _staff(request)
    if not user.has_role(*permissions.CASE_ROLES):
        raise Http404
    return user


class RequestListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _case_staff(request)
        return render(
            request,
            "requests/list.html",
            {
                "requests": selectors.ward_requests(user=user),
                "has_queue": selectors.has_review_queue(user),
            },
        )


class NewRequestView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        _case_staff(request)
        return render(request, "requests/request_form.html", {"form": RequestForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _case_staff(request)
        form = RequestForm(request.POST)
        if form.is_valid():
            try:
                recorded = actions.record_request(
                    ward=user.ward,
                    by=user,
                    recorded_at=timezone.now(),
                    documents=form.cleaned_data["documents"],
                    channel=form.cleaned_data["channel"],
                    requester=form.requester(),
                    client=form.client(),
                    subjects=form.cleaned_data["subjects"],
                    purpose=form.cleaned_data["purpose"],
                )
            except ActionRefused as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(recorded)
        return render(request, "requests/request_form.html", {"form": form}, status=400)


class ReviewQueueView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _case_staff(request)
        if not selectors.has_review_queue(user):
            raise Http404
        return render(
            request, "requests/queue.html", {"requests": selectors.review_queue(user=user)}
        )


class RequestView(View):
    """Loads the request in scope (404 otherwise) for every method."""

    doc_request: DocumentRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.user = _case_staff(request)
        self.doc_request = selectors.request_for_user(user=self.user, public_id=kwargs["public_id"])
        return super().dispatch(request, *args, **kwargs)

    def page(self, request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
        now = timezone.now()
        doc = self.doc_request
        can = request_permissions.request_actions(self.user, doc, now)
        decision, reasons = request_permissions.current_decision(doc, now)
        context = {
            "doc": doc,
            "can": can,
            "decision": decision,
            "reasons": rules.reason_labels(reasons),
            "computed_reasons": rules.reason_labels(doc.reasons),
            "subjects": list(doc.subjects.order_by("position")),
            "release": request_permissions.valid_release(doc, now),
            "history": selectors.request_history(doc),
            "measures": selectors.measures_for_review(user=self.user, request=doc),
            "issuance_form": IssuanceForm(initial={"place": doc.ward.name if doc.ward else ""}),
            "review_form": ReviewForm(),
            # What to offer instead of the certificate: not once it was issued under this
            # request (the requester has it; the page still refuses another copy).
            "refused": decision == RequestDecision.REFUSE and doc.status != RequestStatus.ISSUED,
            "release_minutes": actions.release_minutes(),
            **extra,
        }
        return render(request, "requests/request_detail.html", context, status=status)


class RequestDetailView(RequestView):
    def get(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        return self.page(request)


class ReviewView(RequestView):
    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        refusal = request_permissions.review_refusal(self.user, self.doc_request, timezone.now())
        if isinstance(refusal, NotPermitted):
            return refused(request, str(refusal))
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                actions.review_request(
                    request=self.doc_request,
                    by=self.user,
                    reviewed_at=timezone.now(),
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                )
            except ActionRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your review is recorded."))
                return redirect(self.doc_request)
        return self.page(request, status=400, review_form=form)


class IssueView(RequestView):
    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        refusal = request_permissions.issue_refusal(self.user, self.doc_request, timezone.now())
        if isinstance(refusal, NotPermitted):
            return refused(request, str(refusal))
        form = IssuanceForm(request.POST)
        if form.is_valid():
            try:
                actions.record_issuance(
                    request=self.doc_request,
                    by=self.user,
                    issued_at=timezone.now(),
                    place=form.cleaned_data["place"],
                    pages=form.cleaned_data["pages"],
                    issue_number=form.cleaned_data["issue_number"],
                )
            except ActionRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("The issuance is recorded; the request is locked again.")
                )
                return redirect(self.doc_request)
        return self.page(request, status=400, issuance_form=form)


class WithdrawView(RequestView):
    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        refusal = request_permissions.withdraw_refusal(self.user, self.doc_request, timezone.now())
        if isinstance(refusal, NotPermitted):
            return refused(request, str(refusal))
        try:
            actions.withdraw_release(
                request=self.doc_request, by=self.user, withdrawn_at=timezone.now()
            )
        except ActionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The temporary release is withdrawn."))
        return redirect(self.doc_request)


class DisposeView(View):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.user = _case_staff(request)
        self.issuance = selectors.issuance_for_user(user=self.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(
            request, "requests/dispose.html", {"issuance": self.issuance, "form": DisposalForm()}
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = DisposalForm(request.POST)
        if form.is_valid():
            try:
                actions.record_disposal(
                    issuance=self.issuance,
                    by=self.user,
                    destroyed_at=timezone.now(),
                    reason=form.cleaned_data["reason"],
                )
            except ActionRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The disposal is recorded."))
                return redirect(self.issuance.request)
        return render(
            request,
            "requests/dispose.html",
            {"issuance": self.issuance, "form": form},
            status=400,
        )
