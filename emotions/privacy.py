"""What emotions holds of a user, for "Download my data" (accounts.export), and what it
deletes when the user withdraws consent or shortens the photo retention."""

from functools import partial

from django.dispatch import receiver
from rest_framework import serializers

from accounts.export import ExportFile, ExportSection, register, serialized
from accounts.signals import face_consent_withdrawn, photo_retention_changed
from emotions.live.consumers import stop_live_analysis
from emotions.models import DetectedFace, Detection
from emotions.services import retention


class FaceExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = DetectedFace
        exclude = ["id", "detection"]


class DetectionExportSerializer(serializers.ModelSerializer):
    """Every field of a detection (a field added later is exported as it is), its faces,
    and where its photo is in the ZIP instead of the internal file name."""

    faces = FaceExportSerializer(many=True, read_only=True)
    photo = serializers.SerializerMethodField()

    class Meta:
        model = Detection
        exclude = ["owner"]

    def get_photo(self, detection) -> str | None:
        return photo_path(detection) if detection.photo else None


def photo_path(detection: Detection) -> str:
    return f"photos/{detection.pk}.jpg"


def _detections(user):
    detections = Detection.objects.owned_by(user).prefetch_related("faces").order_by("created_at", "pk")
    return serialized(detections, DetectionExportSerializer)


def _photos(user):
    for detection in Detection.objects.owned_by(user).exclude(photo="").order_by("created_at", "pk").iterator():
        yield ExportFile(photo_path(detection), partial(detection.photo.open, "rb"))


register(
    ExportSection(
        name="detections",
        description=(
            "every photo analysis: when, its status, each face found with the probability of each "
            "emotion, the face that drives the music and your corrections; photos/ holds the photos still kept."
        ),
        records=_detections,
        files=_photos,
    )
)


@receiver(face_consent_withdrawn)
def _forget_photos(sender, user, **kwargs):
    retention.forget_photos(user)
    stop_live_analysis(user.pk)


@receiver(photo_retention_changed)
def _apply_retention(sender, user, **kwargs):
    retention.apply_retention(user)
