"""Exchange failures a client can act on, each with its HTTP status (mapped in decorators)."""

from __future__ import annotations

from dataclasses import replace

from exchange.protocol import Problem


class ExchangeError(Exception):
    status = 400
    # The stable code of a problem given as text (docs/protocol.md lists the codes).
    code = "bad_request"

    def __init__(self, *problems: Problem | str, code: str | None = None) -> None:
        self.problems = [_coded(problem, code or self.code) for problem in problems]
        super().__init__("; ".join(problem.message for problem in self.problems))


def _coded(problem: Problem | str, code: str) -> Problem:
    """The problem with a code: its own if it has one."""
    if isinstance(problem, str):
        return Problem(None, "", problem, code=code)
    return problem if problem.code else replace(problem, code=code)


class BadRequest(ExchangeError):
    status = 400


class Forbidden(ExchangeError):
    status = 403
    code = "bad_key"

    def __init__(self) -> None:
        # One answer for a missing, unknown or revoked key: nothing to learn by probing.
        super().__init__("missing, unknown or revoked client key")


class MethodNotAllowed(ExchangeError):
    status = 405
    code = "method"

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self.allowed = allowed
        super().__init__(f"use {' or '.join(allowed)}")


class PayloadTooLarge(ExchangeError):
    status = 413
    code = "too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than the limit of {limit} bytes")


class ServiceUnavailable(ExchangeError):
    status = 503
    code = "db_unavailable"

    def __init__(self) -> None:
        super().__init__("the portal's database is unavailable; nothing was changed, retry later")


class InternalError(ExchangeError):
    status = 500
    code = "internal"

    def __init__(self) -> None:
        super().__init__("internal error; nothing was changed")
