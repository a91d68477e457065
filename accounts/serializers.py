from django.contrib.auth import get_user_model
from knox.models import AuthToken
from rest_framework import serializers

from accounts import consent, services

User = get_user_model()

PASSWORD_FOR_EMAIL = "Give your current password to change the e-mail address."
WRONG_PASSWORD = "That password is not correct."


class ProfileSerializer(serializers.ModelSerializer):
    """My profile. A new `email` (with `current_password`) is not applied here: a
    confirmation link goes to it, the current address is told, and `pending_email` echoes
    the address asked for; the answer is the same whether or not another account has it."""

    email = serializers.EmailField(max_length=254, required=False)
    current_password = serializers.CharField(
        write_only=True, required=False, trim_whitespace=False, help_text="Needed to change the e-mail address."
    )
    pending_email = serializers.SerializerMethodField(help_text="The address a confirmation link was just sent to.")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "current_password",
            "pending_email",
            "photo_retention",
            "mood_strategy",
            "date_joined",
            "face_consent_at",
            "face_consent_notice",
        ]
        read_only_fields = ["id", "username", "date_joined", "face_consent_at", "face_consent_notice"]

    def validate(self, attrs):
        password = attrs.pop("current_password", None)
        email = attrs.get("email")
        if email is not None:
            attrs["email"] = email = User.objects.normalize_email(email)
        if self.instance and email is not None and email.lower() != self.instance.email.lower():
            # A token or a session left open must not be enough to move the account
            # to another inbox, from which a password reset would take it over.
            if not password:
                raise serializers.ValidationError({"current_password": [PASSWORD_FOR_EMAIL]})
            if not self.instance.check_password(password):
                raise serializers.ValidationError({"current_password": [WRONG_PASSWORD]})
        return attrs

    def update(self, instance, validated_data):
        email = validated_data.pop("email", None)
        previous = instance.photo_retention
        user = super().update(instance, validated_data)
        consent.retention_changed(user, previous)
        if email is not None and email.lower() != user.email.lower():
            services.request_email_change(self.context["request"], user, email)
            self._pending_email = email
        return user

    def get_pending_email(self, user) -> str | None:
        return getattr(self, "_pending_email", None)


class APITokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="Whether this request carries this token.")

    class Meta:
        model = AuthToken
        fields = ["token_key", "created", "expiry", "current"]

    def get_current(self, token) -> bool:
        carried = self.context["request"].auth
        return isinstance(carried, AuthToken) and carried.pk == token.pk


class SessionSerializer(serializers.Serializer):
    id = serializers.CharField()
    device = serializers.CharField()
    ip = serializers.IPAddressField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    current = serializers.SerializerMethodField(help_text="Whether this request comes from this session.")

    def get_current(self, session) -> bool:
        return session.session_key == self.context["request"].session.session_key


class FaceConsentSerializer(serializers.Serializer):
    """POST {"face_consent": true} to consent to face processing under the current notice."""

    face_consent = serializers.BooleanField(
        help_text="true: I agree that my face photos and live frames are analysed (see /privacy/)."
    )
    face_consent_at = serializers.DateTimeField(read_only=True)
    face_consent_notice = serializers.CharField(read_only=True)

    def validate_face_consent(self, value):
        if not value:
            raise serializers.ValidationError("Send true to consent; DELETE this resource to withdraw consent.")
        return value
