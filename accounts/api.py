from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import consent, export
from accounts.serializers import FaceConsentSerializer, ProfileSerializer
from fermusic.lib.parsers import JSONParser


class ProfileView(generics.RetrieveUpdateAPIView):
    """My profile and preferences (photo retention, music strategy)."""

    serializer_class = ProfileSerializer

    def get_object(self):
        return self.request.user


class FaceConsentView(APIView):
    """My consent to face processing: POST gives it, DELETE withdraws it (kept photos are
    deleted, analyses refused with a 403 until it is given again)."""

    parser_classes = [JSONParser]

    @extend_schema(responses={200: FaceConsentSerializer})
    def get(self, request):
        return Response(self._state(request.user))

    @extend_schema(request=FaceConsentSerializer, responses={200: FaceConsentSerializer})
    def post(self, request):
        FaceConsentSerializer(data=request.data).is_valid(raise_exception=True)
        consent.record_consent(request.user)
        return Response(self._state(request.user))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        consent.withdraw_consent(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _state(self, user):
        return {
            "face_consent": user.has_face_consent,
            "face_consent_at": user.face_consent_at,
            "face_consent_notice": user.face_consent_notice,
        }


class ExportView(APIView):
    """Download my data: a ZIP of my account, analyses (with their photos still kept),
    ratings, playlists and recommendation lists. A few an hour."""

    def get_throttles(self):
        return [*super().get_throttles(), export.ExportRateThrottle()]

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request):
        return export.export_response(request.user)
