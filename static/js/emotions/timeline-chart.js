// A stacked bar chart of emotions per day, drawn as inline SVG from the history view's
// timeline: {days: ["2025-05-01", …], series: {emotion: [count per day]}, colours}.

import { svg } from "./dom.js";

const HEIGHT = 240;
const MARGIN = { top: 12, right: 12, bottom: 34, left: 34 };
// Below this many pixels per day the chart scrolls sideways instead of squeezing.
const MIN_SLOT = 26;
const MAX_BAR = 44;
const LABEL_WIDTH = 58;

function parseDay(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return new Date(year, month - 1, day);
}

// 1, 2, 5, 10, 20, 50… so that the axis has at most five gridlines above zero.
function niceStep(max) {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  return Math.max(1, step);
}

function summarise(timeline, styles, totals, formatLong) {
  const { days, series } = timeline;
  const all = totals.reduce((a, b) => a + b, 0);
  const ranked = Object.entries(series)
    .map(([emotion, counts]) => [emotion, counts.reduce((a, b) => a + b, 0)])
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([emotion, count]) => `${(styles[emotion]?.label || emotion).toLowerCase()} ${count}`);
  const span =
    days.length === 1
      ? `on ${formatLong.format(parseDay(days[0]))}`
      : `on ${days.length} days from ${formatLong.format(parseDay(days[0]))} to ${formatLong.format(parseDay(days.at(-1)))}`;
  return `${all} ${all === 1 ? "analysis" : "analyses"} ${span}. By emotion: ${ranked.join(", ")}.`;
}

function build(availableWidth, timeline, styles) {
  const { days, series } = timeline;
  const colours = timeline.colours || {};
  const emotions = Object.keys(series);
  const totals = days.map((_, i) => emotions.reduce((sum, emotion) => sum + series[emotion][i], 0));
  const step = niceStep(Math.max(1, ...totals));
  const top = Math.ceil(Math.max(1, ...totals) / step) * step;

  const plotWidth = Math.max(availableWidth - MARGIN.right, days.length * MIN_SLOT);
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const width = plotWidth + MARGIN.right;
  const slot = plotWidth / days.length;
  const barWidth = Math.min(MAX_BAR, slot * 0.62);
  const y = (value) => MARGIN.top + plotHeight - (value / top) * plotHeight;

  const years = new Set(days.map((day) => day.slice(0, 4)));
  const formatShort = new Intl.DateTimeFormat(undefined, {
    day: "numeric",
    month: "short",
    ...(years.size > 1 ? { year: "2-digit" } : {}),
  });
  const formatLong = new Intl.DateTimeFormat(undefined, { dateStyle: "long" });

  // The y axis is a separate drawing outside the scrolling part, so that it stays in
  // view while a long history scrolls.
  const axis = svg("svg", {
    class: "timeline-chart timeline-axis",
    width: MARGIN.left,
    height: HEIGHT,
    viewBox: `0 0 ${MARGIN.left} ${HEIGHT}`,
    "aria-hidden": "true",
    focusable: "false",
  });
  const chart = svg(
    "svg",
    {
      class: "timeline-chart",
      width,
      height: HEIGHT,
      viewBox: `0 0 ${width} ${HEIGHT}`,
      role: "img",
      "aria-labelledby": "timeline-chart-title timeline-chart-desc",
    },
    svg("title", { id: "timeline-chart-title", text: "Your emotions per day, as a stacked bar chart." }),
    svg("desc", { id: "timeline-chart-desc", text: summarise(timeline, styles, totals, formatLong) }),
  );

  for (let value = 0; value <= top; value += step) {
    chart.append(
      svg("line", { class: value === 0 ? "axis-line" : "grid-line", x1: 0, x2: width, y1: y(value), y2: y(value) }),
    );
    axis.append(
      svg("text", {
        class: "axis-label",
        x: MARGIN.left - 8,
        y: y(value),
        "text-anchor": "end",
        "dominant-baseline": "middle",
        text: value,
      }),
    );
  }

  const labelEvery = Math.max(1, Math.ceil(LABEL_WIDTH / slot));
  days.forEach((day, i) => {
    const x = i * slot + (slot - barWidth) / 2;
    const date = formatShort.format(parseDay(day));
    let base = 0;
    for (const emotion of emotions) {
      const count = series[emotion][i];
      if (!count) continue;
      const label = styles[emotion]?.label || emotion;
      chart.append(
        svg(
          "rect",
          {
            class: "bar-segment",
            x,
            y: y(base + count),
            width: barWidth,
            height: y(base) - y(base + count),
            fill: colours[emotion] || styles[emotion]?.colour,
          },
          svg("title", { text: `${date}: ${label} ${count}` }),
        ),
      );
      base += count;
    }
    // The newest day is always labelled, counting the skipped labels back from it.
    if ((days.length - 1 - i) % labelEvery === 0) {
      chart.append(
        svg("text", {
          class: "axis-label",
          x: x + barWidth / 2,
          y: HEIGHT - MARGIN.bottom + 18,
          "text-anchor": "middle",
          text: date,
        }),
      );
    }
  });
  return { axis, chart };
}

export function renderTimeline(container, timeline, styles) {
  const axisSlot = document.createElement("div");
  const scroller = document.createElement("div");
  scroller.className = "chart-plot";
  container.replaceChildren(axisSlot, scroller);
  let drawnWidth = -1;
  const draw = () => {
    const available = scroller.clientWidth;
    if (available === drawnWidth) return;
    drawnWidth = available;
    const { axis, chart } = build(available, timeline, styles);
    axisSlot.replaceChildren(axis);
    scroller.replaceChildren(chart);
    // Newest days are on the right; a chart wider than the card starts scrolled there
    // and can be scrolled from the keyboard.
    const scrolls = scroller.scrollWidth > scroller.clientWidth;
    scroller.scrollLeft = scroller.scrollWidth;
    if (scrolls) {
      scroller.setAttribute("tabindex", "0");
      scroller.setAttribute("role", "region");
      scroller.setAttribute("aria-label", "Chart of your emotions per day, scrolls sideways");
    } else {
      for (const name of ["tabindex", "role", "aria-label"]) scroller.removeAttribute(name);
    }
  };
  draw();
  if ("ResizeObserver" in window) new ResizeObserver(() => window.requestAnimationFrame(draw)).observe(scroller);
}
