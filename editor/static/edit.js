// The guide editor: when a save was refused, put the cursor on the first
// problem's line in the raw editor (or on the first marked field of the
// form) and scroll it into view; the "Dòng N" links of the problem list jump
// to their line. No inline script, so a strict Content-Security-Policy
// (script-src 'self') allows it.
(function () {
  "use strict";
  var ta = document.getElementById("markdown");
  if (!ta) {
    var bad = document.querySelector('[aria-invalid="true"]');
    if (bad) {
      bad.focus();
      bad.scrollIntoView({ block: "center" });
    }
    return;
  }

  function goTo(line) {
    var lines = ta.value.split("\n");
    line = Math.max(1, Math.min(line, lines.length));
    var start = 0;
    for (var i = 0; i < line - 1; i++) start += lines[i].length + 1;
    var end = start + lines[line - 1].length;
    ta.focus();
    ta.setSelectionRange(start, end);
    // Scroll the textarea so the line sits a third of the way down.
    var lh = parseFloat(getComputedStyle(ta).lineHeight) || 18;
    ta.scrollTop = Math.max(0, (line - 1) * lh - ta.clientHeight / 3);
    ta.scrollIntoView({ block: "nearest" });
    var row = document.getElementById("line-" + line);
    var box = document.getElementById("lines");
    if (row && box) box.scrollTop = row.offsetTop - box.offsetTop - box.clientHeight / 3;
  }

  var links = document.querySelectorAll("a.goto[data-line]");
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener("click", function (ev) {
      ev.preventDefault();
      goTo(parseInt(this.getAttribute("data-line"), 10));
    });
  }
  var first = parseInt(ta.getAttribute("data-error-line") || "", 10);
  if (first > 0) goTo(first);
})();
