"""Which function runs each kind of job; apps register theirs from AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from himaya.jobs.models import Job


class Progress(Protocol):
    def __call__(self, done: int, total: int, stage: str = "") -> None: ...


# A handler does the work and returns the result summary (JSON-serialisable).
Handler = Callable[[Job, Progress], dict[str, Any]]

_HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    _HANDLERS[kind] = handler


def handler_for(kind: str) -> Handler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no handler registered for job kind {kind!r}") from None
