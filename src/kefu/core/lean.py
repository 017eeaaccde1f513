"""Sync database work started from the lean ingest path tidies its own connection.

The ingest path (`config.api_asgi`) skips Django's per-request thread and request signals,
which would otherwise check out and return the database connection of the thread that ran
the request's sync code. The few sync calls that path can make (a bearer token not yet
cached, the non-batched fallbacks of the message endpoint) therefore check their
connection before and after, as the signals would have.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import close_old_connections

P = ParamSpec("P")
R = TypeVar("R")

in_lean_request: contextvars.ContextVar[bool] = contextvars.ContextVar("kefu_lean_request", default=False)


def tidy_connections(function: Callable[P, R]) -> Callable[P, R]:
    """`function` as is, or, inside a lean request, wrapped in Django's connection upkeep."""
    if not in_lean_request.get():
        return function

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return run
