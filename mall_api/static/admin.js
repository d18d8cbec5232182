// The finance bureau's console (/admin): the mall directory, supplier admission and credit, and the
// reference-price feed with a report per row — all through the admin endpoints of API.md.
import { call, query } from "./api.js";
import { element, parseYuan } from "./format.js";
import { errorMessage } from "./messages.js";
import { signIn } from "./signin.js";

const $ = (id) => document.getElementById(id);
const CREDIT = { good: "良好", warning: "警告", blacklisted: "失信（禁止竞价）" };
let token = null;

function say(id, answer, ok) {
  $(id).className = answer.ok ? "message ok" : "message error";
  $(id).textContent = answer.ok ? ok : errorMessage(answer);
}

async function categories() {
  const params = { q: $("catalog-q").value.trim(), mall: $("catalog-mall").checked ? "true" : "", limit: 50 };
  const answer = await call(`/api/catalog/categories${query(params)}`);
  const rows = (answer.ok ? answer.data.items : []).map((c) => {
    const toggle = element("button", { type: "button", class: "secondary",
      text: c.mall ? "移出商城" : "移入商城", "aria-label": `${c.mall ? "移出商城" : "移入商城"}：${c.name}` });
    toggle.addEventListener("click", async () => {
      const done = await call(`/api/catalog/categories/${encodeURIComponent(c.code)}`,
        { method: "PATCH", body: { mall: !c.mall }, token });
      $("status").textContent = done.ok ? `${c.name}已${c.mall ? "移出" : "移入"}商城目录。` : errorMessage(done);
      categories();
    });
    return element("tr", { "data-code": c.code }, element("td", { text: c.code }), element("td", { text: c.name }),
      element("td", { text: c.mall ? "是" : "否" }), element("td", {}, toggle));
  });
  $("categories").replaceChildren(...rows);
}

function creditForm(s) {
  const kind = element("select", { id: `kind-${s.id}`, "aria-label": `${s.name}的信用处理` },
    element("option", { value: "warning", text: "警告" }), element("option", { value: "blacklist", text: "列入失信" }),
    element("option", { value: "clear", text: "解除" }));
  const reason = element("input", { id: `why-${s.id}`, "aria-label": `${s.name}的处理事由`, placeholder: "事由" });
  const form = element("form", { class: "credit" }, kind, reason, element("button", { type: "submit", text: "处理" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await call(`/api/suppliers/${encodeURIComponent(s.id)}/credit`,
      { method: "POST", body: { kind: kind.value, reason: reason.value.trim() || "—" }, token });
    $("status").textContent = answer.ok ? `${s.name}的信用已更新。` : errorMessage(answer);
    suppliers();
  });
  return form;
}

async function suppliers() {
  const answer = await call("/api/suppliers?limit=200");
  $("suppliers").replaceChildren(...(answer.ok ? answer.data.items : []).map((s) => element("tr", { "data-id": s.id },
    element("td", { text: s.id }), element("td", { text: s.name }), element("td", { text: s.categories.join("、") }),
    element("td", { class: "credit-status", text: CREDIT[s.credit.status] || s.credit.status }),
    element("td", {}, creditForm(s)))));
}

async function admit(event) {
  event.preventDefault();
  const body = { id: $("s-id").value.trim(), name: $("s-name").value.trim(), credit_code: $("s-code").value.trim(),
    categories: $("s-categories").value.split(/[,，\s]+/).filter(Boolean) };
  const answer = await call("/api/suppliers", { method: "POST", body, token });
  say("admit-message", answer, `${body.name}已入围。`);
  if (answer.ok) suppliers();
}

function feedRows(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((line) => {
    const [sku, price, source, at] = line.split(/[,，]/).map((x) => (x || "").trim());
    return { sku, price_fen: parseYuan(price) ?? 0, source, observed_at: at || new Date().toISOString() };
  });
}

async function upload(event) {
  event.preventDefault();
  const rows = feedRows($("feed-rows").value);
  const answer = await call("/api/catalog/reference-prices", { method: "POST", body: rows, token });
  say("feed-summary", answer, answer.ok ? `共${rows.length}行：接受${answer.data.accepted}行，拒绝${answer.data.rejected.length}行。` : "");
  if (!answer.ok) return;
  const rejected = new Map(answer.data.rejected.map((r) => [r.index, r]));
  $("feed-report").replaceChildren(...rows.map((row, i) => {
    const bad = rejected.get(i);
    return element("li", { class: bad ? "error" : "" },
      `第${i + 1}行 ${row.sku || "（无编号）"}：${bad ? `拒绝（${bad.code}：${bad.message}）` : "已接受"}`);
  }));
}

let wired = false;
signIn("admin", ["admin"], (t) => {
  token = t;
  if (!wired) {
    wired = true;
    $("catalog-search").addEventListener("submit", (e) => { e.preventDefault(); categories(); });
    $("admit").addEventListener("submit", admit);
    $("feed").addEventListener("submit", upload);
  }
  categories();
  suppliers();
});
