"""Views: load with one selector, act with one action, map refusals to messages."""

from __future__ import annotations

import base64
import datetime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.contrib import messages
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from auditlog import selectors as audit_selectors
from supportmeasures import (
    actions,
    bulk,
    inspection,
    mailinglist,
    permissions,
    selectors,
    throttle,
)
from supportmeasures.forms import (
    AcknowledgementForm,
    ApplicationForm,
    BatchScreeningForm,
    BulkRunForm,
    CorrectPeriodForm,
    DecisionForm,
    EndForm,
    ExtendForm,
    GrantForm,
    InspectionListForm,
    PartyFormSet,
    PersonForm,
    ReasonForm,
    SearchForm,
)
from supportmeasures.importing import ImportFileError
from supportmeasures.models import MeasureStatus, Person, Staff, SupportMeasure, Ward
from supportmeasures.propagation import forwarding_permissions as forwarding_rules
from supportmeasures.propagation import forwarding_selectors
from supportmeasures.propagation import selectors as propagation_selectors
from supportmeasures.screening import RANK, Query, Result

# Recorded as the purpose of screenings made from the search page.
SEARCH_PURPOSE = "registry_search"

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _staff(request: HttpRequest) -> Staff:
    user = request.user
    assert isinstance(user, Staff)  # LoginRequiredMiddleware guarantees it
    return user


def refused(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "supportmeasures/refused.html", {"message": message}, status=status)


def throttled(request: HttpRequest, exc: throttle.ScreeningThrottled) -> HttpResponse:
    """429: the screener's limit for the window is spent (supportmeasures/throttle.py)."""
    response = render(request, "supportmeasures/throttled.html", {"message": str(exc)}, status=429)
    response["Retry-After"] = str(exc.verdict.retry_after)
    return response


@dataclass(frozen=True)
class SearchBanner:
    """The one verdict above the search results: the template renders it as it is."""

    level: str  # a screening Result: the strongest flag anywhere on the page
    css: str
    title_css: str
    aria_role: str
    title: StrOrPromise
    paragraphs: tuple[StrOrPromise, ...]


_FLAG_TITLE = "flag-banner__title"
_NOTICE_TITLE = "notice__title"
_COUNTERPARTY_TITLE = gettext_lazy("Counterparty (相手方): tell them nothing")
_COUNTERPARTY_TEXT = gettext_lazy(
    "This person is registered as a counterparty. Do not tell them anything about the "
    "protected residents of their measures: not where they live, work or study, not that "
    "they visited an office. Any contact needs a contact plan and a supervisor's sign-off."
)
_LISTED_COUNTERPARTY_TITLE = gettext_lazy(
    "A counterparty (相手方) is shown on this page: tell them nothing"
)
_LISTED_COUNTERPARTY_TEXT = gettext_lazy(
    "Someone shown below is registered as a counterparty, though not as an exact match for "
    "what you typed. If the person you deal with may be one of them, tell them nothing about "
    "the protected residents of their measures, and make no contact without a contact plan "
    "and a supervisor's sign-off."
)
_PROTECTED_TITLE = gettext_lazy("Protected resident (保護対象)")
_PROTECTED_TEXT = gettext_lazy(
    "This person is protected by a support measure. Never disclose their whereabouts. Any "
    "contact concerning them needs a supervisor's sign-off."
)
_LISTED_PROTECTED_TITLE = gettext_lazy("A protected resident (保護対象) is shown on this page")
_LISTED_PROTECTED_TEXT = gettext_lazy(
    "Someone shown below is protected by a support measure, though not as an exact match for "
    "what you typed. Never disclose their whereabouts. Any contact concerning them needs a "
    "supervisor's sign-off."
)
_ALSO_PROTECTED = gettext_lazy(
    "A protected resident (保護対象) also matches what you typed: never disclose their whereabouts."
)
_POSSIBLE_TITLE = gettext_lazy("Possible match: check before any contact")
_POSSIBLE_TEXT = gettext_lazy(
    "A registered person has a name or reading like this one (see the reasons on each row), "
    "but nothing confirms it is the same person. Confirm the identity with a supervisor "
    "before any contact."
)
_NOBODY_TITLE = gettext_lazy("No exact match in the registry")
_NOBODY_TEXT = gettext_lazy(
    "Nobody in the registry matches. This does not prove the person is safe to contact: "
    "check the spelling, the reading and former names."
)
_NONE_IN_FORCE_TITLE = gettext_lazy("Nobody shown has a support measure in force")
_NONE_IN_FORCE_TEXT = gettext_lazy(
    "The people listed below are in the registry, but none of them has a support measure in "
    "force. This does not prove the person is safe to contact: check the spelling, the "
    "reading and former names."
)


