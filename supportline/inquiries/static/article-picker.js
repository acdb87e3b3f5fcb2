// The timeline's "Länk till vägledning": search the guidance and pick an article, instead of
// typing its address. The picks are radio buttons, so Tab reaches them and the arrow keys choose,
// as in any radio group; the chosen article's address goes into the form's text field, which is
// what the server reads (and what a browser without JavaScript fills in by hand).
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) { return; }
  var picker = form.querySelector(".article-picker");
  var kind = form.querySelector("select[name=kind]");
  var text = form.querySelector("textarea[name=text]");
  var search = document.getElementById("article-search");
  var choices = document.getElementById("article-choices");
  var status = document.getElementById("article-choices-status");
  var csrf = form.querySelector("input[name=csrf_token]");
  if (!picker || !kind || !text || !search || !choices) { return; }
  var timer = null;
  var asked = "";

  function show() {
    picker.hidden = kind.value !== "article_link";
  }

  function choose(hit) {
    text.value = hit.slug;
    status.textContent = "Vald: " + hit.title + ".";
  }

  function render(hits) {
    choices.textContent = "";
    hits.forEach(function (hit, index) {
      var li = document.createElement("li");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "artikelval";  // groups the radios; the server reads the text field
      radio.value = hit.slug;
      radio.id = "artikelval-" + index;
      radio.checked = text.value === hit.slug;
      radio.addEventListener("change", function () { if (radio.checked) { choose(hit); } });
      var label = document.createElement("label");
      label.htmlFor = radio.id;
      label.textContent = hit.title;
      li.appendChild(radio);
      li.appendChild(label);
      choices.appendChild(li);
    });
    status.textContent = hits.length ? (hits.length === 1 ? "1 träff." : hits.length + " träffar.")
                                     : "Inga artiklar hittades. Pröva andra ord.";
  }

  function find() {
    var q = search.value.trim();
    if (q.length < 2 || q === asked) { return; }
    asked = q;
    var body = new FormData();
    body.append("q", q);
    fetch(picker.dataset.url, { method: "POST", body: body, credentials: "same-origin",
                                headers: { "X-CSRFToken": csrf ? csrf.value : "" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) {
        if (result && search.value.trim() === q) { render(result.hits); }
      })
      .catch(function () {
        status.textContent = "Sökningen gick inte just nu. Skriv artikelns adress i textfältet.";
      });
  }

  kind.addEventListener("change", show);
  search.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(find, 300);
  });
  search.addEventListener("keydown", function (event) {
    // Enter searches at once instead of sending the form with half a choice.
    if (event.key === "Enter") {
      event.preventDefault();
      window.clearTimeout(timer);
      find();
    }
  });
  show();
})();
