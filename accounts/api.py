from rest_framework import generics

from accounts.serializers import ProfileSerializer


class ProfileView(generics.RetrieveUpdateAPIView):
    """My profile and preferences (photo retention, music strategy)."""

    serializer_class = ProfileSerializer

    def get_object(self):
        return self.request.user
