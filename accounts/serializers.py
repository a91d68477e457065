import copy

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework import serializers

User = get_user_model()


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "photo_retention", "mood_strategy", "date_joined"]
        read_only_fields = ["id", "username", "date_joined"]

    def validate_email(self, value):
        email = User.objects.normalize_email(value)
        if problems := self._email_problems(email):
            raise serializers.ValidationError(problems)
        return email

    def update(self, instance, validated_data):
        try:
            with transaction.atomic():
                return super().update(instance, validated_data)
        except IntegrityError:
            # Another request took the address between validation and this write: the
            # constraint sees it now, and the answer is the same 400 as had it come first.
            if problems := self._email_problems(validated_data.get("email")):
                raise serializers.ValidationError({"email": problems}) from None
            raise

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
