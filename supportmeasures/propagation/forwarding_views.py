"""Pages of forwarding (転送), forwarded applications received (転送受付) and moves out.

Each page is for the owning ward's clerks and supervisors only: anyone else gets a 404 (the
municipalities are where a protected resident's records, or the resident, are). Then the
action's own rule: not in this state, back to the measure with the reason; untrained, 403.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from supportmeasures import actions, selectors
from supportmeasures.forms import PartyFormSet, PersonForm
from supportmeasures.models import Staff, SupportMeasure
from supportmeasures.propagation import forwarding, forwarding_selectors
from supportmeasures.propagation import forwarding_permissions as rules
from supportmeasures.propagation.forwarding_forms import (
    ForwardForm,
    MoveOutForm,
    ReceiveForm,
    ReplyForm,
)
from supportmeasures.propagation.forwarding_models import Forwarding
from supportmeasures.views import MeasureActionView, _staff, ask_identities, refused


class ForwardingActionView(MeasureActionView):
    """A measure's forwarding page: 404 unless the user may see its forwardings."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = _staff(request)
        measure = selectors.measure_for_user(user=user, ref=kwargs["ref"])
        if not rules.may_see_forwardings(user, measure):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ForwardView(ForwardingActionView):
    form_class = ForwardForm
    rule = staticmethod(rules.forward_refusal)

    title = gettext_lazy("Record a forwarding (転送)")
    intro = gettext_lazy(
        "Record each municipality this application was forwarded to (本籍地, 前住所地). "
        "Each forwarding stays open until you record the receiving side's reply; without a "
        "reply in five business days it is escalated to the support-measure officer."
    )
    submit_label = gettext_lazy("Record the forwarding")
    success_message = gettext_lazy("The forwarding was recorded.")

    def get_initial(self) -> dict[str, Any]:
        return {"forwarded_on": timezone.localdate()}

    def act(self, form: ForwardForm) -> None:
        data = form.cleaned_data
        forwarding.forward_measure(
            measure=self.measure,
            acting_user=_staff(self.request),
            relation=data["relation"],
            municipality_name=data["municipality_name"],
            municipality_code=data["municipality_code"],
            forwarded_on=data["forwarded_on"],
            recorded_at=timezone.now(),
        )


class MoveOutView(ForwardingActionView):
    form_class = MoveOutForm
    rule = staticmethod(rules.move_out_refusal)
    danger = True

    title = gettext_lazy("Record a move out of the city")
    intro = gettext_lazy(
        "The measure does not end: it continues as the former address's protection "
        "(前住所地), provisional, and the new municipality is a forwarding to confirm."
    )
    submit_label = gettext_lazy("Record the move out")
    success_message = gettext_lazy(
        "The move out was recorded: the measure continues provisionally as the former "
        "address's protection."
    )

    def get_initial(self) -> dict[str, Any]:
        return {"moved_out_on": timezone.localdate()}

    def act(self, form: MoveOutForm) -> None:
        data = form.cleaned_data
        forwarding.record_move_out(
            measure=self.measure,
            acting_user=_staff(self.request),
            moved_out_on=data["moved_out_on"],
            municipality_name=data["municipality_name"],
            municipality_code=data["municipality_code"],
            recorded_at=timezone.now(),
        )


class ReplyView(ForwardingActionView):
    form_class = ReplyForm
    title = gettext_lazy("Record the reply to a forwarding")
    intro = gettext_lazy(
        "Record that the receiving municipality replied that it applies the measure. This "
        "closes the forwarding (and its alarm, if it was overdue)."
    )
    submit_label = gettext_lazy("Record the reply")
    success_message = gettext_lazy("The reply was recorded.")

    @staticmethod
    def rule(user: Staff, measure: SupportMeasure, today: datetime.date) -> None:
        return None  # the forwarding's own rule is asked in setup_forwarding

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = _staff(request)
        measure = selectors.measure_for_user(user=user, ref=kwargs["ref"])
        self.forwarding: Forwarding = forwarding_selectors.forwarding_for_user(
            user=user, measure=measure, pk=kwargs["pk"]
        )
        refusal = rules.reply_refusal(user, self.forwarding, timezone.localdate())
        if isinstance(refusal, actions.InvalidTransition):
            messages.warning(request, str(refusal))
            return redirect(measure)
        if refusal is not None:
            return refused(request, str(refusal))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return {"replied_on": timezone.localdate()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = _("Record the reply of %(municipality)s") % {
            "municipality": self.forwarding.municipality_name
        }
        return context

    def act(self, form: ReplyForm) -> None:
        forwarding.record_forward_reply(
            forwarding=self.forwarding,
            acting_user=_staff(self.request),
            replied_on=form.cleaned_data["replied_on"],
            note=form.cleaned_data["note"],
            recorded_at=timezone.now(),
        )


class ReceiveForwardedView(View):
    """転送受付: register an application forwarded by another municipality, in force at once."""

    template_name = "propagation/receive_forwarded.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = _staff(request)
        if user.ward is None or rules.receive_refusal(user, user.ward) is not None:
            raise Http404
        self.ward = user.ward
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data: Any = None) -> dict[str, Any]:
        return {
            "application": ReceiveForm(data, prefix="m"),
            "protected": PersonForm(data, prefix="p"),
            "counterparties": PartyFormSet(data, prefix="c"),
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"ward": self.ward, **self.forms()})

    def post(self, request: HttpRequest) -> HttpResponse:
        forms = self.forms(request.POST)
        valid = all(
            f.is_valid()
            for f in (forms["application"], forms["protected"], forms["counterparties"])
        )
        named = [f for f in forms["counterparties"] if valid and f.cleaned_data.get("name")]
        # The registration's identity step: someone already in the registry is linked, not
        # written again beside the existing record.
        identities = (
            ask_identities(forms["application"], [forms["protected"], *named]) if valid else None
        )
        if identities is not None:
            app = forms["application"].cleaned_data
            try:
                measure = forwarding.receive_forwarded_application(
                    acting_user=_staff(request),
                    ward=self.ward,
                    origin_name=app["origin_name"],
                    origin_code=app["origin_code"],
                    origin_forwarded_on=app["origin_forwarded_on"],
                    received_on=app["received_on"],
                    need_confirmed=app["need_confirmed"],
                    applicant_notified_on=(
                        None if app["need_confirmed"] else app["applicant_notified_on"]
                    ),
                    starts_on=app["starts_on"] if app["need_confirmed"] else None,
                    ends_on=app["ends_on"] if app["need_confirmed"] else None,
                    kind=app["kind"],
                    basis_kind=app["basis_kind"],
                    basis_body=app["basis_body"],
                    restricts_inspection=app["restricts_inspection"],
                    restricts_resident_copies=app["restricts_resident_copies"],
                    restricts_koseki_attachment=app["restricts_koseki_attachment"],
                    protected=forms["protected"].person_data(identities[forms["protected"].prefix]),
                    joint=[],
                    counterparties=[f.party_data(identities[f.prefix]) for f in named],
                    recorded_at=timezone.now(),
                )
            except actions.ActionRefused as exc:
                forms["application"].add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "Forwarded application %(ref)s registered (転送受付). The person is "
                        "protected from now, without re-examination."
                    )
                    % {"ref": measure.ref},
                )
                return redirect(measure)
        return render(request, self.template_name, {"ward": self.ward, **forms}, status=400)
