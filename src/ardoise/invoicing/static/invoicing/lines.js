// The invoice editor's lines table: add and remove rows without reloading, fill a row from
// the chosen product, keep the shown currency in step with the customer, and ask the server
// for fresh totals (the totals box listens to "lines-changed").
(function () {
  "use strict";

  var form = document.getElementById("invoice-form");
  if (!form) return;
  var body = form.querySelector("[data-lines]");
  var template = document.getElementById("line-template");

  function refreshTotals() {
    if (window.htmx) window.htmx.trigger(document.body, "lines-changed");
  }

  function addLine() {
    var row = template.content.firstElementChild.cloneNode(true);
    body.appendChild(row);
    if (window.htmx) window.htmx.process(row);
    var first = row.querySelector("select, input");
    if (first) first.focus();
    return row;
  }

  function fillFromProduct(select) {
    var option = select.options[select.selectedIndex];
    var row = select.closest("tr");
    if (!option || !option.value || !row) return;
    var fields = {
      line_description: option.dataset.description,
      line_unit: option.dataset.unit,
      line_unit_price: option.dataset.price,
      line_tax_code: option.dataset.taxCode
    };
    Object.keys(fields).forEach(function (name) {
      var input = row.querySelector('[name="' + name + '"]');
      if (input && fields[name] !== undefined) input.value = fields[name];
    });
    var quantity = row.querySelector('[name="line_quantity"]');
    if (quantity && !quantity.value) quantity.value = "1";
  }

  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-line]");
    if (add) {
      event.preventDefault();
      addLine();
      return;
    }
    var remove = event.target.closest("[data-remove-line]");
    if (remove) {
      event.preventDefault();
      remove.closest("tr").remove();
      if (!body.querySelector("tr")) addLine();
      refreshTotals();
    }
  });

  // Capture phase: the row is filled before htmx sends the totals request for this change.
  form.addEventListener(
    "change",
    function (event) {
      if (event.target.matches("[data-line-product]")) fillFromProduct(event.target);
      if (event.target.id === "invoice-customer") {
        var option = event.target.options[event.target.selectedIndex];
        var shown = document.getElementById("invoice-currency");
        if (shown && option) shown.textContent = option.dataset.currency || "";
      }
    },
    true
  );
})();
