/* The idle session's warning (config/middleware.py ends the session on the server).
 * Shows #idle-warning a little before the limit, with a button that pings the server to stay
 * signed in; at the limit, reloads the page, which the server sends to the login page.
 * The session is shared by every tab: each page load or ping is written to localStorage (a
 * time, nothing else), so a tab left open never reloads, losing what was typed in it, while
 * the member is working in another. */
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box) { return; }
  var KEY = "mamori.lastActivity";
  var limit = parseInt(box.dataset.idleSeconds, 10) * 1000;
  var warnBefore = parseInt(box.dataset.warningSeconds, 10) * 1000;
  var form = box.querySelector("form");
  var countdown = box.querySelector("[data-countdown]");
  var deadline = 0, warnTimer = null, endTimer = null, tick = null;

  function shared() {
    try { return parseInt(window.localStorage.getItem(KEY) || "0", 10) || 0; } catch (e) { return 0; }
  }

  function share(at) {
    try { window.localStorage.setItem(KEY, String(at)); } catch (e) { /* private mode: this tab only */ }
  }

  function hide() {
    box.hidden = true;
    if (tick) { clearInterval(tick); tick = null; }
  }

  function show() {
    box.hidden = false;
    var button = box.querySelector("button");
    if (button) { button.focus(); }
    var update = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      if (countdown) { countdown.textContent = String(left); }
    };
    update();
    tick = setInterval(update, 1000);
  }

  function expire() {
    var last = shared();
    if (last + limit > Date.now()) { schedule(last); return; }  // another tab kept it alive
    window.location.reload();
  }

  function schedule(from) {
    hide();
    clearTimeout(warnTimer); clearTimeout(endTimer);
    deadline = from + limit;
    var now = Date.now();
    warnTimer = setTimeout(show, Math.max(0, deadline - warnBefore - now));
    endTimer = setTimeout(expire, Math.max(0, deadline - now) + 1000);
  }

  function active() {
    var now = Date.now();
    share(now);
    schedule(now);
  }

  window.addEventListener("storage", function (event) {
    if (event.key === KEY && event.newValue) { schedule(parseInt(event.newValue, 10)); }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.ok && !response.redirected) { active(); } else { window.location.reload(); }
    }, function () { window.location.reload(); });
  });

  active();
}());
