// How emotions are named and drawn in the scripts, from the page's "emotion-style" JSON
// (emotions/presentation.py): the adjective a sentence needs, and the icon's <svg>.

import { readJson, svg } from "./dom.js";

let styles;
const style = (emotion) => {
  styles ??= readJson("emotion-style") || {};
  return styles[emotion];
};

/** "surprise" -> "surprised", as in "music for feeling surprised". */
export const emotionWord = (emotion) => style(emotion)?.adjective || emotion;

/** The emotion's icon from the sprite whose URL the page gives (data-icons-url). */
export function emotionIcon(emotion, spriteUrl) {
  return svg(
    "svg",
    { class: "icon", "aria-hidden": "true", focusable: "false" },
    svg("use", { href: `${spriteUrl}#${style(emotion)?.icon || `emotion-${emotion}`}` }),
  );
}
