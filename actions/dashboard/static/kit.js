// CloudButler dashboard's kit: formatting (the same rules as actions/core/formatting.py), building DOM from text
// only (never HTML) and Chart.js helpers; dashboard.js draws the panels with it.
(() => {
  "use strict";

  const NA = "n/a";
  const charts = new Map(); // canvas -> its Chart, replaced on each refresh

  // ---- formatting: the same rules as actions/core/formatting.py ----

  const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];

  function formatBytes(n) {
    if (!Number.isFinite(n)) return NA;
    if (n < 0) return "-" + formatBytes(-n);
    if (n < 1024) return `${Math.trunc(n)} B`;
    let value = n;
    let unit = 0;
    while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
      value /= 1024;
      unit += 1;
    }
    let text = value >= 100 ? value.toFixed(0) : value.toFixed(1);
    if (Number(text) >= 1024 && unit < BYTE_UNITS.length - 1) return `1 ${BYTE_UNITS[unit + 1]}`;
    if (text.endsWith(".0")) text = text.slice(0, -2);
    return `${text} ${BYTE_UNITS[unit]}`;
  }

  // A positive number as its shortest decimal digits (what String() gives, as Python's repr does): [digits, exponent]
  // with value = 0.<digits> x 10^exponent, digits without leading zeros; 0.0018 -> ["18", -2].
  function decimal(value) {
    const [mantissa, power] = value.toExponential().split("e"); // shortest round-trip digits, "1.8e-3"
    const digits = mantissa.replace(".", "");
    return [digits, Number(power) + 1];
  }

  // value rounded half-up to `places` decimals, on its decimal digits rather than its binary value (so 2.675 is
  // 2.68, as Python's Decimal(repr(x)).quantize gives), as a fixed-point string.
  function roundHalfUp(value, places) {
    const [digits, exponent] = decimal(value);
    const keep = exponent + places; // digits before the cut
    let kept;
    if (keep < 0) kept = 0n;
    else {
      kept = BigInt(digits.slice(0, keep).padEnd(keep, "0") || "0");
      if (keep < digits.length && digits[keep] >= "5") kept += 1n;
    }
    const text = kept.toString().padStart(places + 1, "0");
    return places ? `${text.slice(0, -places)}.${text.slice(-places)}` : text;
  }

  // US dollars as actions/core/formatting.format_money writes them: '$0', '$0.0018', '$0.50', '$12.35', '$1,234,568'.
  function formatMoney(amount) {
    if (!Number.isFinite(amount)) return NA;
    if (amount === 0) return "$0";
    const sign = amount < 0 ? "-" : "";
    let value = Math.abs(amount);
    if (value < 0.000001) return "<$0.000001";
    if (value < 1) {
      // Two significant digits, at least two decimals (sandbox buckets cost fractions of a cent).
      const [, exponent] = decimal(value);
      const small = roundHalfUp(value, 1 - exponent + 1);
      if (Number(small) < 1) {
        const [whole, decimals] = small.split(".");
        return `${sign}$${whole}.${decimals.replace(/0+$/, "").padEnd(2, "0")}`;
      }
      value = Number(small);
    }
    const cents = roundHalfUp(value, 2);
    if (Number(cents) < 1000) return `${sign}$${cents}`;
    return `${sign}$${BigInt(roundHalfUp(value, 0)).toLocaleString("en-US")}`;
  }

  const formatCount = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : NA);
  const plural = (n, one, many) => `${formatCount(n)} ${n === 1 ? one : many || one + "s"}`;
  const formatPercent = (ratio) => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : NA);
  const formatPct = (pct) => (Number.isFinite(pct) ? `${pct > 0 ? "+" : ""}${pct.toFixed(1)}%` : NA);

  function formatSeconds(s) {
    if (!Number.isFinite(s)) return NA;
    return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(s < 10 ? 2 : 1)} s`;
  }

  function formatMoment(iso) {
    if (!iso) return "\u2014";
    const moment = new Date(iso);
    if (Number.isNaN(moment.getTime())) return String(iso || "");
    return moment.toISOString().replace("T", " ").slice(0, 16) + " UTC";
  }

  const sentence = (text) => String(text).charAt(0).toUpperCase() + String(text).slice(1);
  const shortDay = (iso) => String(iso).slice(5, 10); // "2026-12-02" -> "12-02"

  // ---- DOM ----

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else node.setAttribute(key, String(value));
    }
    for (const child of children || []) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // A name (action, intent, metric) that may wrap after its separators rather than inside a word.
  function name(text) {
    const parts = String(text).split(/(?<=[_./])/);
    const span = el("span", { class: "name" });
    parts.forEach((part, i) => {
      if (i) span.append(el("wbr"));
      span.append(document.createTextNode(part));
    });
    return span;
  }

  const slot = (panel, name) => panel.querySelector(`[data-slot="${name}"]`);

  // pairs: [term, value, long?]; a long value takes the whole row.
  function facts(pairs) {
    return el("dl", { class: "facts" }, pairs.map(([term, value, long]) =>
      el("div", { class: long ? "long" : null }, [el("dt", { text: term }), el("dd", { text: value })])));
  }

  // columns: [{label, num?, extra?, cell(row) -> string | Node}]: "extra" columns are left out on a phone, and
  // "cards" tables become one card per row there. A title becomes a heading above the table.
  function table(columns, rows, { title, cards } = {}) {
    const kind = (c) => [c.num ? "num" : "", c.extra ? "extra" : ""].join(" ").trim() || null;
    const head = el("thead", {}, [
      el("tr", {}, columns.map((c) => el("th", { scope: "col", class: kind(c), text: c.label }))),
    ]);
    const body = el("tbody", {}, rows.map((row) => el("tr", {}, columns.map((c) => {
      const value = c.cell(row);
      return el("td", { class: kind(c), "data-label": c.label }, [value]);
    }))));
    const node = el("table", { class: cards ? "cards" : null }, [head, body]);
    if (!title) return node;
    const heading = el("h3", { text: title });
    return el("div", {}, [heading, node]);
  }

  function badge(value) {
    const known = ["ALARM", "OK", "INSUFFICIENT_DATA", "under-provisioned", "over-provisioned", "optimized"];
    return el("span", { class: `badge ${known.includes(value) ? value : "other"}`, text: String(value).replace(/_/g, " ") });
  }

  function fill(panel, name, ...nodes) {
    const target = slot(panel, name);
    if (target) target.replaceChildren(...nodes.filter(Boolean));
  }

  function message(text) {
    return el("p", { class: "message", text });
  }

  // ---- charts ----

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  const series = (i) => css(`--series-${(i % 8) + 1}`);

  // A chart in the panel's slot (replacing the one before); its canvas's label also says the figures, for those
  // who cannot see it. format: how a value reads (a count by default).
  function draw(panel, name, config, format = formatCount) {
    const canvas = slot(panel, name).querySelector("canvas");
    const old = charts.get(canvas);
    if (old) old.destroy();
    const chart = new window.Chart(canvas, config);
    charts.set(canvas, chart);
    if (!canvas.dataset.title) canvas.dataset.title = canvas.getAttribute("aria-label") || "";
    const { labels = [], datasets = [] } = config.data;
    const said = datasets.map((set) => {
      let points = labels.map((label, i) => [label, set.data[i]])
        .filter(([, value]) => value !== null && value !== undefined);
      if (config.type === "line") points = [points[0], points[points.length - 1]].filter(Boolean); // from, to
      else if (datasets.length > 1) points = points.filter(([, value]) => Number(value)); // a stack: its parts
      const values = points.map(([label, value]) => `${label} ${format(Number(value))}`)
        .join(config.type === "line" ? " to " : ", ");
      return datasets.length > 1 ? `${set.label}: ${values}` : values;
    });
    canvas.setAttribute("aria-label", `${canvas.dataset.title}. ${said.join("; ")}`);
    return chart;
  }

  function chartDefaults() {
    const Chart = window.Chart;
    Chart.defaults.animation = false; // figures, not a show; and the page is ready the moment it is drawn
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.responsive = true;
    Chart.defaults.color = css("--muted");
    Chart.defaults.borderColor = css("--grid");
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 12;
    Chart.defaults.plugins.legend.labels.boxWidth = 12;
    Chart.defaults.plugins.legend.labels.boxHeight = 12;
  }

  const narrow = () => window.matchMedia("(max-width: 640px)").matches;
  const valueAxis = (format, most) => ({
    ticks: { callback: (value) => format(Number(value)), maxTicksLimit: narrow() ? 4 : most },
    beginAtZero: true,
  });
  const bytesAxis = () => valueAxis(formatBytes, 6);
  const moneyAxis = () => valueAxis(formatMoney, 5);
  const countAxis = { ticks: { precision: 0, maxTicksLimit: 6 }, beginAtZero: true };
  // Long bucket and skill names on a category axis: cut, the tooltip has the whole name.
  const nameAxis = (max) => ({
    ticks: {
      autoSkip: false,
      callback(value) {
        const label = String(this.getLabelForValue(value));
        return label.length > max ? label.slice(0, max - 1) + "\u2026" : label;
      },
    },
  });

  window.CloudButlerKit = Object.freeze({
    NA,
    formatBytes,
    formatMoney,
    formatCount,
    plural,
    formatPercent,
    formatPct,
    formatSeconds,
    formatMoment,
    sentence,
    shortDay,
    el,
    name,
    slot,
    facts,
    table,
    badge,
    fill,
    message,
    css,
    series,
    draw,
    chartDefaults,
    narrow,
    bytesAxis,
    moneyAxis,
    countAxis,
    nameAxis,
  });
})();
