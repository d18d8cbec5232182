// One auction's live connection (API.md "Live bidding"). After a drop it reconnects with a growing
// delay and, once the new snapshot arrives, re-sends an unanswered bid with the SAME ref: the server
// answers a ref it has seen with its first answer, so the bid is never placed twice.

const MAX_DELAY_MS = 5000;

function newRef() {
  return `w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

export class AuctionSocket {
  constructor(auctionId, token, { onFrame, onState }) {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/auctions/`
      + `${encodeURIComponent(auctionId)}?token=${encodeURIComponent(token)}`;
    this.onFrame = onFrame;
    this.onState = onState;
    // The bid sent and not yet answered ({type, ref, price_fen}), kept in sessionStorage so that a
    // reload of the page re-sends it with its ref too.
    this.key = `mall.pending.${auctionId}`;
    this.pending = JSON.parse(sessionStorage.getItem(this.key) || "null");
    this.finished = false;
    this.attempt = 0;
    this.ws = null;
  }

  open() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.onState(this.attempt ? "reconnecting" : "connecting");
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = (event) => this.closed(ws, event.code);
  }

  receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame.type === "snapshot") {
      this.attempt = 0;
      this.onState("open"); // connected means: the state on the page is the server's
      if (this.pending) this.send(this.pending);
    }
    if ((frame.type === "accepted" || frame.type === "rejected") && this.pending && frame.ref === this.pending.ref) {
      this.remember(null);
    }
    if (frame.type === "closed") this.finished = true;
    this.onFrame(frame);
  }

  closed(ws, code) {
    if (this.ws !== ws) return;
    this.ws = null;
    if (this.finished) this.onState("finished");
    else if (code === 4401) this.onState("unauthorized");
    else if (code === 4404) this.onState("unknown");
    else {
      this.attempt += 1;
      this.onState("reconnecting");
      setTimeout(() => this.open(), Math.min(MAX_DELAY_MS, 200 * 2 ** this.attempt));
    }
  }

  // Places a bid (one at a time: the caller waits for its answer); returns its ref.
  bid(priceFen) {
    this.remember({ type: "bid", ref: newRef(), price_fen: priceFen });
    this.send(this.pending);
    return this.pending.ref;
  }

  remember(bid) {
    this.pending = bid;
    if (bid) sessionStorage.setItem(this.key, JSON.stringify(bid));
    else sessionStorage.removeItem(this.key);
  }

  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  stop() {
    this.finished = true;
    if (this.ws) this.ws.close(1000);
  }
}
