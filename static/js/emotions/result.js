// Renders a detection (the JSON of emotions.api.serializers.DetectionSerializer) into the
// markup of templates/emotions/_result.html, and keeps it current as updates arrive.
// A change to one of the two needs the same change in the other.

import { csrfHeaders, csrfToken } from "../csrf.js";
import { h, percent, svg } from "./dom.js";
import { isFinished } from "./live.js";

const PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000";
// What a screen reader hears after each progress step's label.
const STEP_WORDS = { done: "done", current: "in progress", waiting: "waiting", failed: "failed", todo: "not yet" };

const PHOTO_ICON = "M4 8a2 2 0 0 1 2-2h2l1.5-2h5L16 6h2a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2z";

function faceCountText(count) {
  return count === 1 ? "One face found" : `${count} faces found`;
}

export class ResultView {
  constructor(root, { emotionStyle, onChange = () => {} }) {
    this.root = root;
    this.styles = emotionStyle;
    this.onChange = onChange;
    this.level = Number(root.dataset.headingLevel || 2);
    this.detection = null;
    this.localPreview = null;
    this.photoFailed = false;
    this.announcer = root.querySelector("[data-announcer]");
    this.errorBox = root.querySelector("[data-result-error]");
    this.statusBox = root.querySelector("[data-result-status]");
    // Where the keyboard focus lands when the control it was on is replaced.
    this.statusBox.tabIndex = -1;
    this.connectionNote = root.querySelector("[data-connection]");
    this.figure = root.querySelector("[data-photo]");
    this.faces = root.querySelector("[data-faces]");
    root.addEventListener("submit", (event) => this.onSubmit(event));
  }

  url(name, id) {
    return this.root.dataset[name].replace(PLACEHOLDER_ID, id);
  }

  style(emotion) {
    return this.styles[emotion] || { emoji: "", colour: "#556270", label: emotion };
  }

  selectedIndex(detection) {
    return detection.selected_face ?? 0;
  }

  // A photo of this detection held by this tab (object or data URL); it is shown
  // before the server's copy, which may already be deleted.
  setLocalPreview(src) {
    this.localPreview = src;
    this.photoFailed = false;
    if (this.detection) this.renderPhoto(this.detection);
  }

  clear() {
    this.detection = null;
    this.localPreview = null;
    this.photoFailed = false;
    this.statusBox.replaceChildren();
    this.figure.replaceChildren();
    this.faces.replaceChildren();
    this.faces.hidden = true;
    this.connectionNote.hidden = true;
    this.showError("");
    this.announcer.textContent = "";
    delete this.root.dataset.status;
  }

  update(detection, { announce = true } = {}) {
    const previous = this.detection;
    const focused = this.root.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;

    this.detection = detection;
    this.root.dataset.status = detection.status;
    this.statusBox.replaceChildren(...this.statusContent(detection));
    this.renderPhoto(detection);
    this.renderFaces(detection);
    if (isFinished(detection)) this.connectionNote.hidden = true;

    if (focused) this.restoreFocus(focused, detection);
    if (announce && previous) this.announceChange(previous, detection);
    this.onChange(detection);
    // The music recommendations (static/js/music/detection.js) follow the driving face.
    this.root.dispatchEvent(new CustomEvent("fermusic:detection-change", { bubbles: true, detail: detection }));
  }

  restoreFocus(key, detection) {
    const again = this.root.querySelector(`[data-focus-key="${key}"]`);
    if (again) {
      again.focus();
      return;
    }
    // The "Use face N" button is gone once face N is chosen: land on that face's
    // heading. A re-run button is gone once the photo is queued: land on the status.
    const selected = this.root.querySelector(`[data-focus-key="face-${this.selectedIndex(detection)}"]`);
    (selected || this.statusBox).focus();
  }

  announce(message) {
    // Emptied first so that the same sentence twice is still read out.
    this.announcer.textContent = "";
    window.setTimeout(() => {
      this.announcer.textContent = message;
    }, 50);
  }

  announceChange(previous, detection) {
    if (previous.status !== detection.status) {
      this.announce(this.statusSentence(detection));
    } else if (detection.status === "done" && previous.selected_face !== detection.selected_face) {
      this.announce(`Face ${this.selectedIndex(detection) + 1} now picks your music.`);
    }
  }

  statusSentence(detection) {
    switch (detection.status) {
      case "queued":
        return "Your photo is waiting to be analysed.";
      case "running":
        return "Analysing your photo.";
      case "failed":
        return `The analysis failed. ${detection.failure_reason}`;
      default: {
        const count = detection.faces.length;
        if (!count) return "Analysis finished. No face was found in this photo.";
        const face = detection.faces.find((f) => f.index === this.selectedIndex(detection)) || detection.faces[0];
        const who = count === 1 ? "You look" : `Face ${face.index + 1} looks`;
        return `Analysis finished. ${faceCountText(count)}. ${who} ${this.style(face.emotion).label.toLowerCase()}.`;
      }
    }
  }

