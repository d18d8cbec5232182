"""The deployment files: docker-compose.yml is valid against the Compose Specification's schema and
says what docs/deployment.md promises (Redis AOF always on a volume, three app nodes on one Redis and
one secret, nginx in front); deploy/nginx.conf proxies websockets and hashes on the auction id.
No Docker engine or nginx runs here: the files are parsed and checked as data."""

import re
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "data" / "compose-spec.json"  # compose-spec/compose-spec, copied from shared/data


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def test_compose_file_is_valid_against_the_compose_schema(compose: dict[str, Any]) -> None:
    schema = orjson.loads(SPEC.read_bytes())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_broken_file(compose: dict[str, Any]) -> None:
    broken = {**compose, "services": {**compose["services"], "redis": {**compose["services"]["redis"],
                                                                         "restart": ["always"]}}}
    assert list(jsonschema.Draft7Validator(orjson.loads(SPEC.read_bytes())).iter_errors(broken))


def test_redis_keeps_every_acknowledged_write_on_a_volume(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command and "--appendfsync always" in command
    volume, _, target = redis["volumes"][0].partition(":")
    assert target == "/data" and volume in compose["volumes"]


def apps(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if "REDIS_URL" in (s.get("environment") or {})}


def test_three_app_nodes_share_one_redis_and_one_secret(compose: dict[str, Any]) -> None:
    nodes = apps(compose)
    assert sorted(nodes) == ["app1", "app2", "app3"]
    envs = [node["environment"] for node in nodes.values()]
    assert {env["REDIS_URL"] for env in envs} == {"redis://redis:6379/0"}
    secrets = {env["MALL_SECRET"] for env in envs}
    assert len(secrets) == 1 and secrets.pop().startswith("${MALL_SECRET:?"), "one secret, from the environment"
    for node in nodes.values():
        assert node["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "ports" not in node, "only nginx is public"


def test_nginx_fronts_the_app_nodes(compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    source, target = nginx["volumes"][0].split(":")[:2]
    assert (ROOT / source).resolve() == ROOT / "deploy" / "nginx.conf" and target == "/etc/nginx/nginx.conf"
    assert set(nginx["depends_on"]) == set(apps(compose))
    assert nginx["ports"] == ["8000:80"]


# --- deploy/nginx.conf, parsed into (directive, args, block) ---

Directive = tuple[str, list[str], list[Any] | None]
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'|(#[^\n]*)|([{};])|([^\s{};"\']+)')


def parse_nginx(text: str) -> list[Directive]:
    """A small parser of nginx's syntax: enough to fail on an unbalanced brace or a missing `;`."""
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    for quoted, single, comment, punct, bare in _TOKEN.findall(text):
        if comment:
            continue
        if punct == ";":
            assert words, "an empty directive"
            stack[-1].append((words[0], words[1:], None))
            words = []
        elif punct == "{":
            block: list[Directive] = []
            stack[-1].append((words[0], words[1:], block))
            stack.append(block)
            words = []
        elif punct == "}":
            assert not words, f"missing ';' after {words}"
            stack.pop()
            assert stack, "unbalanced '}'"
        else:
            words.append(quoted or single or bare)
    assert len(stack) == 1 and not words, "unclosed block or directive"
    return stack[0]


def find(block: list[Directive], name: str, *args: str) -> list[Directive]:
    return [d for d in block if d[0] == name and d[1][: len(args)] == list(args)]


def only_block(block: list[Directive], name: str, *args: str) -> list[Directive]:
    found = find(block, name, *args)
    assert len(found) == 1 and found[0][2] is not None, f"one {name} {args} block"
    return found[0][2]


@pytest.fixture(scope="module")
def nginx() -> list[Directive]:
    return only_block(parse_nginx((ROOT / "deploy" / "nginx.conf").read_text()), "http")


def test_the_parser_refuses_broken_syntax() -> None:
    for broken in ("http { listen 80 }", "http { server { }", "events { } }"):
        with pytest.raises(AssertionError):
            parse_nginx(broken)


def test_upstream_hashes_consistently_on_the_auction_key(nginx: list[Directive], compose: dict[str, Any]) -> None:
    upstream = only_block(nginx, "upstream", "mall")
    assert find(upstream, "hash") == [("hash", ["$auction_key", "consistent"], None)]
    servers = [d[1][0] for d in find(upstream, "server")]
    assert servers == [f"{name}:8000" for name in sorted(apps(compose))]


def auction_key(nginx: list[Directive], uri: str) -> str | None:
    """Evaluate the `map $uri $auction_key` block the way nginx does (first matching regex wins)."""
    mapping = only_block(nginx, "map", "$uri", "$auction_key")
    for source, (value,), _ in mapping:
        if source.startswith("~"):
            found = re.search(source[1:].replace("(?<", "(?P<"), uri)
            if found:
                return found.expand(re.sub(r"\$(\w+)", r"\\g<\1>", value))
    return None


@pytest.mark.parametrize(("uri", "key"), [
    ("/ws/auctions/A00000042", "A00000042"),
    ("/api/auctions/A00000042", "A00000042"),
    ("/api/auctions/A00000042/cancel", "A00000042"),
    ("/ws/audit/A00000042", "A00000042"),
    ("/api/audit/A00000042", "A00000042"),
    ("/api/ocds/A00000042", "A00000042"),
    ("/api/auctions", None),
    ("/api/stats", None),
])
def test_the_hash_key_is_the_auction_id_not_the_uri(nginx: list[Directive], uri: str, key: str | None) -> None:
    assert auction_key(nginx, uri) == key
    mapping = only_block(nginx, "map", "$uri", "$auction_key")
    assert find(mapping, "default") == [("default", ["$request_id"], None)]


def test_websockets_are_proxied_with_upgrade_and_long_timeouts(nginx: list[Directive]) -> None:
    server = only_block(nginx, "server")
    ws = only_block(server, "location", "/ws/")
    assert find(ws, "proxy_pass") == [("proxy_pass", ["http://mall"], None)]
    assert find(ws, "proxy_http_version") == [("proxy_http_version", ["1.1"], None)]
    assert find(ws, "proxy_set_header", "Upgrade") == [("proxy_set_header", ["Upgrade", "$http_upgrade"], None)]
    assert find(ws, "proxy_set_header", "Connection")[0][1][1] == "$connection_upgrade"
    upgrade = only_block(nginx, "map", "$http_upgrade", "$connection_upgrade")
    assert find(upgrade, "default") == [("default", ["upgrade"], None)]
    for timeout in ("proxy_read_timeout", "proxy_send_timeout"):
        (value,) = find(ws, timeout)[0][1]
        assert int(value.rstrip("s")) >= 3600


def test_the_front_door_limits_slow_and_large_clients(nginx: list[Directive]) -> None:
    for directive in ("client_header_timeout", "client_body_timeout"):
        assert int(find(nginx, directive)[0][1][0].rstrip("s")) <= 30
    assert find(nginx, "client_max_body_size") == [("client_max_body_size", ["1m"], None)]
    log_format = " ".join(find(nginx, "log_format", "mall")[0][1])
    assert "$request_uri" not in log_format and "$args" not in log_format, "tokens travel in the query string"
