"""The consoles in real headless Chromium: a purchasing unit files a plan (category picker, law
prompts), its department approves it, the unit launches the auction (ceiling and deadline shown
first) and cancels it with a reason — every step through the pages."""

from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.browser.conftest import Site
from tests.browser.support import DESKTOP, axe_violations, screenshots
from tests.flow import credit_code

LAWS = [
    {"id": "GPL-MALL", "title": "政府采购网上商城管理办法", "article": "第十条",
     "text": "网上商城竞价以最低价成交。", "applies_to": ["mall_auction"]},
    {"id": "GPL-IMP", "title": "政府采购进口产品管理办法", "article": "第四条",
     "text": "采购进口产品应当报财政部门核准。", "applies_to": ["imported"]},
]


def signed_in(browser: Browser, url: str, token: str) -> Page:
    page = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    page.goto(url)
    page.fill("#token", token)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])")
    return page


def test_a_plan_is_filed_approved_and_launched_through_the_pages(
    site: Site, browser: Browser, shots: Path, axe_source: str
) -> None:
    for law in LAWS:
        assert site.http.post("/api/laws", json=law, headers=site.auth("admin", "fin")).status_code in (201, 409)
    buyer = signed_in(browser, f"{site.base}/buyer", site.token("buyer", "U1"))
    dept = None
    try:
        buyer.fill("#title", "网页填报的台式计算机采购")
        buyer.fill("#category-search", "台式")
        buyer.click("#category-options button:has-text('A02010105')")
        assert "A02010105 台式计算机" in buyer.inner_text("#category-chosen")
        buyer.fill("#quantity", "10")
        buyer.fill("#budget", "50000")
        buyer.wait_for_selector("#prompts li:has-text('政府采购网上商城管理办法')")
        assert "进口产品" not in buyer.inner_text("#prompts")
        buyer.check("#imported")
        buyer.wait_for_selector("#prompts li:has-text('政府采购进口产品管理办法')")
        buyer.uncheck("#imported")
        buyer.wait_for_function("!document.querySelector('#prompts').textContent.includes('进口产品')")
        buyer.click("#plan-form button[type=submit]")
        buyer.wait_for_selector("#plan-message:has-text('计划已提交')")
        plan_id = buyer.inner_text("#plan-message").split("：")[1].split("，")[0]
        card = f"article[data-plan-id='{plan_id}']"
        buyer.wait_for_selector(f"{card} .plan-status:has-text('待主管部门审核')")
        screenshots(buyer, shots, "buyer-console")
        assert axe_violations(buyer, axe_source) == []

        dept = signed_in(browser, f"{site.base}/review", site.token("dept", "D1"))
        dept.wait_for_selector(f"{card}")
        screenshots(dept, shots, "review-queue")
        assert axe_violations(dept, axe_source) == []
        dept.fill(f"#comment-{plan_id}", "同意采购")
        dept.click(f"{card} button:has-text('同意')")
        dept.wait_for_selector(f"#status:has-text('{plan_id}')")
        assert dept.locator(card).count() == 0

        buyer.click("#refresh")
        buyer.wait_for_selector(f"{card} .plan-status:has-text('已备案')")
        assert "CF20" in buyer.inner_text(card)
        preview = buyer.inner_text(f"#preview-{plan_id}")
        assert "最高限价：¥50,000.00" in preview and "成交公告期限" in preview
        buyer.fill(f"#budget-{plan_id}", "48000")
        buyer.wait_for_selector(f"#preview-{plan_id}:has-text('最高限价：¥48,000.00')")
        buyer.fill(f"#minutes-{plan_id}", "20")
        buyer.click(f"{card} form.launch button[type=submit]")
        buyer.wait_for_selector("#status:has-text('已发起')")
        link = buyer.locator(f"{card} a:has-text('实时观看竞价')")
        auction_id = (link.get_attribute("href") or "").rsplit("/", 1)[1]
        auction = site.http.get(f"/api/auctions/{auction_id}").json()
        assert auction["status"] == "open" and auction["ceiling_fen"] == 4_800_000 and auction["plan_id"] == plan_id
        screenshots(buyer, shots, "buyer-console-launched")

        buyer.click(f"{card} a:has-text('实时观看竞价')")  # the same tab: the unit's token watches
        buyer.wait_for_selector("#connection:has-text('已连接')")
        assert "采购单位" not in buyer.inner_text("#signed-in-as") and "观察者 U1" in buyer.inner_text("#signed-in-as")
        assert buyer.is_hidden("#bid-form") and buyer.inner_text("#ceiling") == "¥48,000.00"
        buyer.go_back()
        buyer.wait_for_selector(f"#reason-{auction_id}")

        buyer.fill(f"#reason-{auction_id}", "需求变更")
        buyer.click(f"{card} form.cancel button[type=submit]")
        buyer.wait_for_selector("#status:has-text('已终止')")
        assert site.http.get(f"/api/auctions/{auction_id}").json()["status"] == "cancelled"
    finally:
        buyer.context.close()
        if dept is not None:
            dept.context.close()


