// Show only the birth fields that match what is known of the birth date.
(function () {
  "use strict";
  var FIELDS = {
    exact: ["birth_date"],
    month: ["birth_month", "birth_year"],
    year: ["birth_year"],
    age: ["approximate_age"],
    unknown: []
  };
  var ALL = ["birth_date", "birth_month", "birth_year", "approximate_age"];

  function update() {
    var select = document.getElementById("id_birth_precision");
    if (!select) { return; }
    var wanted = FIELDS[select.value] || ALL;
    ALL.forEach(function (name) {
      var block = document.querySelector('[data-field="' + name + '"]');
      if (block) { block.hidden = wanted.indexOf(name) === -1; }
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_birth_precision") { update(); }
  });
  document.addEventListener("DOMContentLoaded", update);
})();
