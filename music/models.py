import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts.models import User
from emotions.models import Emotion
from fermusic.lib.storage import private_storage
from music.catalogue.dialects import ALBUM_MAX, ARTISTS_MAX, GENRE_MAX, TITLE_MAX
from music.catalogue.normalise import artist_key, title_key
from music.moods.features import AUDIO_FEATURES, MODEL_FEATURES
from music.moods.labels import MOODS

SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")

Mood = models.TextChoices("Mood", [(mood.upper(), mood) for mood in MOODS])
ARTIST_SEPARATOR = "; "


class Genre(models.Model):
    name = models.CharField(max_length=GENRE_MAX, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="genre_name_unique_ignoring_case")]

    def __str__(self):
        return self.name


def _feature_field(name: str):
    low, high, integer = AUDIO_FEATURES[name]
    field = models.SmallIntegerField if integer else models.FloatField
    return field(null=True, blank=True, validators=[MinValueValidator(low), MaxValueValidator(high)])


class Track(models.Model):
    """A song in the catalogue. The same song is one track: one per Spotify id, and
    one per normalised (title, main artist) among tracks without a Spotify id."""

    class MoodSource(models.TextChoices):
        MODEL = "model", "Mood model (audio features)"
        LABEL = "label", "Human label in imported data"
        EDITOR = "editor", "Editor"
        PLAYLIST = "playlist", "Curated playlist"
        ARTIST = "artist", "Same artist's tracks"
        GENRE = "genre", "Same genre's tracks"

    title = models.CharField(max_length=TITLE_MAX)
    artists = models.CharField(max_length=ARTISTS_MAX, help_text="Every credited artist, separated by '; '.")
    main_artist = models.CharField(max_length=ARTISTS_MAX, editable=False)
    album = models.CharField(max_length=ALBUM_MAX, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1800)])
    duration_ms = models.PositiveIntegerField("duration (ms)", null=True, blank=True)
    popularity = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    genres = models.ManyToManyField(Genre, blank=True, related_name="tracks")
    spotify_id = models.CharField("Spotify id", max_length=22, null=True, blank=True, unique=True)
    spotify_checked_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the Spotify linking job last searched for this track and found no sure match.",
    )
    title_key = models.CharField(max_length=TITLE_MAX, editable=False)
    artist_key = models.CharField(max_length=ARTISTS_MAX, editable=False)

    danceability = _feature_field("danceability")
    energy = _feature_field("energy")
    key = _feature_field("key")
    loudness = _feature_field("loudness")
    mode = _feature_field("mode")
    speechiness = _feature_field("speechiness")
    acousticness = _feature_field("acousticness")
    instrumentalness = _feature_field("instrumentalness")
    liveness = _feature_field("liveness")
    valence = _feature_field("valence")
    tempo = _feature_field("tempo")
    time_signature = _feature_field("time_signature")
    has_features = models.BooleanField(
        default=False, editable=False, help_text="Has every audio feature the mood model reads."
    )

    mood = models.CharField(max_length=10, choices=Mood.choices, blank=True)
    mood_source = models.CharField(max_length=10, choices=MoodSource.choices, blank=True, editable=False)
    mood_override = models.CharField(
        max_length=10, choices=Mood.choices, blank=True, help_text="An editor's mood for this track; refits keep it."
    )
    mood_label = models.CharField(
        max_length=10, choices=Mood.choices, blank=True, help_text="A human mood label from imported data."
    )
    cluster = models.ForeignKey(
        "MoodCluster", null=True, blank=True, on_delete=models.SET_NULL, related_name="tracks", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title_key", "artist_key", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["title_key", "artist_key"],
                condition=Q(spotify_id__isnull=True),
                name="track_unique_title_artist_without_spotify_id",
            )
        ]
        indexes = [
            models.Index(fields=["title_key", "artist_key"], name="track_identity"),
            models.Index(fields=["artist_key"], name="track_artist"),
            models.Index(fields=["mood"], name="track_mood"),
            models.Index(fields=["year"], name="track_year"),
            models.Index(fields=["has_features"], name="track_has_features"),
        ]

    def __str__(self):
        return f"{self.title} — {self.artists}"

    def save(self, *args, **kwargs):
        self.refresh_derived_fields()
        super().save(*args, **kwargs)

    @property
    def artist_names(self) -> list[str]:
        return self.artists.split(ARTIST_SEPARATOR)

    @property
    def spotify_url(self) -> str | None:
        return f"https://open.spotify.com/track/{self.spotify_id}" if self.spotify_id else None

    @property
    def duration_text(self) -> str:
        """The length as a player shows it: 3:07, or 1:02:33 past an hour."""
        if not self.duration_ms:
            return ""
        minutes, seconds = divmod(round(self.duration_ms / 1000), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"

    @property
    def feature_vector(self) -> list[float] | None:
        """The mood model's features in its order, or None when one is missing."""
        return [getattr(self, name) for name in MODEL_FEATURES] if self.has_features else None

    def refresh_derived_fields(self) -> None:
        """Identity keys, main artist and has_features from the stored values; called
        on save and by the importer before its bulk writes (which skip save())."""
        self.main_artist = self.artist_names[0].strip() if self.artists else ""
        self.title_key = title_key(self.title)
        self.artist_key = artist_key(self.main_artist)
        self.has_features = all(getattr(self, name) is not None for name in MODEL_FEATURES)
        if self.spotify_id == "":
            self.spotify_id = None

    def clean(self):
        # The unique-key constraint reads derived keys that a form does not edit, so
        # Django would not check it; a clash is reported here instead of at save.
        self.refresh_derived_fields()
        if self.spotify_id is not None and not SPOTIFY_ID.fullmatch(self.spotify_id):
            raise ValidationError(
                {"spotify_id": "A Spotify track id is 22 letters and digits (open.spotify.com/track/<id>)."}
            )
        if self.spotify_id is None and self.title and self.artists:
            clash = Track.objects.filter(spotify_id=None, title_key=self.title_key, artist_key=self.artist_key)
            if clash.exclude(pk=self.pk).exists():
                raise ValidationError("The catalogue already has this title by this main artist.")


class MoodCluster(models.Model):
    """A sub-mood found by clustering the tracks of one mood on their audio features.
    Fitted by the mood refit; its name comes from its centroid."""

    mood = models.CharField(max_length=10, choices=Mood.choices)
    name = models.CharField(max_length=120, unique=True)
    centroid = models.JSONField(help_text="Centre in the mood model's scaled feature space.")
    feature_means = models.JSONField(help_text="Centre in audio-feature units, for reading.")
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["mood", "name"]

    def __str__(self):
        return self.name


class MoodModelRun(models.Model):
    """One refit of the catalogue's moods, with its quality."""

    class Trigger(models.TextChoices):
        COMMAND = "command", "Command"
        IMPORT = "import", "After an import"
        ADMIN = "admin", "Admin"

    created_at = models.DateTimeField(auto_now_add=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    classifier_version = models.CharField(max_length=20)
    tracks = models.PositiveIntegerField(default=0)
    tracks_with_features = models.PositiveIntegerField(default=0)
    duration_seconds = models.FloatField(default=0)
    metrics = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]

    def __str__(self):
        return f"Mood refit {self.created_at:%Y-%m-%d %H:%M} ({self.get_trigger_display()})"


class PlaylistQuerySet(models.QuerySet):
    def curated(self):
        return self.filter(owner=None)

    def published(self):
        return self.filter(owner=None, published=True)

    def owned_by(self, user):
        return self.filter(owner=user)

    def visible_to(self, user):
        """What a listener may open: their own playlists and the published curated ones."""
        return self.filter(Q(owner=user) | Q(owner=None, published=True))


class Playlist(models.Model):
    """A playlist curated by staff (only published ones are shown to listeners), or a
    listener's own, private playlist (``owner``), saved from a list of songs. A
    listener's playlist is never published and has no mood, so it shapes nobody's
    recommendations or moods."""

    MAX_TRACKS = 500

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    mood = models.CharField(
        max_length=10,
        choices=Mood.choices,
        blank=True,
        help_text="Tracks without audio features in this playlist take this mood.",
    )
    published = models.BooleanField(default=False)
    spotify_id = models.CharField("Spotify id", max_length=40, null=True, blank=True, unique=True, editable=False)
    tracks = models.ManyToManyField(Track, through="PlaylistTrack", related_name="playlists")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="playlists",
        editable=False,
        help_text="The listener whose private playlist this is; empty for a curated playlist.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlaylistQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner=None) | Q(published=False, mood="", spotify_id=None),
                name="listener_playlist_private_without_mood",
            )
        ]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="playlist_owner_recent")]

    def __str__(self):
        return self.name

    def append(self, tracks) -> int:
        """Add tracks at the end, in the given order, skipping those already in it."""
        present = set(self.entries.values_list("track_id", flat=True))
        position = self.entries.aggregate(last=Max("position"))["last"] or 0
        new = []
        for track in tracks:
            if track.pk not in present:
                present.add(track.pk)
                position += 1
                new.append(PlaylistTrack(playlist=self, track=track, position=position))
        PlaylistTrack.objects.bulk_create(new)
        return len(new)


