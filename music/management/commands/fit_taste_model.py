import json

from django.core.management.base import BaseCommand

from music.models import TasteModelFit
from music.services import taste_model


class Command(BaseCommand):
    help = (
        "Fit the taste factors (alternating least squares on every rating, by track and by artist) and store "
        "them for the ranking; a Celery beat task does the same on a schedule."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="print the fit's figures as JSON")

    def handle(self, seed: int, **options):
        fit = taste_model.refit(TasteModelFit.Trigger.COMMAND, seed=seed)
        figures = (
            {"fitted": False, "reason": f"fewer than {taste_model.MIN_LISTENERS} listeners have rated a track"}
            if fit is None
            else {
                "fitted": True,
                "id": fit.pk,
                "listeners": fit.listeners,
                "ratings": fit.ratings,
                "artists": fit.artists,
                "tracks": fit.tracks,
                "seconds": round(fit.duration_seconds, 2),
            }
        )
        if options["json"]:
            self.stdout.write(json.dumps(figures))
        elif fit is None:
            self.stdout.write(f"Nothing fitted: {figures['reason']}.")
        else:
            self.stdout.write(
                f"Taste factors from {fit.ratings} ratings by {fit.listeners} listeners: {fit.artists} artists, "
                f"{fit.tracks} tracks, {fit.duration_seconds:.2f} s (fit {fit.pk})."
            )
