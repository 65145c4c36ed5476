"""The unified manual (docs/manual/), served inside the app as help pages.

The Markdown files are the manual: one task-oriented guide per role and language, with
screenshots that the browser tests take (tests/browser/test_manual.py). This module renders
them (raw HTML escaped), serves their images by whitelisted name, and says where each screen's
own section is (HELP_SECTIONS), which the header's 「この画面の使い方」 link uses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import markdown
from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

MANUAL_DIR = Path(settings.BASE_DIR) / "docs" / "manual"
IMAGES_DIR = MANUAL_DIR / "images"
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"


@dataclass(frozen=True)
class ManualPage:
    slug: str
    title: Any


# One guide per role, in the order the index lists them; "index" is the front page.
PAGES: tuple[ManualPage, ...] = (
    ManualPage("clerk", _("Clerks' guide")),
    ManualPage("supervisor", _("Supervisors' guide")),
    ManualPage("responsible", _("Support-measure officers' guide")),
    ManualPage("auditor", _("Auditors' guide")),
    ManualPage("administrator", _("Administrators' guide")),
)
PAGE_SLUGS = ("index", *(page.slug for page in PAGES))

# Every screen staff see → (guide, anchor) of the section that explains it. One place: the
# header link reads it, and tests/config/test_manual.py checks that every staff URL name is
# here and that every anchor exists in both languages.
HELP_SECTIONS: dict[str, tuple[str, str]] = {
    # The registry: every role searches; clerks do the daily work.
    "supportmeasures:home": ("clerk", "home"),
    "supportmeasures:search": ("clerk", "search"),
    "supportmeasures:batch_screening": ("clerk", "batch-screening"),
    "supportmeasures:person": ("clerk", "person"),
    "supportmeasures:acknowledge": ("clerk", "details"),
    "supportmeasures:details": ("clerk", "details"),
    "supportmeasures:print_details": ("clerk", "details"),
    "supportmeasures:register": ("clerk", "register"),
    "supportmeasures:measures": ("responsible", "measures"),
    "supportmeasures:measure": ("responsible", "measures"),
    "supportmeasures:decide": ("responsible", "decide"),
    "supportmeasures:extend": ("responsible", "extend"),
    "supportmeasures:ending_notice": ("responsible", "extend"),
    "supportmeasures:print_ending_notice": ("responsible", "extend"),
    "supportmeasures:end": ("responsible", "end"),
    "supportmeasures:release": ("responsible", "release"),
    "supportmeasures:correct_period": ("responsible", "correct-period"),
    "supportmeasures:grant": ("responsible", "grant"),
    "supportmeasures:revoke": ("responsible", "grant"),
    "supportmeasures:bulk_run": ("responsible", "bulk-run"),
    "supportmeasures:inspection_list": ("clerk", "inspection-list"),
    # Forwarding between municipalities (転送, 転送受付, moves out).
    "supportmeasures:forward": ("clerk", "forwarding"),
    "supportmeasures:forward_reply": ("clerk", "forwarding"),
    "supportmeasures:move_out": ("clerk", "forwarding"),
    "supportmeasures:receive_forwarded": ("clerk", "forwarding"),
    # Linked systems: their section staff's tasks (any role but the contractor).
    "propagation:tasks": ("index", "linked-systems"),
    "propagation:task": ("index", "linked-systems"),
    "propagation:confirm": ("index", "linked-systems"),
    "propagation:fail": ("index", "linked-systems"),
    # Inquiries and contact plans.
    "inquiries:list": ("clerk", "inquiries"),
    "inquiries:new": ("clerk", "inquiry-new"),
    "inquiries:detail": ("clerk", "inquiry-read"),
    "inquiries:acknowledge": ("clerk", "inquiry-read"),
    "inquiries:print": ("clerk", "inquiry-read"),
    "inquiries:answer": ("clerk", "inquiry-answer"),
    "inquiries:new_plan": ("clerk", "plan"),
    "inquiries:edit_plan": ("clerk", "plan"),
    "inquiries:plan": ("clerk", "plan"),
    "inquiries:plan_contact": ("clerk", "plan-contact"),
    "inquiries:print_plan_contact": ("clerk", "plan-contact"),
    "inquiries:notifications": ("clerk", "notifications"),
    "inquiries:queue": ("supervisor", "queue"),
    "inquiries:sign_off": ("supervisor", "queue"),
    "inquiries:sign_off_answer": ("supervisor", "answer-sign-off"),
    "inquiries:plan_action": ("supervisor", "plan-approval"),
    "inquiries:raise": ("supervisor", "raise"),
    # Document requests: the counter records and issues, the officer reviews.
    "requests:list": ("clerk", "requests"),
    "requests:new": ("clerk", "requests"),
    "requests:detail": ("clerk", "request-issue"),
    "requests:issue": ("clerk", "request-issue"),
    "requests:dispose": ("clerk", "request-issue"),
    "requests:queue": ("supervisor", "request-review"),
    "requests:review": ("supervisor", "request-review"),
    "requests:withdraw": ("supervisor", "request-review"),
    # Everyone: the annual training and the account.
    "training:index": ("index", "training"),
    "training:page": ("index", "training"),
    "training:test": ("index", "training"),
    "training:result": ("index", "training"),
    "password_change": ("index", "account"),
    "second_factor": ("index", "second-factor"),
    "second_factor_enrol": ("index", "second-factor"),
    "security": ("index", "second-factor"),
    # The auditors' workspace.
    "auditlog:events": ("auditor", "events"),
    "auditlog:person": ("auditor", "history"),
    "auditlog:staff": ("auditor", "history"),
    "auditlog:export": ("auditor", "export"),
    "auditlog:verify": ("auditor", "verify"),
    "auditlog:dashboard": ("auditor", "dashboard"),
    "auditlog:reports": ("auditor", "reports"),
    "auditlog:report": ("auditor", "reports"),
    "auditlog:jobs": ("auditor", "jobs"),
    "auditlog:requests": ("auditor", "requests"),
}

# A screen that every role sees but each uses differently opens its role's own guide.
ROLE_SECTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("supportmeasures:home", "supervisor"): ("supervisor", "top"),
    ("supportmeasures:home", "auditor"): ("auditor", "top"),
    ("supportmeasures:home", "administrator"): ("administrator", "top"),
    ("supportmeasures:search", "auditor"): ("auditor", "top"),
    # Supervisors read an inquiry to sign it off, and a plan to approve it.
    ("inquiries:detail", "supervisor"): ("supervisor", "queue"),
    ("inquiries:plan", "supervisor"): ("supervisor", "plan-approval"),
    # The officer reads a request to review it.
    ("requests:detail", "supervisor"): ("supervisor", "request-review"),
}

IMAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.png$")
_HEADING_ID = re.compile(r"\{#([a-z0-9-]+)\}")


def manual_path(language: str, slug: str) -> Path:
    return MANUAL_DIR / language / f"{slug}.md"


def anchors(text: str) -> set[str]:
    """The explicit section ids (`## Title {#id}`) a guide defines."""
    return set(_HEADING_ID.findall(text))


def image_names(text: str) -> set[str]:
    """The screenshots a guide shows (`![…](../images/name.png)`)."""
    return set(re.findall(r"\]\(\.\./images/([^)\s]+)\)", text))


def help_url(view_name: str, role: str | None = None) -> str | None:
    section = ROLE_SECTIONS.get((view_name, role or "")) or HELP_SECTIONS.get(view_name)
    if section is None:
        return None
    slug, anchor = section
    if slug == "index":
        return f"{reverse('help:index')}#{anchor}"
    return f"{reverse('help:page', args=[slug])}#{anchor}"


_ALLOWED_ATTRIBUTES = {"id", "href", "src", "alt", "title", "start", "align"}
_SAFE_URL = re.compile(r"^(https?://|mailto:|#|\.\./images/|[a-z-]+\.md(#|$)|/help/)")


class _LinkRewriter(Treeprocessor):
    """Keeps only harmless attributes and links, then points the guides' links to each other
    (`clerk.md#search`, `../images/x.png`, written so that they read on GitHub) at the help
    pages."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            # attr_list is there for section ids; no other attribute, and no link that is
            # not a page, a section or the web, survives (no on*=, style=, javascript:).
            for attribute in set(element.keys()) - _ALLOWED_ATTRIBUTES:
                del element.attrib[attribute]
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not _SAFE_URL.match(value):
                    del element.attrib[attribute]
            if element.tag == "img":
                src = element.get("src", "")
                name = src.removeprefix("../images/")
                if name != src and IMAGE_NAME.match(name):
                    element.set("src", reverse("help:image", args=[name]))
                    element.set("loading", "lazy")
            elif element.tag == "a":
                href = element.get("href", "")
                match = re.fullmatch(r"([a-z-]+)\.md(#[a-z0-9-]+)?", href)
                if match and match.group(1) in PAGE_SLUGS:
                    slug, anchor = match.group(1), match.group(2) or ""
                    target = (
                        reverse("help:index")
                        if slug == "index"
                        else reverse("help:page", args=[slug])
                    )
                    element.set("href", target + anchor)


