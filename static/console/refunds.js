/* The open conversation's internal notes and refund requests, and the reject dialog. */
import { h } from "../shared/dom.js";
import { canDecideRefund, clock, el, isSupervisor, send, setDisabled, showAlert, state, timeEl } from "./page.js";
import { mayDecideRefunds } from "./controls.js";


// ---------- notes ----------

export function noteItem(n) {
  return h("li", { class: "note", "data-note-id": n.id },
    h("div", { class: "note-head" },
      h("span", { class: "badge badge-internal", text: "Internal" }),
      h("strong", { text: n.author }),
      timeEl(n.created_at, clock(n.created_at))),
    h("p", { text: n.text }));
}

export function renderNotes(notes) {
  el.notes.textContent = "";
  for (const n of notes) el.notes.append(noteItem(n));
  el.notesEmpty.hidden = notes.length > 0;
}

// ---------- refunds ----------

export function renderRefunds() {
  const list = [...state.refunds.values()].sort((a, b) => b.id - a.id);
  el.refunds.textContent = "";
  for (const r of list) el.refunds.append(refundItem(r));
  el.refundsEmpty.hidden = list.length > 0;
  el.refundsEmpty.textContent = state.current ? "No refund requests." : "Open a conversation to see its refunds.";
}

export function refundItem(r) {
  const open = r.status === "requested" || r.status === "awaiting_second";
  const li = h("li", { class: `refund card is-${r.status}`, "data-refund-id": r.id },
    h("div", { class: "refund-head" },
      h("strong", { text: `${r.amount_text} · order ${r.order}` }),
      h("span", { class: `badge refund-status status-${r.status}`, text: r.status_label })));
  if (r.items && r.items.length) {
    const items = h("ul", { class: "refund-items", "aria-label": "Items" });
    for (const i of r.items) {
      const text = (i.line_text || `${i.quantity || 1} × ${i.product}`) + (i.amount_text ? ` — ${i.amount_text}` : "");
      const line = h("li", { text });
      // Before the first decision the agent may correct how many the customer meant (never more than are left).
      if (canDecideRefund && r.status === "requested" && i.max_quantity > 1) line.append(" ", quantityForm(r, i));
      items.append(line);
    }
    li.append(items);
  }
  if (r.reason) li.append(h("p", { class: "refund-reason" }, h("span", { class: "muted", text: "Reason: " }), r.reason));
  const flags = h("p", { class: "refund-flags" },
    h("span", { class: `badge ${r.eligible ? "badge-ok" : "badge-warn"}`, text: r.eligible ? "Eligible by policy" : "Not eligible by policy" }),
    r.needs_supervisor ? h("span", { class: "badge badge-supervisor", text: "Needs supervisor" }) : null);
  li.append(flags);
  if (r.eligibility_notes && r.eligibility_notes.length) {
    const notes = h("ul", { class: "eligibility", "aria-label": "Eligibility notes" });
    for (const n of r.eligibility_notes) notes.append(h("li", { text: n }));
    li.append(notes);
  }
  if (r.decisions && r.decisions.length) {
    const decisions = h("ol", { class: "decisions", "aria-label": "Decisions" });
    for (const d of r.decisions) {
      decisions.append(h("li", null,
        h("span", { class: `verdict verdict-${d.verdict}`, text: d.verdict === "approve" ? "Approved" : "Rejected" }),
        ` by ${d.by} (${d.amount_text}) `, timeEl(d.at, clock(d.at)),
        d.note ? h("q", { text: d.note }) : null));
    }
    li.append(decisions);
  }
  if (canDecideRefund && open) {
    const approvedBefore = (r.decisions || []).some((d) => d.verdict === "approve");
    const second = r.status === "awaiting_second";
    const approveBlocked = !mayDecideRefunds() ? "Claim the conversation to decide its refund."
      : second && !isSupervisor ? "A supervisor must give the second approval." : "";
    const approve = h("button", { type: "button", class: "btn btn-success", text: second ? "Approve (second)" : "Approve",
                                  "aria-label": `Approve refund of ${r.amount_text} on order ${r.order}` });
    setDisabled(approve, !!approveBlocked, approveBlocked);
    // Money leaves the shop on this click: the agent confirms what is approved (a reject asks for its note instead).
    approve.addEventListener("click", () => {
      // Over the limit the first approval is not the last: say what happens (session 28's walkthrough).
      const what = r.needs_supervisor && !second
        ? `Approve the refund of ${r.amount_text} on order ${r.order}? It then waits for a supervisor's second ` +
          "approval; the customer is told it is waiting."
        : `Approve the refund of ${r.amount_text} on order ${r.order}? The customer is told at once.`;
      // An exception to the written policy is approved knowingly: the confirm said nothing of the flag beside the
      // button (session 30's walkthrough).
      const exception = r.eligible ? "" : "It is NOT eligible by policy (" +
        (r.eligibility_notes || []).join("; ") + "): approve it as an exception?\n\n";
      if (window.confirm(exception + what)) send({ type: "refund.approve", refund_id: r.id });
    });
    const reject = h("button", { type: "button", class: "btn btn-danger", text: "Reject…",
                                 "aria-label": `Reject refund of ${r.amount_text} on order ${r.order}` });
    setDisabled(reject, !mayDecideRefunds(), mayDecideRefunds() ? "" : "Claim the conversation to decide its refund.");
    reject.addEventListener("click", () => openReject(r));
    li.append(h("div", { class: "refund-actions" }, approve, reject,
      approveBlocked ? h("p", { class: "hint", text: approveBlocked }) : null,
      second && approvedBefore && isSupervisor ? h("p", { class: "hint", text: "The second approval must come from someone other than the first approver." }) : null));
  }
  return li;
}

function quantityForm(r, i) {
  const input = h("input", { type: "number", min: "1", max: String(i.max_quantity), value: String(i.quantity),
                             class: "refund-quantity",
                             "aria-label": `How many of ${i.product} to refund (at most ${i.max_quantity})` });
  const set = h("button", { type: "button", class: "btn btn-small", text: "Set" });
  setDisabled(set, !mayDecideRefunds(), mayDecideRefunds() ? "" : "Claim the conversation to change its refund.");
  set.addEventListener("click", () => {
    const quantity = Number(input.value);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > i.max_quantity) {
      // Said, not ignored (session 28's walkthrough: 3, 0 and -1 did nothing), and the box back to what it asks for.
      showAlert(`Between 1 and ${i.max_quantity} of ${i.product} can be refunded here. To refund none, reject the request.`);
      input.value = String(i.quantity);
      input.focus();
      return;
    }
    if (quantity !== i.quantity) send({ type: "refund.quantity", refund_id: r.id, item_id: i.item_id, quantity });
  });
  return h("span", { class: "refund-quantity-form" }, input, set);
}

export function openReject(r) {
  state.rejecting = r.id;
  el.rejectSummary.textContent = `${r.amount_text} on order ${r.order}. The customer sees this note.`;
  el.rejectNote.value = "";
  el.rejectConfirm.disabled = true;
  if (typeof el.rejectDialog.showModal === "function") el.rejectDialog.showModal();
  else el.rejectDialog.setAttribute("open", "");
  el.rejectNote.focus();
}

