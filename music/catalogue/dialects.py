"""CSV track catalogues in the common layouts, recognised from their header.

Columns are found by name (case, spaces and punctuation ignored) through the aliases
below, so the layouts of ``classic_hits.csv``, ``data_moods*.csv``, the Kaggle
"Spotify Tracks Dataset", TidyTuesday's ``spotify_songs.csv`` and Exportify playlist
exports all read without options, and so does any other file that names its columns in
one of these ways, plain or gzipped. A file is read one row at a time: memory does not
grow with its length.

Every row gives either a :class:`TrackRecord` or a :class:`RowProblem` saying why it
was left out; only a header with no title or artist column stops the reading
(:class:`NoUsableColumns`).
"""

from __future__ import annotations

import codecs
import csv
import functools
import gzip
import io
import math
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from music.moods.features import AUDIO_FEATURES

from .normalise import artist_key, title_key

# Longest values the catalogue stores; longer ones are malformed rows, not truncated.
TITLE_MAX = 300
ARTISTS_MAX = 500
ALBUM_MAX = 300
GENRE_MAX = 60

FIELD_ALIASES = {
    "title": ("trackname", "track", "name", "title", "song", "songname", "songtitle"),
    "artists": ("artists", "artist", "artistnames", "artistname", "trackartist"),
    "album": ("albumname", "album", "trackalbumname"),
    "year": ("year", "releaseyear"),
    "release_date": ("releasedate", "albumreleasedate", "trackalbumreleasedate"),
    "duration": ("durationms", "duration", "lengthms", "length"),
    "popularity": ("popularity", "trackpopularity"),
    "genres": ("trackgenre", "genres", "genre", "artistgenres", "playlistgenre"),
    "spotify_id": ("trackid", "spotifyid", "trackuri", "spotifyuri", "uri", "id"),
    "mood": ("mood", "moodlabel"),
    **{name: (name.replace("_", ""),) for name in AUDIO_FEATURES},
}
MISSING = {"", "nan", "null", "none", "na", "n/a"}
NOT_TEXT = "No usable columns: this is not a CSV text file (UTF-8, UTF-16 or Windows-1252, or gzipped)"
GZIP_MAGIC = b"\x1f\x8b"
DELIMITERS = (",", ";", "\t", "|")
_SPOTIFY_ID = re.compile(
    r"^(?:spotify:track:|https?://open\.spotify\.com/(?:intl-\w+/)?track/)?([0-9A-Za-z]{22})(?:\?.*)?$"
)
_YEAR = re.compile(r"^(\d{4})(?:-\d{1,2}(?:-\d{1,2})?)?(?:[T ].*)?$")


@dataclass(frozen=True)
class Layout:
    name: str
    signature: frozenset  # normalised column names that identify it
    artist_separator: str
    # The file lists one song under several Spotify ids (the single and the album
    # track): rows of the same normalised title and main artist make one track.
    one_track_per_song: bool = False


# Most specific first. Kaggle joins several artists with ";", Exportify with ",";
# elsewhere one artist name may itself contain commas ("Earth, Wind & Fire").
# TidyTuesday's spotify_songs.csv credits the main artist only ("Tyler, The Creator").
LAYOUTS = (
    Layout(
        "spotify-songs",
        frozenset({"trackid", "trackname", "trackartist", "trackalbumname", "playlistgenre"}),
        ";",
        one_track_per_song=True,
    ),
    Layout("kaggle-spotify-tracks", frozenset({"trackid", "artists", "albumname", "trackname", "trackgenre"}), ";"),
    Layout("exportify", frozenset({"trackuri", "trackname", "artistnames"}), ","),
    Layout("mood-labelled", frozenset({"name", "album", "artist", "id", "releasedate", "length", "mood"}), ";"),
    Layout("classic-hits", frozenset({"track", "artist", "year", "duration", "genre", "valence"}), ";"),
)
GENERIC = Layout("generic", frozenset(), ";")


class NoUsableColumns(ValueError):
    """The header names no title or no artist column: nothing can be imported."""


class MalformedRow(ValueError):
    """One row cannot be read; the message is a short reason shared by similar rows."""