  showError(message) {
    this.errorBox.textContent = message;
    this.errorBox.hidden = !message;
  }

  setConnection(state) {
    const waiting = this.detection && !isFinished(this.detection);
    this.connectionNote.hidden = !waiting || state === "live";
    this.connectionNote.textContent =
      state === "offline"
        ? "You seem to be offline. The result will appear when the connection is back."
        : "The live connection dropped, so this page checks for the result every 2 seconds.";
  }

  // --- Status -------------------------------------------------------------------

  steps(status) {
    const step = (label, state, current) =>
      h(
        "li",
        { class: state ? `is-${state}` : null, "aria-current": current ? "step" : null },
        h("span", { class: "step-dot", "aria-hidden": "true" }),
        label,
        h("span", { class: "visually-hidden", text: ` (${STEP_WORDS[state || "todo"]})` }),
      );
    const analysing = { queued: "waiting", running: "current", failed: "failed", done: "done" }[status];
    return h(
      "ol",
      { class: "progress-steps", "aria-label": "Progress" },
      step("Uploaded", "done", false),
      step("Analysing", analysing, status !== "done"),
      step("Result", status === "done" ? "done" : null, status === "done"),
    );
  }

  statusContent(detection) {
    const { status } = detection;
    const steps = this.steps(status);
    if (status === "queued" || status === "running") {
      return [
        steps,
        h(
          "div",
          { class: "status-line" },
          h("span", { class: "spinner", "aria-hidden": "true" }),
          h(
            "div",
            {},
            h("p", {
              class: "status-title",
              text: status === "queued" ? "Waiting to be analysed" : "Analysing your photo…",
            }),
            h("p", {
              class: "muted",
              text: `${status === "queued" ? "Your photo is in the queue." : "Finding faces and reading their expressions."} This page updates by itself.`,
            }),
          ),
        ),
      ];
    }
    if (status === "failed") {
      const retry = detection.photo_url
        ? this.postForm(
            this.url("rerunUrl", detection.id),
            { "data-rerun": true },
            [],
            "Re-run the analysis",
            "rerun",
            "btn-primary",
          )
        : h(
            "p",
            { class: "cluster" },
            h("span", { text: "The photo is no longer stored, so it cannot be analysed again." }),
            h("a", { class: "btn btn-secondary btn-sm", href: this.root.dataset.uploadUrl, text: "Upload it again" }),
          );
      return [
        steps,
        h(
          "div",
          { class: "alert alert-error" },
          h(
            "div",
            {},
            h("p", { class: "status-title", text: "The analysis failed" }),
            h("p", { text: detection.failure_reason || "Something went wrong while analysing the photo." }),
            retry,
          ),
        ),
      ];
    }
    if (detection.faces.length) {
      return [
        steps,
        h(
          "div",
          { class: "status-line is-done" },
          h("span", { class: "status-check", "aria-hidden": "true" }),
          h(
            "div",
            {},
            h("p", { class: "status-title", text: faceCountText(detection.faces.length) }),
            detection.model_version
              ? h("p", { class: "muted small", text: `Read by model ${detection.model_version}.` })
              : null,
          ),
        ),
      ];
    }
    return [
      steps,
      h(
        "div",
        { class: "alert alert-warning" },
        h(
          "div",
          {},
          h("p", { class: "status-title", text: "No face was found in this photo" }),
          h("p", {
            text: "Try a photo where your face is well lit, looks towards the camera and is not too small or cut off.",
          }),
          h(
            "p",
            { class: "cluster" },
            h("a", { class: "btn btn-primary btn-sm", href: this.root.dataset.uploadUrl, text: "Try another photo" }),
            h("a", { class: "btn btn-secondary btn-sm", href: this.root.dataset.webcamUrl, text: "Use the webcam" }),
          ),
        ),
      ),
    ];
  }

