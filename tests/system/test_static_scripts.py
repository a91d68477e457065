"""The browser scripts share one helper per job instead of copies."""

from django.conf import settings


def scripts():
    roots = [settings.BASE_DIR / "static", *(settings.BASE_DIR.glob("*/static"))]
    return sorted(path for root in roots for path in root.rglob("*.js"))


def test_the_scripts_are_found():
    names = {path.name for path in scripts()}
    assert {"socket.js", "live.js", "live-mode.js", "import-progress.js"} <= names


def test_only_the_socket_helper_builds_a_websocket_url():
    builders = [path.name for path in scripts() if '"wss:"' in path.read_text()]
    assert builders == ["socket.js"]


def test_every_page_that_opens_a_websocket_uses_the_helper():
    for path in scripts():
        text = path.read_text()
        if "new WebSocket(" in text:
            assert "socketUrl(" in text, path
