/* Checkout: with a saved address chosen in "Deliver to", the fields for a new address are hidden (they stayed on
   show, empty, under the chosen address). Without script they all show, as the form reads them the same way. */
(function () {
  "use strict";
  const saved = document.getElementById("id_saved_address");
  if (!saved) return;
  const newAddress = ["recipient", "street", "postcode", "city", "country", "save_address"]
    .map((name) => document.getElementById(`id_${name}`))
    .filter(Boolean)
    .map((input) => input.closest(".field"));
  const show = () => {
    for (const field of newAddress) field.hidden = saved.value !== "";
  };
  saved.addEventListener("change", show);
  show();
})();
