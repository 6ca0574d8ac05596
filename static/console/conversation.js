/* The open conversation: its header, handoff packet, transcript (messages, photos, router
 * traces, translations) and the customer's typing line.
 */
import { h, initials, setBoldText, tone } from "../shared/dom.js";
import { safeUrl } from "../shared/links.js";
import { LANGUAGE_NAMES, TYPING_SHOW_MS, ago, canTranslate, clock, el, languageBadge, send, state, timeEl, sourceLinks } from "./page.js";
import { renderAwaiting, renderQueue } from "./queue.js";
import { updateControls } from "./controls.js";
import { renderNotes, renderRefunds } from "./refunds.js";


export function openConversation(conversationId, userAction) {
  state.focusAfterOpen = !!userAction;
  send({ type: "conversation.open", conversation_id: conversationId });
}

export function renderConversation(detail) {
  const switching = !state.current || state.current.conversation_id !== detail.conversation_id;
  if (switching) draftsSwitch(state.current, detail.conversation_id);
  state.current = detail;
  state.currentHandoff = detail.handoff;
  state.streaming.clear();
  el.placeholder.hidden = true;
  el.conv.hidden = false;
  el.title.textContent = detail.customer;
  el.conv.dataset.conversationId = detail.conversation_id;
  renderLanguage(detail);
  renderPacket();
  el.transcript.textContent = "";
  for (const m of detail.messages) addMessage(m);
  scrollTranscript();
  renderNotes(detail.notes);
  state.refunds = new Map(detail.refunds.map((r) => [r.id, r]));
  renderRefunds();
  setTyping(false);
  updateControls();
  renderQueue();
  renderAwaiting();
  if (state.focusAfterOpen) {
    el.title.focus();
    state.focusAfterOpen = false;
  }
}

// A reply or note typed for one conversation stays with it: kept when another opens (it was sent to
// whichever was open at the time, a note about Alice filed under Bob), back when this one opens again.
function draftsSwitch(leaving, openingId) {
  const boxes = { reply: el.replyInput, note: el.noteInput }; // neither on a read-only console
  if (leaving) {
    const draft = Object.fromEntries(Object.entries(boxes).map(([name, box]) => [name, box ? box.value : ""]));
    if (draft.reply || draft.note) state.drafts.set(leaving.conversation_id, draft);
    else state.drafts.delete(leaving.conversation_id);
  }
  const draft = state.drafts.get(openingId) || {};
  for (const [name, box] of Object.entries(boxes)) if (box) box.value = draft[name] || "";
}

// The customer's language next to their name, and the canned responses in it offered first.
export function renderLanguage(detail) {
  const lang = (detail.language || "en").toLowerCase();
  const name = detail.language_name || LANGUAGE_NAMES[lang] || lang;
  el.language.hidden = false;
  el.language.dataset.language = lang;
  el.language.textContent = lang.toUpperCase();
  el.language.title = `The customer writes in ${name}`;
  el.language.setAttribute("aria-label", `Language: ${name}`);
  if (el.translateDraft) {
    el.translateDraft.textContent = `Translate draft into ${name}`;
  }
  if (el.translatedHint) el.translatedHint.hidden = true;
  if (!el.canned || !detail.canned) return;
  el.canned.textContent = "";
  el.canned.append(h("option", { value: "", text: "Canned responses…" }));
  const groups = new Map();
  for (const c of detail.canned) {
    if (!groups.has(c.language)) groups.set(c.language, []);
    groups.get(c.language).push(c);
  }
  for (const [code, items] of groups) {
    const label = (LANGUAGE_NAMES[code] || code) + (code === lang ? " (the customer's language)" : "");
    const group = h("optgroup", { label, "data-language": code });
    for (const c of items) group.append(h("option", { value: c.text, "data-language": code, text: c.title }));
    el.canned.append(group);
  }
}

