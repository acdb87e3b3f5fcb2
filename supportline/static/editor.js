// Live preview of the sanitised rendering while an editor writes (debounced).
(function () {
  "use strict";
  var body = document.getElementById("body");
  var preview = document.getElementById("preview");
  var token = document.querySelector("input[name=csrf_token]");
  if (!body || !preview || !token || !window.fetch) { return; }
  var timer = null;
  function update() {
    var data = new FormData();
    data.append("body", body.value);
    fetch(preview.dataset.url, {method: "POST", body: data, credentials: "same-origin",
                                headers: {"X-CSRFToken": token.value}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (json) { if (json) { preview.innerHTML = json.html; } })
      .catch(function () {});
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 400);
  });
  update();
})();
