// Plays a list of tracks in the page through Spotify's embed player, one at a time.
//
// Any list can use it, however it was rendered (server template, fragment swapped in,
// script): a button with `data-play` inside a row. The row is the closest
// `[data-player-row]` (else the closest `li`); the Spotify track id is the button's or
// the row's `data-spotify-id`, the title its `data-track-title`. "Next" moves to the
// next playable row of the same list (the closest `[data-player-list]`, else the row's
// parent). The embed (https://open.spotify.com/embed/track/<id>) is created only when
// the listener presses play, so no request leaves for Spotify before that; the
// Content-Security-Policy allows that one frame origin (frame-src).
//
// A button with `data-play-first="<list id>"` plays that list from its first playable row.
// Loaded once by templates/base.html; it listens on the document, so rows added later
// play too.

const EMBED = "https://open.spotify.com/embed/track/";
const SPOTIFY_ID = /^[0-9A-Za-z]{22}$/;

let current = null; // { row, button, panel }

function rowOf(button) {
  return button.closest("[data-player-row]") || button.closest("li") || button.parentElement;
}

function trackOf(button) {
  const row = rowOf(button);
  const id = button.dataset.spotifyId || row.dataset.spotifyId || "";
  const title = button.dataset.trackTitle || row.dataset.trackTitle || "this song";
  return { row, id: SPOTIFY_ID.test(id) ? id : null, title };
}

function playButtons(row) {
  const list = row.closest("[data-player-list]") || row.parentElement;
  return [...list.querySelectorAll("[data-play]")].filter((b) => trackOf(b).id && b.isConnected);
}

function setPressed(button, playing) {
  button.setAttribute("aria-pressed", String(playing));
  const label = button.querySelector("[data-play-label]");
  if (label) label.textContent = playing ? "Close" : "Play";
  rowOf(button).classList.toggle("is-playing", playing);
}

export function stop() {
  if (!current) return;
  const { button, panel } = current;
  current = null;
  panel.remove();
  if (button.isConnected) setPressed(button, false);
}

function nextAfter(button) {
  const buttons = playButtons(rowOf(button));
  return buttons[buttons.indexOf(button) + 1] || null;
}

function panelFor(button, id, title) {
  const panel = document.createElement("div");
  panel.className = "player";
  panel.dataset.playerPanel = "";

  const frame = document.createElement("iframe");
  frame.className = "player-frame";
  frame.src = `${EMBED}${id}`;
  frame.title = `Spotify player: ${title}`;
  frame.allow = "autoplay; clipboard-write; encrypted-media; fullscreen; picture-in-picture";
  frame.setAttribute("height", "80");
  panel.append(frame);

  const controls = document.createElement("div");
  controls.className = "player-controls";
  const note = document.createElement("p");
  note.className = "player-note";
  note.textContent = "A 30-second preview, or the whole song when you are logged in to Spotify in this browser.";
  controls.append(note);
  const next = nextAfter(button);
  if (next) {
    const skip = document.createElement("button");
    skip.type = "button";
    skip.className = "btn btn-secondary btn-sm";
    skip.textContent = "Next song";
    skip.dataset.playNext = "";
    skip.addEventListener("click", () => play(nextAfter(button) || next));
    controls.append(skip);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn btn-ghost btn-sm";
  close.textContent = "Close player";
  close.addEventListener("click", () => {
    stop();
    button.focus();
  });
  controls.append(close);
  panel.append(controls);
  return panel;
}

export function play(button) {
  const { row, id, title } = trackOf(button);
  if (!id) return;
  stop();
  const panel = panelFor(button, id, title);
  row.append(panel);
  current = { row, button, panel };
  setPressed(button, true);
  row.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

document.addEventListener("click", (event) => {
  // "Play from the top" of a list: data-play-first names the list's id.
  const first = event.target.closest("[data-play-first]");
  if (first) {
    const list = document.getElementById(first.dataset.playFirst);
    const button = list && [...list.querySelectorAll("[data-play]")].find((b) => trackOf(b).id);
    if (button) play(button);
    return;
  }
  const button = event.target.closest("[data-play]");
  if (!button) return;
  event.preventDefault();
  if (current && current.button === button) stop();
  else play(button);
});

// A list swapped out from under the player (a new result, a rerank) takes it along.
new MutationObserver(() => {
  if (current && !current.panel.isConnected) stop();
}).observe(document.body, { childList: true, subtree: true });
