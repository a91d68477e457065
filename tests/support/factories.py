import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import PRIVACY_NOTICE_VERSION

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)
    # Users consent to face processing as at sign-up; ``face_consent_at=None`` makes one
    # who never did (an account from before consent was asked).
    face_consent_at = factory.LazyFunction(timezone.now)
    face_consent_notice = factory.LazyAttribute(lambda u: PRIVACY_NOTICE_VERSION if u.face_consent_at else "")
