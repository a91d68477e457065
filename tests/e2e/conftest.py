"""Browser end-to-end fixtures: Debian's Chromium driven by Playwright against
FerMusic's real ASGI server (server.py), with a fake camera playing a face video.

Nothing is downloaded: Playwright launches /usr/bin/chromium, and every test skips
when it is absent. When a test fails, each of its pages leaves a screenshot, its HTML
and its console log, with the server's log, in test-results/e2e/<test>/ (CI prints
that folder)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.camera import write_face_video
from tests.e2e.server import BASE_DIR, ServerUnderTest
from tests.support.music_factories import CLASSIC_HITS_HEADER, classic_hits_row

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = BASE_DIR / "test-results" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
STAFF_USERNAME = "curator"
STAFF_PASSWORD = "Staff-curates-9-playlists"
# Four songs a mood, all from different artists: an emotion maps to at most two moods,
# so every candidate fits in one list of ten and nothing depends on exploration.
SONGS_PER_MOOD = 4
CATALOGUE_MOODS = ("happy", "energetic", "calm", "sad")

_REPORTS = pytest.StashKey[dict]()


# Each phase's report, kept on the test item: a fixture's teardown cannot otherwise
# tell whether the test it served has failed.
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package to run the browser tests")
    return CHROMIUM


@pytest.fixture(scope="session")
def catalogue_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("e2e-catalogue") / "catalogue.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CLASSIC_HITS_HEADER)
        for mood in CATALOGUE_MOODS:
            for n in range(1, SONGS_PER_MOOD + 1):
                title, artist = f"{mood.capitalize()} Song {n}", f"{mood.capitalize()} Band {n}"
                writer.writerow(classic_hits_row(title, artist, mood=mood, popularity=20 + 15 * n))
    return path


def _served_model_dir() -> Path:
    """The committed model when there is one, otherwise a tiny trained stand-in."""
    current = BASE_DIR / "emotions" / "weights" / "current"
    if (current / "metadata.json").exists():
        return current
    from tests.support.engine import tiny_model_dir

    return tiny_model_dir()


@pytest.fixture(scope="session")
def server(chromium, catalogue_csv, tmp_path_factory):
    """The ASGI server, migrated, with static files, a small catalogue and one staff user."""
    site = ServerUnderTest(tmp_path_factory.mktemp("e2e-server"), _served_model_dir())
    site.manage("migrate", "--no-input", "--verbosity", "0")
    site.manage("collectstatic", "--no-input", "--verbosity", "0")
    site.manage("import_tracks", str(catalogue_csv), "--verbosity", "0")
    site.manage(
        "createsuperuser",
        "--no-input",
        "--username",
        STAFF_USERNAME,
        "--email",
        f"{STAFF_USERNAME}@example.com",
        DJANGO_SUPERUSER_PASSWORD=STAFF_PASSWORD,
    )
    site.start()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def catalogue(server) -> dict[str, str]:
    """Title -> mood of every track, as the mood refit after the import assigned them."""
    out = server.manage(
        "shell",
        "-c",
        "import json; from music.models import Track; "
        "print(json.dumps(dict(Track.objects.order_by('title').values_list('title', 'mood'))))",
    )
    return json.loads(out.strip().splitlines()[-1])


# Package scope: Playwright's sync API keeps an event loop running in the main thread
# while it is open, which would break every asyncio test that runs after this package.
@pytest.fixture(scope="package")
def browser(chromium, tmp_path_factory):
    video = write_face_video(tmp_path_factory.mktemp("e2e-camera") / "face.y4m")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium),
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                # The camera is a looping face video, and the permission prompt answers yes.
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts_root() -> Path:
    # Only this run's failures are listed by CI, never a previous run's.
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    return ARTIFACTS


class _PageLog:
    """What a page said while the test ran: console messages, errors, failed requests."""

    def __init__(self, page: Page):
        self.started = time.monotonic()
        self.lines: list[str] = []
        self.uncaught: list[str] = []
        self.policy_violations: list[str] = []
        page.on("console", self.add_console)
        page.on("pageerror", self.add_uncaught)
        page.on("requestfailed", lambda r: self.add(f"request failed: {r.method} {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.add(f"HTTP {r.status}: {r.request.method} {r.url}"))
        page.on("framenavigated", lambda frame: frame.parent_frame is None and self.add(f"navigated to {frame.url}"))

    def add(self, line: str) -> None:
        self.lines.append(f"{time.monotonic() - self.started:7.2f}s {line}")

    def add_console(self, message) -> None:
        self.add(f"console.{message.type}: {message.text} ({message.location.get('url', '')})")
        if "Content Security Policy" in message.text:
            self.policy_violations.append(message.text)

    def add_uncaught(self, error) -> None:
        self.uncaught.append(str(error))
        self.add(f"uncaught error: {error}")


def _save_artifacts(folder: Path, pages: list[tuple[Page, _PageLog]], server: ServerUnderTest) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, (page, log) in enumerate(pages, start=1):
        (folder / f"page-{n}-console.log").write_text("\n".join(log.lines) + "\n")
        try:
            page.screenshot(path=folder / f"page-{n}.png", full_page=True)
            (folder / f"page-{n}.html").write_text(page.content())
        except Exception as error:  # a crashed page still leaves its console log
            (folder / f"page-{n}-screenshot-error.txt").write_text(f"{error}\n")
    (folder / "server.log").write_text(server.log())


@pytest.fixture
def open_page(browser: Browser, server: ServerUnderTest, artifacts_root: Path, request):
    """Opens a page in a fresh browser context (its own cookies: one person each)."""
    pages: list[tuple[Page, _PageLog]] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20_000)
        page = context.new_page()
        pages.append((page, _PageLog(page)))
        return page

    yield open_page
    call = request.node.stash.get(_REPORTS, {}).get("call")
    failed = call is not None and call.failed
    uncaught = [error for _, log in pages for error in log.uncaught]
    violations = [text for _, log in pages for text in log.policy_violations]
    if failed or uncaught or violations:
        _save_artifacts(artifacts_root / re.sub(r"[^\w.-]+", "_", request.node.name), pages, server)
    for page, _ in pages:
        page.context.close()
    # A script that throws can leave a page looking right while a feature is broken.
    if uncaught and not failed:
        pytest.fail(f"uncaught JavaScript errors: {uncaught}")
    # The Content-Security-Policy refusing a script, style or connection breaks a page quietly.
    if violations and not failed:
        pytest.fail(f"Content-Security-Policy violations: {violations}")


@pytest.fixture
def page(open_page) -> Page:
    return open_page()


@pytest.fixture(autouse=True, scope="session")
def _expect_timeout():
    expect.set_options(timeout=20_000)


@pytest.fixture
def outside(page: Page, server) -> list[str]:
    """Requests to any origin but the server's, which are refused (so no frame really loads)."""
    asked: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(server.url):
            request_route.continue_()
        else:
            asked.append(url)
            request_route.abort()

    page.context.route("**/*", route)
    return asked
