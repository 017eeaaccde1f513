/* The floor's live pages: one socket to /ws/floor/; on a hint, re-fetch the partial (HTML is
 * rendered on the server only). Loaded by the wallboard, a monitored conversation and the bell;
 * safe to load twice. Reconnects with backoff. */
(function () {
  "use strict";
  if (window.KefuFloor) { window.KefuFloor.scan(); return; }
  var socket = null, retry = 1000;

  function refresh(selector, swap) {
    var node = document.querySelector(selector);
    if (!node || !window.htmx) return;
    // a lead half-way through a form on the board (picking a state and a break reason) keeps it:
    // the refresh waits until the focus leaves the board
    var active = document.activeElement;
    if (active && active !== document.body && node.contains(active) && /^(SELECT|INPUT|TEXTAREA)$/.test(active.tagName)) {
      if (!node._pending) {
        node._pending = true;
        node.addEventListener("focusout", function later(event) {
          if (event.relatedTarget && node.contains(event.relatedTarget)) return;
          node.removeEventListener("focusout", later);
          node._pending = false;
          refresh(selector, swap);
        });
      }
      return;
    }
    window.htmx.ajax("GET", node.getAttribute("data-partial"), { target: node, swap: swap || "innerHTML" });
  }

  function setLive(on) {
    var badge = document.getElementById("wallboard-live");
    if (!badge) return;
    badge.textContent = badge.getAttribute(on ? "data-live-label" : "data-offline-label");
    badge.className = on ? "badge" : "badge off";
    badge.setAttribute("data-state", on ? "live" : "offline");
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/floor/");
    socket.onopen = function () { retry = 1000; };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "hello") { setLive(true); refresh("[data-floor-board]"); }
      if (frame.type === "wallboard.changed") { refresh("[data-floor-board]"); refresh("[data-floor-monitor]"); }
      if (frame.type === "bell.changed") { refresh("[data-floor-bell]", "outerHTML"); }
    };
    socket.onclose = function (event) {
      setLive(false);
      if (event.code === 4401 || event.code === 4403) return;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  function clock(total) {
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  // waits and times in state keep running between server hints (no request needed)
  setInterval(function () {
    var now = Date.now();
    document.querySelectorAll("[data-tick]").forEach(function (node) {
      if (!node._t0) node._t0 = now;
      var base = parseInt(node.getAttribute("data-tick"), 10) || 0;
      node.textContent = clock(base + Math.floor((now - node._t0) / 1000));
    });
  }, 1000);

  window.KefuFloor = { scan: function () {} };
  if (document.querySelector("[data-floor-board],[data-floor-monitor],[data-floor-bell]")) connect();
  else document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-floor-board],[data-floor-monitor],[data-floor-bell]")) connect();
  });
})();
