"""What changes an account's sign-ins and addresses, and the mail its owner gets.

Signing in: a user is signed in by browser sessions (qsessions) and API tokens (knox);
both, and the sockets opened under them, end together on a new password, "log out
everywhere" and account deletion (the receivers in accounts/models.py catch the first
and the last however they happen).

Enumeration policy: no page or API answer tells whether an e-mail address or a username
belongs to an account. Sign-up always answers "check your inbox", e-mail changes always
answer "check the new inbox", password resets always answer "if an account uses it";
what differs (a new account to confirm, an address already in use, a name taken) is
said only in a mail to that address, which only its owner reads.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from qsessions.models import Session

from fermusic.lib.events import end_session_sockets, end_user_sockets

EMAIL_CHANGE_SALT = "accounts.email-change"


# --- Sign-ins --------------------------------------------------------------------------


def sign_out_everywhere(user) -> None:
    """End every session and API token of the user and close their open sockets."""
    user.auth_token_set.all().delete()
    Session.objects.filter(user=user).delete()
    end_user_sockets(user.pk)


def session_id(session_key: str) -> str:
    """How pages and the API name a session: never by its key, which is a credential."""
    return hashlib.sha256(f"session-id:{session_key}".encode()).hexdigest()[:20]


def sessions_of(user) -> list:
    """The user's live browser sessions, most recently used first, each with its ``id``."""
    sessions = list(Session.objects.filter(user=user, expire_date__gt=timezone.now()).order_by("-updated_at"))
    for session in sessions:
        session.id = session_id(session.session_key)
    return sessions


def end_session(user, session_id_: str) -> bool:
    """End one of the user's browser sessions (and its sockets); False if none of theirs has that id."""
    for session in Session.objects.filter(user=user):
        if session_id(session.session_key) == session_id_:
            session_key = session.session_key  # delete() clears the primary key
            session.delete()
            end_session_sockets(session_key)
            return True
    return False


def revoke_token(user, token_key: str) -> bool:
    """Revoke one of the user's API tokens, named by its public prefix; False if none is theirs."""
    deleted, _ = user.auth_token_set.filter(token_key=token_key).delete()
    return bool(deleted)


# --- Mail ------------------------------------------------------------------------------


def send_account_mail(to: str, template: str, context: dict) -> None:
    """One plain-text mail from ``accounts/email/<template>_subject.txt`` and ``.txt``."""
    context = {"site_name": "FerMusic", **context}
    subject = " ".join(render_to_string(f"accounts/email/{template}_subject.txt", context).split())
    body = render_to_string(f"accounts/email/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs or None))


# --- Sign-up ---------------------------------------------------------------------------


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Links that confirm a new account's address: they die once it is active."""

    key_salt = "accounts.activation"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{user.email}{timestamp}"


activation_tokens = ActivationTokenGenerator()


def create_unconfirmed_account(request, form, next_url: str = "") -> None:
    """Save the sign-up form's account, inactive until its owner opens the mailed link
    (which then leads to ``next_url``, already checked to be on this site)."""
    user = form.save(commit=False)
    user.is_active = False
    user.save()
    send_activation(request, user, next_url)


def send_activation(request, user, next_url: str = "") -> None:
    link = absolute(
        request,
        "accounts:activate",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=activation_tokens.make_token(user),
    )
    if next_url:
        link += "?" + urlencode({"next": next_url})
    send_account_mail(user.email, "activate", {"user": user, "link": link})


def answer_taken_sign_up(request, email: str, username: str) -> None:
    """A sign-up whose address or username is taken: tell the address's owner, and only them."""
    User = get_user_model()
    existing = User._default_manager.filter(email__iexact=email).first()
    if existing is not None and not existing.is_active and existing.last_login is None:
        send_activation(request, existing)  # they signed up before and lost the mail
    elif existing is not None:
        send_account_mail(
            existing.email,
            "sign_up_existing",
            {
                "user": existing,
                "login": absolute(request, "accounts:login"),
                "reset": absolute(request, "accounts:password_reset"),
            },
        )
    else:
        send_account_mail(
            email, "sign_up_name_taken", {"username": username, "signup": absolute(request, "accounts:signup")}
        )


# --- E-mail change ---------------------------------------------------------------------


def request_email_change(request, user, new_email: str) -> None:
    """Mail a confirmation link to ``new_email`` (or, if another account has it, a notice
    that changes nothing), and tell the current address what was asked."""
    User = get_user_model()
    new_email = User._default_manager.normalize_email(new_email)
    if new_email.lower() == user.email.lower():
        return
    owner = User._default_manager.filter(email__iexact=new_email).exclude(pk=user.pk).first()
    if owner is not None:
        send_account_mail(owner.email, "email_in_use", {"login": absolute(request, "accounts:login")})
    else:
        token = signing.dumps({"user": user.pk, "old": user.email, "new": new_email}, salt=EMAIL_CHANGE_SALT)
        link = absolute(request, "accounts:confirm_email", token=token)
        send_account_mail(new_email, "confirm_email", {"user": user, "link": link, "new_email": new_email})
    if user.email:
        send_account_mail(user.email, "email_change_requested", {"user": user, "new_email": new_email})


class EmailChangeInvalid(Exception):
    """The link has expired, was used already, or the address was taken meanwhile."""


def read_email_change(token: str):
    """The (user, new address) an e-mail change link asks for; EmailChangeInvalid if none."""
    try:
        change = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:
        raise EmailChangeInvalid from None
    user = get_user_model()._default_manager.filter(pk=change.get("user"), is_active=True).first()
    # Void once the address changed (this link was used, or another change happened).
    if user is None or user.email != change.get("old"):
        raise EmailChangeInvalid
    return user, change["new"]


def confirm_email_change(token: str):
    """Apply an e-mail change link; the user, or EmailChangeInvalid."""
    user, new_email = read_email_change(token)
    old_email = user.email
    user.email = new_email
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError:
        raise EmailChangeInvalid from None  # another account took the address after the link was sent
    notify_email_changed(user, old_email)
    return user


def notify_email_changed(user, old_email: str) -> None:
    """Tell the old address that the account's e-mail changed, so a takeover does not go unseen."""
    if old_email and old_email.lower() != user.email.lower():
        send_account_mail(old_email, "email_changed", {"user": user, "old_email": old_email})