def search_banner(
    *, screened: Sequence[selectors.ScreenedPerson], others: Sequence[Person]
) -> SearchBanner:
    """The banner for everything the search page shows: counterparty > protected (joint
    family included) > possible match > nothing. A screening's match counts with its
    result (a possible match stays one); a partial row with its flags, since a clerk reads
    every row's badge. "Nobody matches" is said only when no row shown carries a flag."""
    found = max((Result(s.result) for s in screened), key=RANK.__getitem__, default=Result.CLEAR)
    # Every row's badges count, the screened rows' too: a possible match to a counterparty
    # carries the 相手方 badge, and the banner above it must not be weaker than the badge.
    shown = [*others, *(s.person for s in screened)]
    listed = (
        Result.COUNTERPARTY
        if any(p.is_counterparty for p in shown)
        else Result.PROTECTED
        if any(p.is_protected for p in shown)
        else Result.CLEAR
    )
    level = max(found, listed, key=RANK.__getitem__)
    # What the screening found, when weaker than the banner, is still said under it.
    notes: tuple[StrOrPromise, ...] = ()
    if level != found and found == Result.PROTECTED:
        notes = (_ALSO_PROTECTED,)
    elif level != found and found == Result.POSSIBLE_MATCH:
        notes = (_POSSIBLE_TEXT,)
    if level == Result.COUNTERPARTY:
        exact = found == level
        return SearchBanner(
            level=level,
            css="flag-banner flag-banner--counterparty",
            title_css=_FLAG_TITLE,
            aria_role="alert",
            title=_COUNTERPARTY_TITLE if exact else _LISTED_COUNTERPARTY_TITLE,
            paragraphs=(_COUNTERPARTY_TEXT if exact else _LISTED_COUNTERPARTY_TEXT, *notes),
        )
    if level == Result.PROTECTED:
        exact = found == level
        return SearchBanner(
            level=level,
            css="flag-banner flag-banner--protected",
            title_css=_FLAG_TITLE,
            aria_role="alert",
            title=_PROTECTED_TITLE if exact else _LISTED_PROTECTED_TITLE,
            paragraphs=(_PROTECTED_TEXT if exact else _LISTED_PROTECTED_TEXT, *notes),
        )
    if level == Result.POSSIBLE_MATCH:
        return SearchBanner(
            level=level,
            css="notice notice--warning",
            title_css=_NOTICE_TITLE,
            aria_role="alert",
            title=_POSSIBLE_TITLE,
            paragraphs=(_POSSIBLE_TEXT,),
        )
    # Nothing flagged: a list below is mentioned only when there is one.
    return SearchBanner(
        level=level,
        css="notice notice--info",
        title_css=_NOTICE_TITLE,
        aria_role="status",
        title=_NONE_IN_FORCE_TITLE if others else _NOBODY_TITLE,
        paragraphs=(_NONE_IN_FORCE_TEXT if others else _NOBODY_TEXT,),
    )


