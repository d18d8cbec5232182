// The review queue (/review): a department approves or rejects its units' plans (POST .../review);
// the finance bureau (admin) approves the plans that need approval (POST .../approval).
import { call } from "./api.js";
import { element } from "./format.js";
import { errorMessage } from "./messages.js";
import { planCard } from "./plans.js";
import { signIn } from "./signin.js";

const $ = (id) => document.getElementById(id);
let token = null;
let role = null;

function decisionForm(plan) {
  const comment = element("textarea", { id: `comment-${plan.id}`, rows: "2" });
  const message = element("p", { class: "message", role: "alert" });
  const decide = async (approve) => {
    const step = role === "admin" ? "approval" : "review";
    const answer = await call(`/api/plans/${encodeURIComponent(plan.id)}/${step}`,
      { method: "POST", body: { approve, comment: comment.value.trim() }, token });
    if (!answer.ok) {
      message.className = "message error";
      message.textContent = errorMessage(answer);
      return;
    }
    await refresh(`计划 ${plan.id}（${plan.title}）已${approve ? "同意" : "退回"}。`);
  };
  const approve = element("button", { type: "button", text: "同意" });
  const reject = element("button", { type: "button", class: "secondary", text: "退回" });
  approve.addEventListener("click", () => decide(true));
  reject.addEventListener("click", () => decide(false));
  return element("div", { class: "decision" },
    element("div", { class: "field" }, element("label", { for: comment.id, text: "审核意见" }), comment),
    message, element("p", {}, approve, " ", reject));
}

async function refresh(note = "") {
  const status = role === "admin" ? "pending_approval" : "pending_review";
  const answer = await call(`/api/plans?status=${status}&limit=100`, { token });
  if (!answer.ok) {
    $("status").textContent = errorMessage(answer);
    return;
  }
  const plans = answer.data.items;
  $("queue").replaceChildren(...plans.map((plan) => {
    const card = planCard(plan);
    card.append(decisionForm(plan));
    return card;
  }));
  const what = role === "admin" ? "待核准" : "待审核";
  $("status").textContent = `${note}${plans.length ? `${what}计划${plans.length}个。` : `没有${what}的计划。`}`;
}

let wired = false;
signIn("review", ["dept", "admin"], (t, who) => {
  token = t;
  role = who.role;
  if (!wired) {
    wired = true;
    $("refresh").addEventListener("click", () => refresh());
  }
  refresh();
});