export function renderPacket() {
  const x = state.currentHandoff;
  const detail = state.current;
  const statusText = detail ? { bot: "With the assistant", waiting: "Waiting for the team", with_agent: "With an agent",
    closed: "Closed" }[detail.status] || detail.status : "";
  el.meta.textContent = "";
  if (x) {
    el.meta.append(h("span", { class: `status status-${x.status}`, text: x.status === "claimed" ? `Claimed by ${x.claimed_by}` : "Waiting in the queue" }),
                   " · opened ", timeEl(x.created_at, ago(x.created_at)));
  } else if (statusText) {
    el.meta.append(h("span", { class: "status", text: statusText }));
  }
  el.packet.textContent = "";
  if (!x) {
    el.packet.append(h("p", { class: "muted", text: "This conversation has no open handoff." }));
    return;
  }
  const dl = h("dl", { class: "facts" },
    h("div", { class: "fact-wide" }, h("dt", { text: "Reason" }), h("dd", { text: x.reason_label + (x.intent && x.intent !== x.reason ? ` (${x.intent})` : "") })),
    h("div", null, h("dt", { text: "Priority" }), h("dd", null, h("span", { class: `prio prio-${x.priority}`, text: x.priority_label }))),
    h("div", null, h("dt", { text: "Order" }), h("dd", { text: x.order ? String(x.order) : "—" })),
    h("div", null, h("dt", { text: "Agent" }), h("dd", { text: x.claimed_by || "Unclaimed" })));
  el.packet.append(dl);
  el.packet.append(h("div", { class: "summary" }, h("h4", { text: "Customer asked" }),
    h("p", { text: x.summary || "—" })));
  const answers = x.bot_answers || [];
  const box = h("div", { class: "bot-answers" }, h("h4", { text: `Assistant already answered (${answers.length})` }));
  if (!answers.length) box.append(h("p", { class: "muted", text: "Nothing yet." }));
  else {
    const list = h("ol");
    for (const a of answers) {
      list.append(h("li", null, a.kept_on_device ? h("p", { text: KEPT_ON_DEVICE }) : setBoldText(h("p"), a.text),
        a.on_device ? h("p", { class: "muted on-device", text: ON_DEVICE }) : null,
        a.route === "llm" ? h("p", { class: "by-llm", text: BY_LLM, title: BY_LLM_TITLE }) : null, sourceLinks(a.sources)));
    }
    box.append(list);
  }
  el.packet.append(box);
}

// Answered on the customer's device (issue #19); with DEVICE_ANSWER_TEXTS_KEPT_OFF_SERVER its words stayed there.
const ON_DEVICE = "Answered on the customer's device";
const KEPT_ON_DEVICE = "(kept on the customer's device: only the decision is stored)";
// Written by the LLM, not taken from the help centre or the customer's order: staff may want to check it.
const BY_LLM = "Written by the AI model";
const BY_LLM_TITLE = "The LLM wrote this answer (not a help-centre passage or order data): check it before relying on it.";

/** The badge on an assistant's answer the LLM wrote (`route` "llm"), once. */
export function markWrittenByLlm(li, route) {
  if (route !== "llm" || li.querySelector(".by-llm")) return;
  li.querySelector(".msg-head").append(h("span", { class: "by-llm", text: BY_LLM, title: BY_LLM_TITLE }));
}

export function authorLabel(m) {
  if (m.author === "customer") return state.current ? state.current.customer : "Customer";
  if (m.author === "agent") return m.agent || "Agent";
  return "Assistant";
}

export function traceLine(trace) {
  const conf = typeof trace.confidence === "number" ? trace.confidence.toFixed(2) : (trace.confidence ?? "—");
  const latency = trace.latency_ms !== null && trace.latency_ms !== undefined ? `${trace.latency_ms} ms` : "—";
  return [trace.route || "—", trace.intent || "—", conf, trace.reason || "—", latency].join(" · ");
}

export function traceEl(trace) {
  const details = h("details", { class: "trace" },
    h("summary", { text: "Router trace" }),
    h("p", { class: "trace-line", text: traceLine(trace) }));
  if (trace.scores && typeof trace.scores === "object" && Object.keys(trace.scores).length) {
    const top = Object.entries(trace.scores).sort((a, b) => Number(b[1]) - Number(a[1])).slice(0, 3)
      .map(([k, v]) => `${k} ${Number(v).toFixed(2)}`).join(", ");
    details.append(h("p", { class: "trace-scores", text: "Top scores: " + top }));
  }
  return details;
}

// A colleague's initials ("Sam" -> "S") and one of six colours, the same as in the widget.

export function bubble(m) {
  const key = m.author === "customer" ? "messageId" : "replyId";
  const existing = m.id !== undefined && m.id !== null &&
    el.transcript.querySelector(`li[data-${key === "messageId" ? "message-id" : "reply-id"}="${CSS.escape(String(m.id))}"]`);
  if (existing) return existing;
  if (m.author === "system") {
    // Who joined, left or took over the chat: a system line, nobody's message.
    const line = h("li", { class: "msg msg-system" }, h("div", { class: "msg-text", text: m.text || "" }));
    if (m.id !== undefined && m.id !== null) line.dataset.replyId = String(m.id);
    el.transcript.append(line);
    return line;
  }
  const name = authorLabel(m);
  const li = h("li", { class: `msg msg-${m.author}${m.status === "failed" ? " is-failed" : ""}` },
    h("div", { class: "msg-head" },
      m.author === "agent" ? h("span", { class: `avatar ${tone(name)}`, "aria-hidden": "true", text: initials(name) }) : null,
      h("span", { class: "msg-author", text: name }),
      timeEl(m.created_at, clock(m.created_at))),
    messageText(m));
  if (m.on_device) li.querySelector(".msg-head").append(h("span", { class: "on-device", text: ON_DEVICE }));
  if (m.author === "bot") markWrittenByLlm(li, m.route);
  if (m.id !== undefined && m.id !== null) li.dataset[key] = String(m.id);
  el.transcript.append(li);
  return li;
}

