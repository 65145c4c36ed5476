/* The idle session's warning (config/middleware.py ends the session on the server).
 * Shows #idle-warning a little before the limit, with a button that pings the server to stay
 * signed in; at the limit, reloads the page, which the server sends to the login page. */
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box) { return; }
  var limit = parseInt(box.dataset.idleSeconds, 10) * 1000;
  var warnBefore = parseInt(box.dataset.warningSeconds, 10) * 1000;
  var form = box.querySelector("form");
  var countdown = box.querySelector("[data-countdown]");
  var deadline = 0, warnTimer = null, endTimer = null, tick = null;

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

  function start() {
    hide();
    clearTimeout(warnTimer); clearTimeout(endTimer);
    deadline = Date.now() + limit;
    warnTimer = setTimeout(show, Math.max(0, limit - warnBefore));
    endTimer = setTimeout(function () { window.location.reload(); }, limit + 1000);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.ok && !response.redirected) { start(); } else { window.location.reload(); }
    }, function () { window.location.reload(); });
  });

  start();
}());
