"""The Jinja2 environment of the site pages: the printable pages' loader and filters, plus the
navigation every page shares."""

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from mall_api.printable import local_date, local_time, percent, yuan

NAVIGATION = (
    ("/", "公告"),
    ("/stats", "统计"),
    ("/buyer", "采购单位"),
    ("/review", "审核"),
    ("/admin", "管理"),
)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("mall_api", "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(yuan=yuan, local_time=local_time, local_date=local_date)
    env.globals.update(NAVIGATION=NAVIGATION, percent=percent)
    return env


_ENV = _environment()


def render(template: str, active: str, **context: Any) -> str:
    """A site page; `active` is the path of the navigation entry to mark as the current page."""
    return _ENV.get_template(template).render(active=active, **context)
