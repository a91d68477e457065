"""What listeners tell us about recommendations: their ratings, and the lists they were
shown. Imported by music.models, so these are models of the music app."""

from django.conf import settings
from django.db import models

from accounts.models import User
from music.models import Emotion, Track


class RatingQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(user=user)


class Rating(models.Model):
    """A listener's like or dislike of a track: one per listener and track, changed
    or removed at will.

    Like/dislike rather than 1-5 stars: it is one tap on a song in a list, so people
    rate many more songs; stars are used differently by different people (one
    person's 3 is another's 4), which a recommender must then undo; and the ranking
    needs only the direction (more like this / never this again), which is also what
    the offline evaluation can simulate from listening data. A dislike also removes
    the track from that listener's lists."""

    class Value(models.IntegerChoices):
        LIKE = 1, "Like"
        DISLIKE = -1, "Dislike"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="ratings")
    value = models.SmallIntegerField(choices=Value.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "track"], name="rating_once_per_user_and_track"),
            models.CheckConstraint(condition=models.Q(value__in=[1, -1]), name="rating_value_like_or_dislike"),
        ]
        indexes = [models.Index(fields=["user", "-updated_at"], name="rating_user_recent")]

    def __str__(self):
        return f"{self.user} {self.get_value_display().lower()}s {self.track}"

    @property
    def liked(self) -> bool:
        return self.value == self.Value.LIKE


class RecommendationLog(models.Model):
    """One list of recommendations as it was shown, so that its quality can be
    measured on real use later (which positions get liked, disliked or ignored)."""

    class Surface(models.TextChoices):
        DETECTION = "detection", "Result of a photo"
        DISCOVER = "discover", "Discover page"
        API = "api", "API"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendation_logs")
    detection = models.ForeignKey(
        "emotions.Detection", null=True, blank=True, on_delete=models.SET_NULL, related_name="recommendation_logs"
    )
    surface = models.CharField(max_length=10, choices=Surface.choices)
    emotion = models.CharField(
        max_length=10, choices=Emotion.choices, blank=True, help_text="Blank when a mood was chosen."
    )
    strategy = models.CharField(max_length=8, choices=User.MoodStrategy.choices, blank=True)
    moods = models.JSONField(help_text="The moods the list was drawn from, in order of preference.")
    seed = models.BigIntegerField(help_text="Seed of the exploration: the same inputs and seed give the same list.")
    items = models.JSONField(help_text='[{"track": id, "position": 1, "score": 0.73, "because": "artist"}, ...]')
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="reclog_user_recent")]

    def __str__(self):
        what = self.emotion or "/".join(self.moods)
        return f"{len(self.items)} tracks for {self.user} ({what}) at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def track_ids(self) -> list[int]:
        return [item["track"] for item in sorted(self.items, key=lambda item: item["position"])]
