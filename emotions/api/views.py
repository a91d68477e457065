from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.consent import ConsentRequired
from emotions.api.serializers import DetectionSerializer, DetectionUploadSerializer, SelectFaceSerializer
from emotions.api.throttles import UploadRateThrottle
from emotions.models import Detection
from emotions.services import detections
from fermusic.lib.parsers import JSONParser

CONSENT_REQUIRED_API = (
    "Face analysis needs your consent: a face photo is biometric data. Read /privacy/, then "
    'POST {"face_consent": true} to /api/v1/me/consent/ and try again.'
)


class DetectionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your photo analyses. Another user's detection is a 404."""

    serializer_class = DetectionSerializer
    parser_classes = [JSONParser, MultiPartParser]
    filterset_fields = ["status", "source"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Detection.objects.none()
        return Detection.objects.owned_by(self.request.user).prefetch_related("faces")

    def get_throttles(self):
        if self.action == "create":
            return [*super().get_throttles(), UploadRateThrottle()]
        return super().get_throttles()

    def perform_destroy(self, instance):
        detections.delete_detection(instance)

    @extend_schema(request={"multipart/form-data": DetectionUploadSerializer}, responses={202: DetectionSerializer})
    def create(self, request, *args, **kwargs):
        upload = DetectionUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            detection = detections.create_detection(
                request.user, upload.validated_data["image"], upload.validated_data["source"]
            )
        except detections.UploadRejected as exc:
            raise ValidationError({"image": [exc.message]}) from None
        except ConsentRequired as exc:
            raise PermissionDenied(CONSENT_REQUIRED_API) from exc
        return Response(DetectionSerializer(detection).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: DetectionSerializer, 403: None, 409: None})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def rerun(self, request, pk=None):
        detection = self.get_object()
        try:
            queued = detections.rerun(detection)
        except ConsentRequired as exc:
            raise PermissionDenied(CONSENT_REQUIRED_API) from exc
        if not queued:
            return Response(
                {"detail": "Only a failed detection whose photo is still stored can be re-run."},
                status=status.HTTP_409_CONFLICT,
            )
        detection.refresh_from_db()
        return Response(DetectionSerializer(detection).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=SelectFaceSerializer, responses={200: DetectionSerializer})
    @action(detail=True, methods=["post"], url_path="select-face", parser_classes=[JSONParser])
    def select_face(self, request, pk=None):
        detection = self.get_object()
        choice = SelectFaceSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        try:
            detections.select_face(detection, choice.validated_data["selected_face"])
        except ValueError as exc:
            raise ValidationError({"selected_face": [str(exc)]}) from None
        return Response(DetectionSerializer(detection).data)