@dataclass
class TrackRecord:
    line: int
    title: str
    artists: list[str]
    album: str = ""
    year: int | None = None
    duration_ms: int | None = None
    popularity: int | None = None
    genres: list[str] = field(default_factory=list)
    spotify_id: str | None = None
    features: dict = field(default_factory=dict)
    mood_label: str | None = None

    @property
    def main_artist(self) -> str:
        return self.artists[0]

    @functools.cached_property
    def keys(self) -> tuple[str, str]:
        """The normalised (title, main artist) that identifies a track without a Spotify id."""
        return title_key(self.title), artist_key(self.main_artist)


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


def column_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def map_columns(header: list[str], label_column: str | None = None) -> dict[str, int]:
    """Field name -> column index for the fields this header provides."""
    keys = [column_key(name) for name in header]
    found = {}
    for name, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            if alias in keys:
                found[name] = keys.index(alias)
                break
    if label_column is not None:
        found.pop("mood", None)
        if column_key(label_column) in keys:
            found["mood"] = keys.index(column_key(label_column))
    return found


def detect_layout(header: list[str]) -> Layout:
    keys = {column_key(name) for name in header}
    return next((layout for layout in LAYOUTS if layout.signature <= keys), GENERIC)


class TrackCSV:
    """A CSV file of tracks (a seekable binary stream), read one row at a time.

    ``label_column`` names the column holding a human mood label; by default a
    column called ``mood`` is read as one.
    """

    def __init__(self, stream, label_column: str | None = None):
        start = stream.tell()
        gzipped = stream.read(len(GZIP_MAGIC)) == GZIP_MAGIC
        stream.seek(start)
        # Progress counts the bytes taken from the stream: compressed ones for a .gz.
        self._counter = _CountingReader(stream)
        try:
            if gzipped:
                encoding = _sniff_encoding(gzip.GzipFile(fileobj=stream, mode="rb"))
                stream.seek(start)
                source = gzip.GzipFile(fileobj=self._counter, mode="rb")
            else:
                encoding = _sniff_encoding(stream)
                source = io.BufferedReader(self._counter)
            self._text = io.TextIOWrapper(source, encoding=encoding, newline="")
            header_line = self._text.readline()
        except (UnicodeDecodeError, OSError, EOFError, zlib.error):
            raise NoUsableColumns(NOT_TEXT) from None
        if "\x00" in header_line:
            raise NoUsableColumns(NOT_TEXT)
        self.delimiter, self.header, self.columns = _read_header(header_line, label_column)
        self.layout = detect_layout(self.header)
        self._duration_in_ms = "duration" in self.columns and "ms" in column_key(self.header[self.columns["duration"]])
        if "title" not in self.columns or "artists" not in self.columns:
            raise NoUsableColumns(
                "No usable columns: a track needs a title column (one of "
                f"{', '.join(FIELD_ALIASES['title'])}) and an artist column (one of "
                f"{', '.join(FIELD_ALIASES['artists'])}); this file has: "
                f"{', '.join(name for name in self.header if name) or 'no header'}"
            )
        if label_column is not None and "mood" not in self.columns:
            raise NoUsableColumns(f"No column named {label_column!r}; this file has: {', '.join(self.header)}")

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def __iter__(self) -> Iterator[TrackRecord | RowProblem]:
        # Line numbers count the header as line 1, as a spreadsheet shows them.
        reader = csv.reader(self._text, delimiter=self.delimiter)
        width = len(self.header)
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except (OSError, EOFError, zlib.error):
                yield RowProblem(reader.line_num + 1, "the compressed file is damaged or cut short")
                return
            except csv.Error as exc:
                yield RowProblem(reader.line_num + 1, f"unreadable CSV ({exc})")
                continue
            if not values or all(not v.strip() for v in values):
                continue
            if any("\x00" in v for v in values):
                yield RowProblem(reader.line_num + 1, "binary data (a NUL character)")
                continue
            if len(values) != width:
                yield RowProblem(reader.line_num + 1, "wrong number of columns")
                continue
            try:
                yield self._record(reader.line_num + 1, values)
            except MalformedRow as exc:
                yield RowProblem(reader.line_num + 1, str(exc))

    def _record(self, line: int, values: list[str]) -> TrackRecord:
        def cell(name: str) -> str | None:
            index = self.columns.get(name)
            if index is None:
                return None
            value = values[index].strip()
            return None if value.lower() in MISSING else value

        title = cell("title")
        if not title:
            raise MalformedRow("missing title")
        if len(title) > TITLE_MAX:
            raise MalformedRow(f"title longer than {TITLE_MAX} characters")
        artists = _artists(cell("artists"), self.layout.artist_separator)
        album = cell("album") or ""
        if len(album) > ALBUM_MAX:
            raise MalformedRow(f"album longer than {ALBUM_MAX} characters")
        genres = [g.strip() for g in re.split(r"[;,]", cell("genres") or "") if g.strip()]
        if any(len(g) > GENRE_MAX for g in genres):
            raise MalformedRow(f"genre longer than {GENRE_MAX} characters")
        return TrackRecord(
            line=line,
            title=title,
            artists=artists,
            album=album,
            year=_year(cell("year"), cell("release_date")),
            duration_ms=_duration(cell("duration"), self._duration_in_ms),
            popularity=_bounded_int(cell("popularity"), "popularity", 0, 100),
            genres=list(dict.fromkeys(genres)),
            spotify_id=_spotify_id(cell("spotify_id")),
            features=_features(cell),
            mood_label=cell("mood"),
        )


