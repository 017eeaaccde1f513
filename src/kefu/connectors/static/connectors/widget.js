/* Kefu web chat widget. Vanilla JS, no dependencies, no CDN.
 *
 * Served at /widget/<key>.js, followed by a call
 * `KefuWidget({key, base, ws, greeting, survey, color, prechat, offline})`: `color` is the accent
 * (#rrggbb), `prechat` the pre-chat form's fields ([[name, required], …], asked before the first
 * message and sent with it as `contact`), `offline` whether to offer the message form when closed.
 * Protocol: docs/web-chat.md. Delivery is by per-conversation sequence number: the widget
 * remembers the last seq it showed and asks the server to `resume` after it on every
 * (re)connect; it shows each seq once. Its own messages carry a client_msg_id, so sending
 * one again after a reconnect is stored once.
 */
(function () {
  "use strict";
  if (window.KefuWidget) return;

  var TEXT = {
    zh: {
      launcher: "在线客服",
      title: "在线客服",
      placeholder: "请输入消息…",
      send: "发送",
      close: "关闭",
      connecting: "正在连接…",
      reconnecting: "连接已断开，正在重连…",
      unavailable: "客服暂不可用",
      typing: "客服正在输入…",
      sending: "发送中",
      failed: "发送失败",
      tooLong: "消息太长了（最多 5000 字）",
      offlineTitle: "现在是非服务时间，请留言，我们会尽快联系您。",
      closedTitle: "现在是非服务时间，请在服务时间内再来咨询。",
      prechatTitle: "开始咨询前，请留下以下信息：",
      prechatStart: "开始咨询",
      order_number: "订单号",
      required: "请填写带 * 的项目",
      name: "称呼",
      phone: "手机号",
      email: "邮箱",
      message: "留言内容",
      submit: "提交留言",
      offlineThanks: "留言已收到，我们会尽快联系您。",
      surveyTitle: "请为本次服务评分",
      comment: "还有什么想说的？（选填）",
      surveySubmit: "提交评价",
      surveyThanks: "感谢您的评价！",
      ended: "本次会话已结束，发送消息可开始新的咨询。",
      me: "我",
      agent: "客服",
      queuePlace: "您正在排队，当前第 {n} 位",
      queueSoon: "预计等待不到 1 分钟",
      queueMinutes: "预计等待约 {m} 分钟",
      queueUnknown: "暂时无法预计等待时间",
      queueNote: "（预计值，仅供参考）",
    },
    en: {
      launcher: "Chat with us",
      title: "Customer service",
      placeholder: "Type a message…",
      send: "Send",
      close: "Close",
      connecting: "Connecting…",
      reconnecting: "Connection lost, reconnecting…",
      unavailable: "Chat is not available",
      typing: "Agent is typing…",
      sending: "sending",
      failed: "not sent",
      tooLong: "This message is too long (5,000 characters at most)",
      offlineTitle: "We are closed right now. Leave a message and we will get back to you.",
      closedTitle: "We are closed right now; please come back during our service hours.",
      prechatTitle: "Before we start, please tell us:",
      prechatStart: "Start chat",
      order_number: "Order number",
      required: "Please fill in the fields marked *",
      name: "Name",
      phone: "Phone",
      email: "Email",
      message: "Message",
      submit: "Send message",
      offlineThanks: "Thank you, we will get back to you soon.",
      surveyTitle: "How did we do?",
      comment: "Anything else? (optional)",
      surveySubmit: "Submit",
      surveyThanks: "Thank you for your rating!",
      ended: "This chat has ended; write to start a new one.",
      me: "Me",
      queuePlace: "You are number {n} in the queue",
      queueSoon: "estimated wait: under a minute",
      queueMinutes: "estimated wait: about {m} min",
      queueUnknown: "no wait estimate yet",
      queueNote: " (an estimate)",
      agent: "Agent",
    },
  };

  var CSS =
    ":host{all:initial;--kefu-accent:#1677ff}" +
    "*{box-sizing:border-box;font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;font-size:14px}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;" +
    "padding:12px 20px;background:var(--kefu-accent);color:#fff;cursor:pointer;box-shadow:0 4px 12px rgba(0,0,0,.2)}" +
    ".badge{display:inline-block;min-width:18px;margin-left:6px;padding:0 5px;border-radius:9px;background:#f5222d;font-size:12px}" +
    ".panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:340px;max-width:calc(100vw - 40px);" +
    "height:480px;max-height:calc(100vh - 100px);display:flex;flex-direction:column;background:#fff;" +
    "border-radius:10px;box-shadow:0 8px 24px rgba(0,0,0,.2);overflow:hidden}" +
    ".panel[hidden],[hidden]{display:none!important}" +
    "header{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;background:var(--kefu-accent);color:#fff}" +
    "header button{border:0;background:none;color:#fff;font-size:18px;cursor:pointer}" +
    ".status{padding:4px 14px;font-size:12px;color:#888;background:#fafafa}" +
    ".log{flex:1;overflow-y:auto;padding:10px 14px;background:#f5f6f8}" +
    ".greeting,.note{margin:6px 0;color:#666;font-size:13px;text-align:center}" +
    ".msg{margin:6px 0;display:flex}.msg.in{justify-content:flex-end}" +
    ".bubble{max-width:80%;padding:8px 10px;border-radius:8px;white-space:pre-wrap;word-break:break-word;background:#fff}" +
    ".msg.in .bubble{background:var(--kefu-accent);color:#fff}" +
    ".msg .state{align-self:flex-end;margin:0 4px;font-size:11px;color:#999}" +
    ".typing{padding:2px 14px;font-size:12px;color:#888;min-height:18px}" +
    ".queue{padding:6px 14px;font-size:13px;background:#fff8e6;color:#7a5b00;border-bottom:1px solid #f3e3b5}" +
    ".compose{display:flex;gap:6px;padding:8px;border-top:1px solid #eee}" +
    "textarea,input{width:100%;padding:6px 8px;border:1px solid #d9d9d9;border-radius:6px;resize:none}" +
    ".compose textarea{flex:1;height:40px}" +
    "button.primary{border:0;border-radius:6px;padding:6px 12px;background:var(--kefu-accent);color:#fff;cursor:pointer}" +
    "form.offline,form.prechat,.survey{display:flex;flex-direction:column;gap:6px;padding:10px 14px;border-top:1px solid #eee}" +
    ".error{color:#f5222d;font-size:12px;padding:0 14px}" +
    ".stars button{border:0;background:none;font-size:22px;color:#ccc;cursor:pointer}.stars button.on{color:#fadb14}" +
    ".scale{display:flex;flex-wrap:wrap;gap:3px}.scale button{min-width:26px;padding:3px;border:1px solid #ccc;background:#fff;border-radius:4px;cursor:pointer}" +
    ".scale button.on{background:#1677ff;border-color:#1677ff;color:#fff}";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text != null) node.textContent = text;
    return node;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "m" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  window.KefuWidget = function (cfg) {
    if (window.__kefuWidget) return window.__kefuWidget;
    var lang = (document.documentElement.lang || "zh").toLowerCase().indexOf("en") === 0 ? "en" : "zh";
    var t = TEXT[lang];
    var storeKey = "kefu-widget:" + cfg.key;
    // Kept across reloads: who the visitor is and which conversation the widget shows. The
    // last seq shown is per page (a reloaded page shows nothing yet, so it resumes from 0).
    var store = { visitor: "", conversation_id: null };
    var lastSeq = 0;
    try {
      var saved = JSON.parse(localStorage.getItem(storeKey) || "null");
      if (saved && typeof saved === "object") {
        store.visitor = saved.visitor || "";
        store.conversation_id = saved.conversation_id || null;
      }
    } catch (e) {
      /* private mode: the visitor is new on every page */
    }
    function save() {
      try {
        localStorage.setItem(storeKey, JSON.stringify(store));
      } catch (e) {
        /* ignore */
      }
    }

    var ws = null;
    var connected = false;
    var stopped = false;
    var attempt = 0;
    var retryTimer = null;
    var isOpen = true;
    var seen = {}; // "conversation:seq" already shown
    var mine = {}; // client_msg_id -> message element
    var outbox = []; // [{id, body}] not yet acknowledged
    var unread = 0;
    var lastTypingSent = 0;
    var typingTimer = null;
    var score = 0;

    // --- DOM, inside a shadow root so the host page's CSS does not leak in ------------------
    var host = el("div", { id: "kefu-widget" });
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    root.appendChild(el("style", {}, CSS));
    if (/^#[0-9a-fA-F]{6}$/.test(cfg.color || "")) host.style.setProperty("--kefu-accent", cfg.color);
    var launcher = el("button", { class: "launcher", "data-kefu": "launcher", type: "button" }, t.launcher);
    var badge = el("span", { class: "badge", hidden: "" });
    launcher.appendChild(badge);
    var panel = el("div", { class: "panel", hidden: "", "data-kefu": "panel", role: "dialog" });
    var header = el("header");
    header.appendChild(el("span", {}, t.title));
    var closeButton = el("button", { type: "button", "aria-label": t.close }, "×");
    header.appendChild(closeButton);
    var status = el("div", { class: "status", "data-kefu": "status" }, t.connecting);
    var log = el("div", { class: "log", "data-kefu": "log", "aria-live": "polite" });
    if (cfg.greeting) log.appendChild(el("div", { class: "greeting" }, cfg.greeting));
    var typing = el("div", { class: "typing", "data-kefu": "typing" });
    var queueLine = el("div", { class: "queue", hidden: "", "data-kefu": "queue", "aria-live": "polite" });
    var errorLine = el("div", { class: "error", "data-kefu": "error" });
    var compose = el("form", { class: "compose" });
    var input = el("textarea", { "data-kefu": "input", placeholder: t.placeholder, maxlength: "5000" });
    var sendButton = el("button", { class: "primary", type: "submit", "data-kefu": "send" }, t.send);
    compose.appendChild(input);
    compose.appendChild(sendButton);

    var offline = el("form", { class: "offline", hidden: "", "data-kefu": "offline" });
    offline.appendChild(el("div", { class: "note" }, t.offlineTitle));
    var fields = {};
    [
      ["name", "input", "text"],
      ["phone", "input", "tel"],
      ["email", "input", "email"],
      ["message", "textarea", ""],
    ].forEach(function (spec) {
      var field = el(spec[1], { name: spec[0], placeholder: t[spec[0]], "data-kefu": "offline-" + spec[0] });
      if (spec[2]) field.setAttribute("type", spec[2]);
      fields[spec[0]] = field;
      offline.appendChild(field);
    });
    offline.appendChild(el("button", { class: "primary", type: "submit", "data-kefu": "offline-submit" }, t.submit));

    var closedNote = el("div", { class: "note", hidden: "", "data-kefu": "closed" }, t.closedTitle);
    // The pre-chat form: asked once, before the first message; the answers go with it.
    var prechatSpec = Array.isArray(cfg.prechat) ? cfg.prechat : [];
    var contact = null;
    var prechat = el("form", { class: "prechat", hidden: "", "data-kefu": "prechat" });
    prechat.appendChild(el("div", { class: "note" }, t.prechatTitle));
    var prechatFields = {};
    prechatSpec.forEach(function (spec) {
      var name = spec[0];
      var field = el("input", {
        name: name,
        placeholder: (t[name] || name) + (spec[1] ? " *" : ""),
        "data-kefu": "prechat-" + name,
        maxlength: name === "email" ? "254" : "120",
      });
      field.setAttribute("type", name === "email" ? "email" : name === "phone" ? "tel" : "text");
      if (spec[1]) field.setAttribute("required", "");
      prechatFields[name] = field;
      prechat.appendChild(field);
    });
    prechat.appendChild(el("button", { class: "primary", type: "submit", "data-kefu": "prechat-submit" }, t.prechatStart));

    var survey = el("div", { class: "survey", hidden: "", "data-kefu": "survey" });
    var form = cfg.surveyForm || null; // the client's chat survey (docs/quality-surveys.md), if any
    survey.appendChild(el("div", {}, form ? form.csat : t.surveyTitle));
    var stars = el("div", { class: "stars" });
    for (var i = 1; i <= 5; i++) {
      stars.appendChild(el("button", { type: "button", "data-kefu": "star", "data-score": String(i) }, "★"));
    }
    survey.appendChild(stars);
    var nps = null;
    var further = {};
    function scaleRow(low, high, onPick, name) {
      var row = el("div", { class: "scale", "data-kefu": name });
      for (var n = low; n <= high; n++) {
        row.appendChild(el("button", { type: "button", "data-value": String(n) }, String(n)));
      }
      row.addEventListener("click", function (event) {
        var value = event.target && event.target.getAttribute("data-value");
        if (value === null || value === undefined) return;
        Array.prototype.forEach.call(row.children, function (b) {
          b.className = b.getAttribute("data-value") === value ? "on" : "";
        });
        onPick(Number(value));
      });
      return row;
    }
    if (form && form.nps) {
      survey.appendChild(el("div", {}, form.nps));
      survey.appendChild(scaleRow(0, 10, function (v) { nps = v; }, "survey-nps"));
    }
    (form ? form.questions : []).forEach(function (q) {
      survey.appendChild(el("div", {}, q.text));
      if (q.kind === "scale") {
        survey.appendChild(scaleRow(q.low, q.high, function (v) { further[q.id] = v; }, "survey-" + q.id));
      } else if (q.kind === "choice") {
        var select = el("select", { "data-kefu": "survey-" + q.id });
        select.appendChild(el("option", { value: "" }, "—"));
        q.options.forEach(function (o) { select.appendChild(el("option", { value: o }, o)); });
        select.addEventListener("change", function () { further[q.id] = select.value; });
        survey.appendChild(select);
      } else {
        var input = el("input", { type: "text", maxlength: "1000", "data-kefu": "survey-" + q.id });
        input.addEventListener("input", function () { further[q.id] = input.value.trim(); });
        survey.appendChild(input);
      }
    });
    var comment = el("textarea", { placeholder: t.comment, "data-kefu": "survey-comment", maxlength: "1000" });
    survey.appendChild(comment);
    var surveySubmit = el("button", { class: "primary", type: "button", "data-kefu": "survey-submit" }, t.surveySubmit);
    survey.appendChild(surveySubmit);

    [header, status, queueLine, log, typing, errorLine, survey, offline, closedNote, prechat, compose].forEach(function (node) {
      panel.appendChild(node);
    });
    root.appendChild(launcher);
    root.appendChild(panel);
    function mount() {
      document.body.appendChild(host);
    }
    if (document.body) mount();
    else document.addEventListener("DOMContentLoaded", mount);

    // --- rendering -----------------------------------------------------------------------
    function scroll() {
      log.scrollTop = log.scrollHeight;
    }
    function bubble(direction, body, state) {
      var row = el("div", { class: "msg " + (direction === "in" ? "in" : "out"), "data-kefu": "message" });
      row.setAttribute("data-direction", direction);
      var stateNode = el("span", { class: "state" }, state || "");
      var text = el("div", { class: "bubble" }, body);
      if (direction === "in") {
        row.appendChild(stateNode);
        row.appendChild(text);
      } else {
        row.appendChild(text);
      }
      log.appendChild(row);
      scroll();
      return row;
    }
    function showError(text) {
      errorLine.textContent = text || "";
    }
    function firstContact() {
      return store.conversation_id || !contact ? undefined : contact;
    }
    function setMode() {
      var fresh = !store.conversation_id && outbox.length === 0;
      var offlineMode = !isOpen && fresh;
      var asking = !offlineMode && fresh && prechatSpec.length > 0 && contact === null;
      offline.hidden = !(offlineMode && cfg.offline !== false);
      closedNote.hidden = !(offlineMode && cfg.offline === false);
      prechat.hidden = !asking;
      compose.hidden = offlineMode || asking;
    }
    function showQueue(frame) {
      // Only the customer's own place and estimate arrive here (docs/web-chat.md, `queue`).
      if (!frame.waiting || frame.conversation_id !== store.conversation_id) {
        queueLine.hidden = true;
        queueLine.textContent = "";
        return;
      }
      var wait = frame.estimated_wait_s;
      var eta =
        wait === null || wait === undefined
          ? t.queueUnknown
          : wait < 60
            ? t.queueSoon
            : t.queueMinutes.replace("{m}", String(Math.ceil(wait / 60)));
      queueLine.textContent =
        t.queuePlace.replace("{n}", String(frame.position)) +
        (lang === "en" ? " · " : "，") +
        eta +
        (wait === null || wait === undefined ? "" : t.queueNote);
      queueLine.setAttribute("data-position", String(frame.position));
      queueLine.hidden = false;
    }
    function showSurvey(show) {
      survey.hidden = !(show && cfg.survey);
    }
    function setUnread(n) {
      unread = n;
      badge.textContent = String(n);
      badge.hidden = n === 0;
    }

    // --- the socket ------------------------------------------------------------------------
    function send(frame) {
      if (ws && connected) ws.send(JSON.stringify(frame));
    }
    function connect() {
      if (stopped || (ws && ws.readyState <= 1)) return;
      clearTimeout(retryTimer);
      status.textContent = attempt ? t.reconnecting : t.connecting;
      var url = cfg.ws + "/ws/widget/" + encodeURIComponent(cfg.key) + "/?visitor=" + encodeURIComponent(store.visitor || "") + "&lang=" + lang;
      ws = new WebSocket(url);
      ws.onmessage = function (event) {
        var frame;
        try {
          frame = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        handle(frame);
      };
      ws.onclose = function (event) {
        ws = null;
        connected = false;
        if (event.code === 4403 || event.code === 4404) {
          stopped = true;
          status.textContent = t.unavailable;
          return;
        }
        status.textContent = t.reconnecting;
        // Exponential backoff with jitter: 1 s, 2 s, 4 s … at most 30 s.
        var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
        attempt += 1;
        retryTimer = setTimeout(connect, delay);
      };
    }
    window.addEventListener("online", function () {
      attempt = 0;
      connect();
    });

    function switchConversation(id) {
      if (id === store.conversation_id) return;
      store.conversation_id = id;
      lastSeq = 0;
      save();
    }

    function handle(frame) {
      switch (frame.type) {
        case "hello":
          connected = true;
          attempt = 0;
          status.textContent = "";
          if (frame.visitor) store.visitor = frame.visitor;
          switchConversation(frame.conversation_id);
          save();
          isOpen = frame.open;
          setMode();
          send({ type: "resume", conversation_id: store.conversation_id, after_seq: lastSeq });
          outbox.forEach(function (item) {
            send({ type: "message", body: item.body, client_msg_id: item.id, contact: firstContact() });
          });
          showSurvey(frame.survey);
          break;
        case "conversation":
          switchConversation(frame.conversation_id);
          showSurvey(false);
          break;
        case "message":
          if (frame.conversation_id !== store.conversation_id) switchConversation(frame.conversation_id);
          var key = frame.conversation_id + ":" + frame.seq;
          if (seen[key]) return;
          seen[key] = true;
          var row = frame.client_msg_id && mine[frame.client_msg_id];
          if (row) {
            row.querySelector(".state").textContent = "";
            delete mine[frame.client_msg_id];
          } else {
            row = bubble(frame.direction, frame.body);
          }
          row.setAttribute("data-seq", String(frame.seq));
          if (frame.seq > lastSeq) lastSeq = frame.seq;
          if (frame.direction === "out") {
            typing.textContent = "";
            if (panel.hidden) setUnread(unread + 1);
          }
          break;
        case "ack":
          outbox = outbox.filter(function (item) {
            return item.id !== frame.client_msg_id;
          });
          switchConversation(frame.conversation_id);
          setMode();
          break;
        case "typing":
          typing.textContent = t.typing;
          clearTimeout(typingTimer);
          typingTimer = setTimeout(function () {
            typing.textContent = "";
          }, 4000);
          break;
        case "status":
          if (frame.status === "closed") log.appendChild(el("div", { class: "note" }, t.ended));
          showSurvey(frame.survey);
          break;
        case "queue":
          showQueue(frame);
          break;
        case "survey_thanks":
          showSurvey(false);
          log.appendChild(el("div", { class: "note", "data-kefu": "survey-thanks" }, t.surveyThanks));
          scroll();
          break;
        case "error":
          if (frame.client_msg_id) {
            outbox = outbox.filter(function (item) {
              return item.id !== frame.client_msg_id;
            });
            var failed = mine[frame.client_msg_id];
            if (failed) failed.querySelector(".state").textContent = t.failed;
          }
          if (frame.code === "already_answered") showSurvey(false);
          showError(frame.code === "too_long" ? t.tooLong : frame.message || frame.code);
          break;
        default:
          break;
      }
    }

    // --- user actions ----------------------------------------------------------------------
    function sendMessage() {
      var body = input.value.trim();
      if (!body) return;
      if (body.length > 5000) {
        showError(t.tooLong);
        return;
      }
      showError("");
      input.value = "";
      var id = uuid();
      mine[id] = bubble("in", body, t.sending);
      outbox.push({ id: id, body: body });
      setMode();
      if (connected) send({ type: "message", body: body, client_msg_id: id, contact: firstContact() });
      else connect();
    }
    compose.addEventListener("submit", function (event) {
      event.preventDefault();
      sendMessage();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendMessage();
      }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (store.conversation_id && now - lastTypingSent > 2000) {
        lastTypingSent = now;
        send({ type: "typing" });
      }
    });
    launcher.addEventListener("click", function () {
      panel.hidden = !panel.hidden;
      if (!panel.hidden) {
        setUnread(0);
        connect();
        input.focus();
      }
    });
    closeButton.addEventListener("click", function () {
      panel.hidden = true;
    });
    offline.addEventListener("submit", function (event) {
      event.preventDefault();
      showError("");
      var payload = { visitor: store.visitor };
      Object.keys(fields).forEach(function (name) {
        payload[name] = fields[name].value.trim();
      });
      fetch(cfg.base + "/widget/" + encodeURIComponent(cfg.key) + "/offline", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept-Language": lang === "en" ? "en" : "zh-hans" },
        body: JSON.stringify(payload),
      })
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) throw new Error((data.error && data.error.message) || response.status);
            offline.hidden = true;
            log.appendChild(el("div", { class: "note", "data-kefu": "offline-thanks" }, t.offlineThanks));
          });
        })
        .catch(function (error) {
          showError(error.message);
        });
    });
    prechat.addEventListener("submit", function (event) {
      event.preventDefault();
      var answers = {};
      var missing = false;
      prechatSpec.forEach(function (spec) {
        var value = prechatFields[spec[0]].value.trim();
        if (spec[1] && !value) missing = true;
        if (value) answers[spec[0]] = value;
      });
      if (missing) {
        showError(t.required);
        return;
      }
      showError("");
      contact = answers;
      setMode();
      input.focus();
    });
    stars.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("button") : event.target;
      if (!target || !target.getAttribute("data-score")) return;
      score = Number(target.getAttribute("data-score"));
      Array.prototype.forEach.call(stars.children, function (star, index) {
        star.className = index < score ? "on" : "";
      });
    });
    surveySubmit.addEventListener("click", function () {
      if (!score) return;
      if (form && form.nps && nps === null) return;
      send({ type: "survey", score: score, nps: nps, answers: further, comment: comment.value.trim() });
    });

    setMode(); // the pre-chat form, if the widget asks one, shows before anything is typed
    // A returning visitor with a conversation listens at once, so replies arrive while closed.
    if (store.conversation_id) connect();
    window.__kefuWidget = { connect: connect, state: store };
    return window.__kefuWidget;
  };
})();
