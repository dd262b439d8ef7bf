"""`/healthz` for load balancers and process managers: is this node ready to serve?

Ready means the database answers and every migration this code knows is applied, so a node
that runs new code on an old schema stays out of the pool until `migrate` has run. The
answer comes from a middleware at the head of the stack: a load balancer calls a node by
its address (not an allowed host), over plain HTTP, and the check must need no session,
cookie, CSRF token or login, and write nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PATH = "/healthz"


def unapplied_migrations() -> list[str]:
    """The migrations on disk that the database has not recorded as applied.

    Every node of the graph is compared, not only the leaves: a plan towards an applied
    leaf would not mention an ancestor that is missing.
    """
    loader = MigrationExecutor(connection).loader
    pending = sorted(set(loader.graph.nodes) - set(loader.applied_migrations))
    return [f"{app}.{name}" for app, name in pending]


def health() -> tuple[int, str]:
    try:
        pending = unapplied_migrations()
    except DatabaseError as error:
        logger.warning("health check: database unavailable: %s", error)
        return 503, "database unavailable\n"
    if pending:
        return 503, "migrations not applied: " + " ".join(pending) + "\n"
    return 200, "ok\n"


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return _plain(405, "GET or HEAD\n", Allow="GET, HEAD")
        status, text = health()
        return _plain(status, text, **{"Cache-Control": "no-store"})


def _plain(status: int, text: str, **headers: str) -> HttpResponse:
    return HttpResponse(
        text, status=status, content_type="text/plain; charset=utf-8", headers=headers
    )
