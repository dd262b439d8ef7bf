from __future__ import annotations

import re
from dataclasses import fields

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from booking.search import Day
from booking.services import PatientDetails

PHONE_CHARACTERS = re.compile(r"[\d\s()+-]+")


def validate_phone(value: str) -> None:
    digits = re.sub(r"\D", "", value)
    if not PHONE_CHARACTERS.fullmatch(value) or not 10 <= len(digits) <= 15:
        raise forms.ValidationError(
            _("Enter a phone number with 10 to 15 digits, e.g. +7 900 123-45-67.")
        )


class OrderForm(forms.Form):
    name1 = forms.CharField(label=_("Surname"), max_length=100)
    name2 = forms.CharField(label=_("First name"), max_length=100)
    name3 = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email"))
    aim = forms.CharField(label=_("Aim of the visit"), max_length=255, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    comment = forms.CharField(
        label=_("Comment"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # 152-ФЗ: the patient's consent to the processing of their personal data, given before
    # anything is sent to the clinic; an order exists only with it.
    consent = forms.BooleanField(
        label=_("I consent to the processing of my personal data"),
        error_messages={"required": _("Without the consent the clinic cannot register the visit.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].help_text = format_html(
            '{} <a href="{}">{}</a>.',
            _("The portal and the clinic use your details only to register the visit."),
            reverse("booking:privacy"),
            _("How personal data is processed"),
        )

    def details(self) -> PatientDetails:
        names = (field.name for field in fields(PatientDetails))
        return PatientDetails(**{name: self.cleaned_data[name].strip() for name in names})


class SearchForm(forms.Form):
    """The home page's search: what to look for, where and on which day; all optional."""

    DAYS = [("", _("Any day")), ("today", _("Today")), ("tomorrow", _("Tomorrow"))]

    q = forms.CharField(label=_("Specialty or doctor"), max_length=200, required=False)
    clinic = forms.ModelChoiceField(
        label=_("Clinic"), queryset=None, required=False, empty_label=_("Any clinic")
    )
    day = forms.ChoiceField(label=_("Day"), choices=DAYS, required=False)
    date = forms.DateField(
        label=_("Or a date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, clinics, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics

    def has_criteria(self) -> bool:
        return any(self.cleaned_data[name] for name in self.fields)

    def day_filter(self) -> Day:
        if self.cleaned_data["date"]:
            return Day(on=self.cleaned_data["date"])
        offsets = {"today": 0, "tomorrow": 1}
        return Day(days_from_today=offsets.get(self.cleaned_data["day"]))
