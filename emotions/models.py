import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from emotions.engine.labels import EMOTIONS
from fermusic.lib.storage import private_storage

# The seven FER2013 classes, the project's one emotion vocabulary (value "happy", label "Happy").
Emotion = models.TextChoices("Emotion", [(emotion.upper(), emotion) for emotion in EMOTIONS])
# How long a failed detection keeps its photo so that it can be re-run.
FAILED_PHOTO_GRACE = timedelta(hours=24)


def photo_path(detection: "Detection", filename: str) -> str:
    # Random, owner-scoped names: nothing about the user's original file survives.
    return f"photos/{detection.owner_id}/{uuid.uuid4().hex}.jpg"


class DetectionQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)


class Detection(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Analysing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded photo"
        WEBCAM = "webcam", "Webcam snapshot"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="detections")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.UPLOAD)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    photo = models.FileField(storage=private_storage, upload_to=photo_path, blank=True)
    photo_width = models.PositiveIntegerField(null=True, blank=True)
    photo_height = models.PositiveIntegerField(null=True, blank=True)
    retention = models.CharField(
        max_length=8, choices=User.PhotoRetention.choices, help_text="The owner's retention choice at upload time"
    )
    photo_delete_at = models.DateTimeField(null=True, blank=True, db_index=True)
    model_version = models.CharField(max_length=64, blank=True)
    selected_face = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Index of the face that drives the music; the largest by default."
    )
    # Null, not blank, while uncorrected: the API's {"felt_emotion": null}, and no empty
    # string that could be mistaken for an emotion.
    felt_emotion = models.CharField(  # noqa: DJ001
        max_length=10,
        choices=Emotion.choices,
        null=True,
        blank=True,
        help_text="The emotion the owner says they felt, when the reading was wrong; it drives the music.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = DetectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self):
        return f"{self.get_source_display()} by {self.owner} at {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    def get_absolute_url(self):
        return reverse("emotions:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def driving_face(self) -> "DetectedFace | None":
        faces = list(self.faces.all())
        if not faces:
            return None
        index = self.selected_face if self.selected_face is not None else 0
        return next((f for f in faces if f.index == index), faces[0])

    @property
    def music_emotion(self) -> str | None:
        """The emotion the music follows: the owner's correction, else the driving face's reading."""
        if self.felt_emotion:
            return self.felt_emotion
        face = self.driving_face
        return face.emotion if face else None

    def photo_deadline_after_finish(self, now=None):
        now = now or timezone.now()
        if self.status == self.Status.FAILED:
            return now + FAILED_PHOTO_GRACE
        return {"delete": now, "24h": now + timedelta(hours=24), "keep": None}[self.retention]


class DetectedFace(models.Model):
    detection = models.ForeignKey(Detection, on_delete=models.CASCADE, related_name="faces")
    index = models.PositiveSmallIntegerField(help_text="0 is the largest face")
    x = models.IntegerField()
    y = models.IntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    probabilities = models.JSONField(help_text="Probability of each of the seven emotions")
    emotion = models.CharField(max_length=10, choices=Emotion.choices)
    confidence = models.FloatField()
    uncertain = models.BooleanField(default=False)
    landmarks = models.JSONField(default=dict, blank=True)
    # The 48x48 grey aligned face (FACE_SIZE**2 bytes, row by row), stored only for owners
    # who opted in to give corrected readings for retraining; see emotions.services.corrections.
    aligned_face = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["detection", "index"]
        constraints = [models.UniqueConstraint(fields=["detection", "index"], name="unique_face_index")]

    def __str__(self):
        return f"face {self.index}: {self.emotion} ({self.confidence:.0%})"

    @property
    def box(self) -> list[int]:
        return [self.x, self.y, self.width, self.height]


@receiver(post_delete, sender=Detection)
def _delete_photo_file(sender, instance: Detection, **kwargs):
    # Runs for cascades too (deleting a user deletes their detections), so no photo
    # outlives its detection.
    if instance.photo:
        instance.photo.delete(save=False)


@receiver(post_save, sender=User)
def _forget_kept_faces(sender, instance: User, update_fields=None, **kwargs):
    # Opting out of giving corrected faces deletes the ones already given.
    if instance.keep_corrected_faces or (update_fields is not None and "keep_corrected_faces" not in update_fields):
        return
    DetectedFace.objects.filter(detection__owner=instance, aligned_face__isnull=False).update(aligned_face=None)
