"""Exchange failures a client can act on, each with its HTTP status (mapped in decorators)."""

from __future__ import annotations

from exchange.protocol import Problem


class ExchangeError(Exception):
    status = 400

    def __init__(self, *problems: Problem | str) -> None:
        self.problems = [
            problem if isinstance(problem, Problem) else Problem(None, "", problem)
            for problem in problems
        ]
        super().__init__("; ".join(problem.message for problem in self.problems))


class BadRequest(ExchangeError):
    status = 400


class Forbidden(ExchangeError):
    status = 403

    def __init__(self) -> None:
        # One answer for a missing, unknown or revoked key: nothing to learn by probing.
        super().__init__("missing, unknown or revoked client key")


class MethodNotAllowed(ExchangeError):
    status = 405

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self.allowed = allowed
        super().__init__(f"use {' or '.join(allowed)}")


class PayloadTooLarge(ExchangeError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than the limit of {limit} bytes")


class ServiceUnavailable(ExchangeError):
    status = 503

    def __init__(self) -> None:
        super().__init__("the portal's database is unavailable; nothing was changed, retry later")


class InternalError(ExchangeError):
    status = 500

    def __init__(self) -> None:
        super().__init__("internal error; nothing was changed")
