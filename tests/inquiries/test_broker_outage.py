"""With Redis down, no act waits for it: the act commits at once and nothing is lost.

Each test runs a Redis of its own on a free port, points the Celery app at it, then takes it
away in one of the two ways Redis fails: stopped (the port refuses connections) or paused
(SIGSTOP: the kernel still accepts the connection and nothing ever answers, which is what a
hung or unreachable broker looks like and what Celery's defaults wait on for 19 seconds or
forever). The bound asserted is the behaviour under test (config/settings.py: one-second
socket timeouts, no publish retries in the request), not a performance figure: it is kept
generous (3 s against the many seconds the defaults wait) so a slow machine cannot fail it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.core.cache.backends.redis import RedisCache
from kombu import pools
from redis.exceptions import TimeoutError as RedisTimeout

from config.celery import app
from inquiries import actions
from inquiries.models import Inquiry, Notification

# Generous upper bound (see the module's docstring): the timeouts are 1 s.
BOUND_SECONDS = 3.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_redis(port: int) -> subprocess.Popen[bytes]:
    server = shutil.which("redis-server")
    assert server, "redis-server is needed for this test"
    process = subprocess.Popen(  # noqa: S603
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis did not start")


def _reset_pool() -> None:
    """Forget connections made to the previous broker."""
    if app._pool is not None:  # type: ignore[attr-defined]
        app._pool.force_close_all()  # type: ignore[attr-defined]
        app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]
    app._local.__dict__.pop("backend", None)  # type: ignore[attr-defined]
    pools.reset()


class OwnRedis:
    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = _start_redis(self.port)

    def take_away(self, how: str) -> None:
        if how == "stopped":
            self.process.terminate()
            self.process.wait(timeout=10)
        else:
            os.kill(self.process.pid, signal.SIGSTOP)

    def close(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(params=["stopped", "paused"])
def redis_down(request: pytest.FixtureRequest) -> Iterator[Callable[[], None]]:
    """The Celery app on a Redis of this test's own (with the timeouts settings.py gives
    every environment), and a function that takes that Redis away."""
    redis = OwnRedis()
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=redis.url, result_backend=redis.url, task_always_eager=False)
    _reset_pool()
    try:
        yield lambda: redis.take_away(request.param)
    finally:
        redis.close()
        app.conf.update(saved)
        _reset_pool()


@pytest.mark.django_db(transaction=True)
class TestRedisDown:
    def test_the_broker_is_configured_to_give_up_within_a_second(self):
        options = app.conf.broker_transport_options

        assert (options["socket_connect_timeout"], options["socket_timeout"]) == (1.0, 1.0)
        assert options["max_retries"] == 0
        assert app.conf.task_publish_retry is False
        assert app.conf.task_ignore_result is True
        assert app.conf.broker_connection_timeout == 1.0

    def test_signing_off_an_urgent_inquiry_does_not_wait_and_its_notices_are_kept(
        self, redis_down, inquiry_about_x, supervisor_a, clerk_b, supervisor_b, now
    ):
        clerk_b.email = "b_clerk@example.jp"
        clerk_b.save()
        redis_down()

        started = time.monotonic()
        actions.sign_off_inquiry(
            inquiry=inquiry_about_x, acting_user=supervisor_a, confirmed_minimal=True, signed_at=now
        )
        took = time.monotonic() - started

        assert took < BOUND_SECONDS, f"the act waited {took:.1f} s for the broker"
        inquiry = Inquiry.objects.get(pk=inquiry_about_x.pk)
        assert inquiry.signed_off_at == now
        waiting = Notification.objects.filter(recipient=clerk_b, emailed_at__isnull=True)
        assert waiting.exists() and mail.outbox == []
        # Nothing is lost: the minute's sweep (beat, whatever the broker did) sends it.
        assert actions.deliver_pending_notifications(now=now) >= 1
        assert [m.to for m in mail.outbox] == [["b_clerk@example.jp"]]

    def test_registering_an_application_does_not_wait_for_the_re_evaluation(
        self, redis_down, register, clerk_a
    ):
        redis_down()

        started = time.monotonic()
        measure = register(clerk_a)
        took = time.monotonic() - started

        assert took < BOUND_SECONDS, f"the act waited {took:.1f} s for the broker"
        assert measure.pk is not None
        # Nothing is lost: the hourly sweep re-evaluates open inquiries without a queued task.
        assert app.conf.beat_schedule["reevaluate-open-inquiries"]["args"] == (
            "reevaluate-open-inquiries",
        )


def test_the_cache_gives_up_within_the_bound_too():
    """The cache (when Redis is configured) has the same short socket timeouts."""
    redis = OwnRedis()
    try:
        options = settings.CACHES["default"].get("OPTIONS", {})
        cache = RedisCache(redis.url, {"OPTIONS": options})
        cache.set("k", "v")
        redis.take_away("paused")

        started = time.monotonic()
        with pytest.raises(RedisTimeout):
            cache.get("k")
        took = time.monotonic() - started
    finally:
        redis.close()

    assert options == {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
    assert took < BOUND_SECONDS


BEAT_PUBLISHES = """
import django, time
django.setup()
from auditlog.tasks import run_scheduled_job
print("publishing", flush=True)
run_scheduled_job.apply_async(("notification-digests",))  # as beat sends a tick
print("sent", flush=True)
"""


def test_beat_waits_for_redis_instead_of_skipping_a_tick(tmp_path):
    """Beat's unit sets MAMORI_BROKER_PATIENT=1 (docs/running.md): a tick sent while Redis is
    down waits for it and is queued when it is back, instead of failing within the second
    a request would wait."""
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "MAMORI_BROKER_PATIENT": "1",
    }
    root = Path(__file__).resolve().parents[2]
    beat = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", BEAT_PUBLISHES],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        # The publish starts while Redis is down (it is started only below), and is still
        # waiting two seconds later: ordered by the script's own line, not by a clock.
        assert beat.stdout is not None
        assert beat.stdout.readline().strip() == "publishing"
        time.sleep(2)
        assert beat.poll() is None, "the publish gave up while Redis was down"
        process = _start_redis(port)
        try:
            out, _err = beat.communicate(timeout=60)
            queued = redis.Redis(port=port).llen("celery")
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        if beat.poll() is None:
            beat.kill()

    assert beat.returncode == 0
    assert out.strip() == "sent"
    assert queued == 1
