from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth import password_validation
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from exchange.models import Order, Resource, ResourceGroup
from workspace.models import (
    ClinicProfile,
    DayException,
    Membership,
    ResourceProfile,
    WeeklyHours,
)

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.REGISTRAR
    )

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"])


class JoinForm(forms.Form):
    """A new account for the invited address: the link proved the address is theirs."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password and password != cleaned.get("password2"):
            self.add_error("password2", _("The passwords differ."))
        elif password:
            user = User(email=self.email, first_name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class DeskFilterForm(forms.Form):
    DAYS = [(1, _("one day")), (7, _("a week")), (31, _("a month"))]

    first_day = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    days = forms.TypedChoiceField(
        label=_("Period"), choices=DAYS, coerce=int, required=False, empty_value=7
    )
    status = forms.TypedChoiceField(
        label=_("Status"),
        choices=[("", _("any")), *Order.Status.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    resource = forms.ModelChoiceField(
        label=_("Doctor or room"),
        queryset=Resource.objects.none(),
        required=False,
        empty_label=_("all"),
    )

    def __init__(self, *args, clinic, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["resource"].queryset = Resource.objects.filter(clinic=clinic).order_by(
            "is_retired", "pos", "name"
        )

    def clean_first_day(self) -> date:
        return self.cleaned_data["first_day"] or self.today


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the patient"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The patient reads it in the email, for example: the doctor is ill that day."),
    )


class ClinicProfileForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = ClinicProfile
        fields = [
            "address",
            "phone",
            "website",
            "opening_hours",
            "directions",
            "description",
            "logo",
        ]
        widgets = {
            "opening_hours": forms.Textarea(attrs={"rows": 3}),
            "directions": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }


class ResourceProfileForm(forms.ModelForm):
    class Meta:
        model = ResourceProfile
        fields = [
            "full_name",
            "specialty",
            "photo",
            "biography",
            "first_visit_price",
            "patients",
            "accepts_oms",
            "accepts_dms",
        ]
        widgets = {"biography": forms.Textarea(attrs={"rows": 4})}


class ResourceForm(forms.ModelForm):
    """A doctor or room made on the portal (a clinic without an MIS)."""

    class Meta:
        model = Resource
        fields = ["name", "group", "time_step", "pos", "is_retired"]
        labels = {"group": _("Group"), "is_retired": _("Hidden from patients")}

    def __init__(self, *args, clinic, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.clinic = clinic
        self.fields["group"].queryset = ResourceGroup.objects.filter(clinic=clinic)
        # A step under five minutes would cut a day into hundreds of slots.
        self.fields["time_step"].validators.append(MinValueValidator(5))
        self.fields["time_step"].widget.attrs["min"] = 5


class GroupForm(forms.ModelForm):
    class Meta:
        model = ResourceGroup
        fields = ["name", "pos"]


class HoursForm(forms.ModelForm):
    """Hours with an optional break: the break, when given, lies within them."""

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        pause = cleaned.get("break_starts_at"), cleaned.get("break_ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("Work must end after it starts."))
        if (pause[0] is None) != (pause[1] is None):
            self.add_error("break_ends_at", _("Give both ends of the break, or neither."))
        elif pause[0] and starts and ends and not starts < pause[0] < pause[1] < ends:
            self.add_error("break_starts_at", _("The break must lie within the working hours."))
        return cleaned


class WeeklyHoursForm(HoursForm):
    class Meta:
        model = WeeklyHours
        fields = ["weekday", "starts_at", "ends_at", "break_starts_at", "break_ends_at"]
        widgets = {
            "starts_at": TIME_INPUT,
            "ends_at": TIME_INPUT,
            "break_starts_at": TIME_INPUT,
            "break_ends_at": TIME_INPUT,
        }


class DayExceptionForm(HoursForm):
    day_off = forms.BooleanField(label=_("Day off"), required=False)

    class Meta:
        model = DayException
        fields = ["date", "day_off", "starts_at", "ends_at", "break_starts_at", "break_ends_at"]
        widgets = {
            "date": DATE_INPUT,
            "starts_at": TIME_INPUT,
            "ends_at": TIME_INPUT,
            "break_starts_at": TIME_INPUT,
            "break_ends_at": TIME_INPUT,
        }
        help_texts = {"starts_at": _("Leave the hours empty for a day off.")}

    def __init__(self, *args, template, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.template = template

    def clean(self):
        cleaned = super().clean()
        hours = ("starts_at", "ends_at", "break_starts_at", "break_ends_at")
        if cleaned.get("day_off"):
            for name in hours:
                cleaned[name] = None
                self.errors.pop(name, None)
        elif not (cleaned.get("starts_at") and cleaned.get("ends_at")):
            self.add_error("starts_at", _("Give the hours of that day, or mark it a day off."))
        return cleaned