// A message's words: the customer's as typed, the assistant's and the team's with their bold shown bold.
function messageText(m) {
  if (m.kept_on_device) return h("div", { class: "msg-text muted", text: KEPT_ON_DEVICE });
  const text = h("div", { class: "msg-text" });
  if (m.author === "customer") text.textContent = m.text || "";
  else setBoldText(text, m.text);
  return text;
}

// A photo the customer attached: a thumbnail that opens the full photo in a new tab.
export function photoEl(photo) {
  const href = safeUrl(photo.url);
  if (!href) return null;
  const img = h("img", { src: href, alt: "Photo from the customer", width: photo.width, height: photo.height, loading: "lazy" });
  img.addEventListener("load", keepEndInView, { once: true });
  return h("figure", { class: "msg-photo" },
    h("a", { href, target: "_blank", rel: "noopener", title: "Open the photo" }, img),
    h("figcaption", { class: "muted", text: photo.llm_consent ? "The customer allowed the assistant to see it." : "Only staff see this photo." }));
}

export function addMessage(m) {
  const li = bubble(m);
  if (m.photo && !li.querySelector(".msg-photo")) {
    const figure = photoEl(m.photo);
    if (figure) li.querySelector(".msg-text").before(figure);
    if (!m.text) li.querySelector(".msg-text").remove();
    return li;
  }
  const sources = sourceLinks(m.sources);
  if (sources && !li.querySelector(".sources")) li.append(sources);
  if (m.author === "customer") {
    const lang = (m.language || (state.current && state.current.language) || "en").toLowerCase();
    if (lang !== "en") li.querySelector(".msg-head").append(languageBadge(lang, "msg-lang"));
    li.dataset.language = lang;
    if (m.text) li.dataset.translatable = "1";
    offerTranslation(li);
    li.append(traceEl(m.trace || {}));
  }
  return li;
}

// "Show in <the agent's language>" on a customer message written in another language (none when it is already
// shown in it). Called again for every message when the agent changes their working language.
export function offerTranslation(li) {
  const old = li.querySelector(".translate-msg");
  if (old) old.remove();
  const box = li.querySelector(".msg-translation");
  const mine = state.agentLanguage;
  if (!canTranslate || !li.dataset.translatable || !li.dataset.messageId || li.dataset.language === mine ||
      (box && box.dataset.language === mine)) return;
  const name = LANGUAGE_NAMES[mine] || mine;
  const button = h("button", { type: "button", class: "btn btn-small translate-msg", text: `Show in ${name}`,
                               "aria-label": `Show this message in ${name}`, "data-language": mine });
  button.addEventListener("click", () => {
    if (send({ type: "message.translate", message_id: Number(li.dataset.messageId) })) {
      button.disabled = true;
      button.textContent = "Translating…";
    }
  });
  (box || li.querySelector(".msg-text")).after(button);
}

export function nearBottom() {
  return el.transcript.scrollHeight - el.transcript.scrollTop - el.transcript.clientHeight < 80;
}
// Where this code last put the transcript. A photo's size is known only once it loads, after the transcript was
// scrolled to its end: the end is kept in view then, unless the agent has scrolled away since.
let placed = -1;
export function scrollTranscript() {
  el.transcript.scrollTop = el.transcript.scrollHeight;
  placed = el.transcript.scrollTop;
}
function keepEndInView() {
  if (Math.abs(el.transcript.scrollTop - placed) <= 1) scrollTranscript();
}

export function systemLine(text) {
  const stick = nearBottom();
  el.transcript.append(h("li", { class: "msg msg-system" }, h("div", { class: "msg-text", text })));
  if (stick) scrollTranscript();
}

export function setTyping(on) {
  clearTimeout(state.typingTimer);
  el.typing.hidden = !on;
  if (on) state.typingTimer = setTimeout(() => { el.typing.hidden = true; }, TYPING_SHOW_MS);
}

