"""The training pages: the module's overview, one page per rule, the test and its result.
Each view loads with one selector (404 without a module) and acts with one action."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from supportmeasures.models import Staff
from supportmeasures.refusals import ActionRefused
from supportmeasures.training import actions, selectors
from supportmeasures.training.content import Module

RESULT_KEY = "mamori.training.result"
ANSWER_PREFIX = "answer-"


def _staff(request: HttpRequest) -> Staff:
    user = request.user
    assert isinstance(user, Staff)  # LoginRequiredMiddleware guarantees it
    return user


class ModuleView(View):
    """Every training page: the user's module is loaded before GET or POST (404 without)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user = _staff(request)
        self.module: Module = selectors.module_for(user=self.user)
        return super().dispatch(request, *args, **kwargs)


class IndexView(ModuleView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "training/index.html",
            {
                "module": self.module,
                "status": selectors.training_status(user=self.user, today=timezone.localdate()),
            },
        )


class PageView(ModuleView):
    def get(self, request: HttpRequest, page_id: str) -> HttpResponse:
        module, page = selectors.page_of(user=self.user, page_id=page_id)
        index = module.pages.index(page)
        return render(
            request,
            "training/page.html",
            {
                "module": module,
                "page": page,
                "number": index + 1,
                "previous": module.pages[index - 1] if index > 0 else None,
                "next": module.pages[index + 1] if index + 1 < len(module.pages) else None,
            },
        )


def _test_context(test: selectors.ServedTest, chosen: dict[str, str]) -> dict[str, Any]:
    """The test and, after a refusal, what the trainee had chosen (shown again as chosen)."""
    return {
        "test": test,
        "rows": [
            (n, served, chosen.get(served.question.id, ""))
            for n, served in enumerate(test.questions, 1)
        ],
        "prefix": ANSWER_PREFIX,
    }


class TestView(ModuleView):
    def get(self, request: HttpRequest) -> HttpResponse:
        test = selectors.served_test(user=self.user, at=timezone.now())
        return render(request, "training/test.html", _test_context(test, {}))

    def post(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        ticket = request.POST.get("ticket", "")
        answers = {
            key.removeprefix(ANSWER_PREFIX): request.POST.getlist(key)
            for key in request.POST
            if key.startswith(ANSWER_PREFIX)
        }
        try:
            outcome = actions.submit_training_test(
                trainee=self.user, ticket=ticket, answers=answers, submitted_at=now
            )
        except ActionRefused as exc:
            test = selectors.served_test(user=self.user, at=now, ticket=ticket)
            chosen = {k: v[0] for k, v in answers.items() if len(v) == 1}
            return render(
                request,
                "training/test.html",
                {**_test_context(test, chosen), "error": str(exc)},
                status=400,
            )
        request.session[RESULT_KEY] = {
            "role": self.module.role,
            "passed": outcome.passed,
            "correct": outcome.correct,
            "total": outcome.total,
            "reread": list(outcome.reread),
        }
        return redirect("training:result")


class ResultView(ModuleView):
    def get(self, request: HttpRequest) -> HttpResponse:
        result = request.session.get(RESULT_KEY)
        if not result or result.get("role") != self.module.role:
            return redirect("training:index")
        reread = [p for p in self.module.pages if p.id in set(result["reread"])]
        return render(
            request,
            "training/result.html",
            {
                "module": self.module,
                "result": result,
                "reread": reread,
                "status": selectors.training_status(user=self.user, today=timezone.localdate()),
            },
        )
