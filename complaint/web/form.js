// The complaint form of the web chat page (POST /api/v1/complaints). It
// adds a "Gửi phản ánh" button to the page's header and, when pressed (or
// when the page is opened with ?phan-anh=1), a form in a dialog. The form
// is filed with the chat's session, so the answer arrives in this chat;
// the code is shown in the chat. No build step, no dependencies.
(function () {
  "use strict";
  var header = document.querySelector("header");
  if (!header || !window.fetch) return;
  var css = document.createElement("style");
  css.textContent =
    "#pa-open{margin-top:.4rem;font:inherit;font-size:.9rem;background:#fff;color:#b91c1c;border:0;border-radius:1rem;padding:.25rem .8rem;cursor:pointer}" +
    "#pa-dlg{border:0;border-radius:1rem;padding:0;max-width:34rem;width:calc(100% - 2rem)}#pa-dlg::backdrop{background:#0006}" +
    "#pa-dlg form{display:block;padding:1rem 1.1rem;border:0;max-width:none}#pa-dlg h2{font-size:1.1rem;margin:0 0 .5rem}" +
    "#pa-dlg label{display:block;font-weight:600;font-size:.9rem;margin:.6rem 0 .2rem}#pa-dlg .hint{font-weight:400;color:#6b7280}" +
    "#pa-dlg textarea,#pa-dlg input[type=text]{width:100%;font:inherit;border:1px solid #d1d5db;border-radius:.5rem;padding:.45rem .6rem;height:auto;overflow:auto}" +
    "#pa-dlg textarea{min-height:7rem;resize:vertical}#pa-dlg .check{display:flex;gap:.45rem;align-items:flex-start;font-weight:400}" +
    "#pa-dlg .row{display:flex;gap:.5rem;justify-content:flex-end;margin-top:.9rem}#pa-dlg .row button{font:inherit;border-radius:.6rem;padding:.45rem 1rem;cursor:pointer;border:1px solid #b91c1c}" +
    "#pa-dlg .send{background:#b91c1c;color:#fff}#pa-dlg .cancel{background:#fff;color:#b91c1c}#pa-err{color:#991b1b;font-size:.9rem;margin-top:.5rem}";
  document.head.appendChild(css);
  var open = document.createElement("button");
  open.id = "pa-open"; open.type = "button"; open.textContent = "Gửi phản ánh, kiến nghị";
  header.appendChild(open);

  var dlg = document.createElement("dialog");
  dlg.id = "pa-dlg";
  dlg.innerHTML =
    '<form id="pa-form" novalidate>' +
    '<h2>Gửi phản ánh, kiến nghị</h2>' +
    '<p class="hint">Về thủ tục hành chính, quy định, thái độ hoặc sự chậm trễ của cán bộ. Phản ánh được chuyển đến cán bộ xử lý; câu trả lời sẽ hiện trong khung chat này.</p>' +
    '<label for="pa-text">Nội dung <span class="hint">(bắt buộc: chuyện gì đã xảy ra, khi nào)</span></label>' +
    '<textarea id="pa-text" maxlength="4000" required></textarea>' +
    '<label for="pa-proc">Thủ tục hoặc cơ quan <span class="hint">(nếu có)</span></label><input type="text" id="pa-proc" maxlength="200">' +
    '<label for="pa-place">Phường, xã <span class="hint">(tên hiện nay; tên cũ cũng được)</span></label><input type="text" id="pa-place" maxlength="200">' +
    '<label for="pa-contact">Số điện thoại hoặc email <span class="hint">(không bắt buộc)</span></label><input type="text" id="pa-contact" maxlength="200" autocomplete="tel">' +
    '<label class="check"><input type="checkbox" id="pa-consent"> Tôi đồng ý để cán bộ xử lý phản ánh dùng số điện thoại hoặc email này để liên hệ với tôi. Thông tin này không được công khai.</label>' +
    '<div id="pa-err" role="alert"></div>' +
    '<div class="row"><button type="button" class="cancel" id="pa-cancel">Đóng</button><button type="submit" class="send" id="pa-send">Gửi phản ánh</button></div>' +
    '</form>';
  document.body.appendChild(dlg);
  var $ = function (id) { return document.getElementById(id); };
  function show() { $("pa-err").textContent = ""; if (dlg.showModal) dlg.showModal(); else dlg.setAttribute("open", ""); $("pa-text").focus(); }
  function hide() { if (dlg.close) dlg.close(); else dlg.removeAttribute("open"); }
  open.addEventListener("click", show);
  $("pa-cancel").addEventListener("click", hide);
  $("pa-form").addEventListener("input", function () { $("pa-err").textContent = ""; });
  function rid() { var a = new Uint8Array(12); crypto.getRandomValues(a); return Array.prototype.map.call(a, function (x) { return ("0" + x.toString(16)).slice(-2); }).join(""); }
  var key = rid();
  function note(text) {
    var log = document.getElementById("log");
    if (!log) return;
    var d = document.createElement("div"); d.className = "msg bot"; d.textContent = text;
    log.appendChild(d); log.scrollTop = log.scrollHeight;
  }
  $("pa-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = $("pa-text").value.trim(), contact = $("pa-contact").value.trim(), consent = $("pa-consent").checked;
    if (!text) { $("pa-err").textContent = "Bạn viết nội dung phản ánh nhé."; $("pa-text").focus(); return; }
    if (contact && !consent) { $("pa-err").textContent = "Để lại liên hệ thì bạn cần đánh dấu đồng ý; nếu không, hãy xóa ô liên hệ."; return; }
    var body = { text: text, procedure: $("pa-proc").value.trim(), place: $("pa-place").value.trim(), contact: contact, consent: consent };
    var s = window.sessionStorage && sessionStorage.getItem("chat.session");
    if (s) body.session = s;
    $("pa-send").disabled = true;
    fetch("/api/v1/complaints", { method: "POST", headers: { "Content-Type": "application/json", "Idempotency-Key": key }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        $("pa-send").disabled = false;
        if (!res.ok) { $("pa-err").textContent = "Chưa gửi được: " + (res.j.error || "lỗi hệ thống") + "."; return; }
        key = rid();
        $("pa-form").reset(); hide();
        note("Đã gửi phản ánh của bạn. Mã phản ánh: " + res.j.code + ". Câu trả lời sẽ hiện tại đây; bạn cũng có thể nhắn \"tra cứu phản ánh " + res.j.code + "\" hoặc xem tại /phan-anh/" + res.j.code + ".");
      })
      .catch(function () { $("pa-send").disabled = false; $("pa-err").textContent = "Mất kết nối. Bạn kiểm tra mạng rồi gửi lại nhé."; });
  });
  if (/[?&]phan-anh=1/.test(location.search)) show();
})();
