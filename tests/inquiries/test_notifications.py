"""Notices survive a Redis outage: written with the act, emailed once Redis is back, once."""

from __future__ import annotations

import datetime
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone
from kombu import pools

from config.celery import app
from inquiries import actions
from inquiries.models import Notification

PORT = 6391


def _redis(port: int) -> subprocess.Popen[bytes]:
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
    raise RuntimeError("redis did not start")


def _reset_pool() -> None:
    """Forget connections made to the previous broker."""
    if app._pool is not None:  # type: ignore[attr-defined]
        app._pool.force_close_all()  # type: ignore[attr-defined]
        app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]
    app._local.__dict__.pop("backend", None)  # type: ignore[attr-defined]
    pools.reset()


@pytest.fixture
def own_broker() -> Iterator[str]:
    """A Redis of this test's own, so stopping it disturbs nobody else."""
    url = f"redis://127.0.0.1:{PORT}/0"
    saved = (
        app.conf.broker_url,
        app.conf.result_backend,
        app.conf.broker_connection_retry,
        app.conf.task_publish_retry,
    )
    app.conf.update(broker_url=url, result_backend=url, task_publish_retry=False)
    _reset_pool()
    yield url
    app.conf.update(
        broker_url=saved[0],
        result_backend=saved[1],
        broker_connection_retry=saved[2],
        task_publish_retry=saved[3],
    )
    _reset_pool()


@pytest.mark.django_db(transaction=True)
def test_a_notice_written_while_redis_is_down_is_delivered_once_when_it_is_back(
    own_broker, clerk_a, now
):
    clerk_a.email = "a_clerk@example.jp"
    clerk_a.save()
    # Redis is down: the act commits, its notice is written, the enqueue fails quietly.
    from django.db import transaction

    with transaction.atomic():
        actions.notify(
            [clerk_a], subject="照会が届きました", body="b", url="/x", critical=True, now=now
        )
    notice = Notification.objects.get()
    assert notice.emailed_at is None and mail.outbox == []

    server = _redis(PORT)
    try:
        _reset_pool()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # The beat sweep sends this every minute; twice here, as a retry might.
            sweeps = [
                app.send_task("inquiries.tasks.deliver_notifications", ignore_result=False)
                for _ in range(2)
            ]
            # Both sweeps have finished (bounded wait): the first sent the notice, the
            # second found nothing left to send.
            sent = [sweep.get(timeout=30) for sweep in sweeps]
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert sorted(sent) == [0, 1]
    assert [m.subject for m in mail.outbox] == ["【重要】照会が届きました"]
    notice.refresh_from_db()
    assert notice.emailed_at is not None


@pytest.mark.django_db
def test_waiting_plans_escalate_once(plan_fields, clerk_b, supervisor_b, make_staff, ward_b, now):
    from supportmeasures.models import Role

    other = make_staff(ward_b, Role.SUPERVISOR)
    plan = actions.create_plan(
        acting_user=clerk_b,
        created_at=now,
        **plan_fields(
            target_name="鈴木 一郎", target_kana="スズキ イチロウ", wording="書類をお送りします"
        ),
    )
    later = timezone.now() + datetime.timedelta(minutes=31)

    assert actions.escalate_waiting_plans(now=later) == [str(plan.public_id)]
    assert actions.escalate_waiting_plans(now=later) == []
    escalated = Notification.objects.filter(subject__contains="waited too long")
    assert {n.recipient for n in escalated} == {supervisor_b, other}


@pytest.mark.django_db
def test_an_hourly_ward_gets_one_digest_but_critical_notices_at_once(clerk_b, ward_b, now):
    from supportmeasures.models import NoticeMode

    ward_b.notice_mode = NoticeMode.HOURLY
    ward_b.save()
    clerk_b.email = "b@example.jp"
    clerk_b.save()
    clerk_b.refresh_from_db()
    actions.notify([clerk_b], subject="回答されました", body="", url="/a", critical=False, now=now)
    actions.notify(
        [clerk_b], subject="計画が承認されました", body="", url="/b", critical=False, now=now
    )
    actions.notify(
        [clerk_b], subject="保護状況が引き上げられました", body="", url="/c", critical=True, now=now
    )

    immediate = actions.deliver_pending_notifications(now=now)
    digests = actions.send_digests(now=now)
    again = (actions.deliver_pending_notifications(now=now), actions.send_digests(now=now))

    assert (immediate, digests, again) == (1, 1, (0, 0))
    assert mail.outbox[0].subject == "【重要】保護状況が引き上げられました"
    assert "回答されました" in mail.outbox[1].body and "計画が承認されました" in mail.outbox[1].body
