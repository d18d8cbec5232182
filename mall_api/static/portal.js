// The public portal (/): live auctions and the announcement search, over GET /api/auctions and
// GET /api/announcements. The form is a plain GET form, so a search is a link one can share.
import { call, query } from "./api.js";
import { element, localTime, yuan } from "./format.js";
import { KIND, errorMessage } from "./messages.js";

const $ = (id) => document.getElementById(id);
const form = $("search");
let cursor = null;

function filters() {
  const data = new FormData(form);
  const since = data.get("since");
  return {
    q: data.get("q").trim(), kind: data.get("kind"), category: data.get("category").trim().toUpperCase(),
    since: since ? new Date(`${since}T00:00:00+08:00`).toISOString() : "",
  };
}

function announcementItem(a) {
  const link = element("a", { href: `/announcements/${encodeURIComponent(a.id)}`, text: a.title });
  const meta = [KIND[a.kind] || a.kind, localTime(a.published_at), a.batch_no, a.buyer && (a.buyer.name || a.buyer.id)];
  if (a.kind === "deal") meta.push(`成交金额${yuan(a.price_fen)}`);
  const item = element("li", {}, link, element("p", { class: "muted", text: meta.filter(Boolean).join(" · ") }));
  if (a.kind === "bidding" && a.auction_id) {
    item.append(element("a", { class: "button-link", href: `/auctions/${encodeURIComponent(a.auction_id)}`,
      text: "进入竞价室" }));
  }
  return item;
}

async function search(more = false) {
  const list = $("announcements");
  if (!more) {
    list.replaceChildren();
    cursor = null;
  }
  $("search-status").textContent = "查询中…";
  const answer = await call(`/api/announcements${query({ ...filters(), limit: 20, cursor })}`);
  if (!answer.ok) {
    $("search-status").textContent = errorMessage(answer);
    return;
  }
  for (const a of answer.data.items) list.append(announcementItem(a));
  cursor = answer.data.next_cursor;
  $("more").hidden = !cursor;
  const count = list.children.length;
  $("search-status").textContent = count ? `共显示${count}条公告${cursor ? "，还有更多" : ""}。` : "没有符合条件的公告。";
}

async function liveAuctions() {
  const list = $("live-auctions");
  const answer = await call("/api/auctions?status=open&limit=20");
  list.replaceChildren();
  const items = answer.ok ? answer.data.items : [];
  if (!items.length) list.append(element("li", { class: "muted", text: "目前没有进行中的竞价。" }));
  for (const a of items) {
    const best = a.mode === "sealed" ? "密封报价" : a.best_fen ? `当前最低${yuan(a.best_fen)}` : "暂无报价";
    list.append(element("li", {},
      element("a", { href: `/auctions/${encodeURIComponent(a.id)}`, text: a.title }),
      element("p", { class: "muted", text: `${a.batch_no} · 最高限价${yuan(a.ceiling_fen)} · ${best} · `
        + `${a.bidders}家报价 · 截止${localTime(a.closes_at)}` })));
  }
}

const params = new URLSearchParams(location.search);
for (const name of ["q", "kind", "category"]) {
  if (params.get(name)) form.elements[name].value = params.get(name);
}
if (/^\d{4}-\d{2}-\d{2}$/.test(params.get("since") || "")) form.elements.since.value = params.get("since");
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const shown = new URLSearchParams(new FormData(form));
  for (const [name, value] of [...shown]) if (!value) shown.delete(name);
  history.replaceState(null, "", shown.toString() ? `/?${shown}` : "/");
  search();
});
$("more").addEventListener("click", () => search(true));
search();
liveAuctions();