def test_the_admin_console_toggles_categories_admits_sanctions_and_uploads_prices(
    site: Site, browser: Browser, shots: Path, axe_source: str
) -> None:
    admin = signed_in(browser, f"{site.base}/admin", site.token("admin", "fin"))
    try:
        admin.fill("#catalog-q", "台式计算机")
        admin.click("#catalog-search button[type=submit]")
        row = "#categories tr[data-code='A02010105']"
        admin.wait_for_selector(f"{row} td:text-is('是')")
        admin.click(f"{row} button")
        admin.wait_for_selector(f"{row} td:text-is('否')")
        assert site.http.get("/api/catalog/categories/A02010105").json()["mall"] is False
        admin.click(f"{row} button")
        admin.wait_for_selector(f"{row} td:text-is('是')")
        assert site.http.get("/api/catalog/categories/A02010105").json()["mall"] is True

        admin.fill("#s-id", "S9")
        admin.fill("#s-name", "网页入围供应商")
        admin.fill("#s-code", credit_code(9))
        admin.fill("#s-categories", "A02010100")
        admin.click("#admit button[type=submit]")
        admin.wait_for_selector("#suppliers tr[data-id='S9']")
        admin.select_option("#kind-S9", "blacklist")
        admin.fill("#why-S9", "提供虚假材料")
        admin.click("#suppliers tr[data-id='S9'] button")
        admin.wait_for_selector("#suppliers tr[data-id='S9'] .credit-status:has-text('失信')")
        assert site.http.get("/api/suppliers/S9").json()["credit"]["status"] == "blacklisted"

        admin.fill("#feed-rows", "PC-001,5200.00,ccgp.gov.cn\nNOPE-404,1.00,ccgp.gov.cn")
        admin.click("#feed button[type=submit]")
        admin.wait_for_selector("#feed-summary:has-text('接受1行，拒绝1行')")
        report = admin.locator("#feed-report li").all_inner_texts()
        assert report[0] == "第1行 PC-001：已接受" and report[1].startswith("第2行 NOPE-404：拒绝"), report
        screenshots(admin, shots, "admin-console")
        assert axe_violations(admin, axe_source) == []
    finally:
        admin.context.close()


def test_the_admin_approves_an_imported_purchase_in_the_approval_queue(
    site: Site, browser: Browser, shots: Path
) -> None:
    r = site.http.post("/api/plans", json={"title": "进口显微镜采购", "category": "A02010105", "quantity": 1,
                                           "budget_fen": 8_000_000, "method": "inquiry", "imported": True},
                       headers=site.auth("buyer", "U1"))
    assert r.status_code == 201, r.text
    plan_id = r.json()["id"]
    r = site.http.post(f"/api/plans/{plan_id}/review", json={"approve": True, "comment": "报财政核准"},
                       headers=site.auth("dept", "D1"))
    assert r.json()["status"] == "pending_approval"
    admin = signed_in(browser, f"{site.base}/review", site.token("admin", "fin"))
    try:
        card = f"article[data-plan-id='{plan_id}']"
        admin.wait_for_selector(f"{card} .plan-status:has-text('待财政部门核准')")
        assert "待核准计划" in admin.inner_text("#status")
        screenshots(admin, shots, "approval-queue")
        admin.fill(f"#comment-{plan_id}", "同意进口")
        admin.click(f"{card} button:has-text('同意')")
        admin.wait_for_selector(f"#status:has-text('{plan_id}')")
        plan = site.http.get(f"/api/plans/{plan_id}", headers=site.auth("admin", "fin")).json()
        assert plan["status"] == "filed" and plan["history"][-1]["comment"] == "同意进口"
    finally:
        admin.context.close()
