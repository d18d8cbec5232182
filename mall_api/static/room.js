// The supplier bidding room (/auctions/{id}): sign in with a token, watch the book live, bid.
import { call, claims, forgetToken, storeToken, storedToken } from "./api.js";
import { countdown, element, localTime, parseYuan, yuan } from "./format.js";
import { bidMessage, STATUS } from "./messages.js";
import { AuctionSocket } from "./room_socket.js";

const $ = (id) => document.getElementById(id);
const auctionId = $("room").dataset.auctionId;
const CONNECTION = {
  connecting: "正在连接…", open: "已连接，行情实时更新", reconnecting: "连接中断，正在重新连接…",
  finished: "竞价已结束", unauthorized: "登录令牌无效或已过期，请重新登录。", unknown: "竞价不存在。",
};
const state = {
  me: null, mode: "open", status: "open", ceiling: null, decrement: 1, best: null, bidders: 0, mine: null,
  rank: null, title: "", opensAt: 0, closesAt: 0, offset: 0, seq: -1, finished: false, bids: new Map(),
};
let socket = null;
let tokenKind = "supplier"; // the sessionStorage entry the room's token came from

function setText(id, text) {
  const node = $(id);
  if (node.textContent !== text) node.textContent = text;
}

function say(text, kind = "error") {
  const node = $("bid-message");
  node.className = `message ${kind}`;
  node.textContent = text;
}

function nextMax() {
  if (state.ceiling === null) return null;
  if (state.mine === null) return state.ceiling;
  return Math.min(state.ceiling, state.mine - state.decrement);
}

function render() {
  const sealed = state.mode === "sealed";
  setText("best", sealed ? "密封报价（截止后公布）" : state.best === null ? "暂无报价" : yuan(state.best));
  setText("rank", sealed ? (state.mine === null ? "未报价" : "密封（截止后公布）")
    : state.rank === null ? "未报价" : `第${state.rank}名`);
  setText("mine", yuan(state.mine));
  setText("bidders", `${state.bidders}家`);
  setText("closes-at", localTime(new Date(state.closesAt).toISOString()));
  setText("ceiling", yuan(state.ceiling));
  setText("decrement", yuan(state.decrement));
  setText("next-max", sealed && state.mine !== null ? "已报价（密封报价只能报一次）" : yuan(nextMax()));
}

function serverNow() {
  return Date.now() + state.offset;
}

function tick() {
  const now = serverNow();
  if (state.finished) {
    setText("countdown-label", "距截止");
    setText("countdown", "已结束");
  } else if (now < state.opensAt) {
    setText("countdown-label", "距开始");
    setText("countdown", countdown(state.opensAt - now));
  } else {
    setText("countdown-label", "距截止");
    setText("countdown", now >= state.closesAt ? "00:00（等待结果）" : countdown(state.closesAt - now));
  }
}

function extend(closesAt) {
  if (closesAt > state.closesAt && state.closesAt) {
    $("extended").textContent = `有供应商在截止前降价，截止时间延长至${localTime(new Date(closesAt).toISOString())}。`;
    const clock = $("countdown");
    clock.classList.remove("jumped");
    void clock.offsetWidth; // restart the highlight animation
    clock.classList.add("jumped");
  }
  state.closesAt = closesAt;
  tick();
}

function bidRow(ref, price) {
  let row = state.bids.get(ref);
  if (!row) {
    row = element("li", { "data-ref": ref });
    state.bids.set(ref, row);
    $("my-bids").prepend(row);
  }
  row.dataset.price = String(price);
  return row;
}

async function showClosed(status, winnerId, priceFen, announcementId) {
  state.finished = true;
  $("bid-form").hidden = true;
  if (state.title) setText("title", `${state.title}（${STATUS[status] || status}）`);
  let text = `竞价${STATUS[status] || status}。`;
  if (status === "awarded") {
    const supplier = await call(`/api/suppliers/${encodeURIComponent(winnerId)}`);
    const name = supplier.ok && supplier.data.name ? supplier.data.name : winnerId;
    const mine = state.me && state.me.id === winnerId ? "（贵单位）" : "";
    text = `竞价已成交：成交供应商为${name}${mine}，成交金额${yuan(priceFen)}。`;
  } else if (status === "failed") {
    text = "本次竞价流标：有效报价供应商不足。";
  } else if (status === "cancelled") {
    text = "本次竞价已由采购单位终止。";
  }
  $("closed-result").textContent = text;
  const link = $("closed-link");
  link.hidden = !announcementId;
  if (announcementId) link.href = `/announcements/${encodeURIComponent(announcementId)}`;
  const banner = $("closed-banner");
  const wasHidden = banner.hidden;
  banner.hidden = false;
  if (wasHidden) banner.focus();
  tick();
}

