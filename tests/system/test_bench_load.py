"""bench/load.py's command line (the load test itself is a benchmark, not a unit test)."""

import importlib.util

import pytest

from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT


@pytest.fixture(scope="module")
def load():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # stdlib only at import: no Django, no locust
    return module


def test_it_steps_through_user_counts_by_default(load):
    args = load.parse_args([])
    assert (args.users, args.duration, args.think, args.json) == (0, 30.0, (1.0, 2.0), False)


def test_it_reads_a_think_time_range(load):
    assert load.parse_args(["--think", "0.5-3", "--users", "4", "--json"]).think == (0.5, 3.0)


@pytest.mark.parametrize("argv", [["--think", "2-1"], ["--think", "soon"], ["--users", "-1"], ["--budget", "10"]])
def test_it_rejects_a_bad_command_line(load, argv):
    with pytest.raises(SystemExit):
        load.parse_args(argv)


def test_it_measures_only_loopback_targets(load):
    assert load.POSTGRES.startswith("postgresql://postgres@127.0.0.1:")
    assert load.REDIS_URL == "redis://127.0.0.1:6379/14"
