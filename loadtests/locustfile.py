"""Locust scenarios for the mall: each kind of person, speaking the real protocol (API.md).

    MALL_ADMIN_TOKEN=$(mall token admin ops) locust -f loadtests/locustfile.py --host http://127.0.0.1:8000

Users (pick classes on the command line, or scenarios with --tags; see loadtests/README.md):

    SupplierUser  tag steady, watch   holds a socket on one of the `--auctions` long auctions and bids
                                      down at a steady pace (under MALL_BID_RATE); slot 0 is the hot one
    SniperUser    tag snipe           waits for the last `--snipe-window` seconds of a short round with
                                      anti-sniping, then bids as fast as the rate limit allows until `closed`
    WatcherUser   tag watch           watches the hot auction (slot 0): every frame checked, book lag timed
    HopperUser    tag small           hops between the short auctions BuyerUsers launch: connect, 1-3 bids, leave
    BuyerUser     tag buyer, small    files a plan, has it reviewed with the department's token, launches a
                                      short auction, tracks its plans
    PortalUser    tag portal          reads announcements, searches, stats, auction lists, the catalog

Setup (test_start, on each worker; never on a master): the catalog entries, a buyer and a department
token, the long auctions. Every supplier a user plays is registered through the API with its own id and
token, so no two users ever share a supplier's quote ladder or rate limit.
"""

import itertools
import logging
import random
import time
from collections import OrderedDict
from typing import Any

import gevent
from gevent.lock import Semaphore
from locust import HttpUser, User, between, constant, events, tag, task
from locust.env import Environment
from locust.runners import MasterRunner

from loadtests.live import AuctionSocket
from loadtests.protocol import Ladder, ws_url
from loadtests.seed import ADMIN_TOKEN_ENV, BUDGET_FEN, CATEGORY, QUANTITY, SKU, Identity, Seeder, SeedError
from mall_api import wire
from mall_api.clock import from_rfc3339

log = logging.getLogger("loadtests")
logging.getLogger("httpx").setLevel(logging.WARNING)  # the seeding calls are not the load
WATCHERS_PER_TOKEN = 50
BID_INTERVAL_S = 0.12  # just under the default MALL_BID_RATE of 10 bids/s per supplier and auction


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    group = parser.add_argument_group("mall load test")
    group.add_argument("--admin-token", env_var=ADMIN_TOKEN_ENV, default="",
                       help="admin token of the mall under test (`mall token admin ops`)")
    group.add_argument("--auctions", env_var="LOAD_AUCTIONS", type=int, default=4,
                       help="long auctions for SupplierUser; slot 0 is the one WatcherUsers watch")
    group.add_argument("--auction-duration", env_var="LOAD_AUCTION_S", type=int, default=1800,
                       help="seconds a long auction runs")
    group.add_argument("--snipe-duration", env_var="LOAD_SNIPE_S", type=int, default=20,
                       help="seconds a sniping round runs before its extensions")
    group.add_argument("--snipe-window", env_var="LOAD_SNIPE_WINDOW_S", type=float, default=4.0,
                       help="snipers start bidding this many seconds before the close")
    group.add_argument("--extension", env_var="LOAD_EXTENSION_S", type=int, default=5,
                       help="anti-sniping extension_s of a sniping round")
    group.add_argument("--small-duration", env_var="LOAD_SMALL_S", type=int, default=20,
                       help="seconds each auction a BuyerUser launches runs")
    group.add_argument("--watchers", env_var="LOAD_WATCHERS", type=int, default=0,
                       help="a fixed number of WatcherUsers (0: by weight)")
    group.add_argument("--answer-timeout", env_var="LOAD_ANSWER_TIMEOUT_S", type=float, default=10.0,
                       help="seconds a bid may wait for its answer before it counts as missing")


