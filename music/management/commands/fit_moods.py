import json

from django.core.management.base import BaseCommand

from music.models import MoodModelRun
from music.services import mood_model


class Command(BaseCommand):
    help = (
        "Refit the catalogue's moods: assign every track its mood, re-cluster each mood "
        "(clusters matched to the last fit) and record the quality as a mood model run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="print the run's metrics as JSON")

    def handle(self, seed: int, **options):
        run = mood_model.refit(MoodModelRun.Trigger.COMMAND, seed=seed)
        if options["json"]:
            self.stdout.write(json.dumps(run.metrics))
            return
        m = run.metrics
        self.stdout.write(
            f"{run.tracks} tracks ({run.tracks_with_features} with audio features) in {run.duration_seconds:.1f} s; "
            f"classifier {run.classifier_version}"
        )
        self.stdout.write("Moods: " + ", ".join(f"{k} {v}" for k, v in sorted(m["moods"].items())))
        for cluster in m["clusters"]:
            self.stdout.write(f"  {cluster['name']}: {cluster['size']}")
        self.stdout.write(
            f"Silhouette {m['silhouette']}, tracks kept in their cluster {m['cluster_kept']}, "
            f"moods changed {m['tracks_changed']}, without a mood {m['tracks_without_mood']}"
        )
