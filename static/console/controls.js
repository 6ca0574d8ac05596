/* The console's actions: who may claim, transfer, resolve, reply and decide refunds in the open
 * conversation (the server checks again), the buttons that follow, and the working language.
 */
import { TYPING_SEND_EVERY_MS, announce, body, canDecideRefund, canWork, el, isSupervisor, myId, send, setDisabled, showAlert, state } from "./page.js";
import { offerTranslation } from "./conversation.js";
import { replySent } from "./reply_confirm.js";


export function mayAnswer(x) {
  return canWork && !!x && x.status === "claimed" && (x.claimed_by_id === myId || isSupervisor);
}

// Refunds: the agent holding the conversation's claim decides them, or any supervisor.
export function mayDecideRefunds() {
  return canDecideRefund && (isSupervisor || mayAnswer(state.currentHandoff));
}

// Why this conversation can't be resolved yet: a refund in it is undecided, or waits for a supervisor.
export function resolveBlockedBy() {
  const open = [...state.refunds.values()].filter((r) => r.status === "requested" || r.status === "awaiting_second");
  const waiting = open.find((r) => r.status === "awaiting_second");
  if (waiting) {
    return `Resolve waits for a supervisor: the ${waiting.amount_text} refund needs a second approval. ` +
      "The customer has been told and will hear the outcome here.";
  }
  if (open.length) return `Approve or reject the refund of ${open[0].amount_text} before resolving.`;
  return "";
}


// The customer wrote after the last reply (the assistant stays quiet while a person has the chat): said above the
// transcript, so a message is not resolved away unread (session 28's walkthrough). Resolving stays possible.
export function unansweredNote() {
  const x = state.currentHandoff;
  if (!x || x.status !== "claimed" || !state.current) return "";
  const said = [...el.transcript.querySelectorAll("li.msg:not(.msg-system)")];
  const last = said[said.length - 1];
  return last && last.classList.contains("msg-customer") ? `${state.current.customer} wrote after the last reply.` : "";
}


// The draft is translated from the agent's language into the customer's: not when they are the same.
export function updateTranslateDraft() {
  if (!el.translateDraft) return;
  const answering = mayAnswer(state.currentHandoff);
  const same = !!state.current && (state.current.language || "en") === state.agentLanguage;
  setDisabled(el.translateDraft, !answering || same || state.translating || !el.replyInput.value.trim(),
    !answering ? "Claim the conversation first" : same ? "The customer writes in your working language" : "");
}

export function updateControls() {
  if (!canWork) return;
  const x = state.currentHandoff;
  const answering = mayAnswer(x);
  setDisabled(el.claim, !(x && x.status === "queued"),
    !x ? "No open handoff" : x.status === "claimed" ? `Claimed by ${x.claimed_by}` : "");
  el.claim.textContent = x && x.status === "claimed" ? (x.claimed_by_id === myId ? "Claimed by you" : `Claimed by ${x.claimed_by}`) : "Claim";
  setDisabled(el.transferTo, !answering);
  for (const option of el.transferTo.options) option.hidden = option.value !== "" && Number(option.value) === (x && x.claimed_by_id);
  setDisabled(el.transfer, !answering || !el.transferTo.value, answering ? "" : "Claim the conversation first");
  const blocked = resolveBlockedBy();
  setDisabled(el.resolve, !(x && ((x.status === "queued" && isSupervisor) || answering)) || !!blocked,
    blocked || (x && x.status === "queued" && !isSupervisor ? "Claim the conversation first" : ""));
  el.resolveBlocked.textContent = x && blocked ? blocked : "";
  el.resolveBlocked.hidden = !(x && blocked);
  const unanswered = unansweredNote();
  el.unanswered.textContent = unanswered;
  el.unanswered.hidden = !unanswered;
  setDisabled(el.replyInput, !answering);
  setDisabled(el.replySend, !answering);
  setDisabled(el.canned, !answering);
  updateTranslateDraft();
  el.replyInput.placeholder = answering ? "Write to the customer…"
    : x && x.status === "claimed" ? `${x.claimed_by} is handling this conversation.`
    : x ? "Claim the conversation to reply." : "There is no open handoff to answer.";
  // Filing a refund agreed in the chat: the same hands as deciding one.
  const fileBlocked = !state.current ? "Open a conversation first"
    : mayDecideRefunds() ? "" : "Claim the conversation to file a refund in it.";
  setDisabled(el.refundNew, !!fileBlocked, fileBlocked);
  setDisabled(el.noteInput, !state.current);
  setDisabled(el.noteAdd, !state.current || !el.noteInput.value.trim());
}

