"""Views: load with one selector, act with one action, map refusals to messages."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from inquiries import actions, guard, risk, selectors
from inquiries import permissions as plan_permissions
from inquiries.forms import (
    AcknowledgeContactForm,
    AcknowledgeInquiryForm,
    AnswerForm,
    ContactRecordForm,
    InquiryForm,
    PlanForm,
    RaiseStatusForm,
    ReasonForm,
    SignOffForm,
)
from inquiries.models import ContactPlan, Inquiry
from supportmeasures import permissions
from supportmeasures.actions import ActionRefused
from supportmeasures.models import Role, Staff
from supportmeasures.views import _staff


def _case_staff(request: HttpRequest) -> Staff:
    user = _staff(request)
    if not plan_permissions.may_use_inquiries(user):
        raise Http404
    return user


def _reader(request: HttpRequest) -> Staff:
    """Case staff, or an auditor (who reads, never acts)."""
    user = _staff(request)
    if not user.has_role(*permissions.CASE_ROLES, Role.AUDITOR):
        raise Http404
    return user


def _refused(request: HttpRequest, exc: ActionRefused, to: Any) -> HttpResponse:
    messages.error(request, str(exc))
    return redirect(to)


class ListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _case_staff(request)
        return render(
            request,
            "inquiries/list.html",
            {
                "inbox": selectors.inbox(user=user),
                "outbox": selectors.outbox(user=user),
                "plans": selectors.plans_of_ward(user=user),
                "has_queue": plan_permissions.has_approver_queue(user),
            },
        )


class NewInquiryView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _case_staff(request)
        return render(
            request, "inquiries/inquiry_form.html", {"form": InquiryForm(from_ward=user.ward)}
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _case_staff(request)
        form = InquiryForm(request.POST, from_ward=user.ward)
        if form.is_valid():
            data = form.cleaned_data
            try:
                inquiry = actions.create_inquiry(
                    acting_user=user,
                    to_ward=data["to_ward"],
                    to_department=data["to_department"],
                    subject_name=data["subject_name"],
                    subject_kana=data["subject_kana"],
                    subject_birth_date=data["subject_birth_date"],
                    question=data["question"],
                    reason=data["reason"],
                    urgency=data["urgency"],
                    raised_status=data["raised_status"] or "none",
                    raised_reason=data["raised_reason"],
                    created_at=timezone.now(),
                )
            except ActionRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Inquiry drafted. A supervisor must sign it off before it is sent.")
                )
                return redirect(inquiry)
        return render(request, "inquiries/inquiry_form.html", {"form": form}, status=400)


class InquiryView(View):
    """Loads the inquiry in scope (404 otherwise) for every method."""

    inquiry: Inquiry
    # Which side's page this is: "sending", "receiving", or "" for both. The other side gets
    # a 404 for every method, as for an inquiry it may not see.
    side = ""

    # Auditors may read the inquiry (InquiryDetailView), never act on it.
    auditors_read = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.user = _reader(request) if self.auditors_read else _case_staff(request)
        self.inquiry = selectors.inquiry_for_user(user=self.user, public_id=kwargs["public_id"])
        self.receiving = plan_permissions.is_receiving(self.user, self.inquiry)
        self.sending = plan_permissions.is_sending(self.user, self.inquiry)
        if (self.side == "sending" and not self.sending) or (
            self.side == "receiving" and not self.receiving
        ):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def must_acknowledge(self) -> bool:
        return plan_permissions.must_acknowledge(self.user, self.inquiry)


class InquiryDetailView(InquiryView):
    auditors_read = True

    def get(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        if self.must_acknowledge():
            return redirect("inquiries:acknowledge", public_id=public_id)
        now = timezone.now()
        can = plan_permissions.inquiry_actions(self.user, self.inquiry, now)
        if can.auditing:
            actions.record_audit_reading(acting_user=self.user, inquiry=self.inquiry, read_at=now)
        else:  # a flagged inquiry tells where its person was: each reading is recorded
            actions.record_flagged_reading(acting_user=self.user, inquiry=self.inquiry, read_at=now)
        response = render(
            request,
            "inquiries/inquiry_detail.html",
            {
                "inquiry": self.inquiry,
                "can": can,
                "auditing": can.auditing,
                "raise_form": RaiseStatusForm(current=self.inquiry.protected_status),
                "plans": list(self.inquiry.plans.order_by("-created_at")),
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class InquiryPrintView(InquiryView):
    """The printed inquiry (spec 10.2 print log): POST only, the rules of the inquiry's page
    (scope 404, acknowledgement first); the print is an audit event, the page says who printed
    it and when."""

    auditors_read = True

    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        printed_at = timezone.now()
        try:
            actions.print_inquiry(
                inquiry=self.inquiry, acting_user=self.user, printed_at=printed_at
            )
        except ActionRefused as exc:
            messages.warning(request, str(exc))
            return redirect("inquiries:acknowledge", public_id=public_id)
        response = render(
            request,
            "inquiries/inquiry_print.html",
            {
                "inquiry": self.inquiry,
                "can": plan_permissions.inquiry_actions(self.user, self.inquiry, printed_at),
                "printed_at": printed_at,
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class AcknowledgeView(InquiryView):
    side = "receiving"

    def get(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        return render(
            request,
            "inquiries/acknowledge.html",
            {"inquiry": self.inquiry, "form": AcknowledgeInquiryForm()},
        )

    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        form = AcknowledgeInquiryForm(request.POST)
        if not form.is_valid():
            return render(
                request,
                "inquiries/acknowledge.html",
                {"inquiry": self.inquiry, "form": form},
                status=400,
            )
        actions.acknowledge_inquiry(
            inquiry=self.inquiry, acting_user=self.user, acknowledged_at=timezone.now()
        )
        return redirect(self.inquiry)


class SignOffView(InquiryView):
    """The sign-off page puts the protected status first. Only the sending ward has one:
    the receiving ward reads the content only after its acknowledgement, never from here."""

    side = "sending"

    def get(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        actions.record_flagged_reading(
            acting_user=self.user, inquiry=self.inquiry, read_at=timezone.now(), page="sign_off"
        )
        return render(
            request,
            "inquiries/sign_off.html",
            {"inquiry": self.inquiry, "form": SignOffForm(), "refuse_form": ReasonForm()},
        )

    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        try:
            if "refuse" in request.POST:
                refuse_form = ReasonForm(request.POST)
                if not refuse_form.is_valid():
                    raise ActionRefused(_("Say why the inquiry is refused."))
                actions.refuse_inquiry(
                    inquiry=self.inquiry,
                    acting_user=self.user,
                    reason=refuse_form.cleaned_data["reason"],
                    refused_at=timezone.now(),
                )
                messages.success(request, _("The inquiry was refused."))
            else:
                form = SignOffForm(request.POST)
                actions.sign_off_inquiry(
                    inquiry=self.inquiry,
                    acting_user=self.user,
                    confirmed_minimal=form.is_valid(),
                    signed_at=timezone.now(),
                )
                messages.success(request, _("Signed off: the inquiry was sent."))
        except ActionRefused as exc:
            # The page is shown again with the inquiry's content: a reading like any other.
            actions.record_flagged_reading(
                acting_user=self.user, inquiry=self.inquiry, read_at=timezone.now(), page="sign_off"
            )
            return render(
                request,
                "inquiries/sign_off.html",
                {
                    "inquiry": self.inquiry,
                    "form": SignOffForm(request.POST),
                    "refuse_form": ReasonForm(),
                    "error": str(exc),
                },
                status=403,
            )
        return redirect(self.inquiry)


class RaiseStatusView(InquiryView):
    side = "sending"

    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        form = RaiseStatusForm(request.POST, current=self.inquiry.protected_status)
        try:
            if not form.is_valid():
                raise ActionRefused(_("Choose a status and say why."))
            actions.raise_inquiry_status(
                inquiry=self.inquiry,
                acting_user=self.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                raised_at=timezone.now(),
            )
        except ActionRefused as exc:
            return _refused(request, exc, self.inquiry)
        messages.success(request, _("The status was raised; both wards were alerted."))
        return redirect(self.inquiry)


class AnswerView(InquiryView):
    side = "receiving"

    def get(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        if self.must_acknowledge():
            return redirect("inquiries:acknowledge", public_id=public_id)
        actions.record_flagged_reading(
            acting_user=self.user, inquiry=self.inquiry, read_at=timezone.now(), page="answer"
        )
        return render(
            request,
            "inquiries/answer.html",
            {"inquiry": self.inquiry, "form": AnswerForm(initial={"answer": self.inquiry.answer})},
        )

    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        # The form shown again carries the question: acknowledged first, and recorded.
        if self.must_acknowledge():
            return redirect("inquiries:acknowledge", public_id=public_id)
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                actions.answer_inquiry(
                    inquiry=self.inquiry,
                    acting_user=self.user,
                    answer=form.cleaned_data["answer"],
                    answered_at=timezone.now(),
                )
            except ActionRefused as exc:
                return _refused(request, exc, self.inquiry)
            messages.success(request, _("Answer drafted. A supervisor must sign it off."))
            return redirect(self.inquiry)
        actions.record_flagged_reading(
            acting_user=self.user, inquiry=self.inquiry, read_at=timezone.now(), page="answer"
        )
        return render(
            request, "inquiries/answer.html", {"inquiry": self.inquiry, "form": form}, status=400
        )


class SignOffAnswerView(InquiryView):
    side = "receiving"

    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        try:
            actions.sign_off_answer(
                inquiry=self.inquiry, acting_user=self.user, signed_at=timezone.now()
            )
        except ActionRefused as exc:
            return _refused(request, exc, self.inquiry)
        messages.success(request, _("The answer was signed off and released."))
        return redirect(self.inquiry)


def _plan_fields(form: PlanForm, inquiry: Inquiry | None) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["inquiry"] = inquiry
    return data


class PlanFormView(View):
    """New plan (optionally for an inquiry) or change of one; "check" shows the guard's
    findings without saving."""

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.plan: ContactPlan | None = None
        self.inquiry: Inquiry | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.user = _case_staff(request)
        if "public_id" in kwargs:
            self.plan = selectors.plan_for_user(user=self.user, public_id=kwargs["public_id"])
            if self.plan.author_id != self.user.pk:
                raise Http404
            self.inquiry = self.plan.inquiry
        elif request.GET.get("inquiry"):
            try:
                self.inquiry = selectors.inquiry_for_user(
                    user=self.user, public_id=uuid.UUID(request.GET["inquiry"])
                )
            except ValueError as exc:
                raise Http404 from exc
        inquiry = self.inquiry
        # The form shows the inquiry's person: the receiving ward acknowledges first.
        if inquiry is not None and plan_permissions.must_acknowledge(self.user, inquiry):
            return redirect("inquiries:acknowledge", public_id=inquiry.public_id)
        return super().dispatch(request, *args, **kwargs)

    def initial(self) -> dict[str, Any]:
        if self.plan is not None:
            return {f: getattr(self.plan, f) for f in PlanForm.base_fields}
        if self.inquiry is not None:
            return {
                "matter_name": self.inquiry.subject_name,
                "matter_kana": self.inquiry.subject_kana,
                "matter_birth_date": self.inquiry.subject_birth_date,
            }
        return {}

    def render_form(
        self, form: PlanForm, preview: ContactPlan | None = None, status: int = 200
    ) -> HttpResponse:
        return render(
            request=self.request,
            template_name="inquiries/plan_form.html",
            context={
                "form": form,
                "plan": self.plan,
                "inquiry": self.inquiry,
                "preview": preview,
                "pieces": guard.highlight(preview.wording, preview.findings) if preview else [],
                "preview_reasons": risk.explain(preview.risk_reasons) if preview else [],
            },
            status=status,
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render_form(PlanForm(initial=self.initial()))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = PlanForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        fields = _plan_fields(form, self.inquiry)
        if "check" in request.POST:
            preview = ContactPlan(acting_ward=self.user.ward, author=self.user, **fields)
            actions.assess(preview)
            return self.render_form(form, preview)
        try:
            if self.plan is None:
                plan = actions.create_plan(
                    acting_user=self.user, created_at=timezone.now(), **fields
                )
            else:
                plan = actions.update_plan(
                    plan=self.plan, acting_user=self.user, updated_at=timezone.now(), **fields
                )
        except ActionRefused as exc:
            form.add_error(None, str(exc))
            return self.render_form(form, status=400)
        if self.plan is None:
            message = _("Plan recorded: risk %(risk)s.")
        else:  # update_plan withdrew any approvals: say so, the author must not think it stands
            message = _("Plan changed: risk %(risk)s. It waits for a supervisor's approval again.")
        messages.success(request, message % {"risk": plan.get_risk_display()})
        return redirect(plan)


class PlanView(View):
    plan: ContactPlan
    # Auditors may read a plan (PlanDetailView), never act on it.
    auditors_read = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.user = _reader(request) if self.auditors_read else _case_staff(request)
        self.plan = selectors.plan_for_user(user=self.user, public_id=kwargs["public_id"])
        return super().dispatch(request, *args, **kwargs)


class PlanDetailView(PlanView):
    auditors_read = True

    def get(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        now = timezone.now()
        auditing = not self.user.has_role(*permissions.CASE_ROLES)
        if auditing:
            actions.record_audit_reading(acting_user=self.user, plan=self.plan, read_at=now)
        can = plan_permissions.plan_actions(self.user, self.plan, now)
        record = getattr(self.plan, "record", None)
        response = render(
            request,
            "inquiries/plan_detail.html",
            {
                "plan": self.plan,
                "can": can,
                "auditing": auditing,
                "approved_now": plan_permissions.is_approved_now(self.plan, now),
                "reasons": risk.explain(self.plan.risk_reasons),
                "pieces": guard.highlight(self.plan.wording, self.plan.findings),
                "findings": [guard.Finding(**f) for f in self.plan.findings],
                "approvals": list(self.plan.approvals.select_related("approver").order_by("pk")),
                "valid": actions.valid_approvals(self.plan, now),
                "record": record,
                "said_findings": [guard.Finding(**f) for f in record.findings_beyond_plan]
                if record
                else [],
                "refuse_form": ReasonForm(),
                "record_form": ContactRecordForm(),
                "review_form": ReasonForm(),
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class PlanContactView(PlanView):
    """The contact a plan will use, when it may be a protected resident's: a warning to
    confirm first, then the contact, each look recorded; never cached."""

    def get(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        if not plan_permissions.contact_is_protected(self.plan):
            return redirect(self.plan)
        return self.page(AcknowledgeContactForm())

    def page(
        self, form: AcknowledgeContactForm, contact: str = "", status: int = 200
    ) -> HttpResponse:
        today = timezone.localdate()
        response = render(
            self.request,
            "inquiries/plan_contact.html",
            {
                "plan": self.plan,
                "form": form,
                "contact": contact,
                # Those who would be refused are told so at once, not after confirming.
                "may_see": plan_permissions.may_see_contact(self.user, self.plan, today),
                "must_act": plan_permissions.must_act_on(self.user, self.plan),
            },
            status=status,
        )
        response["Cache-Control"] = "no-store"
        return response

    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        form = AcknowledgeContactForm(request.POST)
        try:
            contact = actions.reveal_plan_contact(
                plan=self.plan,
                acting_user=self.user,
                confirmed=form.is_valid(),
                revealed_at=timezone.now(),
            )
        except ActionRefused as exc:
            form.add_error(None, str(exc))
            return self.page(form, status=403)
        return self.page(form, contact=contact)


class PlanContactPrintView(PlanView):
    """The printed contact of a plan (spec 10.2 print log): POST only, the rules of revealing
    it (who must act, trained, the warning confirmed); the print is an audit event."""

    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        printed_at = timezone.now()
        form = AcknowledgeContactForm(request.POST)
        try:
            contact = actions.print_plan_contact(
                plan=self.plan,
                acting_user=self.user,
                confirmed=form.is_valid(),
                printed_at=printed_at,
            )
        except ActionRefused as exc:
            messages.error(request, str(exc))
            return redirect("inquiries:plan_contact", public_id=public_id)
        response = render(
            request,
            "inquiries/plan_contact_print.html",
            {"plan": self.plan, "contact": contact, "printed_at": printed_at},
        )
        response["Cache-Control"] = "no-store"
        return response


class PlanActionView(PlanView):
    def post(self, request: HttpRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
        now = timezone.now()
        try:
            if action == "approve":
                actions.approve_plan(plan=self.plan, acting_user=self.user, approved_at=now)
                messages.success(request, _("Your approval was recorded."))
            elif action == "refuse":
                form = ReasonForm(request.POST)
                if not form.is_valid():
                    raise ActionRefused(_("Say why the plan is refused."))
                actions.refuse_plan(
                    plan=self.plan,
                    acting_user=self.user,
                    reason=form.cleaned_data["reason"],
                    refused_at=now,
                )
                messages.success(request, _("The plan was refused."))
            elif action == "record":
                record_form = ContactRecordForm(request.POST)
                if not record_form.is_valid():
                    raise ActionRefused(
                        _("Record what was said, the outcome and what was disclosed.")
                    )
                record = actions.record_contact(
                    plan=self.plan,
                    acting_user=self.user,
                    said=record_form.cleaned_data["said"],
                    outcome=record_form.cleaned_data["outcome"],
                    categories=record_form.cleaned_data["categories"],
                    contacted_at=now,
                )
                if record.beyond_plan or record.findings_beyond_plan:
                    messages.warning(
                        request,
                        _(
                            "The contact was recorded. What was said goes beyond the plan: "
                            "the owning ward, the approvers and the auditors were alerted."
                        ),
                    )
                else:
                    messages.success(request, _("The contact was recorded."))
            elif action == "review":
                form = ReasonForm(request.POST)
                if not form.is_valid():
                    raise ActionRefused(_("Write the review."))
                actions.review_emergency(
                    plan=self.plan,
                    acting_user=self.user,
                    note=form.cleaned_data["reason"],
                    reviewed_at=now,
                )
                messages.success(request, _("The emergency was reviewed."))
            else:
                raise Http404
        except ActionRefused as exc:
            return _refused(request, exc, self.plan)
        return redirect(self.plan)


class QueueView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _case_staff(request)
        return render(
            request, "inquiries/queue.html", {"queue": selectors.approver_queue(user=user)}
        )


class NotificationsView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _staff(request)
        notices = selectors.notifications(user=user)
        response = render(request, "inquiries/notifications.html", {"notices": notices})
        actions.mark_read(user=user, read_at=timezone.now())
        return response
