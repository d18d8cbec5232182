"""Subcommands of `mall` beyond serve and token: each module exposes `register(subparsers)`, which
adds its parser and sets `handler` (a function of the parsed args returning an exit code)."""

import argparse
import importlib

# Each name is a module in this package. Add a module, then its name here.
MODULES: tuple[str, ...] = ("catalog", "prices", "laws", "audit", "ocds")


def register_all(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    for name in MODULES:
        importlib.import_module(f"mall_api.commands.{name}").register(subparsers)
