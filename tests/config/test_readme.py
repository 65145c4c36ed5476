"""The README works verbatim from a fresh clone (issue 15): its shell blocks, in order, against
the demo.

The working tree (tracked files and untracked ones git does not ignore: what a clone would hold,
plus work not yet committed) is copied into a temporary directory. Nothing is installed: the
copy's `.venv` is a view of the running interpreter's environment with a stamp of its own, so
the Makefile's install step is up to date. Then every fenced ``sh``/``bash``/``console`` block
of README.md runs, in order, as written, in a shell with a clean environment (PATH, HOME, LANG
and the PORT a reader may choose), with ``-e -o pipefail`` so that any failing command fails the
block:

- ``make run`` (the long-running server) starts in the background; the walk goes on once
  /accounts/login/ answers 200;
- ``make test`` is not run from inside the suite: ``make -n test`` shows it is the documented
  target and that it runs pytest;
- every other block runs verbatim and must exit 0; blocks whose output the README describes
  are checked against that description.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from supportmeasures.management.commands.seed_demo import DEMO_TOTP_KEY

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SHELL_FENCES = {"sh", "bash", "shell", "console"}
# A long command line: `make run` migrates and seeds before it serves, on a machine that may
# be busy with other work; the walk itself takes seconds.
SERVER_START_SECONDS = 180
BLOCK_SECONDS = 120
MAKE_RUN = re.compile(r"^(?:[A-Z_]+=\S+\s+)*make\s+run\b")
MAKE_TEST = re.compile(r"^(?:[A-Z_]+=\S+\s+)*make\s+test\b")


@dataclass
class Block:
    fence: str
    text: str
    line: int  # 1-based line of the opening fence in README.md

    def commands(self) -> list[str]:
        """The logical command lines (continuations joined), without prompts or output."""
        lines = self.text.splitlines()
        if self.fence == "console":
            lines = [line[2:] for line in lines if line.startswith("$ ")]
        commands: list[str] = []
        current = ""
        for line in lines:
            current += line
            if current.endswith("\\"):
                current = current[:-1] + " "
                continue
            if current.strip() and not current.strip().startswith("#"):
                commands.append(current.strip())
            current = ""
        return commands

    def script(self) -> str:
        return "\n".join(self.commands()) if self.fence == "console" else self.text


@dataclass
class Run:
    block: Block
    command: str
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Walk:
    directory: Path
    port: int
    env: dict[str, str]
    server_log: Path
    runs: list[Run] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def shell_blocks(markdown: str) -> list[Block]:
    """Fenced blocks in order; an indented fence (inside a list item) loses its indentation."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w-]*)", lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, language = opening.groups()
        body: list[str] = []
        start = index
        index += 1
        while index < len(lines) and lines[index].strip() != fence:
            line = lines[index]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            index += 1
        index += 1
        if language in SHELL_FENCES:
            blocks.append(Block(fence=language, text="\n".join(body), line=start + 1))
    return blocks


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def copy_of_the_working_tree(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        source = ROOT / name
        if not source.is_file():  # deleted in the working tree, or a submodule
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def view_of_the_environment(destination: Path) -> None:
    """`.venv` in the copy: the running environment's files, and a fresh install stamp of its
    own, so that `make` finds the environment installed and never installs into it."""
    environment = Path(sys.prefix)
    assert (environment / "pyvenv.cfg").is_file(), f"not a virtual environment: {environment}"
    venv = destination / ".venv"
    venv.mkdir()
    for entry in environment.iterdir():
        if entry.name != ".installed":
            (venv / entry.name).symlink_to(entry)
    (venv / ".installed").touch()


def reader_environment(port: int) -> dict[str, str]:
    """What a newcomer's terminal has: no settings module, database or make level of ours."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "PORT": str(port),
    }
    for name in ("TMPDIR", "USER", "TERM"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def bash(script: str, walk: Walk, timeout: int = BLOCK_SECONDS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the README's own commands
        ["bash", "-e", "-o", "pipefail", "-c", script],  # noqa: S607
        cwd=walk.directory,
        env=walk.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        start_new_session=True,  # no terminal: a command that would prompt must say so
    )


def get(
    url: str | urllib.request.Request, opener: urllib.request.OpenerDirector | None = None
) -> tuple[int, str]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def start_the_demo(command: str, walk: Walk) -> subprocess.Popen[bytes]:
    with walk.server_log.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - the README's own command
            ["bash", "-c", command],  # noqa: S607
            cwd=walk.directory,
            env=walk.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the reloader's child ends with it
        )
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"`{command}` ended ({server.returncode}):\n{walk.server_log.read_text()}")
        if "Traceback (most recent call last)" in walk.server_log.read_text():
            stop(server)  # runserver waits for a change after an error at start-up
            pytest.fail(f"`{command}` failed to start:\n{walk.server_log.read_text()}")
        try:
            if get(walk.url("/accounts/login/"))[0] == 200:
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"`{command}` did not serve in time:\n{walk.server_log.read_text()}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    """The README's shell blocks, run in order against the demo in a copy of the tree."""
    directory = tmp_path_factory.mktemp("clone")
    copy_of_the_working_tree(directory)
    view_of_the_environment(directory)
    port = free_port()
    walk = Walk(
        directory=directory,
        port=port,
        env=reader_environment(port),
        server_log=tmp_path_factory.mktemp("server") / "make-run.log",
    )
    servers: list[subprocess.Popen[bytes]] = []
    try:
        for block in shell_blocks(README.read_text(encoding="utf-8")):
            commands = block.commands()
            if not any(MAKE_RUN.match(c) or MAKE_TEST.match(c) for c in commands):
                result = bash(block.script(), walk)
                walk.runs.append(Run(block, block.script(), *_outcome(result)))
                continue
            for command in commands:
                if MAKE_RUN.match(command):
                    dry = bash(MAKE_RUN.sub(lambda m: m.group(0) + " -n", command), walk)
                    walk.runs.append(Run(block, command + "  (dry run)", *_outcome(dry)))
                    servers.append(start_the_demo(command, walk))
                    walk.runs.append(Run(block, command, 0, walk.server_log.read_text(), ""))
                elif MAKE_TEST.match(command):
                    dry = bash(MAKE_TEST.sub(lambda m: m.group(0) + " -n", command), walk)
                    walk.runs.append(Run(block, command + "  (dry run)", *_outcome(dry)))
                else:
                    result = bash(command, walk)
                    walk.runs.append(Run(block, command, *_outcome(result)))
        yield walk
    finally:
        for server in servers:
            stop(server)


def _outcome(result: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    return result.returncode, result.stdout, result.stderr


# The README's table of commands says each `python manage.py …` row runs on the demo as
# `make manage ARGS="…"`: one concrete use of each, in an order that works (the walk has made
# the API client). A row without an example here fails the test.
TABLE_EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "seed_demo": [("seed_demo", "Demo accounts")],  # idempotent: make run seeded already
    "demo_code": [("demo_code a_clerk", "")],  # six digits: logs_in checks and uses its code
    "verify_auditlog": [("verify_auditlog", "OK: ")],
    "checkpoint_auditlog": [
        ("checkpoint_auditlog", "sealed"),
        ("checkpoint_auditlog --public-key", "BEGIN PUBLIC KEY"),
    ],
    "export_auditlog": [("export_auditlog --output var/chain.jsonl", "written to var/chain.jsonl")],
    "run_job": [("run_job lapse-overdue-measures", "lapse-overdue-measures"), ("run_job", "")],
    "register_staff": [
        ("register_staff c_clerk --ward 141011 --role clerk --no-password", "Registered c_clerk")
    ],
    "record_training": [("record_training c_clerk --on R8.4.1", "")],
    "import_registry": [("import_registry var/registry.csv --dry-run", "")],
    "create_api_client": [("create_api_client 福祉システム", "mmr_")],
    "revoke_api_client": [("revoke_api_client 住民税システム", "")],
    "lapse_overdue_measures": [("lapse_overdue_measures", "lapse-overdue-measures")],
}
REGISTRY_CSV = (
    "measure_ref,ward_code,role,name,kana,aliases,birth_date,sex,address,relationship,kind,"
    "status,starts_on,ends_on\n"
    "OLD-1,141011,protected,海野 花,ウミノ ハナ,,1991-01-02,F,,,dv,active,R8.1.5,\n"
    "OLD-1,141011,counterparty,海野 剛,ウミノ ツヨシ,,,M,,夫,dv,active,R8.1.5,\n"
)


def table_commands(readme: str) -> set[str]:
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    return {
        name
        for row in rows
        for name in re.findall(r"`(?:python manage\.py )?(\w+)[^`]*`", row.split("|")[1])
        if re.search(rf"`python manage\.py {name}\b|/ `{name}\b", row)
    }


def runs_of(walk: Walk, pattern: str) -> list[Run]:
    return [run for run in walk.runs if re.search(pattern, run.command)]


class TestTheReadmeWorksVerbatim:
    def test_the_two_commands_come_first(self):
        first = shell_blocks(README.read_text(encoding="utf-8"))[0].commands()

        assert [command.split("#")[0].strip() for command in first] == ["make run", "make test"]

    def test_every_shell_block_runs_in_order_and_succeeds(self, walk):
        assert len(walk.runs) >= 4, [run.command for run in walk.runs]
        for run in walk.runs:
            assert run.returncode == 0, (
                f"README.md line {run.block.line}: `{run.command}` exited {run.returncode}\n"
                f"{run.stdout}\n{run.stderr}"
            )

    def test_make_run_installs_nothing_here_and_serves_the_demo_on_the_readers_port(self, walk):
        (dry_run,) = runs_of(walk, r"^make run\b.*\(dry run\)$")
        (served,) = runs_of(walk, r"^make run\b(?!.*\(dry run\))")

        assert "pip install" not in dry_run.stdout  # the copy's environment is up to date
        assert f"runserver 127.0.0.1:{walk.port}" in dry_run.stdout
        assert f"Mamori: http://127.0.0.1:{walk.port}/" in served.stdout

    def test_on_a_fresh_machine_make_run_first_builds_the_environment(self, walk):
        """Where no environment exists yet, `make run` creates it with Python 3.11 and installs
        the project before it migrates (shown as a dry run: nothing is installed here)."""
        env = {**walk.env, "VENV": str(walk.directory / "no-environment-yet")}
        dry_run = subprocess.run(
            ["make", "-n", "run"],  # noqa: S607
            cwd=walk.directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=BLOCK_SECONDS,
            check=True,
        ).stdout.splitlines()

        steps = [
            next(i for i, line in enumerate(dry_run) if marker in line)
            for marker in ("-m venv", "pip install --quiet -e '.[dev]'", "migrate", "seed_demo")
        ]
        assert steps == sorted(steps), dry_run
        assert "python3.11" in dry_run[steps[0]]

    def test_make_test_is_the_documented_target_and_runs_the_suite(self, walk):
        (dry_run,) = runs_of(walk, r"^make test\b")

        assert dry_run.returncode == 0, dry_run.stderr
        assert "-m pytest" in dry_run.stdout
        assert "check_services" in dry_run.stdout  # says which service it cannot reach
        for package in ("chromium", "fonts-noto-cjk", "gettext"):  # installed as root, or named
            assert package in dry_run.stdout

    def test_make_run_shows_the_apps_own_404_page(self, walk):
        status, page = get(walk.url("/no-such-page/"))

        assert status == 404
        assert "ページが見つかりません" in page  # the app's own page, in Japanese first
        assert 'class="site-header' in page
        assert "Using the URLconf" not in page  # never Django's debug page
        assert "DEBUG = True" not in page

    def test_the_screening_example_answers_as_the_readme_says(self, walk):
        (example,) = runs_of(walk, r"/api/v1/screenings")
        answers = [json.loads(line) for line in example.stdout.splitlines() if line.strip()]

        assert "${PORT:-8000}" in example.command  # follows PORT, as make run does
        results = [answer.get("result") for answer in answers]
        assert results == ["counterparty", "possible_match"], example.stdout
        strict, hurried = answers
        assert strict["matches"][0]["owning_ward"]["name"] == "鶴見区"
        assert strict["matches"][0]["measure_ref"]
        assert "mixed_script_match" in hurried["matches"][0]["reasons"]
        for answer in answers:  # never an address
            assert "address" not in json.dumps(answer, ensure_ascii=False)
            assert "横浜市" not in json.dumps(answer, ensure_ascii=False)

    def test_the_issuance_check_example_answers_as_the_readme_says(self, walk):
        (example,) = runs_of(walk, r"/api/v1/issuance-checks")
        (answer,) = [json.loads(line) for line in example.stdout.splitlines() if line.strip()]

        assert answer["decision"] == "refuse", example.stdout
        assert "channel_not_counter" in answer["reasons"]
        assert answer["subjects"] == [{"index": 0, "result": "protected"}]
        assert "横浜市" not in example.stdout and "鶴見" not in example.stdout

    def test_the_change_feed_example_answers_as_the_readme_says(self, walk):
        (example,) = runs_of(walk, r"/api/v1/changes")
        (answer,) = [json.loads(line) for line in example.stdout.splitlines() if line.strip()]

        assert len(answer["changes"]) == 2 and answer["more"] is True, example.stdout
        assert answer["next"] == answer["changes"][-1]["id"]
        assert all("persons" in change and "measure" in change for change in answer["changes"])
        for secret in ("横浜市", "鶴見", "141011", "address"):
            assert secret not in example.stdout

    def test_the_audit_chain_verifies_after_the_walk(self, walk):
        (verification,) = runs_of(walk, r"verify_auditlog")

        assert verification.stdout.startswith("OK: "), verification.stdout

    def test_every_account_the_readme_names_exists_with_the_readme_password(self, walk):
        readme = README.read_text(encoding="utf-8")
        (password,) = re.findall(r"the password `([^`]+)`", readme)
        named = sorted(set(re.findall(r"`((?:[ab]_[a-z0-9_]+)|admin)`", readme)))
        (served,) = runs_of(walk, r"^make run\b(?!.*\(dry run\))")
        printed = {line.split()[0] for line in served.stdout.splitlines() if line.startswith("  ")}

        assert {"a_clerk", "b_clerk", "a_supervisor", "b_supervisor", "a_auditor"} <= set(named)
        assert set(named) <= printed, set(named) - printed
        assert f"(password for all: {password})" in served.stdout
        assert logs_in(walk, "b_clerk", password)  # one is enough: seed_demo sets them alike
        assert not logs_in(walk, "b_clerk", password + "x")

    def test_every_command_in_the_table_runs_on_the_demo_through_make_manage(self, walk):
        readme = README.read_text(encoding="utf-8")
        commands = table_commands(readme)
        (walk.directory / "var" / "registry.csv").write_text(REGISTRY_CSV, encoding="utf-8")

        assert 'make manage ARGS="' in readme
        assert {"verify_auditlog", "register_staff", "revoke_api_client"} <= commands
        assert commands <= set(TABLE_EXAMPLES), commands - set(TABLE_EXAMPLES)
        for name in sorted(commands, key=list(TABLE_EXAMPLES).index):
            for args, expected in TABLE_EXAMPLES[name]:
                result = bash(f'make manage ARGS="{args}"', walk)
                assert result.returncode == 0, (args, result.stdout, result.stderr)
                assert expected in result.stdout + result.stderr, (args, result.stdout)

    def test_a_command_that_needs_a_password_typed_says_so_without_a_terminal(self, walk):
        result = bash('make manage ARGS="register_staff d_clerk --ward 141011 --role clerk"', walk)

        assert result.returncode != 0
        assert "No password was typed" in result.stderr
        assert "Traceback" not in result.stderr

    def test_the_readme_and_docs_never_send_readers_outside_the_clone(self):
        for path in [README, *sorted((ROOT / "docs").rglob("*.md"))]:
            text = path.read_text(encoding="utf-8")
            for outside in ("../shared", "shared/DOMAIN", "/work/"):
                assert outside not in text, f"{path.relative_to(ROOT)} refers to {outside}"

    def test_every_document_the_readme_links_is_in_the_clone(self):
        readme = README.read_text(encoding="utf-8")
        linked = set(re.findall(r"\]\(([^)#]+)\)", readme))
        linked |= set(re.findall(r"`(docs/[\w./-]+\.md)`", readme))

        assert linked
        for target in linked:
            assert (ROOT / target).is_file(), target


def logs_in(walk: Walk, username: str, password: str) -> bool:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    status, page = get(walk.url("/accounts/login/"), opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert status == 200 and token
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - http on the demo's own port
        walk.url("/accounts/login/"), data=form, headers={"Referer": walk.url("/accounts/login/")}
    )
    status, page = get(request, opener)  # follows the redirect to the second factor
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or 'name="otp_token"' not in page or not token:
        return False
    # The code, as the README says to get it; it is the demo key's code now (seed_demo).
    code = bash(f'make manage ARGS="demo_code {username}"', walk).stdout.strip()
    assert re.fullmatch(r"[0-9]{6}", code), code
    assert int(code) in {TOTP(bytes.fromhex(DEMO_TOTP_KEY), drift=d).token() for d in (-1, 0)}
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "otp_token": code}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - http on the demo's own port
        walk.url("/accounts/second-factor/"),
        data=form,
        headers={"Referer": walk.url("/accounts/second-factor/")},
    )
    status, page = get(request, opener)  # follows the redirect home
    return status == 200 and "site-header__user" in page and 'name="otp_token"' not in page


def test_shell_blocks_are_read_as_a_reader_types_them():
    markdown = """
```sh
make run    # serves
```
1. A step:

   ```bash
   TOKEN=$(make manage ARGS="x") \\
     && echo "$TOKEN"
   ```

```text
output, never run
```
```console
$ make manage ARGS="verify_auditlog"
OK: 3 events verified
```
"""
    blocks = shell_blocks(markdown)

    assert [block.fence for block in blocks] == ["sh", "bash", "console"]
    assert blocks[0].commands() == ["make run    # serves"]
    assert blocks[1].commands() == ['TOKEN=$(make manage ARGS="x")    && echo "$TOKEN"']
    assert blocks[1].script().startswith('TOKEN=$(make manage ARGS="x") \\\n  && echo')
    assert blocks[2].script() == 'make manage ARGS="verify_auditlog"'
    assert MAKE_RUN.match(blocks[0].commands()[0])
    assert MAKE_RUN.match("PORT=8123 make run")
    assert not MAKE_RUN.match("make manage ARGS=run")
    assert MAKE_TEST.match("make test PYTEST_ARGS=tests/config")
