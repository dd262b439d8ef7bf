"""A clinic's staff: invitations by a signed link, and the memberships they become."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from exchange.models import Clinic
from workspace.models import Invitation, Membership

SALT = "workspace.invitation"


class InvitationInvalid(Exception):
    """The link is tampered with, expired, revoked, or already used."""


def invitation_send(
    *, clinic: Clinic, email: str, role: str, invited_by, base_url: str
) -> Invitation:
    """Invites `email` to the clinic's staff, renewing a pending invitation of the address."""
    email = User.objects.normalize_email(email)
    invitation, _ = Invitation.objects.update_or_create(
        clinic=clinic,
        email=email,
        accepted_at=None,
        defaults={"role": role, "invited_by": invited_by, "sent_at": timezone.now()},
    )
    link = base_url + reverse("workspace:join", kwargs={"token": invitation_token(invitation)})
    context = {"clinic": clinic, "invitation": invitation, "link": link, "days": _days()}
    with translation.override("ru"):
        subject = render_to_string("workspace/email/invitation_subject.txt", context).strip()
        body = render_to_string("workspace/email/invitation.txt", context)
    # After the commit: a rolled-back invitation sends no link to a row that does not exist.
    message = EmailMessage(subject, body, to=[email])
    transaction.on_commit(message.send)
    return invitation


def invitation_token(invitation: Invitation) -> str:
    # The send time is signed too: renewing an invitation retires the links sent before.
    value = [invitation.pk, invitation.sent_at.timestamp()]
    return signing.dumps(value, salt=SALT, compress=True)


def invitation_from_token(token: str) -> Invitation:
    try:
        pk, sent = signing.loads(token, salt=SALT, max_age=_days() * 24 * 3600)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvitationInvalid from None
    invitation = (
        Invitation.objects.select_related("clinic").filter(pk=pk, accepted_at__isnull=True).first()
    )
    if invitation is None or invitation.sent_at.timestamp() != sent:
        raise InvitationInvalid
    return invitation


def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Makes `user` (whose email the invitation names) a member with the invited role.

    Someone already on the staff keeps their membership, with the invited role.
    """
    if user.email != invitation.email:
        raise InvitationInvalid
    with transaction.atomic():
        updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            accepted_at=timezone.now()
        )
        if not updated:
            raise InvitationInvalid  # used meanwhile, by another tab
        membership, _ = Membership.objects.update_or_create(
            user=user, clinic=invitation.clinic, defaults={"role": invitation.role}
        )
    return membership


def invitation_accept_new(*, invitation: Invitation, password: str, first_name: str) -> Membership:
    """Creates the account of the invited address (the link proved it is theirs) and joins."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=invitation.email, password=password, first_name=first_name
            )
            return invitation_accept(invitation=invitation, user=user)
    except IntegrityError:
        # The address got an account meanwhile: the person signs in to it instead.
        raise InvitationInvalid from None


def membership_remove(*, membership: Membership, by) -> None:
    """Removes a member; a manager cannot remove themselves, so a clinic keeps one."""
    if membership.user_id == by.pk:
        raise ValueError("a manager cannot remove themselves")
    membership.delete()


def _days() -> int:
    return settings.WORKSPACE_INVITATION_DAYS
