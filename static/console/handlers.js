/* What the console does with each event the server sends on /ws/console/. */
import { h, setBoldText } from "../shared/dom.js";
import { LANGUAGE_NAMES, announce, el, showAlert, state, sourceLinks } from "./page.js";
import { beep, renderAwaiting, renderQueue, upsertAwaiting, upsertHandoff } from "./queue.js";
import { addMessage, bubble, markWrittenByLlm, nearBottom, offerTranslation, renderConversation, scrollTranscript, setTyping, systemLine, traceLine } from "./conversation.js";
import { updateControls } from "./controls.js";
import { noteItem, renderRefunds } from "./refunds.js";
import { refundFileRefused, refundFiled, refundOrdersShow } from "./refund_file.js";
import { isEchoOfPending, replyCheckedAgainst, replyConfirmed } from "./reply_confirm.js";


export function forCurrent(e) {
  return state.current && (!e.conversation_id || e.conversation_id === state.current.conversation_id);
}

export const handlers = {
  queue(e) {
    state.handoffs.clear();
    for (const x of e.handoffs) if (x.status !== "resolved") state.handoffs.set(x.id, x);
    // Waiting handoffs the server did not send (it sends the first 200 to take): counted, and asked for again
    // as the shown ones are taken (queue.js refillQueue).
    const sent = [...state.handoffs.values()].filter((x) => x.status === "queued").length;
    state.waitingNotSent = Math.max(0, (e.waiting || 0) - sent);
    renderQueue();
    state.awaiting.clear();
    for (const r of e.refunds_awaiting || []) state.awaiting.set(r.id, r);
    renderAwaiting();
  },
  "refund.awaiting"(e) {
    upsertAwaiting(e.refund);
  },
  "handoff.new"(e) {
    upsertHandoff(e.handoff);
    beep();
    announce(`New handoff: ${e.handoff.reason_label} from ${e.handoff.customer}, ${e.handoff.priority_label} priority.`);
    const row = el.queue.querySelector(`[data-handoff-id="${e.handoff.id}"]`);
    if (row) {
      row.classList.add("is-new");
      setTimeout(() => row.classList.remove("is-new"), 4000);
    }
  },
  "handoff.updated"(e) {
    const before = state.handoffs.get(e.handoff.id);
    upsertHandoff(e.handoff);
    if (state.current && e.handoff.conversation_id === state.current.conversation_id && (!before || before.status !== e.handoff.status || before.claimed_by_id !== e.handoff.claimed_by_id)) {
      const x = e.handoff;
      announce(x.status === "resolved" ? "Handoff resolved." : x.status === "claimed" ? `Claimed by ${x.claimed_by}.` : "Handoff updated.");
    }
  },
  "conversation.detail"(e) {
    renderConversation(e);
    replyCheckedAgainst(e);
  },
  "message.saved"(e) {
    if (!forCurrent(e)) return;
    const stick = nearBottom();
    addMessage({ id: e.message_id, author: "customer", text: e.text, created_at: e.created_at, trace: {},
                 language: e.language });
    setTyping(false);
    if (stick) scrollTranscript();
    announce(`${state.current.customer}: ${e.text}`);
    updateControls();  // "... wrote after the last reply"
  },
  "reply.start"(e) {
    /* the bubble appears with the first chunk (or at the end) */
  },
  "photo.saved"(e) {
    if (!forCurrent(e)) return;
    const stick = nearBottom();
    addMessage({ id: e.message_id, author: "customer", text: e.text, created_at: e.created_at, photo: e.photo });
    if (stick) scrollTranscript();  // and again once the photo has loaded (photoEl)
    announce(`${state.current.customer} sent a photo.`);
  },
  "reply.chunk"(e) {
    if (!forCurrent(e)) return;
    const stick = nearBottom();
    let li = state.streaming.get(e.reply_id);
    if (!li) {
      li = bubble({ id: e.reply_id, author: "bot", text: "" });
      li.classList.add("is-streaming");
      state.streaming.set(e.reply_id, li);
    }
    // The words so far (a bubble drawn from the history holds the start), re-drawn with each chunk: bold as it streams.
    li.dataset.streamed = (li.dataset.streamed ?? li.querySelector(".msg-text").textContent) + e.text;
    setBoldText(li.querySelector(".msg-text"), li.dataset.streamed);
    if (stick) scrollTranscript();
  },
  "reply.end"(e) {
    if (!forCurrent(e)) return;
    const stick = nearBottom();
    const li = state.streaming.get(e.reply_id) || bubble({ id: e.reply_id, author: "bot", text: "" });
    setBoldText(li.querySelector(".msg-text"), e.text);
    delete li.dataset.streamed;
    li.classList.remove("is-streaming");
    li.dataset.route = e.route || "";
    markWrittenByLlm(li, e.route);
    if (!li.querySelector(".sources")) {
      const sources = sourceLinks(e.sources);
      if (sources) li.append(sources);
    }
    state.streaming.delete(e.reply_id);
    // The customer message it answers learns its route and intent now; the rest shows after a reload.
    if (e.in_reply_to) {
      const asked = el.transcript.querySelector(`li[data-message-id="${e.in_reply_to}"]`);
      const line = asked && asked.querySelector(".trace-line");
      if (line && line.textContent.startsWith("—")) line.textContent = traceLine({ route: e.route, intent: e.intent });
    }
    if (stick) scrollTranscript();
  },
  "reply.failed"(e) {
    if (!forCurrent(e)) return;
    const li = state.streaming.get(e.reply_id) || bubble({ id: e.reply_id, author: "bot", text: "" });
    li.querySelector(".msg-text").textContent = e.message;
    li.classList.add("is-failed");
    state.streaming.delete(e.reply_id);
  },
  "agent.message"(e) {
    if (isEchoOfPending(e)) replyConfirmed();
    if (!forCurrent(e)) return;
    const stick = nearBottom();
    addMessage({ id: e.message_id, author: "agent", agent: e.agent, text: e.text, created_at: e.created_at });
    if (stick) scrollTranscript();
    announce(`${e.agent}: ${e.text}`);
    updateControls();
  },
  "agent.joined"(e) {
    /* the system.line before it says who joined, in the transcript and to screen readers */
  },
  "system.line"(e) {
    if (!forCurrent(e)) return;
    const stick = nearBottom();
    bubble({ id: e.message_id, author: "system", text: e.text });
    if (stick) scrollTranscript();
    announce(e.text);
  },
  handoff(e) {
    if (!forCurrent(e)) return;
    if (e.status === "resolved") return; // "Sam left the chat." and the hand-back say it already
    if (e.status === "claimed") systemLine(`Customer asked for the team again; ${e.agent || "a colleague"} has the chat.`);
    else systemLine(e.position ? `Customer was told they are number ${e.position} in the queue.` : "Customer was told the team will pick this up.");
  },
  "note.added"(e) {
    if (!forCurrent(e)) return;
    if (el.notes.querySelector(`[data-note-id="${e.note.id}"]`)) return;
    el.notes.append(noteItem(e.note));
    el.notesEmpty.hidden = true;
    announce(`Internal note from ${e.note.author}: ${e.note.text}`);
  },
  "refund.updated"(e) {
    if (!forCurrent(e)) return;
    state.refunds.set(e.refund.id, e.refund);
    renderRefunds();
    updateControls(); // resolving waits for the refund's final decision
    announce(`Refund for order ${e.refund.order}: ${e.refund.status_label}.`);
  },
  "refund.orders"(e) {
    refundOrdersShow(e);
  },
  "refund.filed"(e) {
    refundFiled(e);
    if (!forCurrent(e.refund)) return;
    state.refunds.set(e.refund.id, e.refund);  // its refund.updated may come before or after this
    renderRefunds();
    updateControls();
  },
  "message.translated"(e) {
    if (!forCurrent(e)) return;
    const li = el.transcript.querySelector(`li[data-message-id="${CSS.escape(String(e.message_id))}"]`);
    if (!li) return;
    const button = li.querySelector(".translate-msg");
    if (button) button.remove();
    let box = li.querySelector(".msg-translation");
    if (!box) {
      box = h("p", { class: "msg-translation" }, h("span", { class: "muted msg-translation-language" }), h("span", { class: "msg-translation-text" }));
      li.querySelector(".msg-text").after(box);
    }
    box.dataset.language = e.language;
    box.querySelector(".msg-translation-language").textContent = `In ${LANGUAGE_NAMES[e.language] || e.language}: `;
    box.querySelector(".msg-translation-text").textContent = e.text;
    offerTranslation(li); // the agent changed language while it was on its way: offer theirs again
  },
  "draft.translated"(e) {
    state.translating = false;
    const name = LANGUAGE_NAMES[e.language] || e.language;
    if (el.translateDraft) el.translateDraft.textContent = `Translate draft into ${name}`;
    if (forCurrent(e) && el.replyInput && !el.replyInput.disabled) {
      el.replyInput.value = e.text; // into the box only: the agent reads it and presses Send
      el.replyInput.focus();
      el.translatedHint.textContent = `Translated into ${name}. Check it, then press Send.`;
      el.translatedHint.hidden = false;
      announce(`Draft translated into ${name}. Check it, then press Send.`);
    }
    updateControls();
  },
  typing(e) {
    if (!forCurrent(e) || e.who !== "customer") return;
    setTyping(true);
  },
  error(e) {
    // A refund the form just sent and the server refused: said in the form, which stays open.
    if (!refundFileRefused(e.message || "Something went wrong.")) showAlert(e.message || "Something went wrong.");
    if (state.translating) {
      state.translating = false;
      if (state.current && el.translateDraft) {
        el.translateDraft.textContent = `Translate draft into ${LANGUAGE_NAMES[state.current.language] || state.current.language || "English"}`;
      }
      updateControls();
    }
    for (const b of el.transcript.querySelectorAll(".translate-msg[disabled]")) {
      b.disabled = false;
      b.textContent = `Show in ${LANGUAGE_NAMES[b.dataset.language] || b.dataset.language}`;
    }
    if (state.pendingReply && el.replyInput && !el.replyInput.value) {
      el.replyInput.value = state.pendingReply.text; // refused (not allowed, too long...): don't lose what the agent wrote
    }
    replyConfirmed();
  },
};