class PlaylistTrack(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="entries")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="playlist_entries")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["playlist", "track"], name="playlist_track_once")]

    def __str__(self):
        return f"{self.position}. {self.track}"


class ImportJob(models.Model):
    """A catalogue import started from the admin (a CSV upload) or a command."""

    class Kind(models.TextChoices):
        CSV = "csv", "CSV file"
        SPOTIFY = "spotify", "Spotify playlist"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CSV)
    source = models.CharField(max_length=500, help_text="File name or playlist URL.")
    file = models.FileField(upload_to="imports/%Y/%m/", storage=private_storage, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    layout = models.CharField(max_length=40, blank=True, help_text="The CSV layout recognised from the header.")
    fingerprint = models.CharField(max_length=60, blank=True, help_text="Size and modification time of a file on disk.")
    bytes_total = models.BigIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} import of {self.source}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(100 * self.bytes_read / self.bytes_total) if self.bytes_total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    def summary_text(self) -> str:
        """The summary as the import command prints it."""
        s = self.summary
        if not s:
            return ""
        lines = [
            (
                f"{s['rows']} rows ({s['layout']} layout): {s['created']} created, {s['updated']} updated, "
                f"{s['unchanged']} unchanged, {s['duplicates']} repeats of a track merged, {s['skipped']} skipped"
            )
        ]
        for item in s.get("skipped_because", []):
            lines.append(f"  skipped {item['rows']}: {item['reason']} (e.g. line {', '.join(map(str, item['lines']))})")
        return "\n".join(lines)