class World:
    """What the users of one Locust process share: seeded ids and tokens, and the auctions in play."""

    def __init__(self) -> None:
        self._lock = Semaphore()
        self.seeder: Seeder | None = None
        self.buyer: Identity | None = None
        self.dept: Identity | None = None
        self.options: Any = None
        self.host = ""
        self._long: list[dict[str, Any]] = []
        self._round: dict[str, Any] | None = None
        self.small: list[dict[str, Any]] = []
        self._slots = itertools.count()
        self._suppliers = itertools.count(1)
        self._watchers = itertools.count()
        self._watcher_tokens: dict[int, Identity] = {}
        # ack time (perf_counter) of the hot auction's accepted prices, for the watchers' book lag
        self.acks: OrderedDict[int, float] = OrderedDict()

    def ready(self, environment: Environment) -> Seeder:
        with self._lock:
            if self.seeder is None:
                self._setup(environment)
            assert self.seeder is not None
            return self.seeder

    def _setup(self, environment: Environment) -> None:
        options = environment.parsed_options
        if not environment.host:
            raise SeedError("give the mall's address with --host http://HOST:PORT")
        if not options.admin_token:
            raise SeedError(f"set {ADMIN_TOKEN_ENV} (or --admin-token): `mall token admin ops` prints one")
        seeder = Seeder(environment.host, options.admin_token)
        seeder.catalog()
        self.buyer, self.dept = seeder.buyer(), seeder.dept()
        self.options, self.host = options, environment.host
        self._long = [seeder.auction(self.buyer, self.dept, options.auction_duration)
                      for _ in range(max(1, options.auctions))]
        self.seeder = seeder
        log.info("seeded run %s: auctions %s", seeder.prefix, ", ".join(a["id"] for a in self._long))

    # -- identities --------------------------------------------------------------------------------

    def new_supplier(self) -> Identity:
        assert self.seeder is not None
        return self.seeder.supplier(next(self._suppliers))

    def next_slot(self) -> int:
        return next(self._slots)

    def watcher(self) -> Identity:
        """A watching identity shared by at most WATCHERS_PER_TOKEN sockets (the server caps sockets per
        principal: MALL_MAX_CONN_PER_TOKEN, default 100)."""
        assert self.seeder is not None
        n = next(self._watchers) // WATCHERS_PER_TOKEN
        with self._lock:
            if n not in self._watcher_tokens:
                self._watcher_tokens[n] = self.seeder.token("dept", f"{self.seeder.prefix}-W{n}")
            return self._watcher_tokens[n]

    # -- auctions in play ----------------------------------------------------------------------------

    def long_auction(self, slot: int) -> dict[str, Any]:
        """The long auction of a slot, relaunched once it is over (a run longer than --auction-duration)."""
        with self._lock:
            k = slot % len(self._long)
            if from_rfc3339(self._long[k]["closes_at"]) <= time.time() * 1000 + 2000:
                assert self.seeder and self.buyer and self.dept
                self._long[k] = self.seeder.auction(self.buyer, self.dept, self.options.auction_duration)
                if k == 0:
                    self.acks.clear()
            return self._long[k]

    def hot_id(self) -> str:
        return self.long_auction(0)["id"]

    def snipe_round(self) -> dict[str, Any]:
        """The current sniping round; the first sniper to find it over launches the next one."""
        with self._lock:
            if self._round is None or self._round.get("over"):
                assert self.seeder and self.buyer and self.dept
                o = self.options
                self._round = self.seeder.auction(self.buyer, self.dept, o.snipe_duration,
                                                  extension_s=o.extension, max_extensions=3)
            return self._round

    def round_over(self, auction_id: str) -> None:
        if self._round is not None and self._round["id"] == auction_id:
            self._round["over"] = True

    def open_small(self, margin_s: float) -> dict[str, Any] | None:
        """A short auction with at least `margin_s` left, if any."""
        limit = time.time() * 1000 + margin_s * 1000
        self.small = [a for a in self.small if from_rfc3339(a["closes_at"]) > limit]
        return random.choice(self.small) if self.small else None

    def record_ack(self, auction_id: str, price_fen: int) -> None:
        if self._long and auction_id == self._long[0]["id"]:
            self.acks[price_fen] = time.perf_counter()
            while len(self.acks) > 10_000:
                self.acks.popitem(last=False)


world = World()


@events.init.add_listener
def _select(environment: Environment, **_: Any) -> None:
    """`--tags` selects scenarios: keep only the user classes that have a task with one of the tags
    (Locust would otherwise start users left with no task). `--watchers N` fixes the watcher count."""
    options = environment.parsed_options
    if options is None:
        return
    if options.tags:
        wanted = set(options.tags)
        keep = [cls for cls in environment.user_classes
                if any(wanted & getattr(t, "locust_tag_set", set()) for t in cls.tasks)]
        environment.user_classes[:] = keep
    if options.watchers > 0:
        WatcherUser.fixed_count = options.watchers


