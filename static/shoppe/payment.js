// The payment step: the card's fields only while "Card" is the chosen way to pay.
(function () {
  const form = document.querySelector(".payment-form");
  if (!form) return;
  const cardFields = ["id_cardholder", "id_card_number"]
    .map((id) => document.getElementById(id))
    .filter(Boolean)
    .map((input) => input.closest(".field"));
  const sync = () => {
    const chosen = form.querySelector("input[name=method]:checked");
    const card = !chosen || chosen.value === "card";
    cardFields.forEach((field) => { field.hidden = !card; });
  };
  form.addEventListener("change", sync);
  sync();
  // A payment that failed: its summary at the top is where the eye (and a screen reader) goes first.
  const problem = document.getElementById("payment-problem");
  if (problem) problem.focus();
})();
