/* The queue: open handoffs (highest priority first, filtered by reason and priority), the
 * refunds awaiting a supervisor's second approval, and the sound on a new handoff.
 */
import { h } from "../shared/dom.js";
import { ago, announce, baseTitle, el, isSupervisor, languageBadge, state } from "./page.js";
import { openConversation, renderPacket } from "./conversation.js";
import { updateControls } from "./controls.js";
import { renderRefunds } from "./refunds.js";


// ---------- sound ----------

let audio = null;
export const SOUND_KEY = "shoppe.console.sound";
el.sound.checked = localStorage.getItem(SOUND_KEY) === "1";
el.sound.addEventListener("change", () => {
  localStorage.setItem(SOUND_KEY, el.sound.checked ? "1" : "0");
  if (el.sound.checked) beep(); // created during a user gesture, so the browser lets it play later
});

export function beep() {
  if (!el.sound.checked) return;
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    audio = audio || new Ctx();
    if (audio.state === "suspended") audio.resume();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.3);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.32);
  } catch (e) {
    /* sound is a nicety */
  }
}

// ---------- queue ----------

export function sortedHandoffs() {
  // Highest priority first; within a priority, the newest first.
  return [...state.handoffs.values()].sort((a, b) =>
    (b.priority - a.priority) || (new Date(b.created_at) - new Date(a.created_at)) || (b.id - a.id));
}

export function renderQueue() {
  const reason = el.filterReason.value;
  const priority = el.filterPriority.value;
  const all = sortedHandoffs();
  const shown = all.filter((x) => (!reason || x.reason === reason) && (!priority || String(x.priority) === priority));
  el.queue.textContent = "";
  for (const x of shown) el.queue.append(queueItem(x));
  el.queueEmpty.hidden = shown.length > 0 || state.view !== "handoffs";
  el.queueEmpty.textContent = all.length ? "No handoffs match these filters." : "No open handoffs.";
  el.queueShown.textContent = (reason || priority) && state.view === "handoffs" ? `${shown.length} of ${all.length}` : "";
  const waitingShown = all.filter((x) => x.status === "queued").length;
  const queued = waitingShown + state.waitingNotSent;
  if (state.waitingNotSent && !(reason || priority) && state.view === "handoffs") {
    el.queueShown.textContent = `${waitingShown} of ${queued} waiting shown: the first to take`;
  }
  el.count.textContent = String(queued);
  el.count.dataset.count = String(queued);
  el.count.setAttribute("aria-label", `${queued} handoff${queued === 1 ? "" : "s"} waiting`);
  document.title = queued ? `(${queued}) ${baseTitle}` : baseTitle;
}

export function queueItem(x) {
  const current = state.current && state.current.conversation_id === x.conversation_id;
  const status = x.status === "claimed" ? `With ${x.claimed_by || "an agent"}` : "Waiting";
  const button = h("button", {
    type: "button", class: "queue-item", "data-handoff-id": x.id, "data-conversation-id": x.conversation_id,
    "aria-current": current ? "true" : null,
  },
    h("span", { class: "qi-top" },
      h("span", { class: "qi-customer" }, x.customer, " ", languageBadge(x.language, "qi-lang")),
      h("span", { class: `prio prio-${x.priority}`, text: x.priority_label })),
    h("span", { class: "qi-reason", text: x.reason_label + (x.order ? ` · order ${x.order}` : "") }),
    x.summary ? h("span", { class: "qi-summary", text: x.summary }) : null,
    h("span", { class: "qi-bottom" },
      h("span", { class: `status status-${x.status}`, text: status }),
      h("span", { class: "qi-time", "data-ago": x.created_at, text: ago(x.created_at) })));
  button.addEventListener("click", () => openConversation(x.conversation_id, true));
  return h("li", { class: `queue-row is-${x.status}${current ? " is-current" : ""}` }, button);
}

// ---------- refunds awaiting a supervisor ----------
// Refunds with a first approval above the limit wait here, whoever holds their conversation, so a
// supervisor finds them; the badge counts them (#15 item 2).

export function showView(view) {
  state.view = view;
  const awaiting = view === "awaiting";
  el.viewHandoffs.setAttribute("aria-pressed", String(!awaiting));
  el.viewAwaiting.setAttribute("aria-pressed", String(awaiting));
  el.filters.hidden = awaiting;
  el.queue.hidden = awaiting;
  el.awaiting.hidden = !awaiting;
  renderQueue();
  renderAwaiting();
}

