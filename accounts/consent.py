"""Consent to face processing: given at sign-up or before the next analysis, recorded
with its time and the privacy notice's version, and withdrawn at will (which deletes
the kept photos and stops analysis, through ``face_consent_withdrawn``)."""

from django.db import transaction
from django.utils import timezone

from accounts.models import PRIVACY_NOTICE_VERSION, User
from accounts.signals import face_consent_withdrawn, photo_retention_changed

CONSENT_REQUIRED = (
    "Face analysis needs your consent: a face photo is biometric data. "
    "Read the privacy notice and give your consent on your profile page, then try again."
)


class ConsentRequired(Exception):
    """The user has not consented to face processing (or withdrew it)."""

    message = CONSENT_REQUIRED

    def __str__(self):
        return self.message


def record_consent(user: User, *, save: bool = True) -> None:
    """Record that ``user`` consents to face processing under the current notice."""
    user.face_consent_at = timezone.now()
    user.face_consent_notice = PRIVACY_NOTICE_VERSION
    if save:
        user.save(update_fields=["face_consent_at", "face_consent_notice"])


def withdraw_consent(user: User) -> None:
    """Forget the consent; the apps delete the photos they keep and stop analyses."""
    with transaction.atomic():
        user.face_consent_at = None
        user.face_consent_notice = ""
        user.save(update_fields=["face_consent_at", "face_consent_notice"])
        face_consent_withdrawn.send(sender=User, user=user)


def has_consent(user_id) -> bool:
    """Whether the user consents now, read from the database (not a cached user object)."""
    user = User.objects.filter(pk=user_id).only("face_consent_at", "face_consent_notice").first()
    return user is not None and user.has_face_consent


def require_consent(user: User) -> None:
    """Raise ConsentRequired unless ``user`` consents to face processing now."""
    if not has_consent(user.pk):
        raise ConsentRequired


def retention_changed(user: User, previous: str) -> None:
    """Tell the apps that ``user`` chose another photo retention (after it was saved)."""
    if user.photo_retention != previous:
        photo_retention_changed.send(sender=User, user=user, previous=previous)
