// Launching an auction from a filed mall plan (POST /api/auctions), showing the ceiling and the
// plan's deadline first, and cancelling a live one with a reason (POST /api/auctions/{id}/cancel).
import { call, query } from "./api.js";
import { element, localTime, parseYuan, yuan } from "./format.js";
import { errorMessage } from "./messages.js";

function field(id, label, input, help) {
  input.id = id;
  const parts = [element("label", { for: id, text: label }), input];
  if (help) parts.push(element("p", { class: "help", text: help }));
  return element("div", { class: "field" }, ...parts);
}

function ceilingOf(item, quantity, budgetFen) {
  const reference = item && item.reference ? item.reference.price_fen : null;
  if (reference === null || !quantity || !budgetFen) return null;
  return Math.min(budgetFen, reference * quantity);
}

// The launch form of `plan`; `launched(auction)` runs once the server took it.
export async function launchForm(plan, token, launched) {
  const items = await call(`/api/catalog/items${query({ category: plan.category, limit: 100 })}`);
  const list = items.ok ? items.data.items : [];
  const p = plan.id;
  const sku = element("select", {});
  for (const item of list) {
    const reference = item.reference ? `参考单价${yuan(item.reference.price_fen)}` : "无近期参考价";
    sku.append(element("option", { value: item.sku, text: `${item.name}（${reference}）` }));
  }
  const quantity = element("input", { type: "number", min: "1", step: "1", value: String(plan.quantity) });
  const budget = element("input", { inputmode: "decimal", value: (plan.budget_fen / 100).toFixed(2) });
  const minutes = element("input", { type: "number", min: "1", step: "1", value: "30" });
  const decrement = element("input", { inputmode: "decimal", value: "1.00" });
  const extension = element("input", { type: "number", min: "0", step: "1", value: "120" });
  const bidders = element("input", { type: "number", min: "1", step: "1", value: "3" });
  const preview = element("p", { class: "notice", "aria-live": "polite", id: `preview-${p}` });
  const message = element("p", { class: "message", role: "alert" });
  const update = () => {
    const item = list.find((i) => i.sku === sku.value);
    const ceiling = ceilingOf(item, Number(quantity.value), parseYuan(budget.value));
    const closes = new Date(Date.now() + Number(minutes.value) * 60_000).toISOString();
    preview.textContent = `最高限价：${ceiling === null ? "无法计算（需要近期参考价）" : yuan(ceiling)}`
      + `；预计截止：${localTime(closes)}；成交公告期限：${localTime(plan.deadline)}`;
  };
  const form = element("form", { class: "launch", novalidate: "" },
    element("h4", { text: "发起竞价" }),
    field(`sku-${p}`, "商品", sku),
    field(`qty-${p}`, "数量", quantity),
    field(`budget-${p}`, "竞价预算（元）", budget, "不得超过计划预算"),
    field(`minutes-${p}`, "竞价时长（分钟）", minutes),
    field(`decrement-${p}`, "最小降价幅度（元）", decrement),
    field(`extension-${p}`, "截止前延时（秒）", extension, "截止前这段时间内出现更低报价时，截止时间顺延"),
    field(`bidders-${p}`, "最少报价供应商（家）", bidders),
    preview, message, element("button", { type: "submit", text: "发起竞价" }));
  form.addEventListener("input", update);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      plan_id: plan.id, sku: sku.value, quantity: Number(quantity.value), budget_fen: parseYuan(budget.value),
      duration_s: Math.round(Number(minutes.value) * 60), min_decrement_fen: parseYuan(decrement.value),
      extension_s: Number(extension.value), min_bidders: Number(bidders.value),
    };
    if (!body.sku || !body.budget_fen || !body.min_decrement_fen || !(body.duration_s > 0)) {
      message.className = "message error";
      message.textContent = "请完整填写商品、预算、时长和降价幅度。";
      return;
    }
    const answer = await call("/api/auctions", { method: "POST", body, token });
    message.className = answer.ok ? "message ok" : "message error";
    message.textContent = answer.ok ? `竞价已发起：${answer.data.id}` : errorMessage(answer);
    if (answer.ok) launched(answer.data);
  });
  update();
  return form;
}

export function cancelForm(auction, token, cancelled) {
  const reason = element("input", { required: "" });
  const message = element("p", { class: "message", role: "alert" });
  const form = element("form", { class: "cancel", novalidate: "" },
    field(`reason-${auction.id}`, "终止原因", reason), message,
    element("button", { type: "submit", class: "secondary", text: "终止竞价" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      message.className = "message error";
      message.textContent = "请填写终止原因。";
      return;
    }
    const answer = await call(`/api/auctions/${encodeURIComponent(auction.id)}/cancel`,
      { method: "POST", body: { reason: reason.value.trim() }, token });
    message.className = answer.ok ? "message ok" : "message error";
    message.textContent = answer.ok ? "竞价已终止，终止公告已发布。" : errorMessage(answer);
    if (answer.ok) cancelled(answer.data);
  });
  return form;
}
