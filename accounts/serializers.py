from django.contrib.auth import get_user_model
from rest_framework import serializers

from accounts.forms import DUPLICATE_EMAIL

User = get_user_model()


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "photo_retention", "mood_strategy", "date_joined"]
        read_only_fields = ["id", "username", "date_joined"]

    def validate_email(self, value):
        email = User.objects.normalize_email(value)
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise serializers.ValidationError(DUPLICATE_EMAIL)
        return email
