"""The integrators' page at /services/: the protocol described, and a console to try a document."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from exchange.console import KeyMismatch, console_dry_run

# Room for the form's other fields and multipart boundaries around the document itself.
FORM_OVERHEAD = 64 * 1024


def console_limit() -> int:
    # A page for people: documents far smaller than import.php takes are plenty to try.
    return settings.CONSOLE_MAX_BYTES


def too_large_message() -> str:
    return _(
        "The document is larger than %(limit)s, the most the console checks. Try a part of "
        "it here, or send it whole to import.php with dry_run=1."
    ) % {"limit": filesizeformat(console_limit())}


class ConsoleForm(forms.Form):
    client_key = forms.CharField(
        label=_("Client key"),
        max_length=100,
        help_text=_("The same key as in the document's ClientKey."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    text = forms.CharField(
        label=_("Document"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
    )
    upload = forms.FileField(label=_("…or a file"), required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        text, upload = cleaned.get("text") or "", cleaned.get("upload")
        if upload is None and not text.strip():
            raise forms.ValidationError(_("Paste a document or choose a file."))
        if upload is not None and text.strip():
            raise forms.ValidationError(_("Paste a document or choose a file, not both."))
        size = upload.size if upload is not None else len(text.encode())
        if size > console_limit():
            raise forms.ValidationError(too_large_message())
        return cleaned

    def payload(self) -> tuple[bytes, str | None]:
        """The bytes, and for pasted text the encoding that overrides its declaration."""
        upload = self.cleaned_data["upload"]
        if upload is not None:
            return upload.read(), None
        # Pasted text reaches the server as UTF-8 whatever its declaration says.
        return self.cleaned_data["text"].encode(), "utf-8"


@require_http_methods(["GET", "POST"])
def services_page(request: HttpRequest, language: str = "ru") -> HttpResponse:
    with translation.override(language):
        context, status = _console(request)
        context |= {
            "language": language,
            "guide": f"exchange/includes/guide_{language}.html",
            "limit": console_limit(),
            "import_limit": settings.IMPORT_MAX_BYTES,
            "import_url": request.build_absolute_uri(reverse("exchange-import")),
            "export_url": request.build_absolute_uri(reverse("exchange-export")),
        }
        return render(request, "exchange/services.html", context, status=status)


def _console(request: HttpRequest) -> tuple[dict, int]:
    """The console's form and, once a document is checked, its answer."""
    if request.method != "POST":
        return {"form": ConsoleForm()}, 200
    # A body far over the limit is refused before it is parsed.
    if _body_length(request) > console_limit() + FORM_OVERHEAD:
        return {"form": ConsoleForm(), "refusal": too_large_message()}, 413
    form = ConsoleForm(request.POST, request.FILES)
    if not form.is_valid():
        return {"form": form}, 200
    data, encoding = form.payload()
    try:
        answer = console_dry_run(
            client_key=form.cleaned_data["client_key"], data=data, encoding=encoding
        )
    except KeyMismatch:
        message = _("The document's ClientKey is another key: import.php checks the document's.")
        form.add_error("client_key", message)
        return {"form": form}, 200
    return {"form": form, "answer": answer}, 200


def _body_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django reads it
