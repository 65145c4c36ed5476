"""Each role's first task in the manual (docs/manual/), followed step by step in Chromium.

The tests click the buttons the manual names, by their Japanese labels, and take the manual's
screenshots into docs/manual/images/ as they go: a change to a screen changes its picture, and
a step the manual describes that no longer exists fails here. Each test ends by checking that
every screenshot of its first task was written by this run.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable, Iterator
from importlib import import_module

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import FilePayload, Locator, Page, ViewportSize, expect

from config import manual
from inquiries import actions as inquiry_actions
from inquiries.models import Channel, DisclosureCategory, Inquiry, InquiryState, PlanState
from supportmeasures.actions import PartyData, PersonData
from supportmeasures.models import (
    MeasureStatus,
    Role,
    SupportMeasure,
    SupportMeasureUserObjectPermission,
)
from tests.conftest import PASSWORD, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT: ViewportSize = {"width": 1180, "height": 820}

TAKAHASHI = PersonData(
    name="髙橋 由美",
    kana="タカハシ ユミ",
    birth_date=datetime.date(1988, 2, 14),
    sex="F",
    address="横浜市鶴見区鶴見中央3-4-5",
)
TAKAHASHI_COUNTERPARTY = PersonData(
    name="髙橋 誠", kana="タカハシ マコト", birth_date=datetime.date(1985, 7, 1), sex="M"
)


def guide_images(slug: str, *, first_task: bool = False) -> set[str]:
    """The screenshots a role's guide shows, or only its first task's (in both languages)."""
    names: set[str] = set()
    for language in manual.LANGUAGES:
        text = manual.manual_path(language, slug).read_text(encoding="utf-8")
        names |= manual.image_names(text.split("\n## ")[1] if first_task else text)
    return names


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Iterator[Callable[..., None]]:
    """Takes a manual screenshot: one screen's height from the part the step is about (by
    default the page's main content, below the header), not the whole page, to keep the files
    small. When the test is done, checks that each screenshot it took is one its guide shows,
    and that a test following a first task wrote every screenshot of that task in this run."""
    page.set_viewport_size(VIEWPORT)
    failed_before = request.session.testsfailed
    started = time.time()
    taken: list[str] = []

    def take(name: str, focus: str | Locator | None = "main") -> None:
        top = 0.0
        if focus is not None:
            target = page.locator(focus) if isinstance(focus, str) else focus
            box = target.first.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
            top = max(0.0, float(box) - (0 if focus == "main" else 24))
        height = page.evaluate("document.documentElement.scrollHeight")
        clip = {
            "x": 0,
            "y": top,
            "width": VIEWPORT["width"],
            "height": max(200.0, min(VIEWPORT["height"], float(height) - top)),
        }
        path = manual.IMAGES_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, clip=clip)  # type: ignore[arg-type]
        taken.append(f"{name}.png")

    yield take

    if request.session.testsfailed > failed_before:
        return  # the step that failed is the news, not the screenshots it never reached
    slug = taken[0].split("-")[0]
    assert set(taken) <= guide_images(slug), set(taken) - guide_images(slug)
    if set(taken) & guide_images(slug, first_task=True):
        assert guide_images(slug, first_task=True) <= set(taken)
    for name in taken:
        path = manual.IMAGES_DIR / name
        assert path.is_file() and path.stat().st_mtime >= started - 1, name
        assert path.read_bytes().startswith(b"\x89PNG")


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)


def submit_login(page: Page, username: str) -> None:
    page.get_by_role("button", name="ログイン").click()
    pass_second_factor(page, username)
    expect(page.locator(".site-header__user")).to_contain_text(username)


def menu(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name=label, exact=True
    ).click()


def image_loaded(image: Locator) -> bool:
    """Waits for the picture to load (lazily, once scrolled to); a broken one is false."""
    return bool(image.evaluate("img => img.decode().then(() => img.naturalWidth > 0, () => false)"))


def open_help(page: Page, base: str, path: str, heading: str) -> None:
    """「この画面の使い方」 opens this screen's section, with its pictures."""
    page.get_by_role("link", name="この画面の使い方").click()
    expect(page).to_have_url(f"{base}{path}")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    images = page.locator("article.manual img")
    assert images.count() >= 3
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        assert image_loaded(images.nth(i)), images.nth(i).get_attribute("src")


