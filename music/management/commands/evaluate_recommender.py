import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from music.recommender import simulation
from music.services.mood_model import mood_classifier

SIMULATION_NOTE = (
    "SIMULATION: listeners are simulated from real Last.fm listening profiles (HetRec 2011) joined to the "
    "catalogue by normalised artist name; a simulated listener likes every track by an artist they played and "
    "dislikes some popular tracks by others. These numbers compare rankers on that assumption; they are not "
    "measurements of real listeners."
)


class Command(BaseCommand):
    help = (
        "Offline evaluation of the recommender on simulated listeners (a SIMULATION built from Last.fm "
        "profiles): NDCG@10, precision@10, catalogue coverage and intra-list diversity of the ranker, of the "
        "popularity baseline (top-N by popularity within the mood) and of random picks within the mood, after ratings "
        "revealed one at a time. Reads the catalogue CSV and the mood model in memory; the database is untouched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
        parser.add_argument(
            "--users", type=int, default=600, help="simulated listeners to evaluate, a seeded sample (default 600)"
        )
        parser.add_argument("--ratings", type=int, default=10, help="ratings revealed per listener (default 10)")
        parser.add_argument(
            "--catalogue", type=Path, default=None, help="track CSV (default: DATA_DIR/music/classic_hits.csv)"
        )
        parser.add_argument(
            "--lastfm", type=Path, default=None, help="HetRec Last.fm folder (default: DATA_DIR/lastfm)"
        )

    def handle(self, **options):
        catalogue_path = options["catalogue"] or settings.DATA_DIR / "music" / "classic_hits.csv"
        lastfm = options["lastfm"] or settings.DATA_DIR / "lastfm"
        if not catalogue_path.is_file():
            raise CommandError(f"No catalogue CSV at {catalogue_path}; give one with --catalogue.")
        if not (lastfm / "user_artists.dat").is_file() or not (lastfm / "artists.dat").is_file():
            raise CommandError(f"No Last.fm data (user_artists.dat, artists.dat) in {lastfm}; give it with --lastfm.")
        if options["ratings"] < 1 or options["users"] < 1:
            raise CommandError("--ratings and --users must be at least 1.")

        index = simulation.catalogue_from_csv(catalogue_path, mood_classifier())
        listeners = simulation.load_listeners(lastfm, index, index.artist_keys)
        run = simulation.Simulation(index, listeners, seed=options["seed"], ratings=options["ratings"])
        if not run.listeners:
            raise CommandError("No Last.fm listener has enough of their artists in this catalogue to simulate.")
        result = run.run(users=options["users"])
        summary = simulation.summary(result, options["seed"])
        report = self._report(summary, options, len(index), len(run.listeners))
        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self._print(report)

    def _report(self, summary: dict, options: dict, tracks: int, eligible: int) -> dict:
        report = {
            "simulation": True,
            "note": SIMULATION_NOTE,
            "seed": options["seed"],
            "ratings_revealed": summary["ratings"],
            "listeners": summary["listeners"],
            "eligible_listeners": eligible,
            "catalogue_tracks": tracks,
            "seconds": summary["seconds"],
        }
        for method in simulation.METHODS:
            m = summary[method]
            report[f"{method}_ndcg10"] = m["ndcg10"]["mean"]
            report[f"{method}_ndcg10_ci95"] = m["ndcg10"]["ci"]
            report[f"{method}_precision10"] = m["precision10"]["mean"]
            report[f"{method}_precision10_ci95"] = m["precision10"]["ci"]
            report[f"{method}_ndcg10_new_artists"] = m["ndcg10_new_artists"]["mean"]
            report[f"{method}_ndcg10_new_artists_ci95"] = m["ndcg10_new_artists"]["ci"]
            report[f"coverage_{method}"] = m["coverage"]
            report[f"diversity_{method}"] = m["intra_list_diversity"]["mean"]
            report[f"diversity_{method}_ci95"] = m["intra_list_diversity"]["ci"]
            report[f"artists_per_list_{method}"] = m["distinct_artists"]
            report[f"{method}_ndcg10_by_ratings"] = m["ndcg10_by_ratings"]
        ratio = summary["model_vs_popularity_ndcg10"]
        report["model_vs_popularity_ndcg10"] = ratio["ratio"]
        report["model_vs_popularity_ndcg10_ci95"] = ratio["ci"]
        return report

    def _print(self, r: dict) -> None:
        def ci(value, interval, digits=3):
            if value is None:
                return "n/a"
            return f"{value:.{digits}f} [{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"

        write = self.stdout.write
        write(r["note"])
        write(
            f"\n{r['listeners']} simulated listeners (a seeded sample of {r['eligible_listeners']} with enough of "
            f"their artists among {r['catalogue_tracks']} tracks), seed {r['seed']}, after {r['ratings_revealed']} "
            f"ratings each; 95% bootstrap intervals over listeners. {r['seconds']} s.\n"
        )
        write(
            f"{'':12}{'NDCG@10':>24}{'precision@10':>24}{'NDCG@10, new artists':>24}"
            f"{'coverage':>10}{'diversity':>11}{'artists':>9}"
        )
        for method in simulation.METHODS:
            write(
                f"{method:12}{ci(r[f'{method}_ndcg10'], r[f'{method}_ndcg10_ci95']):>24}"
                f"{ci(r[f'{method}_precision10'], r[f'{method}_precision10_ci95']):>24}"
                f"{ci(r[f'{method}_ndcg10_new_artists'], r[f'{method}_ndcg10_new_artists_ci95']):>24}"
                f"{r[f'coverage_{method}']:>10.2%}{r[f'diversity_{method}']:>11.2f}{r[f'artists_per_list_{method}']:>9.1f}"
            )
        ratio = r["model_vs_popularity_ndcg10"]
        if ratio is not None:
            low, high = r["model_vs_popularity_ndcg10_ci95"]
            write(f"\nModel NDCG@10 is {ratio:.1f}x the popularity baseline's [{low:.1f}x, {high:.1f}x].")
        write("\nNDCG@10 as ratings are revealed one at a time:")
        counts = list(r["model_ndcg10_by_ratings"])
        write(f"{'ratings':12}" + "".join(f"{k:>8}" for k in counts))
        for method in simulation.METHODS:
            curve = r[f"{method}_ndcg10_by_ratings"]
            write(f"{method:12}" + "".join(f"{curve[k]:>8.3f}" for k in counts))
        write(
            "\nNew artists: relevance counted only for artists the listener has not liked yet. Coverage: share of "
            "the catalogue's tracks with a mood that appear in some list. Diversity: mean pairwise distance of a "
            "list's tracks in standardised audio features. Artists: distinct artists per list of 10."
        )
