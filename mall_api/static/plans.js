// A purchase plan as a card: status, batch number, deadline and its history (shared by the consoles).
import { element, localTime, yuan } from "./format.js";
import { STATUS } from "./messages.js";

const METHODS = {
  mall_auction: "网上商城竞价", open_tender: "公开招标", competitive_negotiation: "竞争性谈判", inquiry: "询价",
  single_source: "单一来源",
};
const ACTIONS = {
  submit: "提交备案", approve: "审核通过", approve_for_approval: "审核通过，报财政部门核准", reject: "退回",
  approve_approval: "核准通过",
};

// The server's prompt reasons (engine.filing.law_triggers) in Chinese.
const REASONS = {
  "applies to every purchase": "适用于所有政府采购", "the plan buys imported products": "采购进口产品",
  "an open tender is changed to another method": "公开招标变更为其他采购方式",
  "the budget reaches the open-tender threshold": "预算达到公开招标数额标准",
  "the plan buys through the online mall": "通过网上商城竞价采购", "single-source procurement": "单一来源采购",
};

export function reasonText(reason) {
  return reason.split("; ").map((r) => REASONS[r] || r).join("；");
}

function history(plan) {
  const rows = plan.history.map((h) => element("tr", {},
    element("td", { text: localTime(h.at) }), element("td", { text: h.actor }),
    element("td", { text: ACTIONS[h.action] || h.action }), element("td", { text: STATUS[h.status] || h.status }),
    element("td", { text: h.comment || "" })));
  const head = element("tr", {}, ...["时间", "操作人", "操作", "状态", "意见"].map(
    (t) => element("th", { scope: "col", text: t })));
  return element("details", {}, element("summary", { text: `办理记录（${plan.history.length}步）` }),
    element("div", { class: "table-wrap" }, element("table", {}, element("thead", {}, head),
      element("tbody", {}, ...rows))));
}

export function planCard(plan) {
  const facts = [
    ["计划编号", plan.id], ["采购单位", plan.buyer_id], ["状态", STATUS[plan.status] || plan.status], ["备案编号", plan.batch_no || "—"],
    ["品目", plan.category], ["数量", String(plan.quantity)], ["预算", yuan(plan.budget_fen)],
    ["采购方式", METHODS[plan.method] || plan.method], ["成交公告期限", plan.deadline ? localTime(plan.deadline) : "—"],
  ];
  const card = element("article", { class: "plan", "data-plan-id": plan.id, "aria-labelledby": `plan-${plan.id}` },
    element("h3", { id: `plan-${plan.id}`, text: plan.title }),
    element("dl", { class: "figures small" }, ...facts.map(([dt, dd]) => element("div", {},
      element("dt", { text: dt }), element("dd", { text: dd, class: dt === "状态" ? "plan-status" : "" })))));
  if (plan.prompts && plan.prompts.length) {
    card.append(element("ul", { class: "prompts" },
      ...plan.prompts.map((p) => element("li", { text: `${p.title}：${reasonText(p.reason)}` }))));
  }
  card.append(history(plan));
  return card;
}