function onFrame(frame) {
  // Book and rank frames carry whole state and may be conflated: never let an older one win.
  if ((frame.type === "book" || frame.type === "rank") && frame.seq < state.seq) return;
  switch (frame.type) {
    case "snapshot":
      state.offset = Date.parse(frame.now) - Date.now();
      Object.assign(state, {
        mode: frame.mode, status: frame.status, ceiling: frame.ceiling_fen, decrement: frame.min_decrement_fen,
        best: frame.best_fen, bidders: frame.bidders, seq: frame.seq, opensAt: Date.parse(frame.opens_at),
        mine: frame.you ? frame.you.best_fen : null, rank: frame.you ? frame.you.rank : null,
      });
      extend(Date.parse(frame.closes_at));
      break;
    case "book":
      Object.assign(state, { bidders: frame.bidders, seq: frame.seq });
      if (frame.best_fen !== undefined) state.best = frame.best_fen;
      extend(Date.parse(frame.closes_at));
      break;
    case "rank":
      Object.assign(state, { rank: frame.rank, seq: frame.seq });
      break;
    case "accepted":
      state.mine = frame.price_fen;
      if (frame.rank !== null) state.rank = frame.rank;
      bidRow(frame.ref, frame.price_fen).textContent = `${yuan(frame.price_fen)} 已接受 · ${localTime(frame.at)}`;
      say(`报价${yuan(frame.price_fen)}已被接受。`, "ok");
      $("price").value = "";
      break;
    case "rejected": {
      const row = state.bids.get(frame.ref);
      if (row) row.textContent = `${yuan(Number(row.dataset.price))} 未被接受：${bidMessage(frame.code)}`;
      say(bidMessage(frame.code));
      break;
    }
    case "closed":
      state.seq = frame.seq;
      showClosed(frame.status, frame.winner_id, frame.price_fen, frame.announcement_id);
      break;
    case "error":
      say(bidMessage(frame.code));
      break;
    default:
      break;
  }
  render();
}

function onState(which) {
  setText("connection", CONNECTION[which] || which);
  if (which === "unauthorized") signOut(CONNECTION.unauthorized);
}

function connect(token) {
  state.me = claims(token);
  state.bids.clear(); // another sign-in in this tab starts a clean record
  $("my-bids").replaceChildren();
  say("", "info");
  setText("signed-in-as", state.me ? `当前登录：${state.me.role === "supplier" ? "供应商" : "观察者"} ${state.me.id}` : "");
  $("signin").hidden = true;
  $("live").hidden = false;
  // Any token may watch; only a supplier may bid (the server would answer NOT_ELIGIBLE).
  $("bid-form").hidden = !state.me || state.me.role !== "supplier";
  const current = new AuctionSocket(auctionId, token, {
    onFrame: (frame) => socket === current && onFrame(frame),
    onState: (which) => socket === current && onState(which),
  });
  socket = current;
  current.open();
}

function signOut(reason = "") {
  forgetToken(tokenKind);
  tokenKind = "supplier";
  if (socket) {
    const old = socket;
    socket = null;
    old.stop();
  }
  $("live").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = reason;
  $("token").focus();
}

function submitBid(event) {
  event.preventDefault();
  const price = parseYuan($("price").value);
  const max = nextMax();
  if (price === null || price < 1) say("请输入报价总额（元），最多两位小数。");
  else if (state.finished || serverNow() >= state.closesAt || serverNow() < state.opensAt) {
    say(bidMessage("AUCTION_NOT_OPEN"));
  } else if (state.me && state.me.role !== "supplier") say(bidMessage("NOT_ELIGIBLE"));
  else if (price > state.ceiling) say(bidMessage("ABOVE_CEILING"));
  else if (state.mode === "sealed" && state.mine !== null) say(bidMessage("ALREADY_QUOTED"));
  else if (state.mode === "open" && max !== null && price > max) say(bidMessage("NOT_LOWER"));
  else if (!socket || socket.pending) say("上一笔报价尚待确认，请稍候。");
  else {
    const ref = socket.bid(price);
    bidRow(ref, price).textContent = `${yuan(price)} 已发送，等待确认…`;
    say(`报价${yuan(price)}已发送，等待确认…`, "info");
  }
}

async function load() {
  const answer = await call(`/api/auctions/${encodeURIComponent(auctionId)}`);
  if (!answer.ok) {
    setText("title", answer.status === 404 ? "竞价不存在" : "竞价室暂时无法打开");
    setText("connection", "");
    return;
  }
  const auction = answer.data;
  state.title = auction.title;
  setText("title", `${auction.title}（${STATUS[auction.status] || auction.status}）`);
  document.title = `${auction.title} 竞价室 — 政府采购网上商城`;
  $("bidding-link").href = `/announcements/${encodeURIComponent(auction.announcement_id)}`;
  // A unit or a supervisor who came from its console watches with the token it signed in with.
  const kind = ["supplier", "buyer", "review", "admin"].find((k) => storedToken(k));
  if (kind) {
    tokenKind = kind;
    connect(storedToken(kind));
  }
  else {
    $("signin").hidden = false;
    setText("connection", "请先登录");
  }
}

$("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!claims(token)) {
    $("signin-error").textContent = "令牌格式不正确，请完整粘贴发放给您的登录令牌。";
    return;
  }
  storeToken("supplier", token);
  $("token").value = "";
  connect(token);
});
$("signout").addEventListener("click", () => signOut());
$("bid-form").addEventListener("submit", submitBid);
setInterval(tick, 200);
load();