def _read_header(line: str, label_column: str | None) -> tuple[str, list[str], dict[str, int]]:
    """The delimiter under which the header names the most known columns."""
    if not line.strip():
        raise NoUsableColumns("No usable columns: the file is empty or starts with a blank line")
    best = None
    for delimiter in DELIMITERS:
        header = [name.strip() for name in next(csv.reader([line], delimiter=delimiter))]
        columns = map_columns(header, label_column)
        if best is None or len(columns) > len(best[2]):
            best = (delimiter, header, columns)
    return best


def _artists(value: str | None, separator: str) -> list[str]:
    if not value:
        raise MalformedRow("missing artist")
    if len(value) > ARTISTS_MAX:
        raise MalformedRow(f"artists longer than {ARTISTS_MAX} characters")
    names = [name.strip() for name in value.split(separator) if name.strip()]
    if not names:
        raise MalformedRow("missing artist")
    return list(dict.fromkeys(names))


def _number(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise MalformedRow(f"bad number in {name}") from None
    if not math.isfinite(number):
        raise MalformedRow(f"bad number in {name}")
    return number


def _bounded_int(value: str | None, name: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    number = _number(value, name)
    if number != int(number) or not low <= number <= high:
        raise MalformedRow(f"{name} outside {low}..{high}")
    return int(number)


def _year(year: str | None, release_date: str | None) -> int | None:
    if year is not None:
        return _bounded_int(year, "year", 1800, 2100)
    if release_date is None:
        return None
    match = _YEAR.match(release_date)
    if not match:
        raise MalformedRow("bad release date")
    return _bounded_int(match.group(1), "year", 1800, 2100)


def _duration(value: str | None, in_ms: bool) -> int | None:
    """Milliseconds from 'm:ss', or from a number: a column named in ms, or any value
    above 10,000, is milliseconds (no song lasts 10 s or 2.8 h); smaller are seconds."""
    if value is None:
        return None
    if ":" in value:
        parts = value.split(":")
        if len(parts) > 3 or not all(p.strip().isdigit() for p in parts):
            raise MalformedRow("bad duration")
        seconds = 0
        for part in parts:
            seconds = seconds * 60 + int(part)
        ms = seconds * 1000
    else:
        number = _number(value, "duration")
        ms = number if in_ms or number > 10_000 else number * 1000
    if not 0 < ms < 24 * 3600 * 1000:
        raise MalformedRow("duration outside 0..24 h")
    return round(ms)


def _spotify_id(value: str | None) -> str | None:
    if value is None:
        return None
    match = _SPOTIFY_ID.match(value)
    if not match:
        raise MalformedRow("bad Spotify id")
    return match.group(1)


def _features(cell) -> dict:
    features = {}
    for name, (low, high, integer) in AUDIO_FEATURES.items():
        value = cell(name)
        if value is None:
            continue
        number = _number(value, name)
        if not low <= number <= high or (integer and number != int(number)):
            raise MalformedRow(f"{name} outside {low}..{high}")
        features[name] = int(number) if integer else number
    return features


def _sniff_encoding(stream) -> str:
    """UTF-16 when the file starts with its byte-order mark (spreadsheets' "Unicode
    text"), UTF-8 (with or without a byte-order mark) when the start decodes as UTF-8,
    else Windows-1252, the usual encoding of spreadsheet exports that are not UTF-8."""
    start = stream.tell()
    head = stream.read(1 << 16)
    stream.seek(start)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


class _CountingReader(io.RawIOBase):
    """Counts the bytes handed to the text layer, for a progress bar by bytes."""

    def __init__(self, stream):
        self._stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)