class MoodMapping(models.Model):
    """Which moods of music suit an emotion, for one strategy, in order of preference.
    Seeded with defaults by a migration; staff edit the moods, never the rows."""

    emotion = models.CharField(max_length=10, choices=Emotion.choices)
    strategy = models.CharField(max_length=8, choices=User.MoodStrategy.choices)
    moods = models.JSONField(help_text="Moods in order of preference.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["strategy", "emotion"]
        constraints = [models.UniqueConstraint(fields=["emotion", "strategy"], name="mood_mapping_once")]

    def __str__(self):
        return f"{self.get_emotion_display()} ({self.get_strategy_display().lower()}) → {', '.join(self.moods)}"

    def clean(self):
        moods = self.moods if isinstance(self.moods, list) else []
        if not moods:
            raise ValidationError({"moods": "Give at least one mood."})
        unknown = [m for m in moods if m not in MOODS]
        if unknown:
            raise ValidationError({"moods": f"Unknown mood: {', '.join(map(str, unknown))}."})
        if len(set(moods)) != len(moods):
            raise ValidationError({"moods": "Give each mood once."})


class RatingQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(user=user)


class Rating(models.Model):
    """A listener's like or dislike of a track: one per listener and track, changed
    or removed at will.

    Like/dislike rather than 1-5 stars: it is one tap on a song in a list, so people
    rate many more songs; stars are used differently by different people (one
    person's 3 is another's 4), which a recommender must then undo; and the ranking
    needs only the direction (more like this / never this again), which is also what
    the offline evaluation can simulate from listening data. A dislike also removes
    the track from that listener's lists."""

    class Value(models.IntegerChoices):
        LIKE = 1, "Like"
        DISLIKE = -1, "Dislike"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="ratings")
    value = models.SmallIntegerField(choices=Value.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "track"], name="rating_once_per_user_and_track"),
            models.CheckConstraint(condition=models.Q(value__in=[1, -1]), name="rating_value_like_or_dislike"),
        ]
        indexes = [models.Index(fields=["user", "-updated_at"], name="rating_user_recent")]

    def __str__(self):
        return f"{self.user} {self.get_value_display().lower()}s {self.track}"

    @property
    def liked(self) -> bool:
        return self.value == self.Value.LIKE


class RecommendationLog(models.Model):
    """One list of recommendations as it was shown, so that its quality can be
    measured on real use later (which positions get liked, disliked or ignored)."""

    class Surface(models.TextChoices):
        DETECTION = "detection", "Result of a photo"
        DISCOVER = "discover", "Discover page"
        API = "api", "API"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendation_logs")
    # The list carries the detection's reading (its emotion): it goes with the detection.
    detection = models.ForeignKey(
        "emotions.Detection", null=True, blank=True, on_delete=models.CASCADE, related_name="recommendation_logs"
    )
    surface = models.CharField(max_length=10, choices=Surface.choices)
    emotion = models.CharField(
        max_length=10, choices=Emotion.choices, blank=True, help_text="Blank when a mood was chosen."
    )
    strategy = models.CharField(max_length=8, choices=User.MoodStrategy.choices, blank=True)
    moods = models.JSONField(help_text="The moods the list was drawn from, in order of preference.")
    seed = models.BigIntegerField(help_text="Seed of the exploration: the same inputs and seed give the same list.")
    items = models.JSONField(help_text='[{"track": id, "position": 1, "score": 0.73, "because": "artist"}, ...]')
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="reclog_user_recent")]

    def __str__(self):
        what = self.emotion or "/".join(self.moods)
        return f"{len(self.items)} tracks for {self.user} ({what}) at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def track_ids(self) -> list[int]:
        return [item["track"] for item in sorted(self.items, key=lambda item: item["position"])]