// The agent's working language: saved on the server (their own only), then every translate action follows it.
export async function agentLanguageSave() {
  const form = el.agentLanguageForm;
  const previous = state.agentLanguage;
  try {
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": form.elements.csrfmiddlewaretoken.value },
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error || "Your working language could not be saved.");
    state.agentLanguage = answer.language;
    body.dataset.agentLanguage = answer.language;
    for (const li of el.transcript.querySelectorAll("li.msg-customer")) offerTranslation(li);
    updateControls();
    announce(`You work in ${answer.language_name}: customer messages are translated into it, your drafts from it.`);
  } catch (error) {
    el.agentLanguage.value = previous;
    showAlert(error.message || "Your working language could not be saved.");
  }
}

if (el.agentLanguageForm) {
  el.agentLanguageForm.addEventListener("submit", (e) => { e.preventDefault(); agentLanguageSave(); });
  el.agentLanguage.addEventListener("change", agentLanguageSave);
}

if (canWork) {
  el.claim.addEventListener("click", () => {
    if (state.currentHandoff) send({ type: "handoff.claim", handoff_id: state.currentHandoff.id });
  });
  el.transferTo.addEventListener("change", updateControls);
  el.transfer.addEventListener("click", () => {
    const to = el.transferTo.value;
    if (!state.currentHandoff || !to) return;
    const name = el.transferTo.selectedOptions[0].textContent;
    if (send({ type: "handoff.transfer", handoff_id: state.currentHandoff.id, to_agent_id: Number(to) })) {
      el.transferTo.value = "";
      announce(`Transferring to ${name}.`);
    }
  });
  el.resolve.addEventListener("click", () => {
    if (state.currentHandoff) send({ type: "handoff.resolve", handoff_id: state.currentHandoff.id });
  });

  el.replyForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = el.replyInput.value.trim();
    if (!text || !state.current || el.replyInput.disabled) return;
    if (send({ type: "agent.message", conversation_id: state.current.conversation_id, text })) {
      replySent(text, state.current.conversation_id);
      el.replyInput.value = "";
      el.translatedHint.hidden = true;
    }
  });
  el.replyInput.addEventListener("input", updateTranslateDraft);
  if (el.translateDraft) {
    // The translation comes back into this box: it reaches the customer only when the agent presses Send.
    el.translateDraft.addEventListener("click", () => {
      const text = el.replyInput.value.trim();
      if (!text || !state.current) return;
      if (send({ type: "draft.translate", conversation_id: state.current.conversation_id, text })) {
        state.translating = true;
        el.translateDraft.textContent = "Translating…";
        updateControls();
      }
    });
  }
  el.replyInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      el.replyForm.requestSubmit();
    }
  });
  // At most one typing event per TYPING_SEND_EVERY_MS; typing that starts inside that
  // window is signalled when it ends, so the customer still sees it.
  el.replyInput.addEventListener("input", window.shoppeThrottle(() => {
    if (!state.current || !el.replyInput.value) return false;
    send({ type: "typing", conversation_id: state.current.conversation_id });
  }, TYPING_SEND_EVERY_MS));
  el.canned.addEventListener("change", () => {
    const text = el.canned.value;
    el.canned.value = "";
    if (!text) return;
    const input = el.replyInput;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    const before = input.value.slice(0, start);
    const spacer = before && !/\s$/.test(before) ? " " : "";
    input.value = before + spacer + text + input.value.slice(end);
    const caret = (before + spacer + text).length;
    input.focus();
    input.setSelectionRange(caret, caret);
    input.dispatchEvent(new Event("input"));
  });

  el.noteInput.addEventListener("input", updateControls);
  el.noteForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = el.noteInput.value.trim();
    if (!text || !state.current) return;
    if (send({ type: "note.add", conversation_id: state.current.conversation_id, text })) {
      el.noteInput.value = "";
      updateControls();
    }
  });

  el.rejectNote.addEventListener("input", () => { el.rejectConfirm.disabled = !el.rejectNote.value.trim(); });
  el.rejectCancel.addEventListener("click", () => el.rejectDialog.close());
  el.rejectForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const note = el.rejectNote.value.trim();
    if (!note || state.rejecting === null) return;
    if (send({ type: "refund.reject", refund_id: state.rejecting, note })) el.rejectDialog.close();
  });
  el.rejectDialog.addEventListener("close", () => { state.rejecting = null; });
}