def test_clerk_checks_a_person_before_any_contact(
    page: Page, live_server, shot, x, y, clerk_b
) -> None:
    base = live_server.url

    # 1. Log in.
    log_in(page, base, clerk_b.username)
    shot("clerk-1-login", focus=None)
    submit_login(page, clerk_b.username)
    # 2. 台帳検索, the name as a hurried clerk types it (崎 for 﨑), 検索.
    menu(page, "台帳検索")
    page.get_by_label("氏名").fill("山崎健一")
    page.locator("form[role=search]").get_by_role("button", name="検索").click()
    # 3. The flags: Y is a counterparty.
    row = page.locator("tbody tr", has_text="山﨑 健一")
    expect(row.locator(".badge--counterparty")).to_have_text(re.compile("相手方"))
    shot("clerk-2-search", focus="form[role=search]")
    # 4. Y's page: the protected people he must learn nothing about; the address withheld.
    row.get_by_role("link", name="山﨑 健一").click()
    expect(page.get_by_text("この方に一切の情報を伝えてはならない保護対象者")).to_be_visible()
    expect(page.get_by_text("非開示").first).to_be_visible()
    expect(page.get_by_text("豊岡町")).to_have_count(0)
    shot("clerk-3-person")

    page.goto(f"{base}/search/")
    open_help(
        page, base, "/help/clerk/#search", "1. 連絡の前に台帳で人物を確認する（最初に覚える手順）"
    )


def test_supervisor_signs_off_an_inquiry(
    page: Page, live_server, shot, x, clerk_a, ward_b, supervisor_a
) -> None:
    base = live_server.url
    inquiry = inquiry_actions.create_inquiry(
        acting_user=clerk_a,
        to_ward=ward_b,
        to_department="保険年金課",
        subject_name="山崎 美咲",
        subject_kana="やまさき みさき",
        subject_birth_date=None,
        question="国民健康保険の加入状況を教えてください",
        reason="福祉相談の手続きのため",
        urgency="normal",
        created_at=timezone.now(),
    )

    # 1. The home page says what awaits sign-off.
    log_in(page, base, supervisor_a.username)
    submit_login(page, supervisor_a.username)
    waiting = page.get_by_role("link", name="決裁待ちが1件あります")
    expect(waiting).to_be_visible()
    shot("supervisor-1-home")
    waiting.click()
    # 2. 自分の決裁待ち → 決裁待ちの照会 → the person concerned.
    expect(page.get_by_role("heading", name="自分の決裁待ち", exact=True)).to_be_visible()
    shot("supervisor-2-queue")
    page.get_by_role("link", name="山崎 美咲").click()
    # 3. The inquiry, its status first; 決裁.
    expect(page.get_by_text("保護対象").first).to_be_visible()
    page.get_by_role("link", name="決裁", exact=True).click()
    # 4. Confirm the status and that it asks only what is needed; 決裁して送信.
    expect(page.get_by_role("heading", name="照会の決裁")).to_be_visible()
    page.get_by_label(re.compile("照会内容が必要最小限であることを確認しました")).check()
    shot("supervisor-3-sign-off")
    page.get_by_role("button", name="決裁して送信").click()
    # 5. Sent to the other ward.
    expect(page).to_have_url(f"{base}/inquiries/{inquiry.public_id}/")

    inquiry = Inquiry.objects.get(pk=inquiry.pk)
    assert inquiry.state == InquiryState.SENT
    assert inquiry.signed_off_by == supervisor_a
    page.goto(f"{base}/inquiries/queue/")
    open_help(
        page, base, "/help/supervisor/#queue", "1. 決裁待ちの照会を決裁する（最初に覚える手順）"
    )