class ShownList(models.Model):
    """A list of recommendations fixed when it is first shown, so that it holds still:
    every later view shows the same songs in the same order. Ratings change it only as
    a listener expects (``music.services.shown_lists``): a like re-ranks the rows below
    the liked song, a dislike replaces its own row. "New picks" makes another list for
    the same key; the newest one is shown, and the older ones stay findable.

    A list is keyed by what it was made for: the detection, whom it is for (the face
    that picks the music, or everyone in the photo), the emotion (or the blend of the
    faces' emotions) and the strategy, so a corrected emotion gets its own list and
    going back to the earlier emotion shows the earlier list."""

    class Subject(models.TextChoices):
        FACE = "face", "The face that picks the music"
        EVERYONE = "everyone", "Everyone in the photo"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shown_lists")
    # Deleting a result deletes its music too: a list says which emotion was read.
    detection = models.ForeignKey(
        "emotions.Detection", null=True, blank=True, on_delete=models.CASCADE, related_name="shown_lists"
    )
    subject = models.CharField(max_length=10, choices=Subject.choices, default=Subject.FACE)
    key = models.CharField(max_length=200, help_text="The emotion, or the blend, the list was made for.")
    emotion = models.CharField(
        max_length=10, choices=Emotion.choices, blank=True, help_text="Blank for a blend of several faces."
    )
    blend = models.JSONField(
        default=dict, blank=True, help_text='For everyone in a photo: {"emotions": {...}, "faces": 3, "slots": {...}}.'
    )
    strategy = models.CharField(max_length=8, choices=User.MoodStrategy.choices)
    moods = models.JSONField(help_text="The moods the list is drawn from, most wanted first.")
    size = models.PositiveSmallIntegerField(default=10)
    seed = models.BigIntegerField(help_text="Seed of the ranking's exploration, kept for the rows it re-ranks.")
    created_at = models.DateTimeField(auto_now_add=True)
    shown_at = models.DateTimeField(help_text="When the listener last saw it.")

    class Meta:
        ordering = ["-shown_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-shown_at"], name="shownlist_user_recent"),
            models.Index(fields=["detection", "subject", "key", "strategy"], name="shownlist_key"),
        ]

    def __str__(self):
        return f"{self.size} songs for {self.user} ({self.key}, {self.strategy}) from {self.created_at:%Y-%m-%d %H:%M}"


class ShownListEntry(models.Model):
    """One row of a shown list. A disliked row stays, inactive, so that Undo can bring
    it back to its place; the row that replaced it is active at the same position."""

    shown_list = models.ForeignKey(ShownList, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField()
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="shown_entries")
    reason = models.CharField(max_length=300)
    because = models.CharField(max_length=12, help_text="What the reason rests on (the ranking's word).")
    score = models.FloatField(help_text="Relevance when the row was picked.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "-active", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shown_list", "track"], name="shown_entry_track_once"),
            models.UniqueConstraint(
                fields=["shown_list", "position"], condition=Q(active=True), name="shown_entry_one_active_per_position"
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.track}{'' if self.active else ' (replaced)'}"


class SpotifyLinkRun(models.Model):
    """One pass of the job that searches Spotify for tracks without an id
    (music.services.spotify_linking). Tracks are marked as they are searched, so a run
    that stops (a long rate limit, a lost worker) is finished by the next one."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting out Spotify's rate limit"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    limit = models.PositiveIntegerField(null=True, blank=True, help_text="Search at most this many tracks.")
    searched = models.PositiveIntegerField(default=0)
    linked = models.PositiveIntegerField(default=0)
    remaining = models.PositiveIntegerField(default=0, help_text="Tracks without an id still to search.")
    retry_after = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds Spotify asked to wait.")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Spotify linking run {self.pk}: {self.linked} of {self.searched} searched tracks linked"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


@receiver(post_delete, sender=ImportJob)
def _delete_uploaded_file(sender, instance, **kwargs):
    if instance.file:
        instance.file.delete(save=False)


class TasteModelFit(models.Model):
    """One fit of the taste factors (``music.recommender.factors``) from every rating:
    the ranking loads the newest beside the catalogue index and folds each listener's
    own ratings in at request time."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        COMMAND = "command", "Command"

    created_at = models.DateTimeField(auto_now_add=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    listeners = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    artists = models.PositiveIntegerField(default=0, help_text="Artists with factors.")
    tracks = models.PositiveIntegerField(default=0, help_text="Tracks with factors.")
    duration_seconds = models.FloatField(default=0)
    factors = models.BinaryField(help_text="TasteFactors.to_bytes(): NumPy arrays, compressed.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]

    def __str__(self):
        return f"Taste fit {self.created_at:%Y-%m-%d %H:%M}: {self.ratings} ratings by {self.listeners} listeners"
