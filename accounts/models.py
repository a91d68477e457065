from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class PhotoRetention(models.TextChoices):
        DELETE = "delete", "Delete as soon as the analysis ends"
        DAY = "24h", "Keep for 24 hours"
        KEEP = "keep", "Keep until I delete it"

    class MoodStrategy(models.TextChoices):
        MATCH = "match", "Match how I feel"
        LIFT = "lift", "Lift my mood"

    email = models.EmailField("e-mail address", unique=True)
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

    REQUIRED_FIELDS = ["email"]
