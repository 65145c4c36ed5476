"""The training's text: modules.toml, read once and checked as it is read.

A page is one rule; a question points to the page a trainee must read again when they answer
it wrongly; a module is one role's pages and questions. Japanese is shown by default and
English when the interface is in English (`Text.__str__` follows the active language). The
right answers live only here, on the server: nothing sent to a browser names them."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language

from supportmeasures.models import Role

SOURCE = Path(__file__).with_name("modules.toml")


@dataclass(frozen=True)
class Text:
    """One text in both languages; shown in the active one (Japanese unless English)."""

    ja: str
    en: str

    def __str__(self) -> str:
        return self.en if (get_language() or "ja").startswith("en") else self.ja


@dataclass(frozen=True)
class Page:
    id: str
    title: Text
    body: tuple[Text, ...]


@dataclass(frozen=True)
class Choice:
    id: str
    text: Text

    def __str__(self) -> str:
        return str(self.text)


@dataclass(frozen=True)
class Question:
    id: str
    page: str
    prompt: Text
    choices: tuple[Choice, ...]
    answer: str

    def choice_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.choices)


@dataclass(frozen=True)
class Module:
    role: str
    title: Text
    pages: tuple[Page, ...]
    questions: tuple[Question, ...]

    def page(self, page_id: str) -> Page | None:
        return next((p for p in self.pages if p.id == page_id), None)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Course:
    """Every module, and the version a test was started on (the file's digest)."""

    version: str
    modules: dict[str, Module]


def _text(raw: Any, where: str) -> Text:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("ja", "en")):
        raise ImproperlyConfigured(f"{SOURCE.name}: {where} needs ja and en text")
    if not raw["ja"].strip() or not raw["en"].strip():
        raise ImproperlyConfigured(f"{SOURCE.name}: {where} has an empty text")
    return Text(ja=raw["ja"], en=raw["en"])


def parse(data: bytes, known_roles: frozenset[str]) -> Course:
    """Read and check the file: a broken file fails loudly, never a test with no answer."""
    raw = tomllib.loads(data.decode("utf-8"))
    pages = {
        p["id"]: Page(
            id=p["id"],
            title=_text(p.get("title"), f"page {p['id']} title"),
            body=tuple(_text(b, f"page {p['id']} body") for b in p.get("body", [])),
        )
        for p in raw.get("page", [])
    }
    questions: dict[str, Question] = {}
    for q in raw.get("question", []):
        choices = tuple(
            Choice(id=c["id"], text=_text(c, f"question {q['id']} choice")) for c in q["choices"]
        )
        question = Question(
            id=q["id"],
            page=q["page"],
            prompt=_text(q.get("prompt"), f"question {q['id']} prompt"),
            choices=choices,
            answer=q["answer"],
        )
        if len(question.choice_ids()) != len(choices) or len(choices) < 2:
            raise ImproperlyConfigured(f"{SOURCE.name}: question {q['id']} choices")
        if question.answer not in question.choice_ids():
            raise ImproperlyConfigured(f"{SOURCE.name}: question {q['id']} answer")
        if question.page not in pages:
            raise ImproperlyConfigured(f"{SOURCE.name}: question {q['id']} page")
        questions[question.id] = question
    modules: dict[str, Module] = {}
    for m in raw.get("module", []):
        role = m["role"]
        if role not in known_roles or role in modules:
            raise ImproperlyConfigured(f"{SOURCE.name}: module {role}")
        module = Module(
            role=role,
            title=_text(m.get("title"), f"module {role} title"),
            pages=tuple(pages[p] for p in m["pages"]),
            questions=tuple(questions[q] for q in m["questions"]),
        )
        page_ids = {p.id for p in module.pages}
        if not module.questions or any(q.page not in page_ids for q in module.questions):
            raise ImproperlyConfigured(f"{SOURCE.name}: module {role} asks of a page it lacks")
        if len(page_ids) != len(module.pages) or len(set(m["questions"])) != len(m["questions"]):
            raise ImproperlyConfigured(f"{SOURCE.name}: module {role} repeats itself")
        modules[role] = module
    digest = hashlib.sha256(data).hexdigest()[:12]
    return Course(version=f"{raw['version']}-{digest}", modules=modules)


@cache
def course() -> Course:
    return parse(SOURCE.read_bytes(), frozenset(Role.values))
