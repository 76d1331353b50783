// CloudButler web chat: sends what the user types to the channel's webhook and renders the bot's whole
// vocabulary messages (text, buttons, image, attachment, custom.fields / custom.table), including those the
// assistant sends later (background jobs), which a long poll of "updates" collects. Bot and user text only
// ever reaches the page as text nodes, never as HTML.
(() => {
  "use strict";

  const SENDER_KEY = "cloudbutler.webchat.sender";
  const HISTORY_KEY = "cloudbutler.webchat.history";
  const MAX_HISTORY = 200;
  // A session the server issued and signed ("<id>.<signature>"); the page cannot make one up.
  const SENDER_PATTERN = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/;
  const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  // The server answers a poll when a message arrives or after ~25 s. An empty answer sooner than MIN_GAP (a
  // proxy, a restart) must not turn the loop into a busy one; errors back off up to MAX_RETRY.
  const POLL_MIN_GAP_MS = 1000;
  const POLL_FIRST_RETRY_MS = 1000;
  const POLL_MAX_RETRY_MS = 30000;

  // Everything the page itself says, in one place.
  const TEXT = {
    examples: ["list my S3 buckets", "Tell me about my server!", "what are my stats", "help"],
    imageAlt: "Picture from CloudButler",
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

  function textBlock(text) {
    const block = el("div", "text");
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      block.append(text.slice(last, match.index), link(match[0], match[0]));
      last = match.index + match[0].length;
    }
    block.append(text.slice(last));
    return block;
  }

  function fieldsBlock(fields) {
    const card = el("section", "card fields-card");
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
    if (table.title) t.append(el("caption", null, table.title));
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
      for (const value of Array.isArray(row) ? row : []) tr.append(el("td", null, value));
      body.append(tr);
    }
    t.append(head, body);
    wrap.append(t);
    return wrap;
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
    const a = link(href, `⬇ ${TEXT.download} ${name}`.trim());
    a.className = "download";
    a.setAttribute("download", name);
    return a;
  }

  function buttonsBlock(entry) {
    const row = el("div", "buttons");
    entry.message.buttons.forEach((button, index) => {
      if (!button || typeof button !== "object") return;
      const b = el("button", "choice", button.title);
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
    // The vocabulary's rule: a connector that can show custom blocks shows them instead of the text.
    if (!fields && !table && typeof m.text === "string" && m.text) bubble.append(textBlock(m.text));
    if (fields) bubble.append(fieldsBlock(fields));
    if (table) bubble.append(tableBlock(table));
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
    scrollToEnd();
  }

  function add(entry) {
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
    for (const example of TEXT.examples) {
      const b = el("button", "example", example);
      b.type = "button";
      b.addEventListener("click", () => sendText(example));
      els.examples.append(b);
    }
  }

  applyEmbedOptions();
  wire();
  history.forEach(show);
  setBusy();
  startPolling();
})();
