// Thin wrappers over Chart.js (vendored, global `Chart`, loaded by a deferred script that
// runs after the modules): line and bar charts that update in place on new data (no
// flicker, no leaked chart instances) and describe themselves to screen readers through
// the canvas's aria-label.

let configured = null;

/** The global Chart, with the dashboard's defaults set on first use. */
function chartJs() {
  if (configured) return configured;
  const { Chart } = window;
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.documentElement)
    .getPropertyValue("--font").trim() || "system-ui, sans-serif";
  Chart.defaults.color = "#334155";
  Chart.defaults.maintainAspectRatio = false;
  configured = Chart;
  return Chart;
}

// A colour-blind-safe pair for long/short; short series are also dashed or labelled.
export const COLORS = {
  long: "#1f6feb", short: "#c2410c", gross: "#64748b", net: "#0f172a",
  value: "#0f766e", drawdown: "#b91c1c", neutral: "#475569",
};

function upsert(canvas, config, summary) {
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", summary);
  canvas.textContent = summary;
  const Chart = chartJs();
  const existing = Chart.getChart(canvas);
  if (existing) {
    existing.data = config.data;
    existing.options = config.options;
    existing.update("none");
    return existing;
  }
  return new Chart(canvas, config);
}

/**
 * A line chart over dates. `series`: [{label, data, color, dash, fill}];
 * `format` formats y values for the axis and the tooltips.
 */
export function lineChart(canvas, { labels, series, format, summary }) {
  const datasets = series.map((s) => ({
    label: s.label, data: s.data, borderColor: s.color, backgroundColor: `${s.color}33`,
    borderDash: s.dash ? [6, 4] : [], fill: s.fill ? "origin" : false,
    pointRadius: 0, borderWidth: 2, tension: 0,
  }));
  return upsert(canvas, {
    type: "line",
    data: { labels, datasets },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { maxTicksLimit: 8, autoSkip: true } },
        y: { ticks: { callback: (v) => format(v) } },
      },
      plugins: {
        legend: { display: series.length > 1 },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${format(c.parsed.y)}` } },
      },
    },
  }, summary);
}

/**
 * A bar chart (horizontal when many labels); bars are coloured by sign and the
 * tooltip names the side, so colour is not the only signal.
 */
export function barChart(canvas, { labels, values, label, format, summary, horizontal = true }) {
  const colors = values.map((v) => (v >= 0 ? COLORS.long : COLORS.short));
  if (horizontal) {
    canvas.parentElement.style.height = `${Math.max(160, labels.length * 20 + 60)}px`;
  }
  const valueAxis = { ticks: { callback: (v) => format(v) } };
  return upsert(canvas, {
    type: "bar",
    data: { labels, datasets: [{ label, data: values, backgroundColor: colors,
      borderColor: colors, borderWidth: 1 }] },
    options: {
      indexAxis: horizontal ? "y" : "x",
      scales: horizontal ? { x: valueAxis, y: { ticks: { autoSkip: false } } }
        : { y: valueAxis },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (c) => {
          const v = horizontal ? c.parsed.x : c.parsed.y;
          return `${label}: ${format(v)} (${v >= 0 ? "positive" : "negative"})`;
        } } },
      },
    },
  }, summary);
}
