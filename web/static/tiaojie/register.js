// The register page (web/templates/cases/register.html), a file of its own so that the page
// keeps to the site's Content-Security-Policy (script-src 'self', no inline script).
"use strict";

// The chosen ID type's hint under the number field (cases.identity.HINTS).
document.getElementById("parties").addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches("select[data-id-hints]")) return;
  var number = document.getElementById(select.id.replace(/id_type$/, "id_number"));
  var help = number && number.parentElement.querySelector(".helptext");
  var hint = JSON.parse(select.dataset.idHints)[select.value];
  if (help && hint) help.textContent = hint;
});

// One more party: the formset's empty form with the next index.
document.getElementById("add-party").addEventListener("click", function () {
  var total = document.getElementById("id_parties-TOTAL_FORMS");
  var html = document.getElementById("party-template").innerHTML.replace(/__prefix__/g, total.value);
  document.getElementById("parties").insertAdjacentHTML("beforeend", html);
  total.value = parseInt(total.value, 10) + 1;
});
