// Hotline console: live updates over Server-Sent Events, countdowns of the
// reply windows, canned replies. No build step; the pages work without it
// (forms post and redirect), it only keeps them fresh.
(function () {
  "use strict";
  function span(ms) {
    var m = Math.floor(ms / 60000);
    if (m < 1) return "dưới 1 phút";
    var d = Math.floor(m / 1440), h = Math.floor(m / 60) % 24, mi = m % 60;
    if (d > 0) return d + " ngày" + (h ? " " + h + " giờ" : "");
    if (h > 0) return h + " giờ" + (mi ? " " + mi + " phút" : "");
    return mi + " phút";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var iso = el.getAttribute("data-deadline");
      if (!iso || el.closest('tr[data-status="closed"]')) return;
      var left = Date.parse(iso) - now;
      var std = el.getAttribute("data-standard");
      var pastStd = std && Date.parse(std) <= now;
      el.textContent = left > 0 ? "còn " + span(left) : "quá hạn " + span(-left);
      el.classList.remove("ok", "warn", "late");
      el.classList.add(left <= 0 ? "late" : (left < 7200000 || pastStd) ? "warn" : "ok");
    });
  }
  setInterval(tick, 30000);

  var canned = document.getElementById("canned");
  if (canned) canned.addEventListener("change", function () {
    var ta = document.getElementById("reply-text");
    if (!canned.value) return;
    ta.value = ta.value ? ta.value + "\n" + canned.value : canned.value;
    canned.value = "";
    ta.focus();
  });

  function counts() {
    var c = document.getElementById("counts");
    if (!c) return;
    var open = document.querySelectorAll('#rows tr[data-status="open"]').length;
    var claimed = document.querySelectorAll('#rows tr[data-status="claimed"]').length;
    c.textContent = open + " chờ, " + claimed + " đã nhận";
  }
  function refresh(url, id) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) { document.getElementById(id).innerHTML = html; tick(); counts(); });
  }
  var queue = document.getElementById("queue");
  var ticket = document.getElementById("ticket");
  var state = document.getElementById("live-state");
  if (!queue && !ticket) return;
  var es = new EventSource("/hotline/events");
  es.onopen = function () { if (state) { state.textContent = "Cập nhật trực tiếp"; state.classList.add("on"); } };
  es.onerror = function () { if (state) { state.textContent = "Mất kết nối, đang thử lại…"; state.classList.remove("on"); } };
  var pending = null;
  es.addEventListener("ticket", function (e) {
    var ev = JSON.parse(e.data);
    if (queue) {
      clearTimeout(pending); // coalesce bursts of changes into one fetch
      pending = setTimeout(function () {
        var st = queue.getAttribute("data-status");
        refresh("/hotline/queue" + (st ? "?status=" + encodeURIComponent(st) : ""), "rows");
      }, 150);
    } else if (ticket && ev.ticket_id === ticket.getAttribute("data-ticket")) {
      refresh("/hotline/t/" + encodeURIComponent(ev.ticket_id) + "/live", "live");
    }
  });
})();
