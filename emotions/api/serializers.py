from django.urls import reverse
from rest_framework import serializers

from emotions.engine.labels import EMOTIONS
from emotions.models import DetectedFace, Detection


class FaceSerializer(serializers.ModelSerializer):
    box = serializers.ListField(child=serializers.IntegerField(), read_only=True, help_text="[x, y, width, height]")
    probabilities = serializers.SerializerMethodField()

    class Meta:
        model = DetectedFace
        fields = ["index", "box", "emotion", "probabilities", "confidence", "uncertain", "landmarks"]

    def get_probabilities(self, face) -> dict[str, float]:
        return {emotion: float(face.probabilities.get(emotion, 0.0)) for emotion in EMOTIONS}


class DetectionSerializer(serializers.ModelSerializer):
    faces = FaceSerializer(many=True, read_only=True)
    photo_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Detection
        fields = [
            "id",
            "status",
            "failure_reason",
            "source",
            "faces",
            "selected_face",
            "felt_emotion",
            "photo_url",
            "photo_width",
            "photo_height",
            "model_version",
            "created_at",
            "started_at",
            "finished_at",
            "url",
        ]
        read_only_fields = fields

    def get_photo_url(self, detection) -> str | None:
        return reverse("emotions:photo", args=[detection.pk]) if detection.photo else None

    def get_url(self, detection) -> str:
        return detection.get_absolute_url()


class DetectionUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A JPEG, PNG or WebP photo")
    source = serializers.ChoiceField(choices=Detection.Source.choices, default=Detection.Source.UPLOAD)


class SelectFaceSerializer(serializers.Serializer):
    selected_face = serializers.IntegerField(min_value=0)


class FeltEmotionSerializer(serializers.Serializer):
    felt_emotion = serializers.ChoiceField(
        choices=EMOTIONS,
        allow_null=True,
        help_text="The emotion you felt, when the reading was wrong (it then drives the music); null takes it back.",
    )