def test_support_measure_officer_decides_an_application(
    page: Page, live_server, shot, register, clerk_a, supervisor_a
) -> None:
    base = live_server.url
    measure = register(
        clerk_a,
        protected=TAKAHASHI,
        counterparties=[PartyData(person=TAKAHASHI_COUNTERPARTY, relationship="夫")],
    )

    # 1. 仮支援措置：決定待ち on the home page; the measure's reference.
    log_in(page, base, supervisor_a.username)
    submit_login(page, supervisor_a.username)
    table = page.locator("table", has=page.locator("caption", has_text="仮支援措置：決定待ち"))
    expect(table).to_be_visible()
    shot("responsible-1-home", focus=".dashboard-stats")
    table.get_by_role("link", name=measure.ref).click()
    # 2. The measure: its people and basis; 申出を決定.
    expect(page.get_by_text("仮支援措置").first).to_be_visible()
    expect(page.get_by_text("髙橋 誠").first).to_be_visible()
    shot("responsible-2-measure")
    page.get_by_role("link", name="申出を決定").click()
    # 3. 支援措置を実施する from today, the end left empty for one year.
    page.get_by_label("支援措置を実施する").check()
    page.get_by_label("開始日").fill(timezone.localdate().isoformat())
    shot("responsible-3-decide", focus="form.card")
    # 4. 決定を記録.
    page.get_by_role("button", name="決定を記録").click()
    # 5. Back on the measure: decided, by whom.
    expect(page).to_have_url(f"{base}{measure.get_absolute_url()}")
    expect(page.get_by_text(supervisor_a.full_name).first).to_be_visible()
    shot("responsible-4-decided")

    measure = SupportMeasure.objects.get(pk=measure.pk)
    assert measure.status == MeasureStatus.ACTIVE
    assert measure.decided_by == supervisor_a
    open_help(page, base, "/help/responsible/#measures", "2. 支援措置の一覧と画面")


def test_auditor_follows_one_person_through_the_audit_log(
    page: Page, live_server, shot, register, clerk_a, auditor
) -> None:
    base = live_server.url
    register(
        clerk_a,
        protected=TAKAHASHI,
        counterparties=[PartyData(person=TAKAHASHI_COUNTERPARTY, relationship="夫")],
    )

    # 1. 監査ログ: the state of the chain, then the events.
    log_in(page, base, auditor.username)
    submit_login(page, auditor.username)
    menu(page, "監査ログ")
    expect(page.get_by_text("監査ログの状態")).to_be_visible()
    shot("auditor-1-events")
    # 2. 対象者 高橋 (the common 高), 絞り込み.
    page.get_by_label("対象者（氏名または読み）").fill("高橋")
    page.get_by_role("button", name="絞り込み").click()
    # 3. 髙橋 由美 is found; her name opens the access history.
    found = page.get_by_role("link", name=re.compile("髙橋 由美"))
    expect(found).to_be_visible()
    shot("auditor-2-filtered", focus="section[aria-labelledby=people-title]")
    found.click()
    # 4. アクセス履歴, oldest first: her registration.
    expect(page.get_by_role("heading", name=re.compile("アクセス履歴"))).to_be_visible()
    expect(page.get_by_text("髙橋 由美").first).to_be_visible()
    shot("auditor-3-history")

    page.goto(f"{base}/audit/")
    open_help(
        page,
        base,
        "/help/auditor/#events",
        "1. 監査ログで一人の方の経緯を確認する（最初に覚える手順）",
    )


