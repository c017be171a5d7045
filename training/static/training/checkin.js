/* The phone check-in page of a session.
 *
 * A code (scanned by the camera with @zxing/browser, served locally, or typed) is sent to
 * the session's check-in API. While the phone is offline, or when the request cannot reach
 * the server, the scan is kept in the browser (localStorage, per session) with the time it
 * was made, and sent as soon as the browser is back online; each answer is reported in the
 * log: checked in, already checked in (not counted twice), or refused with its reason.
 */
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) return;
  var T = JSON.parse(document.getElementById("checkin-text").textContent);
  var api = root.dataset.api;
  var csrf = root.dataset.csrf;
  var storeKey = "qqh-checkin-queue-" + root.dataset.session;
  var log = document.getElementById("scan-log");
  var queueLine = document.getElementById("queue-line");
  var network = document.getElementById("network-state");
  var networkText = document.getElementById("network-text");
  var presentCount = document.getElementById("present-count");
  var flushing = false;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key] === undefined ? "" : values[key]; });
  }
  function readQueue() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; }
  }
  function writeQueue(queue) {
    window.localStorage.setItem(storeKey, JSON.stringify(queue));
    showQueue();
  }
  function showQueue() {
    var n = readQueue().length;
    queueLine.textContent = n ? fmt(T.waiting, { n: n }) : "";
    queueLine.dataset.count = String(n);
  }
  function showNetwork() {
    var offline = !navigator.onLine;
    network.classList.toggle("d-none", !offline);
    networkText.textContent = offline ? T.offline : "";
  }
  function report(kind, text, extra) {
    var item = document.createElement("li");
    var css = { ok: "list-group-item-success", already: "list-group-item-warning", refused: "list-group-item-danger", kept: "list-group-item-secondary" };
    item.className = "list-group-item scan-" + kind + " " + (css[kind] || "");
    item.textContent = text + (extra ? " " + extra : "");
    log.insertBefore(item, log.firstChild);
  }
  function clientId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  }
  function timeOf(iso) {
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  // Resolves with {ok, body} for an answer of the server (accepted or refused); rejects when
  // the server could not be reached (offline, network error, server error): keep the scan.
  function send(scan) {
    return fetch(api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(scan)
    }).then(function (response) {
      if (response.status >= 500) throw new Error("server " + response.status);
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, body: body };
      });
    });
  }
  function show(result, scan, later) {
    var extra = later ? fmt(T.sent_later, { time: timeOf(scan.scanned_at) }) : "";
    if (result.ok) {
      report(result.body.status === "ok" ? "ok" : "already", result.body.message, extra);
      if (result.body.status === "ok" && presentCount) presentCount.textContent = String(Number(presentCount.textContent) + 1);
      return;
    }
    var body = result.body || {};
    var reason = (body.code && body.code[0]) || (body.non_field_errors && body.non_field_errors[0]) || body.detail || T.refused;
    report("refused", fmt(T.refused_code, { code: scan.code, reason: reason }), extra);
  }
  function keep(scan) {
    var queue = readQueue();
    queue.push(scan);
    writeQueue(queue);
    report("kept", fmt(T.kept, { code: scan.code }));
  }
  function submit(code, method) {
    code = (code || "").trim();
    if (!code) return;
    var scan = { code: code, method: method, scanned_at: new Date().toISOString(), client_id: clientId() };
    if (!navigator.onLine) { scan.method = "offline"; keep(scan); return; }
    send(scan).then(function (result) { show(result, scan, false); }, function () { scan.method = "offline"; keep(scan); });
  }
  function flush() {
    showNetwork();
    if (flushing || !navigator.onLine) return;
    var queue = readQueue();
    if (!queue.length) return;
    flushing = true;
    (function next() {
      var pending = readQueue();
      if (!pending.length) { flushing = false; return; }
      var scan = pending[0];
      send(scan).then(function (result) {
        writeQueue(readQueue().filter(function (s) { return s.client_id !== scan.client_id; }));
        show(result, scan, true);
        next();
      }, function () { flushing = false; });
    })();
  }

  document.getElementById("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("code-input");
    submit(input.value, "typed");
    input.value = "";
    input.focus();
  });

  // The camera: a scan of the same code within three seconds is one scan.
  var controls = null, last = "", lastAt = 0;
  var video = document.getElementById("camera");
  var startButton = document.getElementById("start-camera");
  var stopButton = document.getElementById("stop-camera");
  startButton.addEventListener("click", function () {
    if (!window.ZXingBrowser || !navigator.mediaDevices) { report("refused", T.no_camera); return; }
    var reader = new window.ZXingBrowser.BrowserQRCodeReader();
    video.classList.remove("d-none");
    startButton.classList.add("d-none");
    stopButton.classList.remove("d-none");
    reader.decodeFromVideoDevice(undefined, video, function (result) {
      if (!result) return;
      var text = result.getText();
      if (text === last && Date.now() - lastAt < 3000) return;
      last = text; lastAt = Date.now();
      if (navigator.vibrate) navigator.vibrate(80);
      submit(text, "qr");
    }).then(function (c) { controls = c; }, function () {
      report("refused", T.no_camera);
      video.classList.add("d-none"); startButton.classList.remove("d-none"); stopButton.classList.add("d-none");
    });
  });
  stopButton.addEventListener("click", function () {
    if (controls) controls.stop();
    video.classList.add("d-none"); startButton.classList.remove("d-none"); stopButton.classList.add("d-none");
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", showNetwork);
  window.setInterval(flush, 15000);
  showQueue();
  flush();
})();
