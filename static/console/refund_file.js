/* Filing a refund agreed with the customer in the chat: pick the order, how many of each item (at most what is
 * left to refund), the reason, then confirm. The server offers the orders (`refund.orders`: the customer's own and
 * the guest orders proved in the chat) and checks all of it again when the request is filed (`refund.file`).
 */
import { h } from "../shared/dom.js";
import { announce, el, send, setDisabled, state } from "./page.js";


// "1 of 2 × Ceramic mug", "2 × Ceramic mug": as the refund list and the customer read it (refunds.refund_line).
function lineText(item, quantity) {
  const whole = `${item.ordered} × ${item.product}`;
  return quantity >= item.ordered ? whole : `${quantity} of ${whole}`;
}

function chosenOrder() {
  const filing = state.refundFiling;
  return filing && filing.orders.find((o) => String(o.number) === el.refundOrder.value);
}

// The items asked for, and why the form can't be sent yet ("" when it can).
function formRead() {
  const order = chosenOrder();
  const items = [];
  for (const input of el.refundItems.querySelectorAll("input.refund-quantity")) {
    const item = order.items.find((i) => String(i.item_id) === input.dataset.itemId);
    const quantity = Number(input.value || 0);
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > item.left) {
      return { items, why: `Between 0 and ${item.left} of ${item.product} can be refunded.` };
    }
    if (quantity > 0) items.push({ item, quantity });
  }
  if (!items.length) return { items, why: "Choose how many of an item to refund." };
  if (el.refundReason.value.trim().length < 3) return { items, why: "Say why the customer is refunded." };
  return { items, why: "" };
}

function summaryUpdate() {
  const order = chosenOrder();
  const { items, why } = order ? formRead() : { items: [], why: "There is no order to refund." };
  const lines = items.map((x) => lineText(x.item, x.quantity)).join(", ");
  el.refundFileSummary.textContent = why || `Files a refund request for ${lines} from order ${order.number}. ` +
    "It waits for a decision; the customer is told in the chat.";
  setDisabled(el.refundFileConfirm, !!why || state.refundFiling.sent, why);
}

function itemsShow() {
  const order = chosenOrder();
  for (const row of el.refundItems.querySelectorAll(".refund-file-item")) row.remove();
  el.refundOrderNotes.textContent = "";
  for (const note of (order && order.eligibility_notes) || []) el.refundOrderNotes.append(h("li", { text: note }));
  el.refundOrderNotes.hidden = !el.refundOrderNotes.childElementCount;
  for (const item of (order && order.items) || []) {
    const id = `refund-item-${item.item_id}`;
    const input = h("input", { type: "number", id, class: "refund-quantity", min: "0", max: String(item.left),
                               value: "0", "data-item-id": item.item_id, disabled: item.left < 1 });
    el.refundItems.append(h("div", { class: "refund-file-item" },
      h("label", { for: id },
        h("strong", { text: item.product }), " ",
        h("span", { class: "muted", text: item.left < 1 ? `all ${item.ordered} already asked for or refunded`
          : `${item.unit_price_text} each · ${item.left} of ${item.ordered} left to refund` })),
      input));
  }
  summaryUpdate();
}

function errorShow(text) {
  el.refundFileError.textContent = text;
  el.refundFileError.hidden = !text;
}

/** The orders the server offers for the open conversation: the form opens with them. */
export function refundOrdersShow(e) {
  if (!state.current || e.conversation_id !== state.current.conversation_id) return;
  state.refundFiling = { conversation_id: e.conversation_id, orders: e.orders, sent: false };
  el.refundOrder.textContent = "";
  for (const o of e.orders) {
    el.refundOrder.append(h("option", { value: o.number, text: `Order ${o.number} · ${o.status}` }));
  }
  el.refundOrder.hidden = !e.orders.length;
  el.refundOrdersNone.hidden = e.orders.length > 0;
  el.refundReason.value = "";
  errorShow("");
  itemsShow();
  if (typeof el.refundFileDialog.showModal === "function") el.refundFileDialog.showModal();
  else el.refundFileDialog.setAttribute("open", "");
  (e.orders.length ? el.refundOrder : el.refundFileCancel).focus();
}

/** Filed: the form closes; the request shows in the refund list (its `refund.updated` comes to every console). */
export function refundFiled(e) {
  if (el.refundFileDialog.open) el.refundFileDialog.close();
  announce(`Refund request filed for order ${e.refund.order}: ${e.refund.amount_text}. The customer was told.`);
}

/** The server refused the request just sent: said in the form, which stays open as it was. False when none was sent. */
export function refundFileRefused(message) {
  const filing = state.refundFiling;
  if (!filing || !filing.sent || !el.refundFileDialog.open) return false;
  filing.sent = false;
  errorShow(message);
  summaryUpdate();
  return true;
}

if (el.refundFileDialog) {
  el.refundNew.addEventListener("click", () => {
    if (state.current) send({ type: "refund.orders", conversation_id: state.current.conversation_id });
  });
  el.refundOrder.addEventListener("change", itemsShow);
  el.refundItems.addEventListener("input", summaryUpdate);
  el.refundReason.addEventListener("input", summaryUpdate);
  el.refundFileCancel.addEventListener("click", () => el.refundFileDialog.close());
  el.refundFileDialog.addEventListener("close", () => { state.refundFiling = null; });
  el.refundFileForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const filing = state.refundFiling;
    const order = chosenOrder();
    if (!filing || !order || filing.sent || formRead().why) return;
    const { items } = formRead();
    errorShow("");
    if (send({ type: "refund.file", conversation_id: filing.conversation_id, order: order.number,
               items: items.map((x) => ({ item_id: x.item.item_id, quantity: x.quantity })),
               reason: el.refundReason.value.trim() })) {
      filing.sent = true;
      summaryUpdate();
    }
  });
}