def test_administrator_checks_staff_accounts(
    page: Page, live_server, shot, make_staff, ward_a, clerk_a
) -> None:
    base = live_server.url
    # The administrator group's admin rights, as migration 0002_roles grants them (a
    # transactional test's flush empties the group's permissions).
    group, _ = Group.objects.get_or_create(name=Role.ADMINISTRATOR)
    for app_label, codename in import_module("supportmeasures.migrations.0002_roles").ADMIN_PERMS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    administrator = make_staff(ward_a, Role.ADMINISTRATOR, username="city_admin")

    # 1. Log in to Mamori, then /admin/.
    log_in(page, base, administrator.username)
    submit_login(page, administrator.username)
    page.goto(f"{base}/admin/")
    shot("administrator-1-admin", focus=None)
    # 2. 職員: the staff list.
    page.locator("#content-main").get_by_role("link", name="職員", exact=True).click()
    expect(page.get_by_role("link", name=clerk_a.username)).to_be_visible()
    shot("administrator-2-staff-list", focus=None)
    # 3. An account: ward and role read-only, the training records below.
    page.get_by_role("link", name=clerk_a.username).click()
    expect(page.get_by_text("研修受講記録").first).to_be_visible()
    expect(page.locator("input[name=ward]")).to_have_count(0)
    shot("administrator-3-staff", focus=None)

    page.goto(f"{base}/help/administrator/")
    expect(
        page.get_by_role("heading", name=re.compile("管理サイトで職員アカウントを確認する"))
    ).to_be_visible()
    for i in range(3):
        image = page.locator("article.manual img").nth(i)
        image.scroll_into_view_if_needed()
        assert image_loaded(image), image.get_attribute("src")


def test_clerk_opens_the_details_only_after_the_warning(
    page: Page, live_server, shot, x, clerk_a
) -> None:
    base = live_server.url
    log_in(page, base, clerk_a.username)
    submit_login(page, clerk_a.username)
    page.goto(f"{base}{x.get_absolute_url()}")

    # 1. 住所・連絡先を開く…
    page.get_by_role("link", name="住所・連絡先を開く…").click()
    # 2.–3. The warning and the counterparties; the purpose; the promise.
    expect(page.get_by_role("heading", name="保護対象の住所・連絡先を開く前に")).to_be_visible()
    expect(page.get_by_text("山﨑 健一").first).to_be_visible()
    page.get_by_label("本人への窓口対応").check()
    page.get_by_label(re.compile("いかなる方法でも誰にも伝えません")).check()
    shot("clerk-4-acknowledge")
    # 4. 確認しました（住所・連絡先を開く）: the address, for a while.
    page.get_by_role("button", name="確認しました（住所・連絡先を開く）").click()
    expect(page.locator("[data-testid=address]")).to_contain_text("横浜市鶴見区豊岡町20-1")
    shot("clerk-5-details")


def test_clerk_reads_an_inquiry_and_plans_a_contact(
    page: Page, live_server, shot, sent_inquiry, clerk_b
) -> None:
    base = live_server.url
    log_in(page, base, clerk_b.username)
    submit_login(page, clerk_b.username)

    # Reading: 1. from the home page's urgent list; 2. the status first, then 確認しました.
    page.locator(".notice", has_text="至急の照会が届いています").get_by_role("link").click()
    expect(page.get_by_role("heading", name="この照会を読む前に")).to_be_visible()
    expect(page.get_by_text("国民健康保険の加入状況")).to_have_count(0)
    page.get_by_label(re.compile("該当状況を理解しました")).check()
    shot("clerk-6-inquiry-acknowledge")
    page.get_by_role("button", name="確認しました（照会を表示）").click()
    expect(page.get_by_text("国民健康保険の加入状況を教えてください")).to_be_visible()

    # Planning: 1. 庁外への連絡を計画; 2. the plan, in the incident's words; 3. 文言を確認.
    page.get_by_role("link", name="庁外への連絡を計画").click()
    page.locator("#id_target_name").fill("山崎 健一")
    page.locator("#id_target_kana").fill("ヤマサキ ケンイチ")
    page.locator("#id_target_contact").fill("090-0000-0000")
    page.locator("#id_target_relation").fill("世帯主")
    page.get_by_label("電話", exact=True).check()
    page.locator("#id_purpose").fill("保険料の確認")
    page.get_by_label("当方の身元のみ（所属と担当者名）").check()
    page.locator("#id_wording").fill("Xさんが先ほどA区役所に来庁されました")
    page.get_by_role("button", name="文言を確認").click()
    check = page.locator("section[aria-labelledby=check]")
    expect(check).to_contain_text(
        "文言に、保護対象の方の現在または過去の所在が分かる内容が含まれています"
    )
    expect(check.locator("mark").first).to_be_visible()
    shot("clerk-7-plan-check", focus=check)
    # The words changed; 4. 計画を保存して承認に回す: critical, two approvers, never the author.
    page.locator("#id_wording").fill("保険料についてお伺いしたいことがあります")
    page.get_by_role("button", name="計画を保存して承認に回す").click()
    expect(page.get_by_text("重大：連絡する相手は相手方です")).to_be_visible()
    expect(page.get_by_role("button", name="この計画を承認")).to_have_count(0)
    shot("clerk-8-plan")


