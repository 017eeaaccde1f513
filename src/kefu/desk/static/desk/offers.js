/* Offers of automatic assignment (docs/routing.md, "Offers"): shown at once when the agent's
 * WebSocket says so (workspace.js re-dispatches `offer.*` frames as `kefu-offer` events), with
 * Accept / Decline and a countdown. Alerts reach an agent whose tab is in the background: a short
 * tone, a desktop notification (permission asked from a click, as browsers require) and the tab
 * title. Pending offers are loaded from GET /api/offers when the socket (re)connects. */
(function () {
  "use strict";
  var box = document.getElementById("offers");
  if (!box) return;
  var t = box.dataset;
  var offers = {};
  var baseTitle = document.title;
  var titleTimer = null;
  var audio = null;
  var alertsButton = document.getElementById("offer-alerts");

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function post(url) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/json" } });
  }
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) { try { audio = new Ctx(); } catch (e) { audio = null; } }
    if (audio && audio.state === "suspended") audio.resume();
  }
  function tone() {
    if (!audio) return;
    try {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.3);
    } catch (e) { /* no sound: the banner and title still show */ }
  }
  function notify(offer) {
    if (!window.Notification || Notification.permission !== "granted" || !document.hidden) return;
    try {
      var note = new Notification(t.tTitle, { body: offer.queue, tag: "kefu-offer-" + offer.id });
      note.onclick = function () { window.focus(); note.close(); };
    } catch (e) { /* some browsers allow notifications from service workers only */ }
  }
  function flashTitle() {
    if (titleTimer) return;
    var on = false;
    titleTimer = setInterval(function () {
      var n = Object.keys(offers).length;
      if (!n || !document.hidden) { stopTitle(); return; }
      on = !on;
      document.title = on ? "(" + n + ") " + t.tTitle : baseTitle;
    }, 1000);
    document.title = "(" + Object.keys(offers).length + ") " + t.tTitle;
  }
  function stopTitle() {
    if (titleTimer) clearInterval(titleTimer);
    titleTimer = null;
    document.title = baseTitle;
  }
  function remove(id) {
    var entry = offers[id];
    if (!entry) return;
    clearInterval(entry.timer);
    entry.el.remove();
    delete offers[id];
    if (!Object.keys(offers).length) { stopTitle(); box.hidden = true; }
  }
  function alert(offer) {
    tone(); notify(offer);
    if (document.hidden) flashTitle();
  }
  function show(offer, fresh) {
    if (offer.state !== "offered") { if (offer.auto && fresh) alert(offer); return; }
    if (offers[offer.id]) return;
    var el = document.createElement("div");
    el.className = "offer";
    el.dataset.offerId = offer.id;
    var text = document.createElement("strong");
    text.textContent = t.tOffer + " · " + offer.queue;
    var left = document.createElement("span");
    left.className = "offer-left small";
    var accept = document.createElement("button");
    accept.type = "button"; accept.className = "offer-accept"; accept.textContent = t.tAccept;
    var decline = document.createElement("button");
    decline.type = "button"; decline.className = "secondary offer-decline"; decline.textContent = t.tDecline;
    el.append(text, left, accept, decline);
    box.appendChild(el);
    box.hidden = false;
    // the countdown runs on this clock: the offer's length from now, not the server's clock
    var length = Date.parse(offer.expires_at) - Date.parse(offer.offered_at);
    var expires = fresh && length > 0 ? Date.now() + length : Date.parse(offer.expires_at);
    function tick() {
      var s = Math.max(0, Math.round((expires - Date.now()) / 1000));
      left.textContent = t.tSeconds.replace("{s}", s);
      if (s <= 0) remove(offer.id);
    }
    offers[offer.id] = { el: el, timer: setInterval(tick, 1000) };
    tick();
    function answered(kind) {
      accept.disabled = decline.disabled = true;
      post(t[kind + "Url"].replace("OFFER", offer.id)).then(function (r) {
        if (!r.ok) throw r;
        return r.json();
      }).then(function (answer) {
        remove(offer.id);
        if (kind === "accept") window.location.href = t.conversationUrl.replace("/0/", "/" + answer.id + "/");
      }).catch(function () {
        left.textContent = t.tGone;
        setTimeout(function () { remove(offer.id); }, 3000);
      });
    }
    accept.addEventListener("click", function () { answered("accept"); });
    decline.addEventListener("click", function () { answered("decline"); });
    if (fresh) alert(offer);
  }
  function loadPending() {
    fetch(t.listUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : []; })
      .then(function (list) { list.forEach(function (o) { show(o, false); }); }).catch(function () {});
  }
  document.addEventListener("kefu-offer", function (event) {
    var data = event.detail || {};
    if (data.type === "offer.created") show(data, true);
    else if (data.type === "offer.closed") remove(data.id);
  });
  document.addEventListener("kefu-socket-open", loadPending);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) stopTitle(); });
  // Sound and notifications need a gesture: the first click anywhere unlocks the tone, the
  // button asks for the notification permission.
  document.addEventListener("click", unlockAudio, { once: true });
  if (alertsButton && window.Notification && Notification.permission === "default") {
    alertsButton.hidden = false;
    alertsButton.addEventListener("click", function () {
      unlockAudio();
      Notification.requestPermission().then(function () { alertsButton.hidden = true; });
    });
  }
  loadPending();
})();
