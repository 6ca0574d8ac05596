/* The staff console's page: what the signed-in user may do (from the body's data attributes), its
 * elements, its state, and the small things every part uses (send, announce, alerts, times; amounts come formatted by the server).
 */
import { dataNumber, h } from "../shared/dom.js";
import { sourceLinks as linkList } from "../shared/links.js";

export const body = document.body;
export const canWork = body.dataset.canWork === "1";
export const canDecideRefund = body.dataset.canDecideRefund === "1";
export const isSupervisor = body.dataset.supervisor === "1";
export const canTranslate = body.dataset.canTranslate === "1";
// The customer's language as staff read it (the console itself stays English).
export const LANGUAGE_NAMES = { en: "English", nl: "Dutch", de: "German", fr: "French", es: "Spanish", it: "Italian",
                         pl: "Polish", pt: "Portuguese" };
export const myId = Number(body.dataset.userId);
export const baseTitle = document.title;
export const TYPING_SHOW_MS = 3000;
// The server's typing interval (support/services/typing.py), from the page.
export const TYPING_SEND_EVERY_MS = dataNumber(body, "typingEveryMs", 2000);

const $ = (id) => document.getElementById(id);
export const el = {
  count: $("queue-count"), connection: $("connection"), sound: $("sound-toggle"),
  alert: $("alert"), announcer: $("announcer"),
  queue: $("queue-list"), queueEmpty: $("queue-empty"), queueShown: $("queue-shown"),
  filterReason: $("filter-reason"), filterPriority: $("filter-priority"),
  placeholder: $("placeholder"), conv: $("conv"), title: $("conversation-title"), meta: $("conv-meta"),
  language: $("conv-language"), translateDraft: $("translate-draft"), translatedHint: $("translated-hint"),
  packet: $("packet"), transcript: $("transcript"), typing: $("typing"),
  claim: $("claim-btn"), transferTo: $("transfer-to"), transfer: $("transfer-btn"), resolve: $("resolve-btn"),
  replyForm: $("reply-form"), replyInput: $("reply-input"), replySend: $("reply-send"), canned: $("canned"),
  notes: $("notes-list"), notesEmpty: $("notes-empty"), noteForm: $("note-form"), noteInput: $("note-input"),
  noteAdd: $("note-add"),
  refunds: $("refund-list"), refundsEmpty: $("refunds-empty"),
  viewHandoffs: $("view-handoffs"), viewAwaiting: $("view-awaiting"), filters: $("queue-filters"),
  awaiting: $("awaiting-list"), awaitingEmpty: $("awaiting-empty"), awaitingCount: $("awaiting-count"),
  awaitingBadge: $("awaiting-badge"), resolveBlocked: $("resolve-blocked"), unanswered: $("unanswered"),
  rejectDialog: $("reject-dialog"), rejectForm: $("reject-form"), rejectNote: $("reject-note"),
  rejectConfirm: $("reject-confirm"), rejectCancel: $("reject-cancel"), rejectSummary: $("reject-summary"),
  agentLanguageForm: $("agent-language-form"), agentLanguage: $("agent-language"),
  refundNew: $("refund-new"), refundFileDialog: $("refund-file-dialog"), refundFileForm: $("refund-file-form"),
  refundOrder: $("refund-order"), refundOrdersNone: $("refund-orders-none"), refundOrderNotes: $("refund-order-notes"),
  refundItems: $("refund-items"), refundReason: $("refund-reason"), refundFileSummary: $("refund-file-summary"),
  refundFileError: $("refund-file-error"), refundFileCancel: $("refund-file-cancel"),
  refundFileConfirm: $("refund-file-confirm"),
};

export const state = {
  socket: null,            // shared/socket.js's liveSocket
  handoffs: new Map(),     // id -> H (not resolved)
  waitingNotSent: 0,       // waiting handoffs beyond the ones the server sent (queue.waiting)
  current: null,           // conversation detail being shown
  currentHandoff: null,    // its open handoff, or null
  refunds: new Map(),      // id -> R of the current conversation
  awaiting: new Map(),     // id -> R waiting for a supervisor's second approval, any conversation
  view: "handoffs",        // the queue pane shows "handoffs" or "awaiting" (refunds awaiting a supervisor)
  streaming: new Map(),    // reply_id -> bubble being streamed
  typingTimer: null,
  pendingReply: null,      // the reply sent and not yet echoed by the server (reply_confirm.js)
  drafts: new Map(),       // conversation id -> {reply, note}: what was typed there and not sent, kept on switching
  rejecting: null,         // refund id in the reject dialog
  refundFiling: null,      // the refund form: {conversation_id, orders, sent} (refund_file.js)
  focusAfterOpen: false,
  translating: false,      // a draft translation asked for and not back yet
  // The language this agent works in: customer messages are translated into it, their drafts from it.
  agentLanguage: body.dataset.agentLanguage || "en",
};


// What the assistant quoted: only safe addresses become links (shared/links.js), opened in a new tab.
export function sourceLinks(sources) {
  return linkList(sources, { className: "sources", label: "Sources", newTab: true });
}

export function clock(iso) {
  const d = iso ? new Date(iso) : new Date();
  if (isNaN(d)) return "";
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function ago(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return "";
  const s = Math.max(0, (Date.now() - d.getTime()) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  if (s < 86400) return Math.floor(s / 3600) + " h ago";
  return d.toLocaleDateString();
}

export function timeEl(iso, text) {
  return h("time", { datetime: iso || new Date().toISOString(), title: iso ? new Date(iso).toLocaleString() : "", text });
}

export function announce(text) {
  el.announcer.textContent = "";
  // A fresh text node each time so repeated identical messages are still read.
  setTimeout(() => { el.announcer.textContent = text; }, 30);
}

let alertTimer = null;
export function showAlert(text, kind) {
  clearTimeout(alertTimer);
  el.alert.querySelector(".alert-text").textContent = text;
  el.alert.dataset.kind = kind || "error";
  el.alert.hidden = !text;
  if (text) alertTimer = setTimeout(() => { el.alert.hidden = true; }, 10000);
}
el.alert.querySelector(".alert-close").addEventListener("click", () => { el.alert.hidden = true; });

export function send(event) {
  if (state.socket && state.socket.send(event)) return true;
  showAlert("Not connected to the server; trying to reconnect…");
  return false;
}

export function languageBadge(code, extraClass) {
  const lang = (code || "en").toLowerCase();
  return h("span", { class: `badge badge-lang${extraClass ? " " + extraClass : ""}`, "data-language": lang,
                     title: `Writes in ${LANGUAGE_NAMES[lang] || lang}`, "aria-label": `Language: ${LANGUAGE_NAMES[lang] || lang}`,
                     text: lang.toUpperCase() });
}

export function setDisabled(node, disabled, why) {
  if (!node) return;
  node.disabled = !!disabled;
  if (why) node.title = why; else node.removeAttribute("title");
}