def test_auditor_reads_the_dashboard(page: Page, live_server, shot, x_measure, auditor) -> None:
    base = live_server.url
    log_in(page, base, auditor.username)
    submit_login(page, auditor.username)
    menu(page, "監査ログ")

    page.get_by_role("link", name="ダッシュボード").click()
    expect(page.get_by_role("heading", name="監査ダッシュボード")).to_be_visible()
    shot("auditor-4-dashboard")
    page.get_by_role("link", name="分析").click()
    expect(page.get_by_role("heading", name="監査レポート")).to_be_visible()
    shot("auditor-5-reports")


def test_supervisor_approves_a_contact_plan(
    page: Page, live_server, shot, clerk_b, supervisor_b
) -> None:
    base = live_server.url
    plan = inquiry_actions.create_plan(
        acting_user=clerk_b,
        created_at=timezone.now(),
        target_name="鈴木 一郎",
        target_kana="スズキ イチロウ",
        target_contact="045-111-2222",
        target_relation="本人",
        channel=Channel.PHONE,
        purpose="国民健康保険料の納付方法の案内",
        categories=[DisclosureCategory.IDENTITY, DisclosureCategory.AMOUNTS],
        wording="保険料の納付方法についてご案内します",
    )
    log_in(page, base, supervisor_b.username)
    submit_login(page, supervisor_b.username)

    # 1. 自分の決裁待ち → 連絡計画.
    page.get_by_role("link", name=re.compile("決裁待ちが1件あります")).click()
    page.get_by_role("link", name=re.compile("鈴木 一郎")).click()
    # 2. The risk and why, whom, what will be disclosed, the words.
    expect(page.get_by_text("通常：該当は見つかりませんでした")).to_be_visible()
    expect(page.get_by_role("heading", name="この危険度の理由")).to_be_visible()
    shot("supervisor-4-plan")
    # 3. この計画を承認.
    page.get_by_role("button", name="この計画を承認").click()
    expect(page.locator("dd", has_text="承認済み")).to_be_visible()

    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED
    assert list(plan.approvals.values_list("approver", flat=True)) == [supervisor_b.pk]


