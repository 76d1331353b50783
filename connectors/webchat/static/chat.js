// CloudButler web chat: sends what the user types to the channel's webhook and renders the bot's whole
// vocabulary messages (text, buttons, image, attachment, custom.fields / table / progress / links), including
// those the assistant sends later (background jobs), which a long poll of "updates" collects. Bot and user text
// only ever reaches the page as text nodes, never as HTML; only http(s) URLs become links.
(() => {
  "use strict";

  const SENDER_KEY = "cloudbutler.webchat.sender";
  const HISTORY_KEY = "cloudbutler.webchat.history";
  const MAX_HISTORY = 200;
  // A session the server issued and signed ("<id>.<signature>"); the page cannot make one up.
  const SENDER_PATTERN = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/;
  const LONG_CELL = 18; // characters
  const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  // The server answers a poll when a message arrives or after ~25 s. An empty answer sooner than MIN_GAP (a
  // proxy, a restart) must not turn the loop into a busy one; errors back off up to MAX_RETRY.
  const POLL_MIN_GAP_MS = 1000;
  const POLL_FIRST_RETRY_MS = 1000;
  const POLL_MAX_RETRY_MS = 30000;

  // Everything the page itself says, in one place.
  const TEXT = {
    imageAlt: "Picture from CloudButler",
    scrollHint: "Scroll sideways for more \u2194",
    download: "Download",
    offline: "The assistant cannot be reached. Check that it is running, then try again.",
    failed: "The assistant could not answer that. Please try again.",
    tooLarge: (mb) => `That upload is too large (the limit is ${mb} MB).`,
    refused: (message) => `The message was not accepted: ${message}`,
  };

  const params = new URLSearchParams(window.location.search);
  const $ = (id) => document.getElementById(id);
  const els = {
    log: $("log"),
    empty: $("empty"),
    examples: $("examples"),
    typing: $("typing"),
    form: $("composer"),
    input: $("input"),
    attach: $("attach"),
    file: $("file"),
    newConversation: $("new-conversation"),
    close: $("close"),
    title: $("title"),
  };

  // localStorage can be missing (privacy modes, blocked third-party storage in the widget's frame):
  // then the conversation lasts as long as the page.
  const memory = new Map();
  const store = {
    get(key) {
      try { return window.localStorage.getItem(key); } catch (_) { return memory.has(key) ? memory.get(key) : null; }
    },
    set(key, value) {
      try { window.localStorage.setItem(key, value); } catch (_) { memory.set(key, value); }
    },
  };

  function storedSender() {
    const saved = store.get(SENDER_KEY);
    return saved && SENDER_PATTERN.test(saved) ? saved : null;
  }

  // The server issues sessions; a stored one it no longer accepts (401: another server, a new secret) is renewed.
  // Requests that need one at the same time (the poll and a message) share one request for it.
  let sessionRequest = null;

  async function fetchSession() {
    const response = await fetch("session", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    const data = await response.json();
    if (!response.ok || !data || typeof data.sender !== "string" || !SENDER_PATTERN.test(data.sender)) {
      throw new Error(`session answered ${response.status}`);
    }
    sender = data.sender;
    store.set(SENDER_KEY, sender);
    setBusy();
    return sender;
  }

  // The current session, or a new one when there is none or the current one is `refused`. A request refused
  // after another one has already replaced that session uses the replacement: the poll and the messages must stay
  // in one conversation.
  function session(refused) {
    if (sender && sender !== refused) return Promise.resolve(sender);
    if (!sessionRequest) sessionRequest = fetchSession().finally(() => { sessionRequest = null; });
    return sessionRequest;
  }

  // One request with the current session, repeated once with a fresh session if the server refused it.
  async function withSession(makeRequest) {
    const token = await session(null);
    const response = await makeRequest(token);
    if (response.status !== 401) return response;
    return makeRequest(await session(token));
  }

  function loadHistory() {
    try {
      const saved = JSON.parse(store.get(HISTORY_KEY) || "[]");
      return Array.isArray(saved) ? saved.filter((entry) => entry && typeof entry === "object") : [];
    } catch (_) {
      return [];
    }
  }

  let sender = storedSender();
  let history = loadHistory();
  let conversation = 0; // bumps on "new conversation", so late replies to the old one are dropped
  let pending = 0;
  let turns = 0;
  let queue = Promise.resolve();

  function saveHistory() {
    history = history.slice(-MAX_HISTORY);
    store.set(HISTORY_KEY, JSON.stringify(history));
  }

  // ---- rendering: DOM nodes and textContent only ----

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      const url = new URL(value, window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function link(href, label) {
    const a = el("a", null, label);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // Plain text with its bare URLs as links (the URL as their label).
  function appendLinked(block, text) {
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      block.append(text.slice(last, match.index), link(match[0], match[0]));
      last = match.index + match[0].length;
    }
    block.append(text.slice(last));
  }

  // custom.links: [{url, label}] with an http(s) url and a label; anything else is ignored.
  function labelledLinks(custom) {
    const raw = custom && typeof custom === "object" && Array.isArray(custom.links) ? custom.links : [];
    return raw
      .filter((item) => item && typeof item === "object" && typeof item.url === "string"
        && typeof item.label === "string" && item.label.trim() && safeUrl(item.url) && /^https?:/i.test(item.url))
      .map((item) => ({ url: item.url, label: item.label.trim() }))
      .sort((a, b) => b.url.length - a.url.length); // a url that starts another one is matched last
  }

  // The text with each labelled link's url shown as its label (e.g. "Download (expires in 1 h)"); a labelled
  // link the text does not hold follows it on a line of its own.
  function textBlock(text, links = []) {
    const block = el("div", "text");
    let pieces = [text];
    for (const item of links) {
      pieces = pieces.flatMap((piece) => {
        if (typeof piece !== "string" || !piece.includes(item.url)) return [piece];
        return piece.split(item.url).flatMap((part, i) => (i === 0 ? [part] : [item, part]));
      });
    }
    const shown = new Set();
    for (const piece of pieces) {
      if (typeof piece === "string") {
        appendLinked(block, piece);
      } else {
        const a = link(piece.url, piece.label);
        a.className = "labelled-link";
        a.title = piece.url;
        block.append(a);
        shown.add(piece);
      }
    }
    for (const item of links) {
      if (shown.has(item)) continue;
      if (block.childNodes.length) block.append("\n");
      const a = link(item.url, item.label);
      a.className = "labelled-link";
      block.append(a);
    }
    return block;
  }

  // The vocabulary's colours (an alert's state): a coloured left edge on the card; any other value, none.
  const COLOURS = ["red", "green", "amber", "blue", "grey"];

  function fieldsBlock(fields) {
    const colour = COLOURS.includes(fields.colour) ? ` colour-${fields.colour}` : "";
    const card = el("section", `card fields-card${colour}`);
    if (fields.title) card.append(el("h2", "card-title", fields.title));
    const list = el("dl", "fields");
    for (const item of fields.items) {
      if (!item || typeof item !== "object") continue;
      list.append(el("dt", null, item.label), el("dd", null, item.value));
    }
    card.append(list);
    return card;
  }

  function tableBlock(table) {
    const wrap = el("div", "card table-wrap");
    const t = el("table");
    // The title stays above the part that scrolls sideways, so a phone shows all of it.
    if (table.title) wrap.append(el("div", "table-title", table.title));
    const headRow = el("tr");
    for (const column of table.columns) {
      const th = el("th", null, column);
      th.scope = "col";
      headRow.append(th);
    }
    const head = el("thead");
    head.append(headRow);
    const body = el("tbody");
    for (const row of Array.isArray(table.rows) ? table.rows : []) {
      const tr = el("tr");
      for (const value of Array.isArray(row) ? row : []) {
        // Long text wraps (within limits) so a phone shows more columns; short values and numbers stay on one line.
        tr.append(el("td", String(value).length > LONG_CELL ? "long" : null, value));
      }
      body.append(tr);
    }
    t.append(head, body);
    if (Array.isArray(table.totals) && table.totals.length) {
      const foot = el("tfoot");
      const tr = el("tr", "totals");
      table.totals.forEach((value, i) => {
        const cell = el(i === 0 ? "th" : "td", null, value);
        if (i === 0) cell.scope = "row";
        tr.append(cell);
      });
      foot.append(tr);
      t.append(foot);
    }
    const scroller = el("div", "table-scroll");
    scroller.tabIndex = 0; // keyboard users can scroll a wide table too
    scroller.setAttribute("role", "region");
    scroller.setAttribute("aria-label", table.title ? String(table.title) : "Table");
    scroller.append(t);
    const hint = el("div", "scroll-hint", TEXT.scrollHint);
    hint.setAttribute("aria-hidden", "true");
    wrap.append(scroller, hint);
    tables.add(wrap);
    return wrap;
  }

  // A table wider than its box scrolls inside it: then it says so, and shades the side with more to see.
  const tables = new Set();

  function markOverflow(wrap) {
    const scroller = wrap.querySelector(".table-scroll");
    if (!scroller || !wrap.isConnected) { tables.delete(wrap); return; }
    const room = scroller.scrollWidth - scroller.clientWidth;
    wrap.classList.toggle("overflowing", room > 1);
    wrap.classList.toggle("more-left", scroller.scrollLeft > 1);
    wrap.classList.toggle("more-right", scroller.scrollLeft < room - 1);
  }

  function markTables() {
    for (const wrap of tables) markOverflow(wrap);
  }

  // custom.progress: {done, total, unit}, whole numbers; total 0 while it is not known.
  function progressOf(custom) {
    const p = custom && typeof custom === "object" ? custom.progress : null;
    if (!p || typeof p !== "object") return null;
    const whole = (n) => Number.isInteger(n) && n >= 0;
    const total = p.total === undefined ? 0 : p.total;
    return whole(p.done) && whole(total) && typeof p.unit === "string" ? { done: p.done, total, unit: p.unit } : null;
  }

  function amount(n, unit) {
    return unit === "bytes" ? formatSize(n) : n.toLocaleString("en-US");
  }

  function progressBlock(p) {
    const unit = p.unit === "bytes" ? "" : ` ${p.unit}`;
    const label = p.total
      ? `${amount(p.done, p.unit)} of ${amount(p.total, p.unit)}${unit}`
      : `${amount(p.done, p.unit)}${unit}`;
    const block = el("div", "progress");
    const bar = el("progress");
    bar.max = p.total || 1;
    if (p.total) bar.value = Math.min(p.done, p.total); // no value: the bar says "still working"
    bar.setAttribute("aria-label", label);
    block.append(bar, el("span", "progress-label", label));
    return block;
  }

  function customBlock(custom, key, required) {
    const block = custom && typeof custom === "object" ? custom[key] : null;
    return block && typeof block === "object" && Array.isArray(block[required]) && block[required].length
      ? block
      : null;
  }

  function imageBlock(src) {
    const figure = el("figure", "image");
    const img = el("img");
    img.alt = TEXT.imageAlt;
    img.decoding = "async";
    img.addEventListener("load", () => scrollToEnd());
    img.src = src;
    const a = link(src, "");
    a.append(img);
    figure.append(a);
    return figure;
  }

  function attachmentBlock(href) {
    let name = new URL(href).pathname.split("/").pop() || "";
    try { name = decodeURIComponent(name); } catch (_) { /* keep it as it came */ }
    // common.media.shown_name: the random part in front of a published file's name is not the user's business.
    name = name.replace(/^[0-9a-f]{16}-(?=.)/, "");
    const a = link(href, `⬇ ${TEXT.download} ${name}`.trim());
    a.className = "download";
    a.setAttribute("download", name);
    return a;
  }

  function buttonsBlock(entry) {
    const row = el("div", "buttons");
    // Beside the yes of a destructive change (drawn red), the other buttons are neutral: Cancel is the way out.
    if (entry.message.buttons.some((b) => b && b.style === "danger")) row.classList.add("has-danger");
    entry.message.buttons.forEach((button, index) => {
      if (!button || typeof button !== "object") return;
      const b = el("button", button.style === "danger" ? "choice danger" : "choice", button.title);
      b.type = "button";
      b.disabled = Boolean(entry.used);
      if (entry.chosen === index) b.classList.add("chosen");
      b.addEventListener("click", () => choose(entry, index, row));
      row.append(b);
    });
    return row;
  }

  function renderBot(entry) {
    const m = entry.message || {};
    const bubble = el("div", "bubble");
    const fields = customBlock(m.custom, "fields", "items");
    const table = customBlock(m.custom, "table", "columns");
    const progress = progressOf(m.custom);
    // The vocabulary's rules: labelled fields replace the text they restate; a table comes with the text, less
    // the lines the table restates, in their place (the server works those out: text_around_table).
    const links = labelledLinks(m.custom);
    let [before, after] = [typeof m.text === "string" ? m.text : "", ""];
    if (fields) before = "";
    else if (table && Array.isArray(m.text_around_table) && m.text_around_table.every((t) => typeof t === "string")) {
      [before, after] = m.text_around_table;
    }
    const below = links.filter((item) => after.includes(item.url)); // a link the text lacks follows its first part
    if (before) bubble.append(textBlock(before, links.filter((item) => !below.includes(item))));
    if (progress) bubble.append(progressBlock(progress));
    if (fields) bubble.append(fieldsBlock(fields));
    if (table) {
      bubble.classList.add("with-table"); // a table may use the whole width of the conversation
      bubble.append(tableBlock(table));
    }
    if (after) bubble.append(textBlock(after, below));
    const image = safeUrl(m.image);
    if (image) bubble.append(imageBlock(image));
    const attachment = safeUrl(m.attachment);
    if (attachment) bubble.append(attachmentBlock(attachment));
    if (Array.isArray(m.buttons) && m.buttons.length) bubble.append(buttonsBlock(entry));
    return bubble;
  }

  function renderUser(entry) {
    const bubble = el("div", "bubble");
    if (entry.text) bubble.append(textBlock(entry.text));
    if (Array.isArray(entry.files) && entry.files.length) {
      const files = el("div", "files");
      for (const file of entry.files) files.append(el("span", "file-chip", `📎 ${file.name} (${formatSize(file.size)})`));
      bubble.append(files);
    }
    return bubble;
  }

  function render(entry) {
    const row = el("div", `msg ${entry.role}`);
    if (entry.role === "bot") row.append(renderBot(entry));
    else if (entry.role === "user") row.append(renderUser(entry));
    else row.append(el("div", "bubble", entry.text));
    return row;
  }

  function formatSize(bytes) {
    if (!(bytes >= 0)) return "?";
    if (bytes < 1024) return `${bytes} B`;
    const units = ["KB", "MB", "GB"];
    let value = bytes / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
  }

  function scrollToEnd() {
    els.log.scrollTop = els.log.scrollHeight;
  }

  function show(entry) {
    els.empty.hidden = true;
    els.log.append(render(entry));
    markTables();
    scrollToEnd();
  }

  function isProgress(entry) {
    return Boolean(entry && entry.role === "bot" && entry.message && progressOf(entry.message.custom));
  }

  // A job's next progress report replaces its last one while nothing else was said in between: one bar that moves,
  // not a column of them. (Same unit and total: the same job, as far as the page can tell.)
  function replacesLast(entry) {
    const last = history[history.length - 1];
    if (!isProgress(entry) || !isProgress(last)) return false;
    const a = progressOf(last.message.custom);
    const b = progressOf(entry.message.custom);
    const row = els.log.lastElementChild;
    return a.unit === b.unit && a.total === b.total && b.done >= a.done && row && row.classList.contains("msg");
  }

  function add(entry) {
    if (replacesLast(entry)) {
      history[history.length - 1] = entry;
      saveHistory();
      els.log.lastElementChild.replaceWith(render(entry));
      markTables();
      return;
    }
    history.push(entry);
    saveHistory();
    show(entry);
  }

  function notice(text) {
    add({ role: "notice", text });
  }

  function setBusy() {
    els.typing.hidden = pending === 0;
    els.log.setAttribute("aria-busy", pending === 0 ? "false" : "true");
    // Read by the browser tests (and handy when debugging): how many requests are out, how many finished.
    document.body.dataset.pending = String(pending);
    document.body.dataset.turns = String(turns);
    document.body.dataset.sender = sender || "";
  }

  // ---- talking to the channel ----

  function errorText(status, data) {
    if (status === 413) return TEXT.tooLarge(data && data.max_mb ? data.max_mb : "?");
    if (status === 400 && data && typeof data.message === "string") return TEXT.refused(data.message);
    return TEXT.failed;
  }

  // Requests go out one at a time, so replies arrive in the order the user asked.
  function exchange(makeRequest) {
    const forConversation = conversation;
    pending += 1;
    setBusy();
    queue = queue.then(async () => {
      try {
        // Still waiting when the user started a new conversation: it belongs to the old one, whose session is
        // gone, and must not reach the new one.
        if (forConversation !== conversation) return;
        const response = await makeRequest();
        const data = await response.json().catch(() => null);
        if (forConversation !== conversation) return;
        if (!response.ok) {
          notice(errorText(response.status, data));
        } else if (Array.isArray(data)) {
          for (const message of data) {
            if (message && typeof message === "object") add({ role: "bot", message });
          }
        } else {
          notice(TEXT.failed);
        }
      } catch (_) {
        if (forConversation === conversation) notice(TEXT.offline);
      } finally {
        pending -= 1;
        turns += 1;
        setBusy();
      }
    });
  }

  // ---- messages sent later: one long poll at a time, while the page is visible ----

  let poller = null; // the AbortController of the running poll loop

  function addLate(messages, forConversation) {
    // Behind any request still out, so a job's progress never shows above the reply that started the job.
    queue = queue.then(() => {
      if (forConversation !== conversation) return;
      for (const message of messages) {
        if (message && typeof message === "object") add({ role: "bot", message });
      }
    });
  }

  function pause(ms, signal) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }

  async function pollLoop(signal) {
    let retry = POLL_FIRST_RETRY_MS;
    while (!signal.aborted) {
      const forConversation = conversation;
      const started = Date.now();
      let wait;
      try {
        const response = await withSession((token) =>
          fetch("updates", { cache: "no-store", signal, headers: { "X-CloudButler-Session": token } }));
        const data = await response.json();
        if (!response.ok || !Array.isArray(data)) throw new Error(`updates answered ${response.status}`);
        if (data.length) addLate(data, forConversation);
        retry = POLL_FIRST_RETRY_MS;
        wait = data.length ? 0 : POLL_MIN_GAP_MS - (Date.now() - started);
      } catch (_) {
        if (signal.aborted) return;
        wait = retry;
        retry = Math.min(retry * 2, POLL_MAX_RETRY_MS);
      }
      if (wait > 0) await pause(wait, signal);
    }
  }

  function stopPolling() {
    if (poller) poller.abort();
    poller = null;
  }

  // Messages wait on the server while the page is hidden or away, and arrive with the next poll.
  function startPolling() {
    stopPolling();
    if (document.hidden) return;
    poller = new AbortController();
    pollLoop(poller.signal);
  }

  function displayName() {
    const name = params.get("name");
    return name ? { user_name: name.slice(0, 80) } : undefined;
  }

  function sendText(message, shownAs) {
    add({ role: "user", text: shownAs === undefined ? message : shownAs });
    exchange(() => withSession((token) => fetch("webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: token, message, metadata: displayName() }),
    })));
  }

  function sendFiles(files, message) {
    if (!files.length) return;
    add({ role: "user", text: message, files: files.map((f) => ({ name: f.name, size: f.size })) });
    exchange(() => withSession((token) => {
      const form = new FormData();
      form.append("sender", token);
      if (message) form.append("message", message);
      const name = displayName();
      if (name) form.append("user_name", name.user_name);
      for (const file of files) form.append("file", file, file.name);
      return fetch("upload", { method: "POST", body: form });
    }));
  }

  function choose(entry, index, row) {
    if (entry.used) return;
    entry.used = true;
    entry.chosen = index;
    saveHistory();
    row.querySelectorAll("button").forEach((b, i) => {
      b.disabled = true;
      if (i === index) b.classList.add("chosen");
    });
    const button = entry.message.buttons[index];
    sendText(String(button.payload), String(button.title));
  }

  function takeInput() {
    const text = els.input.value;
    els.input.value = "";
    resizeInput();
    return text;
  }

  function resizeInput() {
    // An empty box keeps its one-line height: the placeholder must not make it grow.
    if (!els.input.value) {
      els.input.style.height = "";
      return;
    }
    els.input.style.height = "auto";
    els.input.style.height = `${Math.min(els.input.scrollHeight + 2, 160)}px`;
  }

  function newConversation() {
    conversation += 1;
    sender = null; // the next request asks the server for a new session
    store.set(SENDER_KEY, "");
    history = [];
    saveHistory();
    els.log.querySelectorAll(".msg").forEach((node) => node.remove());
    els.empty.hidden = false;
    setBusy();
    startPolling(); // for the new sender: the old sender's messages belong to the old conversation
    els.input.focus();
  }

  // ---- wiring ----

  function applyEmbedOptions() {
    const title = params.get("title");
    if (title) {
      els.title.textContent = title.slice(0, 60);
      document.title = els.title.textContent;
    }
    const color = params.get("color");
    if (color && window.CSS && CSS.supports("color", color)) {
      document.documentElement.style.setProperty("--accent", color);
    }
    if (params.get("embed") === "1") {
      document.body.classList.add("embed");
      els.close.hidden = false;
      // The widget on the host page listens for this and checks that it came from our frame.
      els.close.addEventListener("click", () => window.parent.postMessage({ type: "cloudbutler:close" }, "*"));
    }
  }

  function wire() {
    els.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = takeInput();
      if (text.trim()) sendText(text);
      els.input.focus();
    });
    els.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        els.form.requestSubmit();
      }
    });
    els.input.addEventListener("input", resizeInput);
    els.attach.addEventListener("click", () => els.file.click());
    els.file.addEventListener("change", () => {
      sendFiles(Array.from(els.file.files || []), takeInput().trim());
      els.file.value = "";
    });
    els.form.addEventListener("dragover", (event) => {
      event.preventDefault();
      els.form.classList.add("dragging");
    });
    els.form.addEventListener("dragleave", () => els.form.classList.remove("dragging"));
    els.form.addEventListener("drop", (event) => {
      event.preventDefault();
      els.form.classList.remove("dragging");
      sendFiles(Array.from((event.dataTransfer && event.dataTransfer.files) || []), takeInput().trim());
    });
    els.newConversation.addEventListener("click", newConversation);
    document.addEventListener("visibilitychange", () => (document.hidden ? stopPolling() : startPolling()));
    window.addEventListener("pagehide", stopPolling);
    window.addEventListener("pageshow", (event) => { if (event.persisted) startPolling(); });
    window.addEventListener("resize", markTables);
    els.log.addEventListener("scroll", (event) => {
      const wrap = event.target.closest && event.target.closest(".table-wrap");
      if (wrap) markOverflow(wrap);
    }, true); // scroll events do not bubble: listen while they go down
    showExamples();
  }

  // The examples come from the server, which offers only requests a working skill answers.
  async function showExamples() {
    try {
      const response = await fetch("examples", { cache: "no-cache" });
      const data = await response.json();
      const examples = response.ok && data && Array.isArray(data.examples) ? data.examples : [];
      for (const example of examples.filter((item) => typeof item === "string" && item.trim())) {
        const b = el("button", "example", example);
        b.type = "button";
        b.addEventListener("click", () => sendText(example));
        els.examples.append(b);
      }
    } catch (_) {
      // No examples: the page still works.
    } finally {
      els.empty.classList.toggle("no-examples", !els.examples.childElementCount);
      document.body.dataset.examples = String(els.examples.childElementCount);
    }
  }

  applyEmbedOptions();
  wire();
  history.forEach(show);
  setBusy();
  startPolling();
})();
