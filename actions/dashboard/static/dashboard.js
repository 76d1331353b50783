// CloudButler dashboard: reads the read-only API (/api/v1/*, same origin, the session cookie) and draws, with kit.js,
// one panel per question (storage, size history, cost, forecasts and right-sizing, alerts, assistant usage). Every
// name from the account reaches the page as a text node, never as HTML. Each panel stands alone: one failing request
// marks its panel and leaves the others. <body data-state> is "ready" once every panel has answered (tests and
// bench/ wait on it) and data-load-ms says when, in ms since navigation started.
(() => {
  "use strict";

  const API = "/api/v1/";
  const LOGIN = "/login";
  const REFRESH_MS = 60_000;
  const NOT_READY_RETRY_MS = 5_000; // a part the server is still building (just started) comes soon
  const HISTORY_DAYS = 30;
  const USAGE_DAYS = 7;
  const TOP_SKILLS = 10;
  const TOP_ADVICE = 6;
  const CHART_BUCKETS = 12;
  const CHART_LINES = 8;

  // Everything the page itself says, in one place.
  const TEXT = {
    loadFailed: "Could not load this panel. It will try again at the next refresh.",
    notReady: "Still being worked out; shown at the next refresh.",
    unavailable: "Its source cannot be read right now; tried again at the next refresh.",
    moreAdvice: (count, saving) => `${count} save ${saving} a month together.`,
    notAnalysed: (names) => `Not analysed (could not be listed): ${names}.`,
    methods: {
      linear_fit: (p) =>
        `A line through ${p.history_days ?? "?"} days of size history (${plural(p.fitted_buckets ?? 0, "bucket")} fitted)`,
      current_size: () => "Today's size (not enough history for a trend yet)",
    },
    offline: "The dashboard's server cannot be reached. Figures shown may be out of date.",
    updated: (time) => `Updated ${time}`, // the time is shown alone on a phone
    noBuckets: "No buckets in this account.",
    noHistory: "No size history yet: the size tracker records a sample per bucket per day.",
    noRecommendations: "No recommendations: storage is already in the cheapest sensible classes.",
    noInstances: "No running instances to size.",
    noAlarms: "No alarms.",
    noStock: "Nothing is out of stock.",
    noUsage: (days) => `Nobody has used the assistant in the last ${days} days.`,
    storageLead: (bytes, objects, buckets, cost) =>
      `${bytes} in ${objects} across ${buckets}, about ${cost} a month.`,
    historyLead: (days, growth) => `Last ${days} days. ${growth}`,
    growthBy: (name, change) => `Fastest growth: ${name} (${change}).`,
    noGrowth: "No bucket grew.",
    costLead: (now, after, saving) => `${now} a month now; ${after} after the recommendations (saves ${saving}).`,
    forecastLead: (bytes, cost) => `Next month: about ${bytes} of storage, ${cost}.`,
    alertsLead: (alarms, stock) => `${alarms} in alarm, ${stock} out of stock.`,
    usageLead: (days, requests, people) => `Last ${days} days: ${requests} from ${people}.`,
    now: "Now",
    after: "After recommendations",
    keep: "keep",
  };

  const $ = (id) => document.getElementById(id);

  const {
    NA, formatBytes, formatMoney, formatCount, plural, formatPercent, formatPct, formatSeconds, formatMoment, sentence,
    shortDay, el, name, slot, facts, table, badge, fill, message, css, series, draw, chartDefaults, narrow, bytesAxis,
    moneyAxis, countAxis, nameAxis,
  } = window.CloudButlerKit;

  // ---- panels ----

  function renderTiles(data) {
    const tiles = [];
    const add = (term, value, hint) => tiles.push(el("dl", { class: "tile" }, [
      el("dt", { text: term }),
      el("dd", {}, [value, hint ? el("span", { class: "hint", text: hint }) : null]),
    ]));
    if (data.buckets) add("Stored", formatBytes(data.buckets.total_bytes), plural(data.buckets.total_objects, "object"));
    if (data.cost) add("Cost a month", formatMoney(data.cost.monthly_now_usd),
      `${formatMoney(data.cost.monthly_after_usd)} after advice`);
    if (data.forecasts) {
      add("Next month", formatMoney(data.forecasts.next_month_cost_usd), formatBytes(data.forecasts.next_month_bytes));
    }
    if (data.alerts) {
      add("In alarm", formatCount(openAlarms(data.alerts).length), plural(data.alerts.out_of_stock.length, "stock alert"));
    }
    if (data.assistant) {
      add("Requests", formatCount(data.assistant.requests), `last ${USAGE_DAYS} days`);
      add("Containment", formatPercent(rate(data.assistant, "contained", "conversations", "containment")),
        `fallback ${formatPercent(rate(data.assistant, "fallbacks", "requests", "fallback_rate"))}`);
    }
    $("tiles").replaceChildren(...tiles);
  }

  function renderStorage(panel, storage) {
    const buckets = [...storage.buckets].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
    if (!buckets.length) return empty(panel, TEXT.noBuckets);
    fill(panel, "lead", document.createTextNode(TEXT.storageLead(formatBytes(storage.total_bytes),
      plural(storage.total_objects, "object"), plural(buckets.length, "bucket"), formatMoney(storage.monthly_cost_usd))));
    const charted = buckets.slice(0, CHART_BUCKETS); // the table below has every bucket
    const classes = [...new Set(charted.flatMap((b) => Object.keys(b.classes || {})))].sort();
    slot(panel, "chart").style.height = `${Math.max(160, 46 + charted.length * (narrow() ? 30 : 34))}px`;
    draw(panel, "chart", {
      type: "bar",
      data: {
        labels: charted.map((b) => b.name),
        datasets: classes.map((name, i) => ({
          label: name.replace(/_/g, " "),
          data: charted.map((b) => ((b.classes || {})[name] || {}).bytes || 0),
          backgroundColor: series(i),
          borderRadius: 3,
        })),
      },
      options: {
        indexAxis: "y",
        scales: { x: { ...bytesAxis(), stacked: true }, y: { ...nameAxis(narrow() ? 14 : 26), stacked: true } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatBytes(item.parsed.x)}` } },
        },
      },
    }, formatBytes);
    fill(panel, "table", table([
      { label: "Bucket", cell: (b) => b.name },
      { label: "Region", extra: true, cell: (b) => b.region || "\u2014" },
      { label: "Size", num: true, cell: (b) => formatBytes(b.bytes) },
      { label: "Objects", num: true, extra: true, cell: (b) => formatCount(b.objects) },
      { label: "A month", num: true, cell: (b) => formatMoney(b.monthly_cost_usd) },
    ], buckets));
    return true;
  }

  function renderHistory(panel, trends) {
    const buckets = trends.buckets.filter((b) => (b.series || []).length);
    if (!buckets.length) return empty(panel, TEXT.noHistory);
    const days = [...new Set(buckets.flatMap((b) => b.series.map(([day]) => day)))].sort();
    const grower = [...buckets].sort((a, b) => b.change_bytes - a.change_bytes)[0];
    fill(panel, "lead", document.createTextNode(TEXT.historyLead(trends.days,
      grower.change_bytes > 0
        ? TEXT.growthBy(grower.name, `${formatBytes(grower.change_bytes)}, ${formatPct(grower.change_pct)}`)
        : TEXT.noGrowth)));
    draw(panel, "chart", {
      type: "line",
      data: {
        labels: days,
        // the largest buckets get a line each (a legend of dozens helps nobody); the table below has every bucket
        datasets: [...buckets].sort((a, b) => b.end_bytes - a.end_bytes).slice(0, CHART_LINES).map((b, i) => {
          const byDay = new Map(b.series);
          return {
            label: b.name,
            data: days.map((day) => (byDay.has(day) ? byDay.get(day) : null)),
            borderColor: series(i),
            backgroundColor: series(i),
            pointRadius: days.length > 40 ? 0 : 2,
            borderWidth: 2,
            spanGaps: true,
            tension: 0.2,
          };
        }),
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { callback: dayTick, maxTicksLimit: narrow() ? 5 : 10, maxRotation: 0 } },
          y: bytesAxis(),
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatBytes(item.parsed.y)}` } },
        },
      },
    }, formatBytes);
    fill(panel, "table", table([
      { label: "Bucket", cell: (b) => b.name },
      { label: `${trends.days} days ago`, num: true, extra: true, cell: (b) => formatBytes(b.start_bytes) },
      { label: "Now", num: true, cell: (b) => formatBytes(b.end_bytes) },
      { label: "Change", num: true, cell: (b) => formatBytes(b.change_bytes) },
      { label: "%", num: true, cell: (b) => formatPct(b.change_pct) },
    ], [...buckets].sort((a, b) => b.change_bytes - a.change_bytes || a.name.localeCompare(b.name))));
    return true;
  }

  function renderCost(panel, cost) {
    const saving = cost.monthly_now_usd - cost.monthly_after_usd;
    fill(panel, "lead", document.createTextNode(TEXT.costLead(formatMoney(cost.monthly_now_usd),
      formatMoney(cost.monthly_after_usd), formatMoney(saving))));
    draw(panel, "chart", {
      type: "bar",
      data: {
        labels: [TEXT.now, TEXT.after],
        datasets: [{
          label: "A month",
          data: [cost.monthly_now_usd, cost.monthly_after_usd],
          backgroundColor: [series(0), series(1)],
          borderRadius: 4,
        }],
      },
      options: {
        indexAxis: "y",
        scales: { x: moneyAxis() },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (item) => formatMoney(item.parsed.x) } },
        },
      },
    }, formatMoney);
    const sorted = [...cost.recommendations].sort((a, b) => b.monthly_saving_usd - a.monthly_saving_usd);
    const advice = sorted.slice(0, TOP_ADVICE);
    const rest = sorted.slice(TOP_ADVICE);
    fill(panel, "table", advice.length
      ? table([
        { label: "Bucket", cell: (r) => r.bucket },
        { label: "Recommendation", cell: (r) => sentence(r.action) },
        { label: "Saves a month", num: true,
          cell: (r) => el("span", { class: "saving", text: formatMoney(r.monthly_saving_usd) }) },
      ], advice, { cards: true })
      : message(TEXT.noRecommendations));
    if (rest.length) {
      const more = rest.reduce((sum, r) => sum + r.monthly_saving_usd, 0);
      slot(panel, "table").append(message(TEXT.moreAdvice(plural(rest.length, "more recommendation"), formatMoney(more))));
    }
    if ((cost.not_analysed || []).length) {
      slot(panel, "table").append(message(TEXT.notAnalysed(cost.not_analysed.join(", "))));
    }
    return true;
  }

  function renderForecast(panel, projection, capacity) {
    fill(panel, "lead", document.createTextNode(TEXT.forecastLead(formatBytes(projection.next_month_bytes),
      formatMoney(projection.next_month_cost_usd))));
    fill(panel, "facts", facts([
      ["Storage next month", formatBytes(projection.next_month_bytes)],
      ["Cost next month", formatMoney(projection.next_month_cost_usd)],
      ["Method", (TEXT.methods[projection.method] || (() => projection.method))(projection), true],
    ]));
    const order = { "under-provisioned": 0, "over-provisioned": 1 }; // then optimized and the rest
    const instances = [...capacity.instances]
      .sort((a, b) => (order[a.finding] ?? 2) - (order[b.finding] ?? 2) || a.name.localeCompare(b.name));
    fill(panel, "table", instances.length
      ? table([
        { label: "Instance", cell: (i) => i.name || i.id },
        { label: "Type", cell: (i) => el("span", { class: "code", text: i.type }) },
        { label: "Finding", cell: (i) => badge(i.finding) },
        { label: "Recommended", cell: (i) => (i.recommended_type && i.recommended_type !== i.type
          ? el("span", { class: "code", text: i.recommended_type }) : TEXT.keep) },
        { label: "Peak CPU", num: true,
          cell: (i) => (Number.isFinite(i.forecast_peak_cpu) ? `${i.forecast_peak_cpu.toFixed(0)}%` : NA) },
        { label: "Cost change a month", num: true, cell: (i) => el("span", {
          class: i.monthly_change_usd < 0 ? "saving" : i.monthly_change_usd > 0 ? "cost-up" : null,
          text: `${i.monthly_change_usd > 0 ? "+" : ""}${formatMoney(i.monthly_change_usd)}`,
        }) },
      ], instances, { title: "Right-sizing", cards: true })
      : message(TEXT.noInstances));
    return true;
  }

  const openAlarms = (alerts) => alerts.alarms.filter((a) => a.state === "ALARM");

  function renderAlerts(panel, alerts) {
    const rank = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };
    const alarms = [...alerts.alarms]
      .sort((a, b) => (rank[a.state] ?? 1) - (rank[b.state] ?? 1) || a.name.localeCompare(b.name));
    fill(panel, "lead", document.createTextNode(TEXT.alertsLead(plural(openAlarms(alerts).length, "alarm"),
      plural(alerts.out_of_stock.length, "item"))));
    fill(panel, "alarms", alarms.length
      ? table([
        { label: "Alarm", cell: (a) => a.name },
        { label: "State", cell: (a) => badge(a.state) },
        { label: "Condition", cell: (a) => a.threshold },
        { label: "Since", cell: (a) => formatMoment(a.updated) },
      ], alarms, { title: "Alarms", cards: true })
      : message(TEXT.noAlarms));
    const stock = [...alerts.out_of_stock].sort((a, b) => String(b.since).localeCompare(String(a.since)));
    fill(panel, "stock", stock.length
      ? table([
        { label: "Store", cell: (s) => s.store },
        { label: "Item", cell: (s) => s.item },
        { label: "Out since", cell: (s) => formatMoment(s.since) },
      ], stock, { title: "Out of stock", cards: true })
      : message(TEXT.noStock));
    return true;
  }

  // A bar chart of counts, one colour (or one per bar), no legend.
  function counts(labels, values, colour, options) {
    return {
      type: "bar",
      data: { labels, datasets: [{ label: "Requests", data: values, backgroundColor: colour, borderRadius: 3 }] },
      options: { ...options, plugins: { legend: { display: false }, ...(options.plugins || {}) } },
    };
  }

  // An axis of ISO days labelled "12-02" (Chart.js calls it with the axis as `this`).
  function dayTick(value) {
    return shortDay(this.getLabelForValue(value));
  }

  function rate(report, part, whole, given) {
    if (Number.isFinite(report[given])) return report[given];
    return report[whole] ? report[part] / report[whole] : NaN;
  }

  function renderAssistant(panel, report) {
    fill(panel, "lead", document.createTextNode(TEXT.usageLead(USAGE_DAYS, plural(report.requests, "request"),
      plural(report.people, "person", "people"))));
    if (!report.requests) return empty(panel, TEXT.noUsage(USAGE_DAYS));
    const confirmations = report.confirmations || {};
    fill(panel, "facts", facts([
      ["Requests", formatCount(report.requests)],
      ["People", formatCount(report.people)],
      ["Conversations", formatCount(report.conversations)],
      ["Fallback rate", formatPercent(rate(report, "fallbacks", "requests", "fallback_rate"))],
      ["Containment", formatPercent(rate(report, "contained", "conversations", "containment"))],
      ["Failed answers", formatCount(report.failures)],
    ]));
    const byDay = report.by_day || [];
    const skills = (report.by_skill || []).slice(0, TOP_SKILLS);
    const channels = report.by_channel || [];
    const outcomes = ["accepted", "declined", "expired", "superseded"];
    draw(panel, "days", counts(byDay.map((d) => d.day), byDay.map((d) => d.requests), series(0), {
      scales: { x: { ticks: { callback: dayTick, maxRotation: 0 } }, y: countAxis },
    }));
    draw(panel, "skills", counts(skills.map((s) => s.name), skills.map((s) => s.requests), series(1), {
      indexAxis: "y", scales: { x: countAxis, y: nameAxis(18) },
    }));
    draw(panel, "channels", counts(channels.map((c) => c.name), channels.map((c) => c.requests),
      channels.map((_, i) => series(i + 2)), { indexAxis: "y", scales: { x: countAxis, y: nameAxis(14) } }));
    draw(panel, "confirmations", counts(outcomes, outcomes.map((o) => confirmations[o] || 0),
      [css("--ok"), css("--alarm"), css("--unknown"), css("--muted")], {
        indexAxis: "y",
        scales: { x: countAxis },
        plugins: { subtitle: { display: true, text: `${formatCount(confirmations.asked || 0)} asked` } },
      }));
    const latency = [...(report.latency || [])].sort((a, b) => b.runs - a.runs || a.action.localeCompare(b.action));
    fill(panel, "table", latency.length
      ? table([
        { label: "Action", cell: (l) => name(l.action) },
        { label: "Runs", num: true, cell: (l) => formatCount(l.runs) },
        { label: "p50", num: true, cell: (l) => formatSeconds(l.p50) },
        { label: "p95", num: true, cell: (l) => formatSeconds(l.p95) },
      ], latency, { title: "Waiting time per action" })
      : null);
    return true;
  }

  function empty(panel, text) {
    const target = slot(panel, "table") || slot(panel, "facts");
    if (target) target.replaceChildren(message(text));
    return false;
  }

  // ---- loading ----

  class Unauthorized extends Error {}

  // A part the server has not built yet or whose source failed: 503 {"error": "not_ready" | "unavailable"}.
  class NotThere extends Error {
    constructor(path, code) {
      super(`${path}: ${code}`);
      this.code = code;
    }
  }

  async function get(path) {
    const response = await fetch(API + path, {
      credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store",
    });
    if (response.status === 401) throw new Unauthorized(path);
    if (response.status === 503) {
      const body = await response.json().catch(() => ({}));
      throw new NotThere(path, body && body.error === "not_ready" ? "not_ready" : "unavailable");
    }
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return response.json();
  }

  const PANELS = [
    { id: "panel-storage", needs: ["buckets"], render: (p, d) => renderStorage(p, d.buckets) },
    { id: "panel-history", needs: ["trends"], render: (p, d) => renderHistory(p, d.trends) },
    { id: "panel-cost", needs: ["cost"], render: (p, d) => renderCost(p, d.cost) },
    { id: "panel-forecast", needs: ["forecasts", "recommendations"],
      render: (p, d) => renderForecast(p, d.forecasts, d.recommendations) },
    { id: "panel-alerts", needs: ["alerts"], render: (p, d) => renderAlerts(p, d.alerts) },
    { id: "panel-assistant", needs: ["assistant"], render: (p, d) => renderAssistant(p, d.assistant) },
  ];

  const REQUESTS = {
    buckets: "buckets",
    trends: `trends?days=${HISTORY_DAYS}`,
    cost: "cost",
    forecasts: "forecasts",
    recommendations: "recommendations",
    alerts: "alerts",
    assistant: `assistant?days=${USAGE_DAYS}`,
  };

  let loading = false;

  async function load() {
    if (loading) return;
    loading = true;
    $("refresh").disabled = true;
    const names = Object.keys(REQUESTS);
    const answers = await Promise.allSettled(names.map((name) => get(REQUESTS[name])));
    if (answers.some((a) => a.status === "rejected" && a.reason instanceof Unauthorized)) {
      window.location.assign(LOGIN);
      return;
    }
    const data = {};
    const why = {};
    names.forEach((name, i) => {
      const answer = answers[i];
      if (answer.status === "fulfilled") data[name] = answer.value;
      else why[name] = answer.reason instanceof NotThere && answer.reason.code === "not_ready" ? TEXT.notReady
        : answer.reason instanceof NotThere ? TEXT.unavailable : TEXT.loadFailed;
    });
    const unreachable = answers.every((a) => a.status === "rejected" && a.reason instanceof TypeError);
    const notice = $("notice");
    notice.hidden = !unreachable;
    notice.textContent = unreachable ? TEXT.offline : "";

    try { renderTiles(data); } catch (error) { console.error(error); }
    for (const spec of PANELS) {
      const panel = $(spec.id);
      const missing = spec.needs.find((name) => !(name in data));
      if (missing) {
        // Figures already shown stay (a refresh that failed); a panel that never had any says why.
        if (panel.dataset.state === "loading" || panel.dataset.state === "error") fail(panel, why[missing]);
        continue;
      }
      try {
        panel.dataset.state = spec.render(panel, data) ? "ready" : "empty";
      } catch (error) {
        console.error(spec.id, error);
        fail(panel, TEXT.loadFailed);
      }
    }
    const time = new Date().toISOString().slice(11, 16) + " UTC";
    $("updated").replaceChildren(el("span", { class: "long", text: TEXT.updated("") }), time);
    document.body.dataset.loadMs = String(Math.round(performance.now()));
    document.body.dataset.state = "ready";
    $("refresh").disabled = false;
    loading = false;
    if (Object.values(why).includes(TEXT.notReady)) window.setTimeout(load, NOT_READY_RETRY_MS);
  }

  function fail(panel, text) {
    panel.dataset.state = "error";
    fill(panel, "lead");
    for (const target of panel.querySelectorAll("[data-slot]:not(.chart)")) target.replaceChildren();
    const target = slot(panel, "table") || slot(panel, "stock");
    if (target) target.replaceChildren(message(text));
  }

  function start() {
    chartDefaults();
    $("refresh").addEventListener("click", () => { load(); });
    load();
    window.setInterval(() => { if (!document.hidden) load(); }, REFRESH_MS);
  }

  start();
})();
