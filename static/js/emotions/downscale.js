// Big phone photos are shrunk in the browser before they are sent: a 48-megapixel or
// 15 MB photo becomes a JPEG whose long side is at most 2048 pixels (plenty for finding
// faces), turned upright from its EXIF orientation, so it is analysed instead of refused.
// The server's size and pixel limits stay as they are, as the guard.

export const MAX_SIDE = 2048;
const QUALITY = 0.9;

function jpegName(name) {
  const base = (name || "photo").replace(/\.[^.]*$/, "");
  return `${base}.jpg`;
}

function toJpeg(canvas) {
  if (canvas.convertToBlob) return canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY });
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("no blob"))), "image/jpeg", QUALITY);
  });
}

function canvasOf(width, height) {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/**
 * The photo to send for ``file``: the file itself when it is small enough on both counts
 * (long side and bytes), otherwise a JPEG copy no larger than MAX_SIDE on its long side.
 * A file the browser cannot decode comes back unchanged, for the usual checks to refuse.
 * Resolves to {file, shrunk: boolean, width, height}.
 */
export async function downscalePhoto(file, maxBytes) {
  if (typeof createImageBitmap !== "function") return { file, shrunk: false };
  let bitmap;
  try {
    // "from-image": the pixels come out upright, as the photo's EXIF orientation says.
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return { file, shrunk: false };
  }
  try {
    const { width, height } = bitmap;
    const longSide = Math.max(width, height);
    if (longSide <= MAX_SIDE && file.size <= maxBytes) return { file, shrunk: false, width, height };
    const scale = Math.min(1, MAX_SIDE / longSide);
    const target = { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
    const canvas = canvasOf(target.width, target.height);
    const context = canvas.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, target.width, target.height);
    const blob = await toJpeg(canvas);
    const shrunk = new File([blob], jpegName(file.name), { type: "image/jpeg", lastModified: Date.now() });
    return { file: shrunk, shrunk: true, ...target };
  } catch {
    return { file, shrunk: false };
  } finally {
    bitmap.close();
  }
}
