// The purchasing unit's console (/buyer): file plans, follow them, launch and cancel auctions.
import { call } from "./api.js";
import { element, localTime, yuan } from "./format.js";
import { cancelForm, launchForm } from "./launch.js";
import { STATUS, errorMessage } from "./messages.js";
import { planForm } from "./plan_form.js";
import { planCard } from "./plans.js";
import { signIn } from "./signin.js";

const $ = (id) => document.getElementById(id);
let token = null;

async function auctionPart(plan) {
  const part = element("div", { class: "auction" });
  let auction = null;
  if (plan.auction_id) {
    const answer = await call(`/api/auctions/${encodeURIComponent(plan.auction_id)}`);
    auction = answer.ok ? answer.data : null;
  }
  if (auction) {
    part.append(element("p", {}, `竞价 ${auction.id}：${STATUS[auction.status] || auction.status}，最高限价`
      + `${yuan(auction.ceiling_fen)}，截止${localTime(auction.closes_at)}。`,
    element("a", { href: `/auctions/${encodeURIComponent(auction.id)}`, text: "实时观看竞价" })));
    if (auction.status === "open" || auction.status === "scheduled") {
      part.append(cancelForm(auction, token, () => refresh(`竞价 ${auction.id} 已终止。`)));
    }
  }
  const free = !auction || auction.status === "failed" || auction.status === "cancelled";
  if (plan.status === "filed" && plan.method === "mall_auction" && free) {
    part.append(await launchForm(plan, token, (a) => refresh(`竞价 ${a.id} 已发起。`)));
  }
  return part;
}

async function refresh(note = "") {
  const answer = await call("/api/plans?limit=100", { token });
  if (!answer.ok) {
    $("status").textContent = errorMessage(answer);
    return;
  }
  const plans = answer.data.items.slice().reverse(); // newest first
  const cards = [];
  for (const plan of plans) {
    const card = planCard(plan);
    card.append(await auctionPart(plan));
    cards.push(card);
  }
  $("plans").replaceChildren(...cards);
  if (!cards.length) $("plans").append(element("p", { class: "muted", text: "还没有采购计划。" }));
  $("status").textContent = note || `共${plans.length}个采购计划。`;
}

let wired = false;
signIn("buyer", ["buyer"], (t) => {
  token = t;
  if (!wired) {
    wired = true;
    planForm(token, (plan) => refresh(`计划 ${plan.id} 已提交。`));
    $("refresh").addEventListener("click", () => refresh());
  }
  refresh();
});
