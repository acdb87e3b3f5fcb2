// The inquiry form: call timer, county from municipality, Enter and person rows, server-side
// drafts, the login's idle limit (warning, keeping what is typed once it has run out), and
// "tidigare kontakter". A file of its own because the CSP forbids inline scripts.
// Everything here is an aid: the form works and validates without it.
(function () {
  "use strict";
  var form = document.getElementById("inquiry-form");
  if (!form) { return; }
  var csrf = form.querySelector("input[name=csrf_token]");
  var DRAFT_EVERY_MS = 4000;

  // Focus the first field so the handler can type at once, unless the page shows errors or a
  // conflict with a colleague's save (its heading, which says what to do, comes first).
  var firstError = document.getElementById("conflict-heading") || form.querySelector("[aria-invalid=true]");
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
      orderCentres();
    });
    county.addEventListener("change", orderCentres);
  }

  // --- the resource centres of the outcomes: those for the chosen county first, as the server
  // orders them when it shows the form. Each option knows its own county and the counties it serves.
  function orderCentres() {
    var select = form.querySelector("select[name=resource_centre]");
    if (!select || !county) { return; }
    var code = county.value;
    var name = county.selectedIndex > 0 ? county.options[county.selectedIndex].text : "";
    var options = [].slice.call(select.querySelectorAll("option[data-county]")).sort(function (a, b) {
      return parseInt(a.dataset.order, 10) - parseInt(b.dataset.order, 10);
    });
    var chosen = select.value;
    var groups = [];
    function groupFor(label) {
      var found = groups.filter(function (g) { return g.label === label; })[0];
      if (!found) { found = document.createElement("optgroup"); found.label = label; groups.push(found); }
      return found;
    }
    function serves(option) { return (option.dataset.serves || "").split(" ").indexOf(code) !== -1; }
    var first = !code ? [] : options.filter(function (o) { return o.dataset.county === code; })
      .concat(options.filter(function (o) { return o.dataset.county !== code && serves(o); }));
    first.forEach(function (o) { groupFor("För " + name).appendChild(o); });
    options.forEach(function (o) {
      if (first.indexOf(o) === -1) { groupFor(o.dataset.countyName).appendChild(o); }
    });
    select.querySelectorAll("optgroup").forEach(function (g) { g.parentNode.removeChild(g); });
    groups.forEach(function (g) { select.appendChild(g); });
    select.value = chosen;
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
      var prefix = "persons-" + index + "-";
      row.querySelector(".person-number").textContent = "Person " + (index + 1);
      row.querySelectorAll("select, input, ul").forEach(function (el) {
        if (el.id) { el.id = el.id.replace(/^persons-\d+-/, prefix); }
        if (el.name) { el.name = el.name.replace(/^persons-\d+-/, prefix); }
        if (el.tagName === "SELECT") { el.selectedIndex = 0; }
        if (el.type === "checkbox") { el.checked = false; }
      });
      row.querySelectorAll("label").forEach(function (label) {
        label.htmlFor = label.htmlFor.replace(/^persons-\d+-/, prefix);
        label.textContent = label.textContent.replace(/person \d+$/, "person " + (index + 1));
      });
      row.querySelectorAll("legend").forEach(function (legend) {
        legend.textContent = legend.textContent.replace(/person \d+$/, "person " + (index + 1));
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
  // What was typed after the login ran out, kept in this tab only (gone when it is closed).
  var UNSAVED_KEY = "supportline-unsaved:" + form.dataset.draftUrl;
  var expired = false;
  function saveDraft(keepalive) {
    if (submitting) { return; }
    var body = JSON.stringify(payload());
    if (body === lastSent) { return; }
    if (expired) { keepLocally(); return; }
    lastSent = body;
    fetch(form.dataset.draftUrl, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive, body: body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" }
    }).then(function (r) {
      if (r.status === 401) { lastSent = ""; sessionExpired(false); return null; }
      if (r.ok) { contact(); }
      return r.ok ? r.json() : null;
    }).then(function (result) {
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

  // Save asks first whether the login is still alive: sent after it has run out, the form
  // would end on the login page and what was typed since the last draft would be gone.
  var checked = false, checking = false;
  form.addEventListener("submit", function (event) {
    if (!checked) {
      event.preventDefault();
      if (expired) { sessionExpired(true); return; }
      if (checking) { return; }
      checking = true;
      var submitter = event.submitter;
      keepAlive().then(function (alive) {
        checking = false;
        if (alive === false) { sessionExpired(true); return; }
        checked = true;  // alive, or no answer: then the server's own answer says what happened
        if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
      });
      return;
    }
    submitting = true;
    if (duration && timer) { duration.value = String(elapsedSeconds()); }
  });
  // pageshow also runs when Chrome serves the page from its back-forward cache.
  window.addEventListener("pageshow", function () { submitting = false; checked = false; });

  // --- the login's idle limit: a warning before it runs out, and nothing typed is lost after.
  // Every draft saved while typing counts as activity on the server; an untouched form does not.
  var IDLE_MS = (parseInt(form.dataset.idleSeconds, 10) || 1800) * 1000;
  var WARN_MS = Math.min(3 * 60 * 1000, IDLE_MS / 2);
  var banner = document.getElementById("session-warning");
  var bannerText = document.getElementById("session-warning-text");
  var keepWorking = document.getElementById("keep-working");
  var loginAgain = document.getElementById("login-again");
  var lastContact = Date.now();
  var warned = false, probing = false;

  function contact() {
    lastContact = Date.now();
    if (expired) { try { sessionStorage.removeItem(UNSAVED_KEY); } catch (e) { /* nothing kept */ } }
    expired = warned = false;
    if (banner) { banner.hidden = true; }
  }
  function inWords(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    return s >= 90 ? "cirka " + Math.round(s / 60) + " minuter" : s + " sekunder";
  }
  function warn() {
    warned = true;
    if (!banner) { return; }
    bannerText.textContent = "Inloggningen går ut om " + inWords(IDLE_MS - (Date.now() - lastContact)) +
      " eftersom inget har hänt i formuläret på en stund. Det du har skrivit finns kvar.";
    keepWorking.hidden = false;
    loginAgain.hidden = true;
    banner.hidden = false;
  }
  function keepLocally() {
    try {
      sessionStorage.setItem(UNSAVED_KEY, JSON.stringify({ user: form.dataset.user, form: payload() }));
    } catch (e) { /* storage full or off */ }
  }
  function sessionExpired(focus) {
    expired = true;
    keepLocally();
    if (!banner) { return; }
    bannerText.textContent = "Inloggningen har gått ut. Det du har skrivit är inte förlorat: det finns kvar i " +
      "den här webbläsaren och kommer tillbaka i formuläret när du har loggat in igen i den här fliken.";
    keepWorking.hidden = true;
    loginAgain.hidden = false;
    banner.hidden = false;
    if (focus) { banner.focus(); }
  }
  // Resolves true (alive, and now kept alive), false (run out) or null (no answer).
  function keepAlive() {
    return fetch(form.dataset.keepAliveUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf ? csrf.value : "" }
    }).then(function (r) {
      if (r.ok) { contact(); return true; }
      return r.status === 401 ? false : null;
    }).catch(function () { return null; });
  }
  if (keepWorking) {
    keepWorking.addEventListener("click", function () {
      keepAlive().then(function (alive) { if (alive === false) { sessionExpired(true); } });
    });
  }
  if (form.dataset.keepAliveUrl) {
    window.setInterval(function () {
      if (expired || submitting) { return; }
      var idle = Date.now() - lastContact;
      if (idle > IDLE_MS && !probing) {
        // Past the limit by this page's clock; the login may still live through another tab. Asking
        // cannot keep an unattended form alive: by now this page's last request is past the limit.
        probing = true;
        keepAlive().then(function (alive) { probing = false; if (alive !== true) { sessionExpired(false); } });
      } else if (idle > IDLE_MS - WARN_MS && !warned) {
        warn();
      }
    }, 1000);
  }
  // Typed while the login had run out: keep it in the browser at once, not only every few seconds.
  form.addEventListener("input", function () { if (expired) { keepLocally(); } });

  // After logging in again the form comes back with everything that was typed.
  function restore(data) {
    var needed = 0;
    Object.keys(data).forEach(function (name) {
      var m = /^persons-(\d+)-/.exec(name);
      if (m) { needed = Math.max(needed, parseInt(m[1], 10) + 1); }
    });
    while (addPerson && form.querySelectorAll(".person-row").length < needed) { addPerson.click(); }
    var list = document.getElementById("article-suggestion-list");
    [].concat(data.linked_articles || []).forEach(function (slug) {
      if (!list || document.getElementById("link-" + slug)) { return; }
      var li = document.createElement("li");
      var box = document.createElement("input");
      box.type = "checkbox"; box.name = "linked_articles"; box.value = slug; box.id = "link-" + slug;
      var label = document.createElement("label");
      label.htmlFor = box.id; label.textContent = slug;
      li.appendChild(box); li.appendChild(document.createTextNode(" ")); li.appendChild(label);
      list.appendChild(li);
    });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.type === "submit" || el.type === "button") { return; }
      var has = Object.prototype.hasOwnProperty.call(data, el.name);
      var values = [].concat(has ? data[el.name] : []);
      if (el.type === "checkbox") { el.checked = values.indexOf(el.value) !== -1; }
      else if (has) { el.value = values[0]; }
    });
    document.querySelectorAll(".draft-offer").forEach(function (offer) { offer.hidden = true; });
    if (status) {
      status.textContent = "Det du skrev innan inloggningen gick ut är återställt. Kontrollera uppgifterna och spara.";
    }
    lastSent = "";  // and saved as a draft on the server at the next tick
  }
  var kept = null;
  try { kept = JSON.parse(sessionStorage.getItem(UNSAVED_KEY) || "null"); } catch (e) { kept = null; }
  if (kept) { try { sessionStorage.removeItem(UNSAVED_KEY); } catch (e) { /* nothing kept */ } }
  // Only for the one who typed it: someone else logging in at the same computer gets nothing.
  if (kept && kept.user === form.dataset.user && kept.form) {
    restore(kept.form);
    if (submissionKey) {
      history.replaceState({ submissionKey: submissionKey.value, startedAt: started.value }, "");
    }
  }

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
