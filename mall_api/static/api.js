// The public HTTP API of API.md, with the page's token (kept in sessionStorage: this tab only).

const PREFIX = "mall.token.";

export function storedToken(kind) {
  return sessionStorage.getItem(PREFIX + kind);
}

export function storeToken(kind, token) {
  sessionStorage.setItem(PREFIX + kind, token.trim());
}

export function forgetToken(kind) {
  sessionStorage.removeItem(PREFIX + kind);
}

// The token's claims, read (not verified: the server does that) to greet the user and pick a view.
export function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(escape(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "="))));
    const { role, sub, exp } = JSON.parse(json);
    return { role, id: sub, exp };
  } catch {
    return null;
  }
}

// {ok, status, data}: data is the JSON answer, errors included ({error: {code, message, field}}).
export async function call(path, { method = "GET", body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    return { ok: false, status: 0, data: { error: { code: "NETWORK", message: "network error" } } };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { ok: response.ok, status: response.status, data };
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