@events.test_start.add_listener
def _seed(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, MasterRunner):
        return
    try:
        world.ready(environment)
    except Exception as exc:
        log.error("seeding failed, stopping: %s", exc)
        environment.process_exit_code = 2
        if environment.runner is not None:
            gevent.spawn_later(0, environment.runner.quit)


# -- suppliers -----------------------------------------------------------------------------------------


class _Bidder(User):
    abstract = True

    def on_start(self) -> None:
        world.ready(self.environment)
        self.me = world.new_supplier()
        self.conn: AuctionSocket | None = None
        self.ladder: Ladder | None = None
        self.refs = itertools.count(1)
        self.auction_id = ""

    def on_stop(self) -> None:
        if self.conn is not None:
            self.conn.close()

    def join(self, auction_id: str) -> AuctionSocket:
        if self.conn is not None:
            self.conn.close()
        self.auction_id = auction_id
        self.conn = AuctionSocket(self.environment.events.request.fire,
                                  ws_url(world.host, auction_id, self.me.token), world.options.answer_timeout)
        snap = self.conn.open()
        you = snap.you.best_fen if snap.you is not None else None
        self.ladder = Ladder(snap.ceiling_fen, snap.min_decrement_fen, you)
        return self.conn

    def place(self) -> wire.Accepted | wire.Rejected | None:
        assert self.conn is not None and self.ladder is not None
        price = self.ladder.next()
        if price is None:
            return None
        answer = self.conn.bid(f"{self.me.id}-{next(self.refs)}", price)
        if isinstance(answer, wire.Accepted):
            self.ladder.accepted(answer.price_fen)
            world.record_ack(self.auction_id, answer.price_fen)
        return answer


class SupplierUser(_Bidder):
    """Steady bidding: one socket on a long auction, a bid every 0.2-0.6 s, every answer checked."""

    weight = 6
    wait_time = between(0.2, 0.6)

    def on_start(self) -> None:
        super().on_start()
        self.slot = world.next_slot()

    @tag("steady", "watch")
    @task
    def bid(self) -> None:
        if self.conn is None or not self.conn.usable:
            self.join(world.long_auction(self.slot)["id"])
        assert self.conn is not None
        self.conn.pump(0)  # take what is waiting (book, rank) before the next quote
        if self.conn.usable:
            self.place()


class SniperUser(_Bidder):
    """Sniping storm: everyone quiet until the last seconds of a round, then bids at the rate limit."""

    weight = 2
    wait_time = constant(0)

    @tag("snipe")
    @task
    def snipe(self) -> None:
        conn = self.join(world.snipe_round()["id"])
        window_ms = world.options.snipe_window * 1000
        while conn.usable:
            left = conn.closes_at_ms - conn.server_now_ms()
            if left > window_ms:
                conn.pump(min(1.0, (left - window_ms) / 1000))
                continue
            started = time.perf_counter()
            answer = self.place()
            if answer is None and conn.usable:
                conn.pump(1.0)  # the ladder ran out: watch the close
                continue
            gevent.sleep(max(0.0, BID_INTERVAL_S - (time.perf_counter() - started)))
        if conn.closed is not None:
            world.round_over(self.auction_id)
        conn.close()
        self.conn = None


class HopperUser(_Bidder):
    """Many small auctions: pick one BuyerUsers launched, connect, place 1-3 bids, leave."""

    weight = 2
    wait_time = between(0.5, 1.5)

    @tag("small")
    @task
    def hop(self) -> None:
        auction = world.open_small(margin_s=5)
        if auction is None:
            return
        conn = self.join(auction["id"])
        for _ in range(random.randint(1, 3)):
            if not conn.usable:
                break
            self.place()
            gevent.sleep(BID_INTERVAL_S * 2)
        conn.close()
        self.conn = None


# -- watchers ------------------------------------------------------------------------------------------


