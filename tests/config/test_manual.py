"""The unified manual (docs/manual/) is complete, and served inside the app as help pages.

Fails when a role or language has no guide, when a guide shows a screenshot that is missing
(the browser tests in tests/browser/test_manual.py take them), and when a screen staff see has
no section of the manual to link to.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config import manual

ROLES = ("clerk", "supervisor", "responsible", "auditor", "administrator")

# What is not a screen of the app: the login and logout, the language switch, the idle session's
# keep-alive call, the health check, the screening API for other systems, Django's admin site,
# and the manual itself.
NOT_STAFF_SCREENS = {"login", "logout", "set_language", "stay_signed_in", "healthz"}
# The issuance-check API (inquiries/requests/api.py): another system's calls, not a screen.
NOT_STAFF_SCREENS |= {"issuance_checks", "issuance_check"}
# otp_webauthn: the security keys' JSON endpoints, called by their script, never a screen.
NOT_STAFF_NAMESPACES = {"admin", "api", "help", "otp_webauthn"}


def url_names(patterns: list, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            names |= url_names(entry.url_patterns, f"{namespace}{inner}:" if inner else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def staff_screens() -> set[str]:
    return {
        name
        for name in url_names(get_resolver().url_patterns)
        if name not in NOT_STAFF_SCREENS and name.split(":")[0] not in NOT_STAFF_NAMESPACES
    }


def text(language: str, slug: str) -> str:
    return manual.manual_path(language, slug).read_text(encoding="utf-8")


class TestTheManualIsComplete:
    @pytest.mark.parametrize("language", manual.LANGUAGES)
    @pytest.mark.parametrize("slug", ["index", *ROLES])
    def test_every_role_has_a_guide_in_each_language(self, language, slug):
        path = manual.manual_path(language, slug)

        assert path.is_file(), f"missing manual page {path}"
        assert text(language, slug).startswith("# ")

    def test_the_app_lists_a_guide_for_each_role(self):
        assert tuple(page.slug for page in manual.PAGES) == ROLES

    @pytest.mark.parametrize("language", manual.LANGUAGES)
    @pytest.mark.parametrize("slug", ["index", *ROLES])
    def test_every_screenshot_a_guide_shows_exists(self, language, slug):
        missing = {
            name
            for name in manual.image_names(text(language, slug))
            if not (manual.IMAGES_DIR / name).is_file()
        }

        assert not missing, f"{language}/{slug}.md shows missing screenshots: {sorted(missing)}"

    @pytest.mark.parametrize("slug", ROLES)
    def test_each_role_guide_walks_its_first_task_with_screenshots(self, slug):
        for language in manual.LANGUAGES:
            first_task = text(language, slug).split("\n## ")[1]

            assert re.match(r"1\. ", first_task), (language, slug)
            assert len(manual.image_names(first_task)) >= 3, (language, slug)
            assert {name.split("-")[0] for name in manual.image_names(first_task)} == {slug}

    @pytest.mark.parametrize("slug", ["index", *ROLES])
    def test_both_languages_have_the_same_sections_and_screenshots(self, slug):
        ja, en = text("ja", slug), text("en", slug)

        assert manual.anchors(ja) == manual.anchors(en)
        assert manual.image_names(ja) == manual.image_names(en)

    def test_every_screenshot_kept_is_shown_by_a_guide(self):
        shown = {
            name
            for language in manual.LANGUAGES
            for slug in ("index", *ROLES)
            for name in manual.image_names(text(language, slug))
        }
        kept = {path.name for path in manual.IMAGES_DIR.glob("*.png")}

        assert kept - shown == set(), "screenshots no guide shows (rename or delete them)"

    def test_the_missing_screenshot_check_can_fail(self, tmp_path):
        guide = "# T {#top}\n\n1. Step\n\n    ![x](../images/no-such-screen.png)\n"

        names = manual.image_names(guide)

        assert names == {"no-such-screen.png"}
        assert not (manual.IMAGES_DIR / "no-such-screen.png").exists()


class TestEveryScreenHasItsSection:
    def test_every_screen_staff_see_has_a_help_section(self):
        missing = staff_screens() - set(manual.HELP_SECTIONS)

        assert not missing, f"screens with no section in config/manual.py HELP_SECTIONS: {missing}"

    def test_the_check_finds_the_screens_of_every_app(self):
        screens = staff_screens()

        assert {"supportmeasures:search", "inquiries:plan", "auditlog:events"} <= screens
        assert not screens & {"login", "api:screenings", "help:index"}

    def test_no_section_is_kept_for_a_screen_that_does_not_exist(self):
        assert set(manual.HELP_SECTIONS) <= staff_screens()

    @pytest.mark.parametrize("language", manual.LANGUAGES)
    def test_every_section_exists_in_its_guide(self, language):
        missing = [
            (name, slug, anchor)
            for name, (slug, anchor) in manual.HELP_SECTIONS.items()
            if anchor not in manual.anchors(text(language, slug))
        ]

        assert not missing, missing


class TestRendering:
    def test_raw_html_in_the_manual_is_shown_as_text(self):
        html = manual.render_markdown('<script>alert(1)</script>\n\nA <img src=x onerror="y">')

        assert "<script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html

    def test_no_script_survives_in_attributes_or_links(self):
        html = manual.render_markdown(
            '## T {#t onclick="alert(1)" style="x"}\n\n'
            "[a](javascript:alert(1)) [b](data:text/html,x) ![c](http:evil)"
        )

        assert 'id="t"' in html
        assert "onclick" not in html and "style" not in html
        assert "javascript:" not in html and "data:" not in html and "http:evil" not in html

    def test_links_between_guides_and_images_point_at_the_help_pages(self):
        html = manual.render_markdown(
            "[s](supervisor.md#queue) [i](index.md) ![a](../images/clerk-1-login.png) "
            "[e](https://example.org/x.md)"
        )

        assert 'href="/help/supervisor/#queue"' in html
        assert 'href="/help/"' in html
        assert 'src="/help/images/clerk-1-login.png"' in html
        assert 'href="https://example.org/x.md"' in html

    @pytest.mark.parametrize("slug", ["index", *ROLES])
    def test_each_section_id_is_rendered(self, slug):
        html = manual.render_markdown(text("ja", slug))

        for anchor in manual.anchors(text("ja", slug)):
            assert f'id="{anchor}"' in html


@pytest.mark.django_db
class TestHelpPages:
    def test_anyone_not_logged_in_is_sent_to_the_login_page(self, client):
        for url in (
            reverse("help:index"),
            reverse("help:page", args=["clerk"]),
            reverse("help:image", args=["clerk-1-login.png"]),
        ):
            response = client.get(url)

            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))

    def test_a_guide_is_shown_in_japanese(self, clerk_a, login):
        response = login(clerk_a).get(reverse("help:page", args=["clerk"]))

        assert response.status_code == 200
        body = response.content.decode()
        assert '<h2 id="search">' in body
        assert "連絡の前に台帳で人物を確認する" in body
        assert 'src="/help/images/clerk-2-search.png"' in body

    def test_a_guide_follows_the_language_switch(self, clerk_a, login):
        client = login(clerk_a)
        client.post(reverse("set_language"), {"language": "en", "next": "/"})

        body = client.get(reverse("help:page", args=["clerk"])).content.decode()

        assert "Check a person in the registry before any contact" in body
        assert "連絡の前に台帳で人物を確認する" not in body

    def test_the_index_lists_every_guide(self, auditor, login):
        body = login(auditor).get(reverse("help:index")).content.decode()

        for slug in ROLES:
            assert f'href="/help/{slug}/"' in body

    @pytest.mark.parametrize("slug", ["nope", "..", "images", "INDEX"])
    def test_an_unknown_page_is_404(self, clerk_a, login, slug):
        response = login(clerk_a).get(f"/help/{slug}/")

        assert response.status_code == 404

    def test_a_screenshot_is_served(self, clerk_a, login):
        response = login(clerk_a).get(reverse("help:image", args=["clerk-2-search.png"]))

        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")

    @pytest.mark.parametrize(
        "name",
        [
            "no-such-screen.png",
            "..%2Fja%2Fclerk.md",
            "..%2F..%2F..%2Fconfig%2Fsettings.py",
            "clerk.md",
            "Clerk-2-search.png",
            ".png",
        ],
    )
    def test_nothing_but_a_screenshot_is_served(self, clerk_a, login, name):
        response = login(clerk_a).get(f"/help/images/{name}")

        assert response.status_code == 404


@pytest.mark.django_db
class TestTheHelpLink:
    def test_a_screen_links_to_its_own_section(self, clerk_a, login):
        body = login(clerk_a).get(reverse("supportmeasures:search")).content.decode()

        assert 'href="/help/clerk/#search"' in body
        assert "この画面の使い方" in body

    def test_a_measure_page_links_to_the_officers_guide(self, x_measure, supervisor_a, login):
        body = login(supervisor_a).get(x_measure.get_absolute_url()).content.decode()

        assert 'href="/help/responsible/#measures"' in body

    def test_the_auditors_pages_link_to_the_auditors_guide(self, auditor, login):
        body = login(auditor).get(reverse("auditlog:events")).content.decode()

        assert 'href="/help/auditor/#events"' in body

    def test_the_home_page_links_to_each_roles_own_guide(self, clerk_a, supervisor_a, login):
        clerks = login(clerk_a).get(reverse("supportmeasures:home")).content.decode()
        supervisors = login(supervisor_a).get(reverse("supportmeasures:home")).content.decode()

        assert 'href="/help/clerk/#home"' in clerks
        assert 'href="/help/supervisor/#top"' in supervisors

    def test_a_supervisor_approving_a_plan_is_sent_to_the_supervisors_guide(
        self, acknowledged_plan, clerk_b, supervisor_b, login
    ):
        _inquiry, plan = acknowledged_plan()

        theirs = login(supervisor_b).get(plan.get_absolute_url()).content.decode()
        authors = login(clerk_b).get(plan.get_absolute_url()).content.decode()

        assert 'href="/help/supervisor/#plan-approval"' in theirs
        assert 'href="/help/clerk/#plan"' in authors

    @pytest.mark.parametrize("language", manual.LANGUAGES)
    def test_every_role_section_exists_in_its_guide(self, language):
        missing = [
            (name, role, slug, anchor)
            for (name, role), (slug, anchor) in manual.ROLE_SECTIONS.items()
            if name not in manual.HELP_SECTIONS
            or anchor not in manual.anchors(text(language, slug))
        ]

        assert not missing, missing

    def test_the_header_offers_the_manual(self, auditor, login):
        body = login(auditor).get(reverse("supportmeasures:home")).content.decode()

        assert 'href="/help/"' in body
        assert "マニュアル" in body

    def test_the_login_page_has_no_help_link(self, client):
        body = client.get(reverse("login")).content.decode()

        assert "/help/" not in body
