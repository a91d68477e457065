"""scripts/run skips each start-up step (migrate, collectstatic, load_catalogue) whose
inputs have not changed since it last succeeded (scripts/_stamp.sh), so a restart with
nothing changed only starts the server."""

import os
import re
import subprocess

import pytest

from tests.support.paths import REPO_ROOT

STAMP_SH = REPO_ROOT / "scripts" / "_stamp.sh"


@pytest.fixture
def step(tmp_path):
    """Run one guarded step as scripts/run does; returns True when it ran."""

    def run(*paths, rerun: bool = False) -> bool:
        script = f'source "{STAMP_SH}"; if stale "$@"; then fresh "$1"; echo ran; else echo skipped; fi'
        env = {**os.environ, "FERMUSIC_RERUN_STEPS": "1" if rerun else ""}
        result = subprocess.run(
            ["bash", "-c", script, "bash", str(tmp_path / "var" / ".stamp"), *map(str, paths)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return result.stdout.strip() == "ran"

    return run


@pytest.fixture
def sources(tmp_path):
    folder = tmp_path / "static"
    (folder / "js").mkdir(parents=True)
    (folder / "js" / "app.js").write_text("console.log(1);\n")
    (folder / "site.css").write_text("body {}\n")
    return folder


def test_a_step_runs_once_and_is_skipped_while_nothing_changed(step, sources):
    assert step(sources) is True
    assert step(sources) is False
    assert step(sources) is False


def test_a_changed_file_runs_the_step_again(step, sources):
    assert step(sources) is True
    script = sources / "js" / "app.js"
    script.write_text("console.log(2);\n")  # same size: the modification time tells
    os.utime(script, ns=(script.stat().st_atime_ns, script.stat().st_mtime_ns + 1_000_000_000))
    assert step(sources) is True
    assert step(sources) is False


def test_an_added_or_removed_file_runs_the_step_again(step, sources):
    assert step(sources) is True
    (sources / "new.js").write_text("")
    assert step(sources) is True
    (sources / "site.css").unlink()
    assert step(sources) is True


def test_another_input_or_setting_runs_the_step_again(step, sources, tmp_path):
    packages = tmp_path / ".installed-base"
    packages.write_text("")
    assert step("DEBUG=", packages, sources) is True
    assert step("DEBUG=", packages, sources) is False
    assert step("DEBUG=true", packages, sources) is True  # a setting passed by its value
    os.utime(packages, ns=(0, packages.stat().st_mtime_ns + 1_000_000_000))  # packages reinstalled
    assert step("DEBUG=true", packages, sources) is True


def test_compiled_python_is_not_a_change(step, tmp_path):
    migrations = tmp_path / "migrations"
    (migrations / "__pycache__").mkdir(parents=True)
    (migrations / "0001_initial.py").write_text("")
    assert step(migrations) is True
    (migrations / "__pycache__" / "0001_initial.cpython-311.pyc").write_bytes(b"\0")
    assert step(migrations) is False


def test_a_step_that_fails_runs_again_at_the_next_start(tmp_path, sources):
    script = f'set -e; source "{STAMP_SH}"; if stale "$@"; then false; fresh "$1"; fi'
    stamp = tmp_path / "var" / ".stamp"
    result = subprocess.run(["bash", "-c", script, "bash", str(stamp), str(sources)], capture_output=True, timeout=30)
    assert result.returncode != 0 and not stamp.exists()


def test_rerun_steps_runs_every_step(step, sources):
    assert step(sources) is True
    assert step(sources, rerun=True) is True


def test_every_step_of_scripts_run_is_guarded_by_its_stamp():
    text = (REPO_ROOT / "scripts" / "run").read_text()
    steps = re.findall(r"^(\s*)\.venv/bin/python manage\.py (\w+)", text, re.MULTILINE)
    assert {name for _, name in steps} == {"migrate", "collectstatic", "load_catalogue"}
    for name in ("migrate", "collectstatic", "load_catalogue"):
        guarded = rf"if stale (\S+) [^\n]*\n\s+\.venv/bin/python manage\.py {name}\b[^\n]*\n\s+fresh (\S+)\n"
        block = re.search(guarded, text)
        assert block and block.group(1) == block.group(2), name
