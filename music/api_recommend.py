"""REST endpoints for recommendations and ratings, under /api/v1/:

* ``GET recommendations/?emotion=sad`` (or ``?mood=calm``): a list for me, logged;
* ``GET detections/{id}/recommendations/``: the list for a detection's driving face
  (an action of ``emotions.api.DetectionViewSet`` that calls ``detection_recommendations``);
* ``ratings/``: my ratings only; POST ``{"track", "value"}`` rates a track (1 like,
  -1 dislike), or changes my rating of it; another listener's rating is a 404.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from emotions.engine.labels import EMOTIONS
from music import recommendations
from music.feedback import Rating, RecommendationLog
from music.models import Track
from music.moods.labels import MOODS

MAX_LIST = 50


class TrackSummarySerializer(serializers.ModelSerializer):
    """A track as lists show it (the catalogue API's TrackSerializer has every field)."""

    artists = serializers.ListField(source="artist_names", child=serializers.CharField(), read_only=True)
    spotify_url = serializers.URLField(read_only=True, allow_null=True)

    class Meta:
        model = Track
        fields = ["id", "title", "artists", "album", "year", "mood", "spotify_url"]
        read_only_fields = fields


class MyRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "value"]
        read_only_fields = fields


class RecommendedTrackSerializer(serializers.Serializer):
    track = TrackSummarySerializer()
    reason = serializers.CharField(help_text="Why this track is in the list, in one line.")
    score = serializers.FloatField(help_text="Relevance before exploration and diversity; higher is better.")
    rating = MyRatingSerializer(allow_null=True, help_text="My rating of the track, if I rated it.")


class RecommendationsSerializer(serializers.Serializer):
    emotion = serializers.CharField(allow_blank=True)
    strategy = serializers.CharField(allow_blank=True)
    moods = serializers.ListField(child=serializers.CharField())
    seed = serializers.IntegerField(help_text="Send it back to get the same exploration after rating a track.")
    log = serializers.IntegerField(help_text="Id of the logged list.")
    results = RecommendedTrackSerializer(many=True, source="items")


class RecommendationQuerySerializer(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=User.MoodStrategy.choices, required=False)
    n = serializers.IntegerField(min_value=1, max_value=MAX_LIST, default=10)
    seed = serializers.IntegerField(min_value=0, max_value=recommendations.MAX_SEED, required=False)


class ChosenFeelingSerializer(RecommendationQuerySerializer):
    emotion = serializers.ChoiceField(choices=EMOTIONS, required=False)
    mood = serializers.ChoiceField(choices=MOODS, required=False)

    def validate(self, data):
        if ("emotion" in data) == ("mood" in data):
            raise ValidationError({"emotion": ["Give an emotion or a mood (one of the two)."]})
        return data


def present(recs: recommendations.Recommendations, log: RecommendationLog) -> dict:
    """The JSON of a shown list (RecommendationsSerializer)."""
    return RecommendationsSerializer({**vars(recs), "log": log.pk}).data


def recommend_and_log(user, query: dict, surface: str, detection=None, emotion: str | None = None) -> dict:
    """Run a validated query (ChosenFeelingSerializer or RecommendationQuerySerializer
    data, with ``emotion`` given for a detection), log the list and present it."""
    options = {"n": query["n"], "seed": query.get("seed")}
    emotion = emotion or query.get("emotion")
    if emotion:
        recs = recommendations.recommend_for(user, emotion, strategy=query.get("strategy"), **options)
    else:
        recs = recommendations.recommend_in_moods(user, [query["mood"]], **options)
    return present(recs, recommendations.record_shown(user, recs, surface, detection=detection))


class RecommendationsView(APIView):
    """Music for an emotion (through my mood strategy) or for a mood, ranked for me."""

    @extend_schema(parameters=[ChosenFeelingSerializer], responses={200: RecommendationsSerializer})
    def get(self, request):
        query = ChosenFeelingSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(recommend_and_log(request.user, query.validated_data, RecommendationLog.Surface.API))


def detection_recommendations(request, detection) -> Response:
    """The list for the face that drives a detection's music; 409 while there is none."""
    query = RecommendationQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    if detection.status != detection.Status.DONE:
        return Response({"detail": "The analysis has not finished yet."}, status=status.HTTP_409_CONFLICT)
    face = detection.driving_face
    if face is None:
        return Response(
            {"detail": "No face was found in this photo, so there is no emotion to pick music for."},
            status=status.HTTP_409_CONFLICT,
        )
    data = recommend_and_log(
        request.user,
        query.validated_data,
        RecommendationLog.Surface.DETECTION,
        detection=detection,
        emotion=face.emotion,
    )
    return Response(data)


class RatingTrackField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "required": "Say which track you rate.",
        "null": "Say which track you rate.",
        "does_not_exist": "There is no track with id {pk_value}.",
        "incorrect_type": "A track is given by its id, a number.",
    }

    def to_internal_value(self, data):
        # A whole number only: Django would read 1.5 or true as track 1.
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, str) and data.isdigit())):
            if data is not None:
                self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


@extend_schema_field(serializers.IntegerField(help_text="1 like, -1 dislike"))
class RatingValueField(serializers.ChoiceField):
    default_error_messages = {
        "invalid_choice": "A rating is 1 (like) or -1 (dislike), not {input}.",
        "required": "Give a value: 1 (like) or -1 (dislike).",
        "null": "Give a value: 1 (like) or -1 (dislike).",
    }

    def __init__(self, **kwargs):
        super().__init__(choices=Rating.Value.choices, **kwargs)


class RatingSerializer(serializers.ModelSerializer):
    track = RatingTrackField(queryset=Track.objects.all())
    value = RatingValueField()

    class Meta:
        model = Rating
        fields = ["id", "track", "value", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # One rating per listener and track is kept by create() updating the existing one.
        validators = []

    def to_representation(self, rating):
        data = super().to_representation(rating)
        data["track"] = TrackSummarySerializer(rating.track).data
        return data

    def validate_track(self, track):
        if self.instance is not None and track != self.instance.track:
            raise ValidationError("A rating stays with its track; rate the other track instead.")
        return track


class RatingViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """My likes and dislikes. POST rates a track (201), or changes my rating of a
    track I already rated (200). Another listener's rating is a 404."""

    serializer_class = RatingSerializer
    filterset_fields = ["value"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Rating.objects.none()
        return Rating.objects.owned_by(self.request.user).select_related("track")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating, created = recommendations.rate(
            request.user, serializer.validated_data["track"], serializer.validated_data["value"]
        )
        return Response(
            self.get_serializer(rating).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