class _NoRawHtml(Extension):
    """The manual is ours, but raw HTML in it is shown as text, never rendered."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_LinkRewriter(md), "mamori_links", 1)


def render_markdown(text: str) -> str:
    return markdown.markdown(
        text, extensions=["attr_list", "tables", "sane_lists", _NoRawHtml()], output_format="html"
    )


@lru_cache(maxsize=32)
def _rendered(path: Path, mtime: float) -> str:
    return render_markdown(path.read_text(encoding="utf-8"))


def page_language() -> str:
    language = (translation.get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in PAGE_SLUGS:
        raise Http404
    path = manual_path(page_language(), slug)
    if not path.is_file():
        path = manual_path(DEFAULT_LANGUAGE, slug)
    if not path.is_file():
        raise Http404
    body = _rendered(path, path.stat().st_mtime)
    title = next((p.title for p in PAGES if p.slug == slug), _("Manual"))
    return render(
        request,
        "help/page.html",
        # The Markdown's raw HTML is escaped (_NoRawHtml), so its output is safe to insert.
        {"body": mark_safe(body), "pages": PAGES, "slug": slug, "title": title},  # noqa: S308
    )


def index(request: HttpRequest) -> HttpResponse:
    return _page(request, "index")


def page(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, slug)


def image(request: HttpRequest, name: str) -> FileResponse:
    """Only a PNG that is in docs/manual/images, by its bare name: nothing else on disk."""
    if not IMAGE_NAME.match(name) or name not in {p.name for p in IMAGES_DIR.glob("*.png")}:
        raise Http404
    response = FileResponse((IMAGES_DIR / name).open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns = [
    path("", index, name="index"),
    path("images/<str:name>", image, name="image"),
    path("<slug:slug>/", page, name="page"),
]
