"""The images staff upload (a clinic's logo, a doctor's photo): small, and of a web format."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# What browsers show everywhere. Pillow names the format from the file's content, so a file
# of another kind renamed to .jpg is refused.
FORMATS = {"JPEG", "PNG", "WEBP"}


class WebImageFormField(forms.ImageField):
    default_error_messages = {
        "format": _("Upload a JPEG, PNG or WebP image."),
        "size": _("The image is too large: at most %(limit)s."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": "image/*"}))
        super().__init__(**kwargs)

    def to_python(self, data):
        limit = settings.WORKSPACE_IMAGE_MAX_BYTES
        if data is not None and data.size > limit:
            # Before Pillow reads it: a huge upload is refused without decoding it.
            params = {"limit": filesizeformat(limit)}
            raise ValidationError(self.error_messages["size"], code="size", params=params)
        checked = super().to_python(data)
        if checked is not None and checked.image.format not in FORMATS:
            raise ValidationError(self.error_messages["format"], code="format")
        return checked


class WebImageField(models.ImageField):
    """An ImageField whose forms (the workspace's and the admin's) check size and format."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebImageFormField, **kwargs})
