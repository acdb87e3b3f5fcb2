// The inquiry form: call timer, county from municipality, server-side drafts and
// "tidigare kontakter". A file of its own because the CSP forbids inline scripts.
// Everything here is an aid: the form works and validates without it.
(function () {
  "use strict";
  var form = document.getElementById("inquiry-form");
  if (!form) { return; }
  var csrf = form.querySelector("input[name=csrf_token]");
  var DRAFT_EVERY_MS = 4000;

  // Focus the first field so the handler can type at once, unless the page shows errors.
  var firstError = form.querySelector("[aria-invalid=true]");
  (firstError || form.querySelector("select, input:not([type=hidden]), textarea")).focus();

  // --- call timer: counts from when the form was first opened (kept through reloads and drafts)
  var started = form.querySelector("input[name=started_at]");
  var submissionKey = form.querySelector("input[name=submission_key]");
  var duration = form.querySelector("input[name=duration_seconds]");
  var timer = document.getElementById("call-timer");
  if (started && !started.value) { started.value = String(Date.now()); }
  function elapsedSeconds() {
    var t0 = parseInt(started && started.value, 10);
    return isNaN(t0) ? 0 : Math.max(0, Math.round((Date.now() - t0) / 1000));
  }
  function showTime() {
    var s = elapsedSeconds();
    var m = Math.floor(s / 60), r = s % 60;
    timer.textContent = m + ":" + (r < 10 ? "0" : "") + r;
  }
  // The token and the timer belong to the call, not to the page load. Kept with this page's
  // entry in the tab's history: Back after saving makes Chrome load the form again (it is never
  // cached) and put back what was typed, with a new page's token, so saving again would store
  // the call twice. With the call's own token the server answers with the case already saved.
  // A reload keeps the call's token and timer the same way.
  var call = history.state;
  if (submissionKey && call && call.submissionKey) {
    submissionKey.value = call.submissionKey;
    if (started) { started.value = call.startedAt; }
  } else if (submissionKey) {
    history.replaceState({ submissionKey: submissionKey.value, startedAt: started.value }, "");
  }
  if (timer) { showTime(); window.setInterval(showTime, 1000); }

  // --- county from municipality: the first two digits of a kommunkod are the county code
  var municipality = form.querySelector("select[name=municipality_code]");
  var county = form.querySelector("select[name=county_code]");
  if (municipality && county) {
    municipality.addEventListener("change", function () {
      if (municipality.value) { county.value = municipality.value.substring(0, 2); }
    });
  }

  // --- Enter in a one-line field saves nothing: the browser would press the form's first
  // submit button, which is not Save ("Lägg till en person" or a redact button), mid-call.
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && !event.isComposing && target.tagName === "INPUT" &&
        !/^(submit|button|reset|image)$/.test(target.type)) {
      event.preventDefault();
    }
  });

  // --- another person row in the page itself; without this script the button asks the server
  var MAX_PERSONS = 20;
  var addPerson = form.querySelector("button[name=action][value=add_person]");
  if (addPerson) {
    addPerson.type = "button";
    addPerson.addEventListener("click", function () {
      var rows = form.querySelectorAll(".person-row");
      if (!rows.length || rows.length >= MAX_PERSONS) { return; }
      var last = rows[rows.length - 1];
      var index = rows.length;
      var row = last.cloneNode(true);
      row.querySelector(".person-number").textContent = "Person " + (index + 1);
      row.querySelectorAll("select").forEach(function (select) {
        select.id = select.name = "persons-" + index + "-" + select.name.split("-")[2];
        select.selectedIndex = 0;
      });
      row.querySelectorAll("label").forEach(function (label) {
        label.htmlFor = "persons-" + index + "-" + label.htmlFor.split("-")[2];
        label.textContent = label.textContent.replace(/\d+$/, String(index + 1));
      });
      last.parentNode.insertBefore(row, last.nextSibling);
      row.querySelector("select").focus();
      addPerson.hidden = index + 1 >= MAX_PERSONS;
    });
  }

  // --- drafts
  var status = document.getElementById("draft-status");
  var SKIP = { csrf_token: true, redact: true, action: true };
  function payload() {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (SKIP[name]) { return; }
      if (Object.prototype.hasOwnProperty.call(data, name)) {
        if (!Array.isArray(data[name])) { data[name] = [data[name]]; }
        data[name].push(value);
      } else {
        data[name] = value;
      }
    });
    form.querySelectorAll("fieldset.checkboxes ul").forEach(function (ul) {
      if (data[ul.id] !== undefined && !Array.isArray(data[ul.id])) { data[ul.id] = [data[ul.id]]; }
    });
    return data;
  }
  var lastSent = JSON.stringify(payload());
  var submitting = false;
  function saveDraft(keepalive) {
    if (submitting) { return; }
    var body = JSON.stringify(payload());
    if (body === lastSent) { return; }
    lastSent = body;
    fetch(form.dataset.draftUrl, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive, body: body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (result) {
      if (!result || !status) { return; }
      var names = Object.keys(result.findings || {});
      status.textContent = "Utkast sparat " + result.at + "." + (names.length ?
        " Personuppgifter i ärendetexten sparades inte i utkastet." : "");
    }).catch(function () {
      if (status) { status.textContent = "Utkastet kunde inte sparas just nu. Försöker igen."; }
      lastSent = "";
    });
  }
  window.setInterval(function () { saveDraft(false); }, DRAFT_EVERY_MS);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { saveDraft(true); }
  });
  window.addEventListener("pagehide", function () { saveDraft(true); });

  form.addEventListener("submit", function () {
    submitting = true;
    if (duration && timer) { duration.value = String(elapsedSeconds()); }
  });
  // pageshow also runs when Chrome serves the page from its back-forward cache.
  window.addEventListener("pageshow", function () { submitting = false; });

  // --- tidigare kontakter: earlier inquiries from the same organisation or number
  var previous = document.getElementById("previous-contacts");
  var list = document.getElementById("previous-list");
  var org = form.querySelector("input[name=caller_organisation]");
  var phone = form.querySelector("input[name=callback_phone]");
  var pending = null;
  function lookUp() {
    var params = new URLSearchParams({ organisation: org ? org.value : "", phone: phone ? phone.value : "" });
    if (form.dataset.inquiryId) { params.set("utom", form.dataset.inquiryId); }
    fetch(form.dataset.previousUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { inquiries: [] }; })
      .then(function (result) {
        list.textContent = "";
        result.inquiries.forEach(function (item) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = item.url;
          a.target = "_blank";
          a.textContent = "Ärende " + item.id + ", " + item.received_at + " (öppnas i ny flik)";
          li.appendChild(a);
          li.appendChild(document.createTextNode(" " + item.status + ": " + item.summary));
          list.appendChild(li);
        });
        previous.hidden = result.inquiries.length === 0;
      }).catch(function () { /* a hint only; the form works without it */ });
  }
  [org, phone].forEach(function (input) {
    if (!input) { return; }
    input.addEventListener("input", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(lookUp, 600);
    });
  });
  if ((org && org.value) || (phone && phone.value)) { lookUp(); }

  // --- guidance suggestions beside the question (debounced; linking is a checkbox)
  var suggestions = document.querySelector(".article-suggestions");
  var summary = form.querySelector("textarea[name=summary]");
  var suggestionList = document.getElementById("article-suggestion-list");
  var suggestTimer = null;
  function suggest() {
    var text = summary.value.trim();
    if (text.length < 3) { return; }
    var body = new FormData();
    body.append("q", text);
    fetch(suggestions.dataset.url, { method: "POST", body: body, credentials: "same-origin",
                                     headers: { "X-CSRFToken": csrf.value } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) {
        if (!result) { return; }
        var checked = {};
        suggestionList.querySelectorAll("input:checked").forEach(function (box) {
          checked[box.value] = box.closest("li");
        });
        suggestionList.textContent = "";
        Object.keys(checked).forEach(function (slug) { suggestionList.appendChild(checked[slug]); });
        result.hits.forEach(function (hit) {
          if (checked[hit.slug]) { return; }
          var li = document.createElement("li");
          var box = document.createElement("input");
          box.type = "checkbox";
          box.name = "linked_articles";
          box.value = hit.slug;
          box.id = "link-" + hit.slug;
          var label = document.createElement("label");
          label.htmlFor = box.id;
          label.textContent = hit.title;
          var link = document.createElement("a");
          link.href = hit.url;
          link.target = "_blank";
          link.textContent = "Läs (ny flik)";
          li.appendChild(box);
          li.appendChild(document.createTextNode(" "));
          li.appendChild(label);
          li.appendChild(document.createTextNode(" "));
          li.appendChild(link);
          suggestionList.appendChild(li);
        });
      }).catch(function () { /* suggestions are an aid only */ });
  }
  if (suggestions && summary && suggestionList) {
    summary.addEventListener("input", function () {
      window.clearTimeout(suggestTimer);
      suggestTimer = window.setTimeout(suggest, 500);
    });
    if (summary.value) { suggest(); }
  }
})();
