from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError

from music.catalogue.dialects import NoUsableColumns, TrackCSV
from music.models import ImportJob, Mood, MoodMapping, Playlist, SpotifyLinkRun
from music.moods.labels import MOODS
from music.services import spotify_linking

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}


class MoodListField(forms.CharField):
    """An ordered list of moods typed as 'calm, happy'."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        return [m.strip().lower() for m in (value or "").split(",") if m.strip()]

    def validate(self, value):
        if not value:
            raise ValidationError("Give at least one mood.")
        unknown = [m for m in value if m not in MOODS]
        if unknown:
            raise ValidationError(f"Unknown mood: {', '.join(unknown)}. Moods are {', '.join(MOODS)}.")
        if len(set(value)) != len(value):
            raise ValidationError("Give each mood once.")


class MoodMappingForm(forms.ModelForm):
    moods = MoodListField(
        help_text=f"Most suitable first, separated by commas; any of {', '.join(MOODS)}.",
        widget=forms.TextInput(attrs={"size": 30}),
    )

    class Meta:
        model = MoodMapping
        fields = ["moods"]


class ImportUploadForm(forms.ModelForm):
    """A CSV to import, checked for usable columns before it is queued."""

    class Meta:
        model = ImportJob
        fields = ["file"]
        help_texts = {
            "file": "A CSV of tracks: classic_hits.csv, data_moods*.csv, the Kaggle Spotify Tracks Dataset, "
            "an Exportify export, or any file with title and artist columns (audio features optional)."
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            raise ValidationError("Choose a CSV file.")
        if Path(upload.name).suffix.lower() not in CSV_SUFFIXES:
            raise ValidationError("Upload a .csv (or .tsv / .txt) file.")
        if upload.size == 0:
            raise ValidationError("The file is empty.")
        upload.seek(0)
        try:
            TrackCSV(upload)
        except NoUsableColumns as exc:
            raise ValidationError(str(exc)) from None
        finally:
            upload.seek(0)
        return upload


class AddToPlaylistForm(forms.Form):
    playlist = forms.ModelChoiceField(Playlist.objects.curated(), required=False, help_text="Add to this playlist…")
    new_playlist = forms.CharField(max_length=120, required=False, help_text="…or to a new playlist with this name.")

    def clean(self):
        data = super().clean()
        if bool(data.get("playlist")) == bool(data.get("new_playlist", "").strip()):
            raise ValidationError("Choose a playlist or name a new one (not both).")
        return data


class OverrideMoodForm(forms.Form):
    mood = forms.ChoiceField(choices=Mood.choices, help_text="Refits keep this mood until the override is cleared.")


class SpotifyLinkRunForm(forms.ModelForm):
    """Queue a run of the Spotify linking job, unless one is under way."""

    class Meta:
        model = SpotifyLinkRun
        fields = ["limit"]

    def clean(self):
        if spotify_linking.active_runs().exists():
            raise ValidationError("A linking run is already under way; it picks up every track without an id.")
        return super().clean()
