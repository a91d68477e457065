from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Lower

# The version of the privacy notice (templates/privacy.html). Change it when what the
# notice says about face processing changes: everyone is then asked to consent again
# before their next analysis.
PRIVACY_NOTICE_VERSION = "2026-12-01"

DUPLICATE_EMAIL = "An account with this e-mail address already exists. Log in, or reset your password if you forgot it."


class User(AbstractUser):
    class PhotoRetention(models.TextChoices):
        DELETE = "delete", "Delete as soon as the analysis ends"
        DAY = "24h", "Keep for 24 hours"
        KEEP = "keep", "Keep until I delete it"

    class MoodStrategy(models.TextChoices):
        MATCH = "match", "Match how I feel"
        LIFT = "lift", "Lift my mood"

    email = models.EmailField("e-mail address")
    photo_retention = models.CharField(
        max_length=8,
        choices=PhotoRetention.choices,
        default=settings.PHOTO_RETENTION_DEFAULT,
        help_text="How long your face photos are kept after analysis.",
    )
    mood_strategy = models.CharField(
        max_length=8,
        choices=MoodStrategy.choices,
        default=MoodStrategy.MATCH,
        help_text="Whether music should match your emotion or try to lift it.",
    )
    # Consent to face processing (biometric data), given at sign-up or before the next
    # analysis; both are cleared when it is withdrawn (accounts.consent).
    face_consent_at = models.DateTimeField("face processing consented at", null=True, blank=True, editable=False)
    face_consent_notice = models.CharField(
        "privacy notice version consented to", max_length=20, blank=True, editable=False
    )

    REQUIRED_FIELDS = ["email"]

    class Meta(AbstractUser.Meta):
        constraints = [
            # One account per inbox, whatever the case: "Alice@Example.com" and
            # "alice@example.com" reach the same person, and password resets go there.
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_unique_ignoring_case",
                violation_error_code="duplicate_email",
                violation_error_message=DUPLICATE_EMAIL,
            ),
        ]

    @property
    def has_face_consent(self) -> bool:
        """Whether this user agreed to face processing under the current privacy notice."""
        return self.face_consent_at is not None and self.face_consent_notice == PRIVACY_NOTICE_VERSION

    def validate_constraints(self, exclude=None):
        """Report a duplicate e-mail on the e-mail field, where forms and the API show it."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            for problem in errors.pop(NON_FIELD_ERRORS, []):
                field = "email" if problem.code == "duplicate_email" else NON_FIELD_ERRORS
                errors.setdefault(field, []).append(problem)
            raise ValidationError(errors) from error
