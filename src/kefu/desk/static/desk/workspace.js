/* The agent workspace: live updates, read markers, quick phrases in the reply box, files,
 * Ctrl+Enter.
 *
 * HTML is rendered by the server only: on a change this script asks htmx to re-fetch a
 * partial (new messages after the last seq, the side panel, the "my conversations" list,
 * the inbox list). Changes are learned from the /ws/agent/ WebSocket
 * ({type: "conversation.updated"|"message.created", id}) or, while it is not connected,
 * by polling every 10 seconds. While the page is visible, what the thread shows is marked
 * read (POST seq to the read URL), which clears this person's unread badges.
 */
(function () {
  "use strict";
  var POLL_MS = 10000;
  var RECONNECT_MS = 15000;

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var root = document.getElementById("workspace");
    if (!root || !window.htmx) return;
    // Error answers (422 with the message) are partials too: show them.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "4..", swap: true, error: true },
      { code: "...", swap: false, error: true }
    ];

    var conversationId = parseInt(root.dataset.conversationId || "0", 10) || null;
    var thread = document.getElementById("thread");

    // --- refreshing partials ---------------------------------------------------------------
    function lastSeq() {
      var items = thread ? thread.querySelectorAll(".msg[data-seq]") : [];
      return items.length ? parseInt(items[items.length - 1].dataset.seq, 10) : 0;
    }
    function nearBottom() {
      return thread && thread.scrollHeight - thread.scrollTop - thread.clientHeight < 80;
    }
    function scrollDown() {
      if (thread) thread.scrollTop = thread.scrollHeight;
    }
    var loadingThread = false;
    var threadAgain = false;
    function refreshThread() {
      if (!thread || !root.dataset.messagesUrl) return;
      if (loadingThread) { threadAgain = true; return; }
      loadingThread = true;
      var stick = nearBottom();
      var url = root.dataset.messagesUrl + "?after_seq=" + lastSeq();
      htmx.ajax("GET", url, { target: "#thread", swap: "beforeend" }).then(function () {
        dedupe();
        if (stick) scrollDown();
        markRead();
      }).finally(function () {
        loadingThread = false;
        if (threadAgain) { threadAgain = false; refreshThread(); }
      });
    }
    function dedupe() {
      var seen = {};
      thread.querySelectorAll(".msg[data-seq]").forEach(function (el) {
        if (seen[el.dataset.seq]) el.remove();
        seen[el.dataset.seq] = true;
      });
    }
    function refreshSide() {
      var side = document.getElementById("side");
      if (!side || !root.dataset.sideUrl) return;
      if (side.contains(document.activeElement) && document.activeElement.tagName !== "BUTTON") return;
      htmx.ajax("GET", root.dataset.sideUrl, { target: "#side", swap: "innerHTML" });
    }
    function refreshMine() {
      if (root.dataset.mineUrl) htmx.ajax("GET", root.dataset.mineUrl, { target: "#mine", swap: "innerHTML" });
    }
    function refreshInbox() {
      if (root.dataset.inboxUrl && document.getElementById("inbox-list")) {
        htmx.ajax("GET", root.dataset.inboxUrl + window.location.search, { target: "#inbox-list", swap: "innerHTML" });
      }
    }
    var pending = null;
    function refreshSoon(current) {
      if (current) refreshThread();
      if (pending) return;
      pending = setTimeout(function () {
        pending = null;
        if (current) refreshSide();
        refreshMine();
        refreshInbox();
      }, 300);
    }
    // --- read markers: what the visible thread shows is read ---------------------------------
    var readSeq = 0;
    function csrfToken() {
      try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
      catch (e) { return ""; }
    }
    function markRead() {
      if (!root.dataset.readUrl || document.visibilityState !== "visible") return;
      var seq = lastSeq();
      if (seq <= readSeq) return;
      readSeq = seq;
      var body = new URLSearchParams();
      body.append("seq", String(seq));
      fetch(root.dataset.readUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() }
      }).then(function () { refreshMine(); }).catch(function () { readSeq = 0; });
    }
    document.addEventListener("visibilitychange", markRead);
    if (root.dataset.readUrl) readSeq = lastSeq();  // the page load itself marked these read
    document.body.addEventListener("desk-changed", function () { refreshSoon(true); });
    scrollDown();

    // --- live updates: the agent socket, or polling -------------------------------------------
    var socket = null;
    var pollTimer = null;
    function startPolling() {
      if (pollTimer) return;
      pollTimer = setInterval(function () { refreshSoon(!!conversationId); }, POLL_MS);
    }
    function stopPolling() {
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    }
    function subscribeAll() {
      if (!socket || socket.readyState !== 1) return;
      var ids = {};
      if (conversationId) ids[conversationId] = true;
      document.querySelectorAll("#mine [data-conversation-id]").forEach(function (a) {
        ids[a.dataset.conversationId] = true;
      });
      Object.keys(ids).forEach(function (id) {
        socket.send(JSON.stringify({ type: "subscribe", conversation_id: parseInt(id, 10) }));
      });
    }
    function connect() {
      if (!window.WebSocket || !root.dataset.wsPath) { startPolling(); return; }
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      try {
        socket = new WebSocket(scheme + window.location.host + root.dataset.wsPath);
      } catch (e) { startPolling(); return; }
      socket.onopen = function () {
        stopPolling(); subscribeAll(); refreshSoon(!!conversationId);
        document.dispatchEvent(new CustomEvent("kefu-socket-open"));
      };
      socket.onmessage = function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data.type === "offer.created" || data.type === "offer.closed") {  // offers.js shows them
          document.dispatchEvent(new CustomEvent("kefu-offer", { detail: data }));
          return;
        }
        if (data.type === "typing") {
          if (conversationId !== null && data.conversation_id === conversationId && data.from !== "agent") showTyping();
          return;
        }
        if (data.type === "conversation.updated" || data.type === "message.created" || data.type === "conversation.created") {
          refreshSoon(conversationId !== null && data.id === conversationId);
        }
      };
      socket.onclose = function () {
        socket = null;
        startPolling();
        setTimeout(connect, RECONNECT_MS);
      };
    }
    var typingNode = document.getElementById("typing");
    var typingTimer = null;
    function showTyping() {
      if (!typingNode) return;
      typingNode.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingNode.hidden = true; }, 4000);
    }
    var lastTypingSent = 0;
    function sendTyping() {
      if (!socket || socket.readyState !== 1 || !conversationId) return;
      var now = Date.now();
      if (now - lastTypingSent < 2000) return;
      lastTypingSent = now;
      socket.send(JSON.stringify({ type: "typing", conversation_id: conversationId }));
    }
    startPolling();
    connect();
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "mine") subscribeAll();
    });

    // --- reply box: quick phrases and Ctrl+Enter -----------------------------------------------
    var form = document.getElementById("reply-form");
    var box = document.getElementById("reply-body");
    if (!form || !box) return;
    var usedField = document.getElementById("reply-phrases");
    var suggest = document.getElementById("phrase-suggest");
    var dataNode = document.getElementById("desk-phrases");
    var phrases = dataNode ? JSON.parse(dataNode.textContent) : [];
    var byShortcut = {};
    phrases.forEach(function (p) { if (p.shortcut) byShortcut[p.shortcut.toLowerCase()] = p; });
    var used = [];
    var varsNode = document.getElementById("desk-phrase-variables");
    var phraseVariables = varsNode ? JSON.parse(varsNode.textContent) : [];
    var unfilledNode = document.getElementById("reply-unfilled");
    var sendButton = document.getElementById("reply-send");
    // A phrase variable left in a reply ({customer_name}, {order_number|…}) would reach the
    // customer raw: warn and hold the send until the agent edits it (the server refuses too).
    var placeholder = /\{([A-Za-z_][A-Za-z0-9_]{0,39})(?:\|[^{}|\r\n]{0,40})?\}/g;
    function unfilledNames() {
      if (form.querySelector("input[name=kind]:checked").value !== "out") return [];
      var names = [];
      var match;
      placeholder.lastIndex = 0;
      while ((match = placeholder.exec(box.value)) !== null) {
        if (phraseVariables.indexOf(match[1]) >= 0 && names.indexOf("{" + match[1] + "}") < 0) names.push("{" + match[1] + "}");
      }
      return names;
    }
    function checkUnfilled() {
      var names = unfilledNames();
      if (unfilledNode) {
        unfilledNode.hidden = names.length === 0;
        unfilledNode.textContent = names.length ? unfilledNode.dataset.template.replace("__NAMES__", names.join("、")) : "";
      }
      if (sendButton) sendButton.disabled = names.length > 0;
      return names.length === 0;
    }
    form.querySelectorAll("input[name=kind]").forEach(function (radio) { radio.addEventListener("change", checkUnfilled); });
    form.addEventListener("submit", function (e) {
      if (!checkUnfilled()) { e.preventDefault(); e.stopImmediatePropagation(); }
    }, true);
    form.addEventListener("htmx:confirm", function (e) {
      if (!checkUnfilled()) e.preventDefault();
    });

    function tokenBeforeCaret() {
      var upto = box.value.slice(0, box.selectionStart);
      var match = /(^|\s)\/([\w\-\u4e00-\u9fff]{0,20})$/.exec(upto);
      if (!match) return null;
      return { start: upto.length - match[2].length - 1, text: match[2].toLowerCase() };
    }
    function insert(phrase, from, to) {
      var before = box.value.slice(0, from);
      var after = box.value.slice(to);
      box.value = before + phrase.text + after;
      var caret = before.length + phrase.text.length;
      box.setSelectionRange(caret, caret);
      if (used.indexOf(phrase.id) < 0) used.push(phrase.id);
      usedField.value = used.join(",");
      hideSuggest();
      checkUnfilled();
      box.focus();
    }
    function expand(token, phrase) {
      insert(phrase, token.start, box.selectionStart);
    }
    function matches(prefix) {
      return phrases.filter(function (p) { return p.shortcut && p.shortcut.toLowerCase().indexOf(prefix) === 0; }).slice(0, 8);
    }
    function hideSuggest() { suggest.hidden = true; suggest.innerHTML = ""; }
    function showSuggest(list, token) {
      suggest.innerHTML = "";
      list.forEach(function (p) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "phrase-option";
        var code = document.createElement("code");
        code.textContent = "/" + p.shortcut;
        button.appendChild(code);
        button.appendChild(document.createTextNode(" " + p.title));
        button.title = p.text;
        button.addEventListener("mousedown", function (e) {
          e.preventDefault();
          var current = tokenBeforeCaret() || token;
          expand(current, p);
        });
        li.appendChild(button);
        suggest.appendChild(li);
      });
      suggest.hidden = list.length === 0;
    }
    box.addEventListener("input", function () {
      checkUnfilled();
      if (form.querySelector("input[name=kind]:checked").value === "out") sendTyping();
      var token = tokenBeforeCaret();
      if (!token) { hideSuggest(); return; }
      showSuggest(matches(token.text), token);
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        hideSuggest();
        if (!checkUnfilled()) return;
        if (box.value.trim() || (fileInput && fileInput.files.length)) htmx.trigger(form, "submit");
        return;
      }
      if (e.key === "Escape") { hideSuggest(); return; }
      if (e.key === "Tab" || e.key === " " || e.key === "Enter") {
        var token = tokenBeforeCaret();
        if (!token || !token.text) return;
        var phrase = byShortcut[token.text];
        if (!phrase && e.key !== " ") {
          var list = matches(token.text);
          if (list.length === 1 || (e.key === "Tab" && list.length)) phrase = list[0];
        }
        if (phrase) { e.preventDefault(); expand(token, phrase); }
      }
    });
    document.querySelectorAll(".phrase-pick").forEach(function (button) {
      button.addEventListener("click", function () {
        var id = parseInt(button.dataset.phraseId, 10);
        var phrase = phrases.filter(function (p) { return p.id === id; })[0];
        if (phrase) insert(phrase, box.selectionStart, box.selectionEnd);
      });
    });
    var filter = document.getElementById("phrase-filter");
    if (filter) {
      filter.addEventListener("input", function () {
        var q = filter.value.trim().toLowerCase();
        document.querySelectorAll("#phrase-list li").forEach(function (li) {
          li.hidden = q !== "" && li.textContent.toLowerCase().indexOf(q) < 0;
        });
      });
    }
    var fileInput = document.getElementById("reply-files");
    var fileNames = document.getElementById("reply-file-names");
    function showFiles() {
      if (!fileInput || !fileNames) return;
      var names = [];
      for (var i = 0; i < fileInput.files.length; i++) names.push(fileInput.files[i].name);
      fileNames.textContent = names.join(", ");
    }
    if (fileInput) fileInput.addEventListener("change", showFiles);
    form.addEventListener("htmx:afterRequest", function (e) {
      if (e.detail.elt !== form) return;
      if (e.detail.successful) {
        if (fileInput) { fileInput.value = ""; showFiles(); }
        box.value = "";
        checkUnfilled();
        used = [];
        usedField.value = "";
        document.getElementById("reply-status").innerHTML = "";
        box.focus();
      }
    });
  });
})();