def test_support_measure_officer_grants_access_to_the_details(
    page: Page, live_server, shot, x_measure, supervisor_a, clerk_b
) -> None:
    base = live_server.url
    log_in(page, base, supervisor_a.username)
    submit_login(page, supervisor_a.username)
    page.goto(f"{base}{x_measure.get_absolute_url()}")

    # 1. 住所・連絡先の参照権限を付与.
    page.get_by_role("link", name="住所・連絡先の参照権限を付与").click()
    # 2. The staff member and the reason; 参照権限を付与.
    page.get_by_label("職員").select_option(label=f"神奈川区 / {clerk_b} (担当者)")
    page.get_by_label("理由").fill("生活保護の申請の審査のため")
    shot("responsible-5-grant", focus="form.card")
    page.get_by_role("button", name="参照権限を付与").click()
    # 3. Listed on the measure, with 取り消す.
    grants = page.locator("section[aria-labelledby=grants]")
    expect(grants).to_contain_text(str(clerk_b))
    expect(grants.get_by_role("button", name="取り消す")).to_be_visible()
    shot("responsible-6-granted", focus=grants)
    assert SupportMeasureUserObjectPermission.objects.filter(
        content_object=x_measure, user=clerk_b
    ).exists()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_help_pages_are_accessible(page: Page, live_server, clerk_a, language) -> None:
    """axe-core on the manual as served: no serious or critical violation, pictures included."""
    from axe_playwright_python.sync_playwright import Axe

    base = live_server.url
    log_in(page, base, clerk_a.username)
    submit_login(page, clerk_a.username)
    if language == "en":
        page.get_by_label("言語").select_option("en")
        page.get_by_role("button", name="切替").click()
    axe = Axe()

    for path in ["/help/", *(f"/help/{p.slug}/" for p in manual.PAGES)]:
        page.goto(f"{base}{path}")
        expect(page.locator("article.manual h1")).to_have_count(1)
        found = axe.run(page).response["violations"]
        blocking = [
            f"{v['id']}: {node['target']}"
            for v in found
            if v["impact"] in ("serious", "critical")
            for node in v["nodes"]
        ]
        assert blocking == [], (path, blocking)


def test_clerk_registers_an_application(page: Page, live_server, shot, clerk_a) -> None:
    base = live_server.url
    log_in(page, base, clerk_a.username)
    submit_login(page, clerk_a.username)

    # 1. 申出の登録.
    menu(page, "申出の登録")
    # 2. The application: kind, date (和暦), basis, consulting body; the services stay ticked.
    page.get_by_label("配偶者からの暴力").check()
    page.locator("#id_m-applied_on").fill("令和8年4月1日")
    page.get_by_label("相談機関等の意見").check()
    page.locator("#id_m-basis_body").fill("神奈川県警察")
    # 3. The protected resident and one counterparty.
    page.locator("#id_p-name").fill("髙橋 由美")
    page.locator("#id_p-kana").fill("タカハシ ユミ")
    page.locator("#id_p-address").fill("横浜市鶴見区鶴見中央3-4-5")
    page.locator("#id_c-0-name").fill("髙橋 誠")
    page.locator("#id_c-0-kana").fill("タカハシ マコト")
    page.locator("#id_c-0-relationship").fill("夫")
    shot("clerk-9-register")
    # 4. 登録する（直ちに保護を開始）: provisional protection at once.
    page.get_by_role("button", name="登録する（直ちに保護を開始）").click()
    expect(page.get_by_text("仮支援措置").first).to_be_visible()

    measure = SupportMeasure.objects.get(parties__person__name="髙橋 由美")
    assert measure.status == MeasureStatus.PROVISIONAL
    assert measure.registered_by == clerk_a
    assert measure.applied_on == datetime.date(2026, 4, 1)


def test_clerk_drafts_an_inquiry_to_another_ward(
    page: Page, live_server, shot, x, clerk_a, ward_b
) -> None:
    base = live_server.url
    log_in(page, base, clerk_a.username)
    submit_login(page, clerk_a.username)

    # 1. 照会 → 他区への新規照会.
    menu(page, "照会")
    page.get_by_role("link", name="他区への新規照会").click()
    # 2. Ward, department, person, question, reason, urgency.
    page.get_by_label("送信先区").select_option(label=str(ward_b))
    page.get_by_label("部署").fill("保険年金課")
    page.get_by_label("照会対象者の氏名").fill("山崎 美咲")
    page.get_by_label("照会内容").fill("国民健康保険の加入状況を教えてください")
    page.get_by_label("照会理由").fill("福祉相談の手続きのため")
    page.get_by_label("通常").check()
    # 3. 照会を起案: the status is computed from the registry and shown first.
    page.get_by_role("button", name="照会を起案").click()
    expect(page.get_by_text("保護対象").first).to_be_visible()
    shot("clerk-10-inquiry-new")

    inquiry = Inquiry.objects.get(author=clerk_a)
    assert inquiry.protected_status == "protected"
    assert inquiry.state == InquiryState.AWAITING_SIGNOFF


