import copy

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework import serializers

from accounts import consent

User = get_user_model()


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id", "username", "email", "photo_retention", "mood_strategy", "date_joined",
            "face_consent_at", "face_consent_notice",
        ]  # fmt: skip
        read_only_fields = ["id", "username", "date_joined", "face_consent_at", "face_consent_notice"]

    def validate_email(self, value):
        email = User.objects.normalize_email(value)
        if problems := self._email_problems(email):
            raise serializers.ValidationError(problems)
        return email

    def update(self, instance, validated_data):
        previous = instance.photo_retention
        try:
            with transaction.atomic():
                user = super().update(instance, validated_data)
        except IntegrityError:
            # Another request took the address between validation and this write: the
            # constraint sees it now, and the answer is the same 400 as had it come first.
            if problems := self._email_problems(validated_data.get("email")):
                raise serializers.ValidationError({"email": problems}) from None
            raise
        consent.retention_changed(user, previous)
        return user

    def _email_problems(self, email):
        """The model's constraints decide, as on the profile page: one account per inbox, in any case."""
        if email is None:
            return []
        user = copy.copy(self.instance) if self.instance else User()
        user.email = email
        try:
            user.validate_constraints()
        except DjangoValidationError as error:
            return error.message_dict.get("email", [])
        return []


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