class SearchView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _staff(request)
        if not permissions.can_search(user):
            raise Http404
        form = SearchForm(request.GET or None)
        today = timezone.localdate()
        context: dict[str, Any] = {
            "form": form,
            "limit": selectors.SEARCH_LIMIT,
            "can_filter_inspection_list": permissions.may_filter_inspection_list(user),
        }
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            screened: list[selectors.ScreenedPerson] = []
            if data["name"] or data["kana"]:
                try:
                    ((_, found),) = actions.screen_people(
                        queries=[Query(data["name"], data["kana"], data["birth_date"])],
                        purpose=SEARCH_PURPOSE,
                        screened_at=timezone.now(),
                        acting_user=user,
                    )
                except throttle.ScreeningThrottled as exc:
                    return throttled(request, exc)
                context["screening"] = found
                screened = selectors.people_in_screening(screening=found, today=today)
            found_ids = {s.person.pk for s in screened}
            others = [
                p
                for p in selectors.search_people(user=user, today=today, **data)
                if p.pk not in found_ids
            ]
            context["screened"] = screened
            context["results"] = others
            context["banner"] = search_banner(screened=screened, others=others)
        return render(request, "supportmeasures/search.html", context)


class PersonView(View):
    def get(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        summary = selectors.person_summary(
            user=_staff(request), public_id=public_id, today=timezone.localdate()
        )
        return render(request, "supportmeasures/person.html", {"summary": summary})


class AcknowledgeView(FormView):
    """The page nobody can click past unread: purpose, promise, then the details."""

    template_name = "supportmeasures/acknowledge.html"
    form_class = AcknowledgementForm

    person: Person

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.person = selectors.person_in_details_scope(
            user=_staff(request), public_id=kwargs["public_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        summary = selectors.person_summary(
            user=_staff(self.request),
            public_id=self.person.public_id,
            today=timezone.localdate(),
        )
        # Said before the form is filled in, not only after it is refused.
        lapsed = permissions.training_refusal(_staff(self.request), timezone.localdate())
        return super().get_context_data(
            summary=summary, person=self.person, training_lapsed=lapsed, **kwargs
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "decline" in request.POST:
            actions.decline_warning(
                person=self.person, acting_user=_staff(request), declined_at=timezone.now()
            )
            messages.info(request, _("You declined. The details were not opened."))
            return redirect(self.person)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AcknowledgementForm) -> HttpResponse:
        try:
            actions.acknowledge_warning(
                person=self.person,
                acting_user=_staff(self.request),
                purpose=form.cleaned_data["purpose"],
                purpose_note=form.cleaned_data["purpose_note"],
                acknowledged_at=timezone.now(),
            )
        except actions.ActionRefused as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        # Back to the page that asked for the acknowledgement (the notice to print), if any.
        after = self.request.GET.get("next", "")
        if after.startswith("/") and url_has_allowed_host_and_scheme(
            after, allowed_hosts={self.request.get_host()}
        ):
            return redirect(after)
        return redirect("supportmeasures:details", public_id=self.person.public_id)


class DetailsView(View):
    person: Person

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Out of scope is a 404 for every method, before anything else is looked at.
        self.person = selectors.person_in_details_scope(
            user=_staff(request), public_id=kwargs["public_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        user = _staff(request)
        person = self.person
        try:
            details = actions.open_protected_details(
                person=person, acting_user=user, opened_at=timezone.now()
            )
        except actions.AcknowledgementRequired as exc:
            messages.warning(request, str(exc))
            return redirect("supportmeasures:acknowledge", public_id=public_id)
        except actions.ActionRefused as exc:
            return refused(request, str(exc))
        summary = selectors.person_summary(
            user=user, public_id=public_id, today=timezone.localdate()
        )
        response = render(
            request, "supportmeasures/details.html", {"summary": summary, "details": details}
        )
        # Protected details must not linger in a shared counter PC's cache.
        response["Cache-Control"] = "no-store"
        return response


class PrintDetailsView(View):
    """The printed page of the details (spec 10.2 print log): POST only, the same scope (404),
    training and acknowledgement as the details page; the print is an audit event and the page
    says who printed it and when. The details page itself prints nothing protected."""

    person: Person

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.person = selectors.person_in_details_scope(
            user=_staff(request), public_id=kwargs["public_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        user, printed_at = _staff(request), timezone.now()
        try:
            details = actions.print_protected_details(
                person=self.person, acting_user=user, printed_at=printed_at
            )
        except actions.AcknowledgementRequired as exc:
            messages.warning(request, str(exc))
            return redirect("supportmeasures:acknowledge", public_id=public_id)
        except actions.ActionRefused as exc:
            return refused(request, str(exc))
        summary = selectors.person_summary(
            user=user, public_id=public_id, today=timezone.localdate(printed_at)
        )
        response = render(
            request,
            "supportmeasures/details_print.html",
            {"summary": summary, "details": details, "printed_at": printed_at},
        )
        response["Cache-Control"] = "no-store"
        return response


class MeasureListView(TemplateView):
    template_name = "supportmeasures/measure_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = _staff(self.request)
        if not permissions.may_list_measures(user):
            raise Http404
        status = self.request.GET.get("status", "")
        return super().get_context_data(
            wards=selectors.measures_by_ward(
                user=user,
                today=timezone.localdate(),
                status=status,
                ward_code=self.request.GET.get("ward", ""),
            ),
            status=status,
            statuses=MeasureStatus.choices,
            can_run_bulk=permissions.bulk_run_refusal(user, timezone.localdate()) is None,
            can_receive_forwarded=user.ward is not None
            and forwarding_rules.receive_refusal(user, user.ward) is None,
            **kwargs,
        )


class MeasureDetailView(View):
    def get(self, request: HttpRequest, ref: str) -> HttpResponse:
        user = _staff(request)
        measure = selectors.measure_for_user(user=user, ref=ref)
        today = timezone.localdate()
        return render(
            request,
            "supportmeasures/measure_detail.html",
            {
                "measure": measure,
                "effective": measure.effective_status(today),
                "can": permissions.measure_actions(user, measure, today),
                "screenings": audit_selectors.screenings_of_measure(measure_ref=measure.ref),
                "grantees": selectors.grantees_of(measure=measure),
                "linked_systems": propagation_selectors.propagation_of(
                    measure=measure, now=timezone.now()
                ),
                "forwarding": forwarding_selectors.forwarding_of(
                    user=user, measure=measure, now=timezone.now()
                ),
                "now": timezone.now(),
            },
        )


def ask_identities(
    application: BaseForm, people: Sequence[PersonForm]
) -> dict[str | None, actions.Identity] | None:
    """The identity step of a page that names people for a new measure (the registration,
    転送受付): everyone named who may already be in the registry (selectors.identity_candidates,
    shown by _identity.html) must have been said to be one of them (linked) or a different
    person (confirmed); the action screens again and refuses an answer that does not hold.
    `people` are valid forms. Each form's answer by prefix, or None once the errors that ask
    are added (fail closed: nothing is registered)."""
    answers = {}
    for form in people:
        form.candidates = selectors.identity_candidates(
            name=form.cleaned_data["name"],
            kana=form.cleaned_data["kana"],
            resident_number=form.cleaned_data["resident_number"].strip(),
            today=timezone.localdate(),
        )
        answers[form.prefix] = form.identity_choice(form.candidates)
    identities = {prefix: i for prefix, i in answers.items() if i is not None}
    if len(identities) < len(answers):
        application.add_error(
            None,
            _(
                "Someone named may already be in the registry: say below whether it is "
                "the same person. Nothing was registered."
            ),
        )
        return None
    return identities


class RegisterApplicationView(View):
    template_name = "supportmeasures/register.html"
    ward: Ward

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = _staff(request)
        if user.ward is None or not permissions.can_register_application(user, user.ward):
            raise Http404
        self.ward = user.ward
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data: Any = None) -> dict[str, Any]:
        return {
            "application": ApplicationForm(data, prefix="m"),
            "protected": PersonForm(data, prefix="p"),
            "joint": PartyFormSet(data, prefix="j"),
            "counterparties": PartyFormSet(data, prefix="c"),
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"ward": self.ward, **self.forms()})

    def post(self, request: HttpRequest) -> HttpResponse:
        forms = self.forms(request.POST)
        valid = all(f.is_valid() for f in forms.values())
        named = {
            key: [f for f in forms[key] if valid and f.has_changed() and f.cleaned_data]
            for key in ("joint", "counterparties")
        }
        people = [forms["protected"], *named["joint"], *named["counterparties"]]
        identities = ask_identities(forms["application"], people) if valid else {}
        if identities is None:
            valid, identities = False, {}
        counterparties = [f.party_data(identities.get(f.prefix)) for f in named["counterparties"]]
        joint = [f.party_data(identities.get(f.prefix)) for f in named["joint"]]
        if valid and not counterparties:
            forms["application"].add_error(None, _("Name at least one counterparty."))
            valid = False
        if valid:
            app = forms["application"].cleaned_data
            try:
                measure = actions.register_application(
                    acting_user=_staff(request),
                    ward=self.ward,
                    kind=app["kind"],
                    basis_kind=app["basis_kind"],
                    basis_body=app["basis_body"],
                    basis_opinion_on=app["basis_opinion_on"],
                    basis_document=app["basis_document"],
                    applied_on=app["applied_on"],
                    restricts_inspection=app["restricts_inspection"],
                    restricts_resident_copies=app["restricts_resident_copies"],
                    restricts_koseki_attachment=app["restricts_koseki_attachment"],
                    protected=forms["protected"].person_data(identities[forms["protected"].prefix]),
                    joint=joint,
                    counterparties=counterparties,
                    registered_at=timezone.now(),
                )
            except actions.ActionRefused as exc:
                forms["application"].add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "Application %(ref)s registered. The person is "
                        "protected provisionally from now."
                    )
                    % {"ref": measure.ref},
                )
                return redirect(measure)
        return render(request, self.template_name, {"ward": self.ward, **forms}, status=400)


class MeasureActionView(FormView):
    """A supervisor's decision on one measure. Scope is checked before GET or POST, then the
    action's own rule (`rule`, from permissions): a page is offered only when its action
    would be allowed. Not in this state (or not yet): back to the measure, saying why;
    anything else (role, training, the registrar): 403 with the reason."""

    template_name = "supportmeasures/measure_action.html"
    title: StrOrPromise = ""
    intro: StrOrPromise = ""
    submit_label: StrOrPromise = ""
    danger = False
    success_message: StrOrPromise = ""
    # The action's rule: (user, measure, today) -> why not, or None.
    rule: Callable[[Staff, SupportMeasure, datetime.date], actions.ActionRefused | None]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = _staff(request)
        self.measure: SupportMeasure = selectors.measure_for_user(user=user, ref=kwargs["ref"])
        refusal = type(self).rule(user, self.measure, timezone.localdate())
        if isinstance(refusal, actions.InvalidTransition):
            messages.warning(request, str(refusal))
            return redirect(self.measure)
        if refusal is not None:
            return refused(request, str(refusal))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            measure=self.measure,
            title=self.title,
            intro=self.intro,
            submit_label=self.submit_label,
            danger=self.danger,
            effective=self.measure.effective_status(timezone.localdate()),
            **kwargs,
        )

    def act(self, form: Any) -> None:
        raise NotImplementedError

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            self.act(form)
        except actions.ActionRefused as exc:
            form.add_error(None, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(reverse("supportmeasures:measure", args=[self.measure.ref]))

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DecideView(MeasureActionView):
    form_class = DecisionForm
    rule = staticmethod(permissions.decide_refusal)

    title = gettext_lazy("Decide the application")
    intro = gettext_lazy(
        "A supervisor who did not register the application decides it. Granted "
        "measures run for one year from the start date."
    )
    submit_label = gettext_lazy("Record the decision")
    success_message = gettext_lazy("The decision was recorded.")

    def get_initial(self) -> dict[str, Any]:
        return {"starts_on": timezone.localdate()}

    def act(self, form: DecisionForm) -> None:
        data = form.cleaned_data
        actions.decide_measure(
            measure=self.measure,
            acting_user=_staff(self.request),
            approve=data["decision"] == "approve",
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            reason=data["reason"],
            decided_at=timezone.now(),
        )


class ExtendView(MeasureActionView):
    form_class = ExtendForm
    rule = staticmethod(permissions.extension_refusal)

    title = gettext_lazy("Extend the measure")
    intro = gettext_lazy(
        "The new period starts the day after the current end and lasts one year. "
        "Extension opens one month before the end."
    )
    submit_label = gettext_lazy("Extend by one year")
    success_message = gettext_lazy("The measure was extended.")

    def act(self, form: ExtendForm) -> None:
        actions.extend_measure(
            measure=self.measure,
            acting_user=_staff(self.request),
            reason=form.cleaned_data["reason"],
            decided_at=timezone.now(),
        )


class EndView(MeasureActionView):
    form_class = EndForm
    rule = staticmethod(permissions.end_refusal)
    danger = True

    title = gettext_lazy("End the measure")
    intro = gettext_lazy("Ending removes the protection. Record who asked for it and why.")
    submit_label = gettext_lazy("End the measure")
    success_message = gettext_lazy("The measure was ended.")

    def act(self, form: EndForm) -> None:
        actions.end_measure(
            measure=self.measure,
            acting_user=_staff(self.request),
            end_reason=form.cleaned_data["end_reason"],
            reason=form.cleaned_data["reason"],
            decided_at=timezone.now(),
        )


class ReleaseView(MeasureActionView):
    form_class = ReasonForm
    rule = staticmethod(permissions.release_refusal)
    danger = True

    title = gettext_lazy("Release the lapsed measure")
    intro = gettext_lazy(
        "The period has passed without extension. Until you release it, the person "
        "stays flagged as protected everywhere."
    )
    submit_label = gettext_lazy("Release: the person is no longer protected")
    success_message = gettext_lazy("The lapsed measure was released.")

    def act(self, form: ReasonForm) -> None:
        actions.release_lapsed_measure(
            measure=self.measure,
            acting_user=_staff(self.request),
            reason=form.cleaned_data["reason"],
            decided_at=timezone.now(),
        )


class CorrectPeriodView(MeasureActionView):
    form_class = CorrectPeriodForm
    rule = staticmethod(permissions.correct_period_refusal)

    title = gettext_lazy("Correct the end date")
    intro = gettext_lazy("Correct the end date of the current period. The reason is recorded.")
    submit_label = gettext_lazy("Correct the end date")
    success_message = gettext_lazy("The period was corrected.")

    def get_initial(self) -> dict[str, Any]:
        return {"ends_on": self.measure.ends_on}

    def act(self, form: CorrectPeriodForm) -> None:
        actions.correct_period(
            measure=self.measure,
            acting_user=_staff(self.request),
            ends_on=form.cleaned_data["ends_on"],
            reason=form.cleaned_data["reason"],
            decided_at=timezone.now(),
        )


class GrantView(MeasureActionView):
    form_class = GrantForm
    rule = staticmethod(permissions.grant_refusal)

    title = gettext_lazy("Grant access to the details")
    intro = gettext_lazy(
        "Let one named staff member outside this ward see the address and contacts "
        "of the people in this measure. They still acknowledge the warning each time."
    )
    submit_label = gettext_lazy("Grant access")
    success_message = gettext_lazy("Access was granted.")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "grantees": selectors.grantable_staff(measure=self.measure),
        }

    def act(self, form: GrantForm) -> None:
        actions.grant_details_access(
            measure=self.measure,
            acting_user=_staff(self.request),
            grantee=form.cleaned_data["grantee"],
            reason=form.cleaned_data["reason"],
            granted_at=timezone.now(),
        )


class BatchScreeningView(FormView):
    """Upload a mailing list, download it back with a screening result per row."""

    template_name = "supportmeasures/batch_screening.html"
    form_class = BatchScreeningForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not permissions.can_search(_staff(request)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: BatchScreeningForm) -> HttpResponse:
        encoding = form.cleaned_data["encoding"]
        upload = form.cleaned_data["file"]
        if upload.size > 16 * 1024 * 1024:
            form.add_error("file", _("The file is too large (16 MB at most)."))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            mailing = mailinglist.parse(upload.read(), encoding)
        except ImportFileError as exc:
            for problem in exc.errors[:20]:
                form.add_error("file", problem.in_language(translation.get_language() or "ja"))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        # Every person of every row in one screening: a child's name or a co-owner too.
        flat = [query for row in mailing.queries for _, query in row]
        try:
            results = actions.screen_people(
                queries=flat,
                purpose=form.cleaned_data["purpose"],
                screened_at=timezone.now(),
                acting_user=_staff(self.request),
            )
        except throttle.ScreeningThrottled as exc:
            return throttled(self.request, exc)
        found = iter(screening for _, screening in results)
        per_row = [mailinglist.combine([next(found) for _ in row]) for row in mailing.queries]
        # Contractors see flags, never where a case is held (the owning ward hints at it).
        show_wards = permissions.may_see_owning_wards(_staff(self.request))
        body = mailinglist.render(mailing, per_row, encoding, show_wards=show_wards)
        name = (upload.name or "list").rsplit(".", 1)[0]
        rows = mailinglist.result_rows(mailing, per_row, show_wards=show_wards)
        # The page shows the results, flags first; the file comes back from the page itself
        # (a data: link), so nothing screened is kept on the server.
        response = self.render_to_response(
            self.get_context_data(
                form=form,
                rows=rows,
                flagged=sum(1 for r in rows if r.result != "clear"),
                download_href=f"data:text/csv;charset={encoding};base64,"
                + base64.b64encode(body).decode("ascii"),
                download_name=f"{name}-screened.csv",
            )
        )
        response["Cache-Control"] = "no-store"
        return response


class RevokeView(View):
    """POST only: a supervisor of the owning ward takes a grant back."""

    def post(self, request: HttpRequest, ref: str, staff_id: int) -> HttpResponse:
        user = _staff(request)
        measure = selectors.measure_for_user(user=user, ref=ref)
        grantee = next(
            (g for g in selectors.grantees_of(measure=measure) if g.pk == staff_id), None
        )
        if grantee is None:
            raise Http404
        try:
            actions.revoke_details_access(
                measure=measure, acting_user=user, grantee=grantee, revoked_at=timezone.now()
            )
        except actions.ActionRefused as exc:
            return refused(request, str(exc))
        messages.success(request, _("Access was revoked."))
        return redirect(measure)


class EndingNoticeView(View):
    """支援措置期間終了のお知らせ: the letter to print for the protected resident before the
    end of the period. Name and address are protected details, so the page opens exactly like
    the details page: acknowledgement first, and the same audit event."""

    measure: SupportMeasure
    person: Person

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.measure, self.person = selectors.ending_notice_of(
            user=_staff(request), ref=kwargs["ref"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, ref: str) -> HttpResponse:
        try:
            details = actions.open_protected_details(
                person=self.person, acting_user=_staff(request), opened_at=timezone.now()
            )
        except actions.AcknowledgementRequired as exc:
            messages.warning(request, str(exc))
            acknowledge = reverse(
                "supportmeasures:acknowledge", kwargs={"public_id": self.person.public_id}
            )
            return redirect(f"{acknowledge}?next={quote(request.path)}")
        except actions.ActionRefused as exc:
            return refused(request, str(exc))
        return self.page(details)

    def page(
        self, details: actions.ProtectedDetails, printed_at: datetime.datetime | None = None
    ) -> HttpResponse:
        response = render(
            self.request,
            "supportmeasures/ending_notice.html",
            {
                "measure": self.measure,
                "person": self.person,
                "details": details,
                "today": timezone.localdate(),
                "extension_opens_on": self.measure.extension_opens_on(),
                "extended_until": permissions.extension_period(self.measure)[1],
                "printed_at": printed_at,
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class PrintEndingNoticeView(EndingNoticeView):
    """The notice as printed (spec 10.2 print log): POST only, the notice's own rules (the
    owning ward's case staff, the measure in its period: 404 otherwise; training and the
    acknowledgement); the print is `details.printed`, and the letter's foot says who printed
    it and when."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, ref: str) -> HttpResponse:
        printed_at = timezone.now()
        try:
            details = actions.print_protected_details(
                person=self.person, acting_user=_staff(request), printed_at=printed_at
            )
        except actions.AcknowledgementRequired as exc:
            messages.warning(request, str(exc))
            acknowledge = reverse(
                "supportmeasures:acknowledge", kwargs={"public_id": self.person.public_id}
            )
            notice = reverse("supportmeasures:ending_notice", kwargs={"ref": ref})
            return redirect(f"{acknowledge}?next={quote(notice)}")
        except actions.ActionRefused as exc:
            return refused(request, str(exc))
        return self.page(details, printed_at=printed_at)


class BulkRunView(FormView):
    """A supervisor runs a prepared list of measures to end or release; each line is
    re-checked as it runs (actions/bulk.py) and the page lists what was done and skipped."""

    template_name = "supportmeasures/bulk_run.html"
    form_class = BulkRunForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refusal = permissions.bulk_run_refusal(_staff(request), timezone.localdate())
        if isinstance(refusal, actions.TrainingLapsed):
            return refused(request, str(refusal))  # a supervisor: say why
        if refusal is not None:
            raise Http404  # not a page for this role
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form: BulkRunForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form: BulkRunForm) -> HttpResponse:
        raw, encoding = form.raw()
        if len(raw) > 4 * 1024 * 1024:
            form.add_error("file", _("The file is too large (4 MB at most)."))
            return self.form_invalid(form)
        try:
            lines = bulk.parse(raw, encoding)
        except ImportFileError as exc:
            for problem in exc.errors[:20]:
                form.add_error(None, problem.in_language(translation.get_language() or "ja"))
            return self.form_invalid(form)
        try:
            result = actions.run_bulk_list(
                lines=lines,
                acting_user=_staff(self.request),
                reason=form.cleaned_data["reason"],
                run_at=timezone.now(),
            )
        except actions.ActionRefused as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        return render(self.request, "supportmeasures/bulk_result.html", {"result": result})


class InspectionListView(FormView):
    """住民基本台帳の一部の写しの閲覧 (spec 9.5): upload the list, download it back without the
    protected and their households (supportmeasures/inspection.py)."""

    template_name = "supportmeasures/inspection_list.html"
    form_class = InspectionListForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not permissions.may_filter_inspection_list(_staff(request)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form: InspectionListForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form: InspectionListForm) -> HttpResponse:
        encoding = form.cleaned_data["encoding"]
        upload = form.cleaned_data["file"]
        if upload.size > 16 * 1024 * 1024:
            form.add_error("file", _("The file is too large (16 MB at most)."))
            return self.form_invalid(form)
        try:
            parsed = inspection.parse(upload.read(), encoding)
        except ImportFileError as exc:
            for problem in exc.errors[:20]:
                form.add_error("file", problem.in_language(translation.get_language() or "ja"))
            return self.form_invalid(form)
        try:
            filtered = actions.filter_inspection_list(
                inspection_list=parsed,
                purpose=form.cleaned_data["purpose"],
                acting_user=_staff(self.request),
                filtered_at=timezone.now(),
            )
        except throttle.ScreeningThrottled as exc:
            return throttled(self.request, exc)
        body = inspection.render(parsed, filtered, encoding)
        name = (upload.name or "list").rsplit(".", 1)[0]
        # Like the mailing list: the file comes back from the page itself, nothing is kept.
        response = self.render_to_response(
            self.get_context_data(
                form=form,
                filtered=filtered,
                download_href=f"data:text/csv;charset={encoding};base64,"
                + base64.b64encode(body).decode("ascii"),
                download_name=f"{name}-filtered.csv",
            )
        )
        response["Cache-Control"] = "no-store"
        return response
