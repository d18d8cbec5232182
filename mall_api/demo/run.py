"""Starting the demo beside `mall serve`: check the data directory, then (in a thread) seed the city
and keep `LIVE` auctions running with simulated bidders until the server stops."""

import logging
import os
import random
import signal
import threading
import time
from pathlib import Path

from mall_api.auth import Tokens, load_secret
from mall_api.demo import bidders, city
from mall_api.demo.client import Api, ApiError
from mall_api.settings import Settings

log = logging.getLogger("mall.demo")
MARKER = "DEMO"
LIVE = 3
TURN_S = 2.0


class NotDemoData(SystemExit):
    pass


def prepare(data_dir: Path) -> None:
    """Refuse a data directory that holds anything but demo data (logs aside); mark a fresh one as demo."""
    marker = data_dir / MARKER
    held = [p for p in data_dir.iterdir() if p.suffix != ".log"] if data_dir.exists() else []
    if held and not marker.exists():
        raise NotDemoData(f"mall serve --demo: {data_dir} already holds data that is not demo data; "
                          "choose an empty MALL_DATA_DIR for the demo (e.g. MALL_DATA_DIR=./demo-var)")
    data_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text("This data directory holds demo data written by `mall serve --demo`.\n")


def start(settings: Settings, host: str, port: int) -> threading.Thread:
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    thread = threading.Thread(target=_run, args=(settings, f"{local}:{port}"), name="mall-demo", daemon=True)
    thread.start()
    return thread


def _tokens(settings: Settings) -> dict[str, str]:
    tokens = Tokens(load_secret(settings.secret, settings.data_dir))
    now = int(time.time())
    who = [("admin", "DEMO-fin"), *(("dept", d) for d, _ in city.DEPARTMENTS),
           *(("buyer", u) for u, _, _ in city.UNITS), *(("supplier", s) for s in city.supplier_ids())]
    return {f"{role}:{subject}": tokens.issue(role, subject, now, 365 * 24 * 3600)[0] for role, subject in who}


def _run(settings: Settings, address: str) -> None:
    api = Api(f"http://{address}", _tokens(settings))
    try:
        api.wait_ready()
        foreign = [d["id"] for d in api.call("GET", "/api/departments?limit=500")["items"]
                   if not d["id"].startswith("DEMO-")]
        if foreign:
            log.error("mall serve --demo: the store holds departments that are not demo data (%s); stopping",
                      ", ".join(foreign[:5]))
            os.kill(os.getpid(), signal.SIGTERM)
            return
        city.seed(api)
        log.info("demo city seeded: open http://%s/", address)
        _keep_bidding(api, f"ws://{address}", random.Random())
    except Exception:  # the demo must never take the server down with it
        log.exception("the demo stopped")


def _keep_bidding(api: Api, ws_base: str, rng: random.Random) -> None:
    last_prices = time.monotonic()
    while True:
        live = [a for a in api.call("GET", "/api/auctions?status=open&limit=100")["items"]
                if a["title"].endswith("（演示）")]
        for _ in range(LIVE - len(live)):
            try:
                live.append(city.launch_one(api, rng, duration_s=rng.randint(120, 600)))
            except ApiError as exc:
                log.warning("demo launch refused: %s", exc)
        for auction in live:
            supplier = rng.choice(city.supplier_ids())
            try:
                bidders.quote(ws_base, auction["id"], api.tokens[f"supplier:{supplier}"], rng)
            except (OSError, TimeoutError) as exc:
                log.warning("demo bid failed: %s", exc)
        if time.monotonic() - last_prices > 6 * 3600:
            city.refresh_prices(api)  # keep the references fresh (MALL_REFERENCE_MAX_AGE_DAYS)
            last_prices = time.monotonic()
        time.sleep(TURN_S)