  postForm(action, attributes, fields, label, focusKey, buttonClass = "btn-secondary") {
    return h(
      "form",
      { method: "post", action, ...attributes },
      h("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrfToken() || "" }),
      fields,
      h("button", { class: `btn ${buttonClass} btn-sm`, type: "submit", "data-focus-key": focusKey, text: label }),
    );
  }

  // --- Photo --------------------------------------------------------------------

  renderPhoto(detection) {
    const width = detection.photo_width || 4;
    const height = detection.photo_height || 3;
    let frame = this.figure.querySelector(".photo-frame");
    if (!frame) {
      frame = h("div", { class: "photo-frame" });
      this.figure.prepend(frame);
    }
    let image = frame.querySelector(".photo-img");
    // A photo already on screen stays when the server deletes its copy at the end of
    // the analysis: the browser holds it, like a local preview.
    const onScreen = image?.complete && image.naturalWidth ? image.getAttribute("src") : null;
    const src = this.photoFailed ? null : this.localPreview || detection.photo_url || onScreen;

    frame.style.setProperty("--w", width);
    frame.style.setProperty("--h", height);
    frame.classList.toggle("is-missing", !src);

    if (src) {
      frame.querySelector(".photo-placeholder")?.remove();
      if (!image) {
        image = h("img", { class: "photo-img", alt: "Your photo" });
        image.addEventListener("error", () => {
          // The server's copy was deleted before it loaded: fall back to the outline.
          if (image.getAttribute("src") === this.detection?.photo_url) {
            this.photoFailed = true;
            this.renderPhoto(this.detection);
          }
        });
        frame.prepend(image);
      }
      image.width = width;
      image.height = height;
      // Compared as attributes: setting the same URL again would re-download a photo
      // that the server sends with "no-store".
      if (image.getAttribute("src") !== src) image.setAttribute("src", src);
    } else {
      image?.remove();
      if (!frame.querySelector(".photo-placeholder")) {
        frame.prepend(
          h(
            "div",
            { class: "photo-placeholder", "aria-hidden": "true" },
            svg(
              "svg",
              { viewBox: "0 0 24 24", focusable: "false" },
              svg("path", {
                d: PHOTO_ICON,
                fill: "none",
                stroke: "currentColor",
                "stroke-width": "1.6",
                "stroke-linejoin": "round",
              }),
              svg("circle", {
                cx: "12",
                cy: "12.5",
                r: "3.5",
                fill: "none",
                stroke: "currentColor",
                "stroke-width": "1.6",
              }),
              svg("path", {
                d: "M3 3l18 18",
                stroke: "currentColor",
                "stroke-width": "1.6",
                "stroke-linecap": "round",
              }),
            ),
          ),
        );
      }
    }

    frame.querySelector(".photo-boxes")?.remove();
    const boxes = this.boxes(detection);
    if (boxes) frame.append(boxes);

    let caption = this.figure.querySelector(".photo-caption");
    if (!caption) {
      caption = h("figcaption", { class: "photo-caption" });
      this.figure.append(caption);
    }
    caption.replaceChildren(...this.captionContent(detection, src));
  }

  boxes(detection) {
    const { photo_width: width, photo_height: height, faces } = detection;
    if (detection.status !== "done" || !width || !height || !faces.length) return null;
    // Sizes in photo pixels, matching the template's {% widthratio %} arithmetic.
    const tag = Math.round(width / 24);
    const half = Math.round(width / 48);
    const font = Math.round(width / 40);
    const selected = this.selectedIndex(detection);
    const layer = svg("svg", {
      class: "photo-boxes",
      viewBox: `0 0 ${width} ${height}`,
      "aria-hidden": "true",
      focusable: "false",
    });
    for (const face of faces) {
      const [x, y, w, hgt] = face.box;
      layer.append(
        svg(
          "g",
          {
            class: `face-box${face.index === selected ? " is-selected" : ""}`,
            style: { "--emotion": this.style(face.emotion).colour },
          },
          svg("rect", { class: "face-box-halo", x, y, width: w, height: hgt }),
          svg("rect", { class: "face-box-line", x, y, width: w, height: hgt }),
          svg("rect", { class: "face-box-tag", x, y, width: tag, height: tag }),
          svg("text", { class: "face-box-number", x: x + half, y: y + half, "font-size": font, text: face.index + 1 }),
        ),
      );
    }
    return layer;
  }

  captionContent(detection, src) {
    const parts = [];
    if (detection.photo_url && src) {
      parts.push("Only you can see this photo.");
    } else if (src) {
      parts.push(
        "This copy is only in this browser tab: FerMusic deleted the photo after the analysis, as your ",
        h("a", { href: this.root.dataset.profileUrl, text: "privacy setting" }),
        " asks.",
      );
    } else {
      parts.push(
        "The photo was deleted after the analysis, as your ",
        h("a", { href: this.root.dataset.profileUrl, text: "privacy setting" }),
        " asks. The frame keeps its shape to show where faces were found.",
      );
    }
    if (detection.status === "done" && detection.faces.length > 1) parts.push(" The numbers match the faces listed.");
    return parts;
  }

  // --- Faces --------------------------------------------------------------------

  renderFaces(detection) {
    const count = detection.faces.length;
    const show = detection.status === "done" && count > 0;
    this.faces.hidden = !show;
    if (!show) {
      this.faces.replaceChildren();
      return;
    }
    const heading = `h${this.level}`;
    const children = [
      h(heading, {
        id: "faces-title",
        class: "faces-title",
        text: count > 1 ? `${count} faces` : "The emotion in your face",
      }),
      count > 1
        ? h("p", {
            class: "muted faces-intro",
            text: "Choose which face picks your music. The largest face is used unless you choose another.",
          })
        : null,
      h(
        "div",
        { class: "faces-list" },
        detection.faces.map((face) => this.faceCard(detection, face)),
      ),
    ];
    // replaceChildren() would write a null out as the text "null".
    this.faces.replaceChildren(...children.filter(Boolean));
  }

  faceCard(detection, face) {
    const count = detection.faces.length;
    const number = face.index + 1;
    const selected = count > 1 && face.index === this.selectedIndex(detection);
    const top = this.style(face.emotion);
    const titleId = `face-${face.index}-title`;

    const bars = Object.entries(face.probabilities).map(([emotion, probability]) => {
      const style = this.style(emotion);
      const value = percent(probability);
      return h(
        "li",
        {
          class: `prob${emotion === face.emotion ? " is-top" : ""}`,
          style: { "--emotion": style.colour, "--p": `${value}%` },
        },
        h(
          "span",
          { class: "prob-label" },
          h("span", { class: "prob-emoji", "aria-hidden": "true", text: style.emoji }),
          ` ${style.label}`,
        ),
        h("span", { class: "prob-track", "aria-hidden": "true" }, h("span", { class: "prob-fill" })),
        h("span", { class: "prob-value", text: `${value}%` }),
      );
    });

    return h(
      "article",
      {
        class: `face-card${selected ? " is-selected" : ""}`,
        id: `face-${face.index}`,
        style: { "--emotion": top.colour },
        "aria-labelledby": titleId,
      },
      h(
        "div",
        { class: "face-head" },
        h("span", { class: "face-number", "aria-hidden": "true", text: number }),
        h(
          `h${this.level + 1}`,
          { class: "face-title", id: titleId, tabindex: "-1", "data-focus-key": `face-${face.index}` },
          `Face ${number}`,
          count > 1 && face.index === 0 ? [" ", h("span", { class: "muted", text: "(largest)" })] : null,
        ),
        selected ? h("span", { class: "badge badge-music", text: "Picks your music" }) : null,
      ),
      h(
        "p",
        { class: "face-top" },
        h("span", { class: "face-emoji", "aria-hidden": "true", text: top.emoji }),
        h(
          "span",
          { class: "face-emotion" },
          h("strong", { text: top.label }),
          " ",
          h("span", { class: "face-confidence", text: `${percent(face.confidence)}% confidence` }),
        ),
        face.uncertain ? h("span", { class: "badge badge-uncertain", text: "Uncertain" }) : null,
      ),
      face.uncertain
        ? h("p", {
            class: "face-note",
            text: "The model is not sure about this face: its expression could be read more than one way.",
          })
        : null,
      h("ul", { class: "prob-list", "aria-label": `Probability of each emotion for face ${number}` }, bars),
      count > 1 && !selected
        ? this.postForm(
            this.url("selectFaceUrl", detection.id),
            { class: "face-select", "data-select-face": true },
            [h("input", { type: "hidden", name: "face", value: face.index })],
            `Use face ${number} for my music`,
            `select-${face.index}`,
          )
        : null,
    );
  }

  // --- Actions ------------------------------------------------------------------

  async onSubmit(event) {
    const form = event.target;
    if (!this.detection || !(form.matches("[data-select-face]") || form.matches("[data-rerun]"))) return;
    event.preventDefault();
    const id = this.detection.id;
    if (form.matches("[data-select-face]")) {
      await this.post(form, this.url("selectFaceApi", id), { selected_face: Number(form.elements.face.value) });
    } else {
      await this.post(form, this.url("rerunApi", id), null);
    }
  }

  async post(form, url, body) {
    const button = form.querySelector("button[type=submit]");
    // aria-disabled rather than disabled: a disabled button would drop the keyboard focus.
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    this.showError("");
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: csrfHeaders(
          body ? { Accept: "application/json", "Content-Type": "application/json" } : { Accept: "application/json" },
        ),
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch {
      button.removeAttribute("aria-disabled");
      this.showError("We could not reach FerMusic. Check your connection and try again.");
      return;
    }
    const data = await response.json().catch(() => null);
    if (response.ok && data?.id) {
      this.update(data);
      return;
    }
    button.removeAttribute("aria-disabled");
    const fieldError = data && Object.values(data).find(Array.isArray);
    this.showError(data?.detail || fieldError?.[0] || "That did not work. Reload the page and try again.");
  }
}
