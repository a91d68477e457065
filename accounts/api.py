"""The account's API under /api/v1/: my profile (``me/``), my consent to face processing
and my data's export, and how I am signed in: API tokens (``auth/token/`` to get one,
``auth/tokens/`` to list and revoke them), browser sessions (``auth/sessions/``), logout
of this token and of everything."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from knox.models import AuthToken
from qsessions.models import Session
from rest_framework import generics, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import consent, export, services
from accounts.lockout import lockout_message
from accounts.serializers import APITokenSerializer, FaceConsentSerializer, ProfileSerializer, SessionSerializer
from fermusic.lib.parsers import JSONParser


class ProfileView(generics.RetrieveUpdateAPIView):
    """My profile and preferences (photo retention, music strategy). Changing the e-mail
    takes `current_password`, and the old address is told of the change."""

    serializer_class = ProfileSerializer

    def get_object(self):
        return self.request.user


TOKEN_ANSWER = inline_serializer("Token", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()})


@extend_schema(request=AuthTokenSerializer, responses={200: TOKEN_ANSWER})
class TokenView(knox_views.LoginView):
    """POST {"username", "password"} as JSON -> {"token", "expiry"}; then send
    `Authorization: Token <token>`. Each call makes a new token (one per device), valid
    until `expiry` or until revoked. After too many failed tries: 429 with Retry-After."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def post(self, request, format=None):
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        if not credentials.is_valid():
            # django-axes flags the request it was handed, DRF's own, when it refuses.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": lockout_message()},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(settings.LOGIN_LOCKOUT_MINUTES * 60)},
                )
            raise ValidationError(credentials.errors)
        request.user = credentials.validated_data["user"]
        return super().post(request, format)


@extend_schema(request=None, responses={204: None})
class LogoutView(knox_views.LogoutView):
    """Revoke the token this request carries."""


@extend_schema(request=None, responses={204: None})
class LogoutEverywhereView(APIView):
    """Revoke every token, end every browser session and close every open socket of mine."""

    def post(self, request):
        services.sign_out_everywhere(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(generics.ListAPIView):
    """My API tokens, newest first: the public start of each (`token_key`), when it was
    made and when it expires; `current` marks this request's."""

    serializer_class = APITokenSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view
            return AuthToken.objects.none()
        return self.request.user.auth_token_set.order_by("-created")


@extend_schema(responses={204: None})
class TokenDetailView(APIView):
    """DELETE revokes one of my tokens, named by its `token_key`."""

    def delete(self, request, token_key):
        if not services.revoke_token(request.user, token_key):
            return Response({"detail": "You have no such token."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionListView(generics.ListAPIView):
    """My browser sessions: browser, address, last activity; `current` marks this request's."""

    serializer_class = SessionSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view
            return Session.objects.none()
        return services.sessions_of(self.request.user)


@extend_schema(responses={204: None})
class SessionDetailView(APIView):
    """DELETE ends one of my browser sessions (named by its `id`) and closes its sockets."""

    def delete(self, request, session_id):
        if not services.end_session(request.user, session_id):
            return Response({"detail": "You have no such session."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
