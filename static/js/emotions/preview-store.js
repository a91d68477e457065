// A small copy of each photo uploaded from this tab, kept in sessionStorage.
//
// With the default privacy setting the server deletes the photo as soon as the
// analysis ends, so the result page would have nothing to draw the face boxes on. The
// copy stays in this tab only, goes when the tab closes, and only the last few are kept.

const KEY = "fermusic.photo-previews";
const KEEP = 3;
const MAX_SIDE = 1280;
const QUALITY = 0.85;

function load() {
  try {
    const stored = JSON.parse(window.sessionStorage.getItem(KEY) || "[]");
    return Array.isArray(stored) ? stored : [];
  } catch {
    return [];
  }
}

function save(entries) {
  // A full store drops the oldest copies until the newest fits, or gives up.
  for (let keep = entries.length; keep > 0; keep -= 1) {
    try {
      window.sessionStorage.setItem(KEY, JSON.stringify(entries.slice(-keep)));
      return true;
    } catch {
      // QuotaExceededError, or storage disabled: try with fewer entries.
    }
  }
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    // Storage is unavailable; there is nothing to clean up.
  }
  return false;
}

function loadImage(blob) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(blob);
    const image = new Image();
    image.onload = () => resolve({ image, url });
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error("The photo could not be read."));
    };
    image.src = url;
  });
}

// Scaled down through an <img> so that the browser has applied the EXIF orientation,
// as the server did before measuring the face boxes.
async function shrink(blob) {
  const { image, url } = await loadImage(blob);
  try {
    const scale = Math.min(1, MAX_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
    canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
    canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/jpeg", QUALITY);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function rememberPreview(id, blob) {
  try {
    const dataUrl = await shrink(blob);
    save([...load().filter((entry) => entry.id !== id), { id, dataUrl }].slice(-KEEP));
  } catch {
    // Without a copy the result page shows the photo's outline instead; nothing breaks.
  }
}

export function recallPreview(id) {
  return load().find((entry) => entry.id === id)?.dataUrl ?? null;
}

export function forgetPreview(id) {
  const entries = load();
  const kept = entries.filter((entry) => entry.id !== id);
  if (kept.length !== entries.length) save(kept);
}

export function forgetAllPreviews() {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    // Storage is unavailable, so nothing was stored.
  }
}
