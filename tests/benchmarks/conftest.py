"""Benchmarks run only through `make bench` (they are outside the default test paths)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values) * 1000, "p95": percentile(values, 0.95) * 1000}


def write_section(title: str, body: str) -> None:
    """Replace (or add) one `## title` section of docs/benchmarks.md."""
    text = (
        DOCS.read_text(encoding="utf-8")
        if DOCS.exists()
        else (
            "# Benchmarks\n\nMeasured by `make bench` on the project's machine (2 cores, PostgreSQL "
            "15 and Redis on the same host). These machines are noisy: read the ratios against "
            "the baseline measured in the same run, not the absolute times.\n"
        )
    )
    marker = f"## {title}\n"
    section = marker + "\n" + body.strip() + "\n"
    if marker in text:
        start = text.index(marker)
        end = text.find("\n## ", start + len(marker))
        text = text[:start] + section + ("\n" + text[end + 1 :] if end != -1 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    DOCS.write_text(text, encoding="utf-8")