def test_support_measure_officer_extends_a_measure(
    page: Page, live_server, shot, register, decide, clerk_a, supervisor_a
) -> None:
    base = live_server.url
    today = timezone.localdate()
    measure = decide(
        register(clerk_a), supervisor_a, starts_on=today - datetime.timedelta(days=345)
    )
    log_in(page, base, supervisor_a.username)
    submit_login(page, supervisor_a.username)
    page.goto(f"{base}{measure.get_absolute_url()}")

    # 1. 延長; 2. the confirmation and a note; 3. 1年間延長.
    page.get_by_role("link", name="延長", exact=True).click()
    page.get_by_label(re.compile("本人から延長の申出があり")).check()
    page.get_by_label(re.compile("備考")).fill("神奈川県警察の意見書（更新）")
    shot("responsible-7-extend", focus="form.card")
    page.get_by_role("button", name="1年間延長").click()
    expect(page).to_have_url(f"{base}{measure.get_absolute_url()}")

    old_end = measure.ends_on
    measure.refresh_from_db()
    assert old_end is not None
    assert measure.ends_on == old_end.replace(year=old_end.year + 1)


def test_clerk_screens_a_mailing_list(page: Page, live_server, shot, x, y, clerk_b) -> None:
    base = live_server.url
    log_in(page, base, clerk_b.username)
    submit_login(page, clerk_b.username)

    # 1. 台帳検索 → 送付先リストを一括照合.
    menu(page, "台帳検索")
    page.get_by_role("link", name="送付先リストを一括照合").click()
    # 2. The file (Japanese headers), its encoding, the purpose; 照合する.
    upload: FilePayload = {
        "name": "送付先.csv",
        "mimeType": "text/csv",
        "buffer": (
            "氏名,フリガナ,生年月日\n"
            "鈴木 一郎,スズキ イチロウ,1970-01-01\n"
            "山崎 健一,ヤマサキ ケンイチ,1986-11-03\n"
            "佐藤 花子,サトウ ハナコ,1980-05-05\n"
        ).encode(),
    }
    page.get_by_label("送付先リスト（CSV）").set_input_files(files=[upload])
    page.get_by_label("利用目的").fill("国民健康保険料の納付通知書の送付")
    page.get_by_role("button", name="照合する").click()
    # 3. The row to hold back first: line 3, the counterparty.
    results = page.locator("table", has=page.locator("caption", has_text="照合結果"))
    first = results.locator("tbody tr").first
    expect(first).to_contain_text(re.compile("山[崎﨑] 健一"))
    expect(first).to_contain_text("相手方")
    shot("clerk-11-batch-screening", focus="section[aria-labelledby=results]")
    # 4. The download is offered by the page.
    expect(
        page.get_by_role("link", name=re.compile("照合結果付きのリストをダウンロード"))
    ).to_be_visible()


def test_auditor_verifies_the_chain(page: Page, live_server, shot, x_measure, auditor) -> None:
    base = live_server.url
    log_in(page, base, auditor.username)
    submit_login(page, auditor.username)
    menu(page, "監査ログ")

    page.get_by_role("button", name="今すぐ検証する").click()
    status = page.locator("section[aria-labelledby=chain-status]")
    last = status.locator("div", has=page.locator("dt", has_text="直近の検証")).locator("dd")
    expect(last).not_to_have_text("まだありません")
    shot("auditor-6-verified", focus=status)
