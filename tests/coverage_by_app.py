"""`make coverage` prints line and branch coverage per app from coverage.py's JSON report:
python -m tests.coverage_by_app var/coverage.json"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

APPS = ("supportmeasures", "inquiries", "auditlog", "config")


def main(path: str) -> None:
    with open(path, encoding="utf-8") as report:
        files = json.load(report)["files"]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for name, data in files.items():
        app = name.split("/", 1)[0]
        summary = data["summary"]
        total = totals[app]
        total[0] += summary["covered_lines"]
        total[1] += summary["num_statements"]
        total[2] += summary["covered_branches"]
        total[3] += summary["num_branches"]
    for app in APPS:
        lines, statements, branches, all_branches = totals[app]
        if statements:
            print(
                f"{app:16} lines {100 * lines / statements:5.1f}% ({lines}/{statements})"
                f"  branches {100 * branches / max(all_branches, 1):5.1f}%"
                f" ({branches}/{all_branches})"
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "var/coverage.json")
