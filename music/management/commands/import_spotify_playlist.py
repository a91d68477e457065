from django.core.management.base import BaseCommand, CommandError

from music.catalogue.spotify import SpotifyError
from music.models import Mood, MoodModelRun
from music.services import mood_model
from music.services.spotify_import import import_playlist


class Command(BaseCommand):
    help = (
        "Import a public Spotify playlist's tracks into the catalogue and mirror it as an "
        "unpublished curated playlist (needs SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET)."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", help="playlist URL, spotify:playlist: URI or id")
        parser.add_argument("--mood", choices=Mood.values, default="", help="the playlist's mood")
        parser.add_argument("--publish", action="store_true", help="publish the playlist")
        parser.add_argument("--no-refit", action="store_true", help="do not refit the moods afterwards")

    def handle(self, url: str, mood: str, publish: bool, no_refit: bool, **options):
        try:
            result = import_playlist(url, mood=mood)
        except (SpotifyError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        playlist = result.playlist
        if publish and not playlist.published:
            playlist.published = True
            playlist.save(update_fields=["published"])
        self.stdout.write(result.job.summary_text())
        self.stdout.write(
            f"Playlist “{playlist.name}”: {playlist.entries.count()} tracks"
            f"{', published' if playlist.published else ' (unpublished)'}"
        )
        if result.skipped_entries:
            self.stdout.write(f"Left out {result.skipped_entries} local files, episodes or unavailable entries.")
        if result.features_granted is False:
            self.stdout.write(
                "Spotify gave no audio features to this app (apps created after 27 November 2024 get none): "
                "the tracks take their mood from this playlist's mood or their neighbours'."
            )
        if not no_refit:
            run = mood_model.refit(MoodModelRun.Trigger.IMPORT)
            self.stdout.write(f"Moods refitted: {run.tracks} tracks in {run.duration_seconds:.1f} s")
