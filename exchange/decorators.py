"""One place where exchange failures become XML answers: never an HTML page or a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from exchange.errors import (
    BadRequest,
    ExchangeError,
    InternalError,
    MethodNotAllowed,
    PayloadTooLarge,
    ServiceUnavailable,
)
from exchange.protocol import Problem

logger = logging.getLogger(__name__)

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
ErrorRenderer = Callable[[int, list[Problem]], bytes]


def xml_response(body: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=XML_CONTENT_TYPE)


def exchange_endpoint(*, methods: tuple[str, ...], render_error: ErrorRenderer) -> Callable:
    """Checks method and body size before anything reads the body, and renders failures.

    CSRF does not apply: an MIS is a machine that proves itself with its client key.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                _check_request(request, methods)
                return view(request, *args, **kwargs)
            except ExchangeError as error:
                return _error_response(error, render_error)
            except RequestDataTooBig:
                return _error_response(PayloadTooLarge(settings.IMPORT_MAX_BYTES), render_error)
            except (SuspiciousOperation, MultiPartParserError) as error:
                problem = BadRequest(f"unreadable request: {error}", code="bad_request")
                return _error_response(problem, render_error)
            except DatabaseError:
                logger.exception("database failure in %s", request.path)
                return _error_response(ServiceUnavailable(), render_error)
            except Exception:
                logger.exception("unexpected failure in %s", request.path)
                return _error_response(InternalError(), render_error)

        return wrapper

    return decorator


def _check_request(request: HttpRequest, methods: tuple[str, ...]) -> None:
    if request.method not in methods:
        raise MethodNotAllowed(methods)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequest("invalid Content-Length", code="bad_content_length") from None
    if length > settings.IMPORT_MAX_BYTES:
        raise PayloadTooLarge(settings.IMPORT_MAX_BYTES)


def _error_response(error: ExchangeError, render_error: ErrorRenderer) -> HttpResponse:
    response = xml_response(render_error(error.status, error.problems), error.status)
    if isinstance(error, MethodNotAllowed):
        response["Allow"] = ", ".join(error.allowed)
    return response