export function renderAwaiting() {
  const list = [...state.awaiting.values()].sort((a, b) => new Date(a.waiting_since) - new Date(b.waiting_since));
  const n = list.length;
  el.awaitingCount.textContent = String(n);
  el.awaitingCount.dataset.count = String(n);
  el.awaitingCount.setAttribute("aria-label", `${n} waiting`);
  if (el.awaitingBadge) {
    el.awaitingBadge.textContent = `${n} refund${n === 1 ? "" : "s"} to approve`;
    el.awaitingBadge.dataset.count = String(n);
  }
  if (state.view !== "awaiting") { el.awaitingEmpty.hidden = true; return; }
  el.awaiting.textContent = "";
  for (const r of list) el.awaiting.append(awaitingItem(r));
  el.awaitingEmpty.hidden = n > 0;
  el.queueEmpty.hidden = true;
  el.queueShown.textContent = "";
}

export function awaitingItem(r) {
  const current = state.current && state.current.conversation_id === r.conversation_id;
  const first = (r.decisions || []).filter((d) => d.verdict === "approve").map((d) => d.by)[0];
  // What the supervisor approves, on the card ("1 of 2 × Blue ceramic table lamp"; session 28's walkthrough).
  const items = (r.items || []).map((i) => i.line_text || `${i.quantity || 1} × ${i.product}`).join(", ");
  const button = h("button", { type: "button", class: "queue-item", "data-refund-id": r.id,
                               "data-conversation-id": r.conversation_id, "aria-current": current ? "true" : null },
    h("span", { class: "qi-top" },
      h("span", { class: "qi-customer", text: r.customer }),
      h("span", { class: "qi-amount", text: r.amount_text })),
    h("span", { class: "qi-reason", text: `Refund · order ${r.order}` }),
    items ? h("span", { class: "qi-summary qi-items", text: items }) : null,
    h("span", { class: "qi-summary", text: first ? `First approval by ${first}` : "Waiting for a second approval" }),
    h("span", { class: "qi-bottom" },
      h("span", { class: "status status-queued", text: "Waiting for a supervisor" }),
      h("span", { class: "qi-time", "data-ago": r.waiting_since, text: ago(r.waiting_since) })));
  button.addEventListener("click", () => openConversation(r.conversation_id, true));
  return h("li", { class: `queue-row is-awaiting${current ? " is-current" : ""}` }, button);
}

export function upsertAwaiting(r) {
  const before = state.awaiting.has(r.id);
  if (r.status === "awaiting_second") state.awaiting.set(r.id, r);
  else state.awaiting.delete(r.id);
  renderAwaiting();
  if (!before && r.status === "awaiting_second" && isSupervisor) {
    announce(`A refund of ${r.amount_text} for ${r.customer} is waiting for a supervisor's second approval.`);
  }
}

el.viewHandoffs.addEventListener("click", () => showView("handoffs"));
el.viewAwaiting.addEventListener("click", () => showView("awaiting"));
if (el.awaitingBadge) el.awaitingBadge.addEventListener("click", () => { showView("awaiting"); el.viewAwaiting.focus(); });

el.filterReason.addEventListener("change", renderQueue);
el.filterPriority.addEventListener("change", renderQueue);
setInterval(() => {
  for (const t of document.querySelectorAll("[data-ago]")) t.textContent = ago(t.dataset.ago);
}, 30000);

// More handoffs wait than the server sent (the first to take): when a waiting one shown here is taken, ask
// for the queue again so the next one shows, once for a burst of claims.
let refill = null;
function refillQueue() {
  if (!state.waitingNotSent || refill) return;
  refill = setTimeout(() => {
    refill = null;
    if (state.socket) state.socket.send({ type: "queue.refresh" });
  }, 1000);
}

export function upsertHandoff(x) {
  const before = state.handoffs.get(x.id);
  if (x.status === "resolved") state.handoffs.delete(x.id);
  else state.handoffs.set(x.id, x);
  renderQueue();
  if (before && before.status === "queued" && x.status !== "queued") refillQueue();
  if (state.current && x.conversation_id === state.current.conversation_id) {
    // The header's status follows the handoff: resolved gives the chat back to the assistant,
    // instead of still saying what it was when the conversation was opened.
    // Resolving ends the conversation: the customer's next question starts a new one.
    state.current.status = x.status === "resolved" ? "closed" : x.status === "claimed" ? "with_agent" : "waiting";
    if (x.status === "resolved") {
      if (!state.currentHandoff || state.currentHandoff.id === x.id) state.currentHandoff = null;
    } else {
      state.currentHandoff = x;
    }
    renderPacket();
    renderRefunds(); // who may decide them follows the claim
    updateControls();
  }
}