class WatcherUser(User):
    """One of many watchers of the hot auction (slot 0): reads every frame and checks its seq."""

    weight = 3
    wait_time = constant(0)

    def on_start(self) -> None:
        world.ready(self.environment)
        self.me = world.watcher()
        self.conn: AuctionSocket | None = None
        self.fire = self.environment.events.request.fire

    def on_stop(self) -> None:
        if self.conn is not None:
            self.conn.close()

    def on_book(self, frame: wire.Book, arrived: float) -> None:
        acked = world.acks.get(frame.best_fen) if isinstance(frame.best_fen, int) else None
        if acked is not None:
            self.fire(request_type="WS-recv", name="book lag", response_time=max(0.0, arrived - acked) * 1000,
                      response_length=0, exception=None, context={})

    @tag("watch")
    @task
    def watch(self) -> None:
        if self.conn is None or not self.conn.usable:
            if self.conn is not None:
                self.conn.close()
                gevent.sleep(0.5)
            self.conn = AuctionSocket(self.fire, ws_url(world.host, world.hot_id(), self.me.token),
                                      world.options.answer_timeout, on_book=self.on_book)
            self.conn.open()
        self.conn.pump(1.0)


# -- HTTP users ------------------------------------------------------------------------------------------


class BuyerUser(HttpUser):
    """A purchasing unit: files plans, gets them reviewed by its department, launches short auctions."""

    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
        world.ready(self.environment)
        assert world.buyer is not None and world.dept is not None
        self.as_buyer = {"Authorization": f"Bearer {world.buyer.token}"}
        self.as_dept = {"Authorization": f"Bearer {world.dept.token}"}
        self.plans: list[str] = []

    @tag("buyer", "small")
    @task(3)
    def launch(self) -> None:
        plan = self.client.post("/api/plans", headers=self.as_buyer, json={
            "title": "压测采购(小额竞价)", "category": CATEGORY, "quantity": QUANTITY, "budget_fen": BUDGET_FEN,
            "method": "mall_auction", "imported": False})
        if plan.status_code != 201:
            return
        plan_id = plan.json()["id"]
        self.plans.append(plan_id)
        review = self.client.post(f"/api/plans/{plan_id}/review", name="/api/plans/[id]/review",
                                  headers=self.as_dept, json={"approve": True, "comment": "同意"})
        if review.status_code != 200:
            return
        auction = self.client.post("/api/auctions", headers=self.as_buyer, json={
            "plan_id": plan_id, "sku": SKU, "quantity": QUANTITY, "budget_fen": BUDGET_FEN,
            "duration_s": world.options.small_duration, "min_decrement_fen": 100, "min_bidders": 2})
        if auction.status_code == 201:
            world.small.append(auction.json())

    @tag("buyer")
    @task(2)
    def track(self) -> None:
        self.client.get("/api/plans", params={"status": "filed", "limit": 20}, name="/api/plans?status=",
                        headers=self.as_buyer)
        if self.plans:
            self.client.get(f"/api/plans/{random.choice(self.plans)}", name="/api/plans/[id]",
                            headers=self.as_buyer)
        self.client.get("/api/plans", params={"limit": 20}, name="/api/plans (dept queue)", headers=self.as_dept)


class PortalUser(HttpUser):
    """The public: announcements, search, statistics, auctions, the catalog. No token."""

    weight = 2
    wait_time = between(0.5, 2)

    @tag("portal")
    @task(3)
    def announcements(self) -> None:
        kind = random.choice(["bidding", "deal", "failed", None])
        r = self.client.get("/api/announcements", params={"kind": kind, "limit": 20} if kind else {"limit": 20},
                            name=f"/api/announcements?kind={kind or ''}")
        items = r.json().get("items", []) if r.status_code == 200 else []
        if items:
            one = random.choice(items)
            self.client.get(f"/api/announcements/{one['id']}", name="/api/announcements/[id]")

    @tag("portal")
    @task(2)
    def search(self) -> None:
        q = random.choice(["压测", "CF", "计算机", "LT"])
        self.client.get("/api/announcements", params={"q": q, "limit": 20}, name="/api/announcements?q=")
        self.client.get("/api/catalog/items", params={"q": "计算机"}, name="/api/catalog/items?q=")

    @tag("portal")
    @task(2)
    def stats(self) -> None:
        self.client.get("/api/stats")

    @tag("portal")
    @task(2)
    def auctions(self) -> None:
        r = self.client.get("/api/auctions", params={"status": "open", "limit": 20}, name="/api/auctions?status=")
        items = r.json().get("items", []) if r.status_code == 200 else []
        if items:
            self.client.get(f"/api/auctions/{random.choice(items)['id']}", name="/api/auctions/[id]")
