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
PROTOCOL = (
    "Discovery: each evaluated listener's artists are split (seeded) into revealed and held-out halves; ratings "
    "come only from revealed artists; relevant = the requested mood's tracks by held-out artists. Every method "
    "ranks the same pool (the mood's tracks less the rated ones) from the same community ratings."
)
SAME_ARTISTS = (
    "Secondary, NOT discovery: relevant = the mood's unrated tracks by the revealed artists, i.e. more songs by "
    "artists the listener has already liked."
)
LABELS = {
    "ndcg10": "NDCG@10",
    "precision10": "precision@10",
    "recall50": "recall@50",
    "coverage": "coverage",
    "intra_list_diversity": "intra-list diversity",
    "artists_per_list": "artists per list",
}


class Command(BaseCommand):
    help = (
        "Offline evaluation of the recommender on simulated listeners (a SIMULATION built from Last.fm "
        "profiles). Headline: discovery (tracks by artists the listener never rated) for the product's ranker "
        "and baselines (popularity in the mood, random, item-kNN, implicit's ALS on tracks and on artists, BPR, "
        "the former hand-weighted ranker), each tuned on validation listeners, with bootstrap 95%% intervals "
        "after 0, 1, 3, 5 and 10 ratings. Reads the catalogue CSV and the mood model in memory; the database is "
        "untouched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
        parser.add_argument(
            "--users", type=int, default=600, help="evaluated (reported) listeners, a seeded sample (default 600)"
        )
        parser.add_argument(
            "--validation",
            type=int,
            default=simulation.VALIDATION,
            help=f"listeners the methods are tuned on, never reported (default {simulation.VALIDATION})",
        )
        parser.add_argument("--ratings", type=int, default=10, help="ratings revealed per listener (default 10)")
        parser.add_argument(
            "--methods",
            default=",".join(simulation.METHODS),
            help=f"comma-separated methods to run (default all: {','.join(simulation.METHODS)})",
        )
        parser.add_argument(
            "--tune", action="store_true", help="also tune the product's blend weights on the validation listeners"
        )
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
        if options["ratings"] < 1 or options["users"] < 1 or options["validation"] < 0:
            raise CommandError("--ratings and --users must be at least 1, --validation at least 0.")
        methods = [m.strip() for m in options["methods"].split(",") if m.strip()]
        unknown = [m for m in methods if m not in simulation.METHODS]
        if unknown or not methods:
            raise CommandError(f"Unknown method {', '.join(unknown)}; choose from {', '.join(simulation.METHODS)}.")

        index = simulation.catalogue_from_csv(catalogue_path, mood_classifier())
        listeners = simulation.load_listeners(lastfm, index, index.artist_keys)
        run = simulation.Simulation(
            index,
            listeners,
            seed=options["seed"],
            ratings=options["ratings"],
            users=options["users"],
            validation=options["validation"],
        )
        if not run.test:
            raise CommandError("No Last.fm listener has enough of their artists in this catalogue to simulate.")
        result = run.run(tune_model=options["tune"], methods=[m for m in simulation.METHODS if m in methods])
        summary = simulation.summary(result, options["seed"])
        report = {
            "simulation": True,
            "note": SIMULATION_NOTE,
            "protocol": PROTOCOL,
            "seed": options["seed"],
            "ratings_revealed": summary["checkpoints"][-1],
            "checkpoints": summary["checkpoints"],
            "listeners": summary["listeners"],
            "validation_listeners": summary["validation_listeners"],
            "community_listeners": summary["community_listeners"],
            "eligible_listeners": run.eligible,
            "catalogue_tracks": len(index),
            "seconds": summary["seconds"],
            "discovery": summary["discovery"],
            "same_artists": {"note": SAME_ARTISTS, **summary["same_artists"]},
            "tuning": summary["tuning"],
        }
        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self._print(report)

    def _print(self, r: dict) -> None:
        write = self.stdout.write

        def ci(cell: dict, digits: int = 3) -> str:
            if cell["mean"] is None:
                return "n/a"
            low, high = cell["ci95"]
            if low is None:
                return f"{cell['mean']:.{digits}f}"
            return f"{cell['mean']:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"

        write(r["note"])
        write(
            f"\n{r['listeners']} evaluated listeners, {r['validation_listeners']} validation listeners (tuning only), "
            f"{r['community_listeners']} community listeners (their ratings are what the methods learn from); "
            f"{r['eligible_listeners']} eligible, {r['catalogue_tracks']} tracks, seed {r['seed']}. "
            f"95% bootstrap intervals over evaluated listeners. {r['seconds']} s.\n"
        )
        write(r["protocol"])
        methods = [m for m in simulation.METHODS if m in r["discovery"]]
        checkpoints = [str(k) for k in r["checkpoints"]]
        for metric, label in LABELS.items():
            digits = 2 if metric in ("intra_list_diversity", "artists_per_list") else 3
            write(f"\nDiscovery {label} after N ratings:")
            write(f"{'':14}" + "".join(f"{k:>24}" for k in checkpoints))
            for m in methods:
                cells = r["discovery"][m]["by_ratings"]
                write(f"{m:14}" + "".join(f"{ci(cells[k][metric], digits):>24}" for k in checkpoints))
        versus = r["discovery"].get("model_vs_best_baseline")
        if versus:
            low, high = versus["ratio_ci95"] if versus["ratio"] is not None else (0, 0)
            dlow, dhigh = versus["difference_ci95"]
            write(
                f"\nModel vs the best other method ({versus['baseline']}) on discovery NDCG@10 after "
                f"{versus['ratings']} ratings: difference {versus['difference']:+.3f} [{dlow:+.3f}, {dhigh:+.3f}]"
                + (f", ratio {versus['ratio']:.2f}x [{low:.2f}x, {high:.2f}x]." if versus["ratio"] is not None else ".")
            )
        write(f"\n{r['same_artists']['note']} NDCG@10 after N ratings:")
        write(f"{'':14}" + "".join(f"{k:>24}" for k in checkpoints))
        for m in methods:
            write(f"{m:14}" + "".join(f"{ci(r['same_artists'][m][k]):>24}" for k in checkpoints))
        if r["tuning"]:
            write("\nTuned on the validation listeners (NDCG@10 after the last rating):")
            for m, t in r["tuning"].items():
                write(f"  {m}: {json.dumps(t['chosen'])} -> {t['validation_ndcg10']:.3f} ({len(t['grid'])} tried)")
        write(
            "\nCoverage: share of the catalogue's tracks with a mood that appear in some list of 10. Diversity: mean "
            "pairwise distance of a list's tracks in standardised audio features. Artists: distinct artists per list "
            "of 10."
        )
