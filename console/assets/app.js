// sfnlocal console: state panel, live updates (server-sent events), Batch log lines and JSON
// validation. Everything works without this file except live updates.
(function () {
  "use strict";
  function qs(s, r) { return (r || document).querySelector(s); }
  function qsa(s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); }

  // JSON validation of input editors.
  qsa("textarea[data-json]").forEach(function (ta) {
    var form = ta.form, msg = qs(".json-status", form), btn = qs("button[type=submit]", form);
    function check() {
      try { if (ta.value.trim() !== "") JSON.parse(ta.value); ta.classList.remove("invalid"); if (msg) msg.textContent = ""; if (btn) btn.disabled = false; }
      catch (e) { ta.classList.add("invalid"); if (msg) msg.textContent = "Invalid JSON: " + e.message; if (btn) btn.disabled = true; }
    }
    ta.addEventListener("input", check); check();
  });

  var ex = qs("#execution");
  if (!ex) return;
  var arn = ex.getAttribute("data-arn");
  var panel = qs("#panel");
  var logStream = null;

  function watchJobLogs() {
    if (logStream) { logStream.close(); logStream = null; }
    var pre = qs("#job-logs[data-live]");
    if (!pre || !window.EventSource) return;
    var from = pre.getAttribute("data-lines") || "0";
    logStream = new EventSource("/ui/joblogs?job=" + encodeURIComponent(pre.getAttribute("data-job")) + "&from=" + from);
    logStream.addEventListener("log", function (e) {
      var span = document.createElement("span"); span.className = "line"; span.textContent = e.data;
      pre.appendChild(span); pre.appendChild(document.createTextNode("\n")); pre.scrollTop = pre.scrollHeight;
    });
    logStream.addEventListener("status", function (e) { var s = qs("#job-status"); if (s) { s.textContent = e.data; s.className = "status " + e.data; } });
    logStream.addEventListener("end", function () { logStream.close(); logStream = null; pre.removeAttribute("data-live"); });
  }

  function select(name) {
    qsa("svg.graph .node.selected").forEach(function (n) { n.classList.remove("selected"); });
    qsa("svg.graph .node").forEach(function (n) { if (n.getAttribute("data-state") === name) n.classList.add("selected"); });
    fetch("/ui/state?arn=" + encodeURIComponent(arn) + "&state=" + encodeURIComponent(name))
      .then(function (r) { return r.text(); })
      .then(function (html) { panel.innerHTML = html; watchJobLogs(); });
    var u = new URL(location.href); u.searchParams.set("state", name); history.replaceState(null, "", u);
  }
  qsa("svg.graph .node").forEach(function (n) {
    n.addEventListener("click", function (e) { e.preventDefault(); select(n.getAttribute("data-state")); });
  });
  var sel = new URL(location.href).searchParams.get("state");
  if (sel) qsa("svg.graph .node").forEach(function (n) { if (n.getAttribute("data-state") === sel) n.classList.add("selected"); });
  watchJobLogs();

  if (!ex.hasAttribute("data-live") || !window.EventSource) return;
  var count = parseInt(ex.getAttribute("data-count"), 10) || 0;
  var es = new EventSource("/ui/stream?arn=" + encodeURIComponent(arn) + "&after=" + count);
  var refresh = null;
  es.addEventListener("states", function (e) {
    var m = JSON.parse(e.data);
    qsa("svg.graph .node").forEach(function (n) {
      var s = m[n.getAttribute("data-state")]; if (s) n.setAttribute("data-status", s);
    });
    var cur = qs(".panel[data-panel-state]", panel);
    if (cur && m[cur.getAttribute("data-panel-state")] && !refresh) {
      refresh = setTimeout(function () { refresh = null; select(cur.getAttribute("data-panel-state")); }, 300);
    }
  });
  es.addEventListener("rows", function (e) {
    var body = qs("#history tbody"); body.insertAdjacentHTML("beforeend", e.data);
    var c = qs("#event-count"); if (c) c.textContent = body.rows.length + " events";
  });
  es.addEventListener("exec", function (e) { var s = qs("#exec-status"); s.textContent = e.data; s.className = "status " + e.data; });
  es.addEventListener("end", function (e) {
    es.close(); ex.removeAttribute("data-live"); ex.setAttribute("data-ended", e.data);
    qsa(".actions form[action='/ui/stop']").forEach(function (f) { f.remove(); });
  });
})();
