// CloudButler chat widget. Add to any page:
//   <script src="http://HOST:5005/webhooks/webchat/widget.js" defer></script>
// Optional: data-title="Ops helper" data-color="#0f766e". It adds a chat bubble (bottom right) that opens the
// assistant's chat page in an iframe from the assistant's own origin, so the host page's CSS and scripts and
// the chat never touch each other.
(() => {
  "use strict";

  const script =
    document.currentScript || document.querySelector('script[src*="/webhooks/webchat/widget.js"]');
  if (!script || !script.src || window.__cloudbutlerWidget) return;
  window.__cloudbutlerWidget = true;

  const chatUrl = new URL("./", script.src); // the chat page sits beside this script
  const origin = chatUrl.origin;
  const title = (script.dataset.title || "CloudButler").slice(0, 60);
  const wanted = script.dataset.color;
  const color = wanted && window.CSS && CSS.supports("color", wanted) ? wanted : "#2563eb";
  chatUrl.searchParams.set("embed", "1");
  if (script.dataset.title) chatUrl.searchParams.set("title", title);
  if (wanted && color === wanted) chatUrl.searchParams.set("color", color);

  const STYLE = `
    :host { all: initial; }
    .bubble {
      position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
      width: 58px; height: 58px; border-radius: 50%; border: none; cursor: pointer; padding: 0;
      background: ${color}; color: #fff; display: grid; place-items: center;
      box-shadow: 0 6px 18px rgba(15, 23, 42, 0.28);
    }
    .bubble:focus-visible { outline: 3px solid ${color}; outline-offset: 3px; }
    .bubble svg { width: 28px; height: 28px; }
    .panel {
      position: fixed; right: 20px; bottom: 92px; z-index: 2147483000;
      width: 380px; height: 600px; max-width: calc(100vw - 24px); max-height: calc(100vh - 112px);
      border-radius: 16px; overflow: hidden; background: #fff;
      box-shadow: 0 12px 40px rgba(15, 23, 42, 0.3);
    }
    .panel[hidden] { display: none; }
    .panel iframe { width: 100%; height: 100%; border: 0; display: block; }
    @media (max-width: 480px) {
      .panel { right: 12px; left: 12px; bottom: 88px; width: auto; max-width: none; }
      .bubble { right: 14px; bottom: 14px; }
    }
  `;

  function icon(paths) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    for (const d of paths) {
      const path = document.createElementNS(ns, "path");
      path.setAttribute("d", d);
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", "currentColor");
      path.setAttribute("stroke-width", "2");
      path.setAttribute("stroke-linecap", "round");
      path.setAttribute("stroke-linejoin", "round");
      svg.append(path);
    }
    return svg;
  }

  const CHAT_ICON = ["M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.6A8 8 0 1 1 21 12z"];
  const CLOSE_ICON = ["M6 6l12 12", "M18 6L6 18"];

  function addStyle(root) {
    // A constructed sheet is not an inline <style>, so a strict style-src on the host page still allows it.
    if ("adoptedStyleSheets" in root && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
    } else {
      const style = document.createElement("style");
      style.textContent = STYLE;
      root.append(style);
    }
  }

  function start() {
    const host = document.createElement("div");
    host.id = "cloudbutler-widget";
    // Page rules such as "div { display: none }" must not hide us.
    host.style.setProperty("all", "initial", "important");
    host.style.setProperty("display", "block", "important");
    const root = host.attachShadow({ mode: "open" });
    addStyle(root);

    const panel = document.createElement("div");
    panel.className = "panel";
    panel.id = "cloudbutler-panel";
    panel.hidden = true;

    const bubble = document.createElement("button");
    bubble.type = "button";
    bubble.className = "bubble";
    bubble.setAttribute("aria-controls", panel.id);

    let frame = null;

    function setOpen(open) {
      panel.hidden = !open;
      bubble.setAttribute("aria-expanded", String(open));
      bubble.setAttribute("aria-label", open ? `Close ${title}` : `Open ${title}`);
      bubble.replaceChildren(icon(open ? CLOSE_ICON : CHAT_ICON));
      if (open && !frame) {
        // Made on first open, so pages that never open the chat never load it.
        frame = document.createElement("iframe");
        frame.title = title;
        frame.src = chatUrl.href;
        frame.setAttribute("allow", "clipboard-write");
        panel.append(frame);
      }
      if (open) frame.focus();
    }

    bubble.addEventListener("click", () => setOpen(panel.hidden));
    window.addEventListener("message", (event) => {
      if (frame && event.source === frame.contentWindow && event.origin === origin &&
          event.data && event.data.type === "cloudbutler:close") {
        setOpen(false);
        bubble.focus();
      }
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !panel.hidden) setOpen(false);
    });

    setOpen(false);
    root.append(panel, bubble);
    document.body.append(host);
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
