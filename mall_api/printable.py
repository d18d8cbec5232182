"""Printable announcement pages: Jinja2 templates shipped in the package (mall_api/templates/),
laid out as the national format (政府采购公告和公示信息格式规范, 2020) lays each kind out.

Money is shown in yuan (¥1,234.56), times in Asia/Shanghai (2026年12月04日 19:05). The pages are
self-contained: no scripts, fonts or styles from elsewhere.
"""

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from engine.calendar import SHANGHAI

REASONS = {"TOO_FEW_BIDDERS": "有效报价供应商不足"}
MODES = {"open": "公开竞价", "sealed": "密封报价"}


def yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def local_time(ms: int | None) -> str:
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000, SHANGHAI).strftime("%Y年%m月%d日 %H:%M")


def local_date(ms: int | None) -> str:
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000, SHANGHAI).strftime("%Y年%m月%d日")


def spec_text(spec: Any) -> str:
    if isinstance(spec, dict):
        return "；".join(f"{k}：{v}" for k, v in spec.items()) or "—"
    return str(spec) if spec else "—"


def percent(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.2%}" if denominator else "—"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("mall_api", "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(yuan=yuan, local_time=local_time, local_date=local_date, spec_text=spec_text)
    env.globals.update(REASONS=REASONS, MODES=MODES, percent=percent)
    return env


_ENV = _environment()


def announcement_page(announcement: dict[str, Any]) -> str:
    return _ENV.get_template("announcement.html").render(a=announcement)


def not_found_page() -> str:
    return _ENV.get_template("announcement_not_found.html").render()
