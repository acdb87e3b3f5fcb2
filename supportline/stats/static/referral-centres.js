// Keeps the referral hint in the inquiry form in step with the chosen county.
(function () {
  "use strict";
  var hint = document.getElementById("referral-centre");
  var county = document.getElementById("county_code");
  if (!hint || !county) { return; }
  var centres = JSON.parse(hint.getAttribute("data-centres") || "{}");
  function update() {
    var code = county.value;
    var list = centres[code] || [];
    var name = county.options[county.selectedIndex] ? county.options[county.selectedIndex].text : "";
    if (!code) {
      hint.textContent = "Välj län ovan för att se länets regionala resurscentrum.";
    } else if (list.length) {
      hint.textContent = "Länets resurscentrum: " + list.map(function (c) {
        return c.name + (c.host ? " (" + c.host + ")" : "") + (c.contact ? ", " + c.contact : "");
      }).join("; ") + ".";
    } else {
      hint.textContent = name + " har inget regionalt resurscentrum i katalogen. Hänvisa till socialtjänsten eller Länsstyrelsen.";
    }
  }
  county.addEventListener("change", update);
  // The county is also filled in from the municipality by the form's own script.
  var municipality = document.getElementById("municipality_code");
  if (municipality) { municipality.addEventListener("change", function () { setTimeout(update, 0); }); }
})();
