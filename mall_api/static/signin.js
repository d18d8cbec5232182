// Sign-in with a token for the consoles: the token stays in this tab's sessionStorage only.
import { claims, forgetToken, storeToken, storedToken } from "./api.js";

const $ = (id) => document.getElementById(id);
const ROLE_NAMES = { admin: "财政部门", dept: "主管部门", buyer: "采购单位", supplier: "供应商" };

// Shows the app once a token of one of `roles` is present; calls start(token, who) each time.
export function signIn(kind, roles, start) {
  const show = (token) => {
    const who = claims(token);
    $("signin").hidden = true;
    $("app").hidden = false;
    $("signed-in-as").textContent = `当前登录：${ROLE_NAMES[who.role] || who.role} ${who.id}`;
    start(token, who);
  };
  const signOut = (reason = "") => {
    forgetToken(kind);
    $("app").hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = reason;
    $("token").focus();
  };
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    const who = claims(token);
    if (!who || !roles.includes(who.role)) {
      $("signin-error").textContent = `请使用${roles.map((r) => ROLE_NAMES[r]).join("或")}的登录令牌。`;
      return;
    }
    storeToken(kind, token);
    $("token").value = "";
    show(token);
  });
  $("signout").addEventListener("click", () => signOut());
  const token = storedToken(kind);
  const who = token && claims(token);
  if (who && roles.includes(who.role)) show(token);
  else $("signin").hidden = false;
  return signOut;
}
