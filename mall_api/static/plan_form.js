// Filing a purchase plan (POST /api/plans): a category picker over the catalogue (GET
// /api/catalog/categories?q=), and the law prompts (GET /api/laws) that the form as filled triggers.
import { call, query } from "./api.js";
import { element, parseYuan } from "./format.js";
import { errorMessage } from "./messages.js";
import { reasonText } from "./plans.js";

const $ = (id) => document.getElementById(id);
// The default open-tender threshold (MALL_OPEN_TENDER_THRESHOLD_FEN); the server's prompts are final.
const THRESHOLD_FEN = 2_000_000 * 100;
const REASONS = {
  always: "适用于所有政府采购", imported: "采购进口产品", method_change: "公开招标变更为其他采购方式",
  above_threshold: "预算达到公开招标数额标准", mall_auction: "通过网上商城竞价采购", single_source: "单一来源采购",
};
let laws = [];
let searchTimer = null;

function triggers() {
  const method = $("method").value;
  const budget = parseYuan($("budget").value) || 0;
  const found = ["always"];
  if ($("imported").checked) found.push("imported");
  if ($("original-method").value === "open_tender" && method !== "open_tender") found.push("method_change");
  if (budget >= THRESHOLD_FEN) found.push("above_threshold");
  if (method === "mall_auction") found.push("mall_auction");
  if (method === "single_source") found.push("single_source");
  return found;
}

export function showPrompts(prompts) {
  $("prompts").replaceChildren(...prompts.map((p) => element("li", { text: `${p.title}：${reasonText(p.reason)}` })));
}

function updatePrompts() {
  const active = triggers();
  showPrompts(laws.flatMap((law) => {
    const matched = (law.applies_to || []).filter((t) => active.includes(t));
    if (!matched.length) return [];
    return [{ title: `${law.title} ${law.article || ""}`.trim(), reason: matched.map((t) => REASONS[t] || t).join("；") }];
  }));
}

function choose(category) {
  $("category").value = category.code;
  $("category-chosen").textContent = `已选择：${category.code} ${category.name}${category.mall ? "（商城品目）" : ""}`;
  $("category-options").replaceChildren();
  $("category-search").value = `${category.code} ${category.name}`;
}

async function searchCategories() {
  const q = $("category-search").value.trim();
  const list = $("category-options");
  if (!q) {
    list.replaceChildren();
    return;
  }
  const answer = await call(`/api/catalog/categories${query({ q, limit: 20 })}`);
  const items = answer.ok ? answer.data.items : [];
  list.replaceChildren(...items.map((c) => {
    const button = element("button", { type: "button", text: `${c.code} ${c.name}${c.mall ? "（商城品目）" : ""}` });
    button.addEventListener("click", () => choose(c));
    return element("li", {}, button);
  }));
  if (!items.length) list.append(element("li", { class: "muted", text: "没有找到品目" }));
}

function planBody() {
  const body = {
    title: $("title").value.trim(), category: $("category").value, quantity: Number($("quantity").value),
    budget_fen: parseYuan($("budget").value), method: $("method").value, imported: $("imported").checked,
  };
  if ($("original-method").value) body.original_method = $("original-method").value;
  return body;
}

function problem(body) {
  if (!body.title) return "请填写项目名称。";
  if (!body.category) return "请搜索并选择采购品目。";
  if (!Number.isInteger(body.quantity) || body.quantity < 1) return "数量须为正整数。";
  if (!body.budget_fen) return "请填写预算金额（元），最多两位小数。";
  return null;
}

// Wires the form; `filed(plan)` runs after the server took a plan.
export async function planForm(token, filed) {
  const message = $("plan-message");
  const laws_ = await call("/api/laws?limit=500");
  laws = laws_.ok ? laws_.data.items : [];
  for (const id of ["method", "original-method", "imported", "budget"]) $(id).addEventListener("input", updatePrompts);
  $("category-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchCategories, 200);
  });
  $("plan-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = planBody();
    const wrong = problem(body);
    if (wrong) {
      message.className = "message error";
      message.textContent = wrong;
      return;
    }
    const answer = await call("/api/plans", { method: "POST", body, token });
    message.className = answer.ok ? "message ok" : "message error";
    message.textContent = answer.ok ? `计划已提交：${answer.data.id}，等待主管部门审核。` : errorMessage(answer);
    if (answer.ok) {
      showPrompts(answer.data.prompts);
      filed(answer.data);
    }
  });
  updatePrompts();
}
