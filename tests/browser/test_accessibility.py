"""Accessibility of the main screens, checked by axe-core in Chromium (issue 15).

Each screen a clerk, a supervisor or an auditor uses every day is opened as that person, with
the data of the seed's incident (X protected from Y, an inquiry from A to B, a critical plan to
call Y), and axe-core runs on the page as it is shown. A serious or critical violation fails the
test, printed with the element and how to fix it. In Japanese (the default), then once in
English: the English pages are the same templates with other words, which can still break a
contrast or an accessible name."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from inquiries.models import Inquiry
from supportmeasures.models import Person, Role, Staff, SupportMeasure
from tests.browser.test_incident import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = ("serious", "critical")
AXE = Axe()


# Every violation of any impact seen in this run, by rule and impact (printed at the end).
SEEN: dict[str, int] = {}


def violations(page: Page) -> list[str]:
    """The serious and critical violations axe-core finds on the page, one line per element."""
    found = AXE.run(page).response["violations"]
    for v in found:
        key = f"{v['id']} ({v['impact']})"
        SEEN[key] = SEEN.get(key, 0) + len(v["nodes"])
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(node['target'])}: "
        f"{node['html'][:160]} | {node.get('failureSummary', '').strip()}"
        for v in found
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


@pytest.fixture
def incident(acknowledged_plan) -> dict[str, object]:
    """An inquiry from A to B about X, signed off and acknowledged by B; B's critical plan to
    call Y."""
    inquiry, plan = acknowledged_plan()
    return {"inquiry": inquiry, "plan": plan}


def test_the_main_screens_have_no_serious_or_critical_violation(
    page: Page,
    live_server,
    incident: dict[str, object],
    x: Person,
    x_measure: SupportMeasure,
    clerk_a: Staff,
    clerk_b: Staff,
    supervisor_b: Staff,
    make_staff: Callable[..., Staff],
    ward_a,
) -> None:
    base = live_server.url
    inquiry = incident["inquiry"]
    plan = incident["plan"]
    assert isinstance(inquiry, Inquiry)
    auditor = make_staff(ward_a, Role.AUDITOR, username="a_auditor")
    found: dict[str, list[str]] = {}
    # A document request about X at A's counter, awaiting review (issue 11).
    from inquiries.requests.actions import Named, Requester, record_request

    x_named = Named(x.name, x.kana, x.birth_date)
    doc_request = record_request(
        ward=ward_a,
        by=clerk_a,
        recorded_at=timezone.now(),
        documents=["juminhyo"],
        channel="counter",
        requester=Requester(x.name, x.kana, x.birth_date, type="self"),
        client=None,
        subjects=[x_named],
        purpose="手続きのため",
    )

    # Issue 12: section staff of the resident-register system, and X's task for it.
    from django.db import transaction

    from supportmeasures.models import ConfirmationTask, LinkedSystem
    from supportmeasures.propagation.actions import grant_section_staff, record_block_change
    from tests.supportmeasures.propagation.defaults import ensure_default_systems

    if not LinkedSystem.objects.exists():  # flushed by an earlier transactional test
        ensure_default_systems()
        with transaction.atomic():
            record_block_change(
                measure=x_measure, kind="approved", acting_user=None, at=timezone.now()
            )
    section = make_staff(ward_a, Role.CLERK, username="a_section")
    register_system = LinkedSystem.objects.get(code="resident_register")
    grant_section_staff(
        acting_user=None, staff=section, system=register_system, granted_at=timezone.now()
    )
    task = ConfirmationTask.objects.get(
        change__measure=x_measure, system=register_system, state="open"
    )

    # Issue 12: X's application forwarded to her 本籍地, its reply awaited.
    from supportmeasures.propagation.forwarding import forward_measure

    forwarding = forward_measure(
        measure=x_measure,
        acting_user=clerk_a,
        relation="domicile",
        municipality_name="札幌市",
        municipality_code="011002",
        forwarded_on=x_measure.applied_on,
        recorded_at=timezone.now(),
    )

    def check(name: str, url: str) -> None:
        page.goto(f"{base}{url}")
        expect(page.locator("main h1")).to_be_visible()
        found[name] = violations(page)

    def walk(language: str) -> None:
        log_out_if_in()
        check(f"{language} login", "/accounts/login/")
        log_in(page, base, clerk_a.username)
        check(f"{language} home", "/")
        check(f"{language} search", "/search/?name=山崎+健一")
        check(f"{language} person", x.get_absolute_url())
        check(f"{language} acknowledgement", f"/people/{x.public_id}/acknowledge/")
        page.check("input[name=purpose][value=counter]")
        page.check("#id_confirm")
        page.click("button[name=acknowledge]")
        expect(page.get_by_test_id("address")).to_be_visible()
        found[f"{language} details"] = violations(page)
        page.click("form[action$='/details/print/'] button")
        expect(page.get_by_test_id("print-stamp").first).to_be_visible()
        found[f"{language} printed details"] = violations(page)
        check(f"{language} measure", x_measure.get_absolute_url())
        check(f"{language} ending notice", f"/measures/{x_measure.ref}/ending-notice/")
        check(f"{language} forwarding", f"/measures/{x_measure.ref}/forward/")
        check(
            f"{language} forwarding reply",
            f"/measures/{x_measure.ref}/forwardings/{forwarding.pk}/reply/",
        )
        check(f"{language} forwarded application", "/measures/forwarded/new/")
        check(f"{language} document request form", "/requests/new/")
        check(f"{language} document request", doc_request.get_absolute_url())
        log_out(page)
        log_in(page, base, clerk_b.username)
        check(f"{language} inquiry", inquiry.get_absolute_url())
        check(f"{language} plan", plan.get_absolute_url())  # type: ignore[attr-defined]
        log_out(page)
        log_in(page, base, supervisor_b.username)
        check(f"{language} inquiry acknowledgement", inquiry.get_absolute_url())
        expect(page).to_have_url(re.compile(r"/acknowledge/$"))
        check(f"{language} approval queue", "/inquiries/queue/")
        log_out(page)
        log_in(page, base, auditor.username)
        check(f"{language} audit list", "/audit/")
        log_out(page)
        # Issue 12: the section staff's tasks, and one task's page.
        log_in(page, base, section.username)
        check(f"{language} linked-system tasks", "/propagation/tasks/")
        check(f"{language} linked-system task", f"/propagation/tasks/{task.pk}/")
        log_out(page)

    def log_out_if_in() -> None:
        if page.locator(".site-header__user button").count():
            log_out(page)

    walk("ja")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    walk("en")

    print(f"\naxe-core on {len(found)} screens, every impact: {SEEN or 'none'}")
    # The check can fail: a picture without a text alternative is a critical violation.
    page.set_content('<html lang="ja"><title>t</title><main><img src="x.png"></main></html>')
    assert [line.split(" ")[0] for line in violations(page)] == ["image-alt"]

    failing = {name: lines for name, lines in found.items() if lines}
    for name, lines in failing.items():
        print(f"\n== {name}")
        for line in lines:
            print(f"  {line}")
    assert len(found) == 42
    assert failing == {}
