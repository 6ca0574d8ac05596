/* Example Shoppe staff console.
 *
 * Everything goes over one socket, /ws/console/: the server sends the queue on connect
 * and live handoff changes after; opening a conversation (`conversation.open`) returns
 * its detail and subscribes this socket to that conversation's live events. Every
 * action (claim, reply, note, transfer, resolve, refund decisions) is a socket event;
 * the server checks permissions, the UI only hides what cannot apply. An agent works
 * (answers, transfers, resolves, decides refunds in) the conversations they claimed; a
 * supervisor may step into any.
 *
 * The socket closes with 4401 when the sign-in no longer holds (signed out, password
 * changed, role removed) and 4403 for a user who may not use the console: then the
 * console stops reconnecting and says so.
 */
(function () {
  "use strict";

  const body = document.body;
  const canWork = body.dataset.canWork === "1";
  const canDecideRefund = body.dataset.canDecideRefund === "1";
  const isSupervisor = body.dataset.supervisor === "1";
  const canTranslate = body.dataset.canTranslate === "1";
  // The customer's language as staff read it (the console itself stays English).
  const LANGUAGE_NAMES = { en: "English", nl: "Dutch", de: "German", fr: "French", es: "Spanish", it: "Italian",
                           pl: "Polish", pt: "Portuguese" };
  const myId = Number(body.dataset.userId);
  const baseTitle = document.title;
  const TYPING_SHOW_MS = 3000;
  const TYPING_SEND_EVERY_MS = 2000;

  const $ = (id) => document.getElementById(id);
  const el = {
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
    awaitingBadge: $("awaiting-badge"), resolveBlocked: $("resolve-blocked"),
    rejectDialog: $("reject-dialog"), rejectForm: $("reject-form"), rejectNote: $("reject-note"),
    rejectConfirm: $("reject-confirm"), rejectCancel: $("reject-cancel"), rejectSummary: $("reject-summary"),
    agentLanguageForm: $("agent-language-form"), agentLanguage: $("agent-language"),
  };

  const state = {
    socket: null,
    retryDelay: 500,
    handoffs: new Map(),     // id -> H (not resolved)
    current: null,           // conversation detail being shown
    currentHandoff: null,    // its open handoff, or null
    refunds: new Map(),      // id -> R of the current conversation
    awaiting: new Map(),     // id -> R waiting for a supervisor's second approval, any conversation
    view: "handoffs",        // the queue pane shows "handoffs" or "awaiting" (refunds awaiting a supervisor)
    streaming: new Map(),    // reply_id -> bubble being streamed
    typingTimer: null,
    pendingReply: null,      // {text, at}: restored into the box if the server refuses it
    rejecting: null,         // refund id in the reject dialog
    focusAfterOpen: false,
    translating: false,      // a draft translation asked for and not back yet
    // The language this agent works in: customer messages are translated into it, their drafts from it.
    agentLanguage: body.dataset.agentLanguage || "en",
  };

  // ---------- small helpers ----------

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (value === true) node.setAttribute(key, "");
      else node.setAttribute(key, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function safeUrl(url) {
    try {
      const parsed = new URL(String(url || ""), location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function sourceLinks(sources) {
    if (!sources || !sources.length) return null;
    const list = h("ul", { class: "sources", "aria-label": "Sources" });
    for (const s of sources) {
      const href = safeUrl(s.url);
      list.append(h("li", null, href ? h("a", { href, target: "_blank", rel: "noopener", text: s.title || s.url })
                                     : h("span", { text: s.title || s.url })));
    }
    return list;
  }

  function clock(iso) {
    const d = iso ? new Date(iso) : new Date();
    if (isNaN(d)) return "";
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function ago(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return "";
    const s = Math.max(0, (Date.now() - d.getTime()) / 1000);
    if (s < 60) return "just now";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return d.toLocaleDateString();
  }

  function timeEl(iso, text) {
    return h("time", { datetime: iso || new Date().toISOString(), title: iso ? new Date(iso).toLocaleString() : "", text });
  }


  function announce(text) {
    el.announcer.textContent = "";
    // A fresh text node each time so repeated identical messages are still read.
    setTimeout(() => { el.announcer.textContent = text; }, 30);
  }

  let alertTimer = null;
  function showAlert(text, kind) {
    clearTimeout(alertTimer);
    el.alert.querySelector(".alert-text").textContent = text;
    el.alert.dataset.kind = kind || "error";
    el.alert.hidden = !text;
    if (text) alertTimer = setTimeout(() => { el.alert.hidden = true; }, 10000);
  }
  el.alert.querySelector(".alert-close").addEventListener("click", () => { el.alert.hidden = true; });

  function send(event) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify(event));
      return true;
    }
    showAlert("Not connected to the server; trying to reconnect…");
    return false;
  }

  // ---------- sound ----------

  let audio = null;
  const SOUND_KEY = "shoppe.console.sound";
  el.sound.checked = localStorage.getItem(SOUND_KEY) === "1";
  el.sound.addEventListener("change", () => {
    localStorage.setItem(SOUND_KEY, el.sound.checked ? "1" : "0");
    if (el.sound.checked) beep(); // created during a user gesture, so the browser lets it play later
  });

  function beep() {
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

  function sortedHandoffs() {
    // Highest priority first; within a priority, the newest first.
    return [...state.handoffs.values()].sort((a, b) =>
      (b.priority - a.priority) || (new Date(b.created_at) - new Date(a.created_at)) || (b.id - a.id));
  }

  function renderQueue() {
    const reason = el.filterReason.value;
    const priority = el.filterPriority.value;
    const all = sortedHandoffs();
    const shown = all.filter((x) => (!reason || x.reason === reason) && (!priority || String(x.priority) === priority));
    el.queue.textContent = "";
    for (const x of shown) el.queue.append(queueItem(x));
    el.queueEmpty.hidden = shown.length > 0 || state.view !== "handoffs";
    el.queueEmpty.textContent = all.length ? "No handoffs match these filters." : "No open handoffs.";
    el.queueShown.textContent = (reason || priority) && state.view === "handoffs" ? `${shown.length} of ${all.length}` : "";
    const queued = all.filter((x) => x.status === "queued").length;
    el.count.textContent = String(queued);
    el.count.dataset.count = String(queued);
    el.count.setAttribute("aria-label", `${queued} handoff${queued === 1 ? "" : "s"} waiting`);
    document.title = queued ? `(${queued}) ${baseTitle}` : baseTitle;
  }

  function queueItem(x) {
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

  function showView(view) {
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

  function renderAwaiting() {
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

  function awaitingItem(r) {
    const current = state.current && state.current.conversation_id === r.conversation_id;
    const first = (r.decisions || []).filter((d) => d.verdict === "approve").map((d) => d.by)[0];
    const button = h("button", { type: "button", class: "queue-item", "data-refund-id": r.id,
                                 "data-conversation-id": r.conversation_id, "aria-current": current ? "true" : null },
      h("span", { class: "qi-top" },
        h("span", { class: "qi-customer", text: r.customer }),
        h("span", { class: "qi-amount", text: r.amount_text })),
      h("span", { class: "qi-reason", text: `Refund · order ${r.order}` }),
      h("span", { class: "qi-summary", text: first ? `First approval by ${first}` : "Waiting for a second approval" }),
      h("span", { class: "qi-bottom" },
        h("span", { class: "status status-queued", text: "Waiting for a supervisor" }),
        h("span", { class: "qi-time", "data-ago": r.waiting_since, text: ago(r.waiting_since) })));
    button.addEventListener("click", () => openConversation(r.conversation_id, true));
    return h("li", { class: `queue-row is-awaiting${current ? " is-current" : ""}` }, button);
  }

  function upsertAwaiting(r) {
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

  function upsertHandoff(x) {
    if (x.status === "resolved") state.handoffs.delete(x.id);
    else state.handoffs.set(x.id, x);
    renderQueue();
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

  function languageBadge(code, extraClass) {
    const lang = (code || "en").toLowerCase();
    return h("span", { class: `badge badge-lang${extraClass ? " " + extraClass : ""}`, "data-language": lang,
                       title: `Writes in ${LANGUAGE_NAMES[lang] || lang}`, "aria-label": `Language: ${LANGUAGE_NAMES[lang] || lang}`,
                       text: lang.toUpperCase() });
  }

  // ---------- conversation ----------

  function openConversation(conversationId, userAction) {
    state.focusAfterOpen = !!userAction;
    send({ type: "conversation.open", conversation_id: conversationId });
  }

  function renderConversation(detail) {
    const switching = !state.current || state.current.conversation_id !== detail.conversation_id;
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
    if (switching && el.replyInput) el.replyInput.value = "";
    updateControls();
    renderQueue();
    renderAwaiting();
    if (state.focusAfterOpen) {
      el.title.focus();
      state.focusAfterOpen = false;
    }
  }

  // The customer's language next to their name, and the canned responses in it offered first.
  function renderLanguage(detail) {
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

  function renderPacket() {
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
      h("div", null, h("dt", { text: "Reason" }), h("dd", { text: x.reason_label + (x.intent && x.intent !== x.reason ? ` (${x.intent})` : "") })),
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
      for (const a of answers) list.append(h("li", null, h("p", { text: a.text }), sourceLinks(a.sources)));
      box.append(list);
    }
    el.packet.append(box);
  }

  function authorLabel(m) {
    if (m.author === "customer") return state.current ? state.current.customer : "Customer";
    if (m.author === "agent") return m.agent || "Agent";
    return "Assistant";
  }

  function traceLine(trace) {
    const conf = typeof trace.confidence === "number" ? trace.confidence.toFixed(2) : (trace.confidence ?? "—");
    const latency = trace.latency_ms !== null && trace.latency_ms !== undefined ? `${trace.latency_ms} ms` : "—";
    return [trace.route || "—", trace.intent || "—", conf, trace.reason || "—", latency].join(" · ");
  }

  function traceEl(trace) {
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
  function initials(name) {
    const words = String(name || "").trim().split(/\s+/).filter(Boolean);
    return (words.slice(0, 2).map((w) => Array.from(w)[0]).join("") || "?").toUpperCase();
  }
  function tone(name) {
    let sum = 0;
    for (const ch of String(name || "")) sum = (sum * 31 + ch.codePointAt(0)) % 9973;
    return "tone-" + (sum % 6);
  }

  function bubble(m) {
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
      h("div", { class: "msg-text", text: m.text || "" }));
    if (m.id !== undefined && m.id !== null) li.dataset[key] = String(m.id);
    el.transcript.append(li);
    return li;
  }

  // A photo the customer attached: a thumbnail that opens the full photo in a new tab.
  function photoEl(photo) {
    const href = safeUrl(photo.url);
    if (!href) return null;
    return h("figure", { class: "msg-photo" },
      h("a", { href, target: "_blank", rel: "noopener", title: "Open the photo" },
        h("img", { src: href, alt: "Photo from the customer", width: photo.width, height: photo.height, loading: "lazy" })),
      h("figcaption", { class: "muted", text: photo.llm_consent ? "The customer allowed the assistant to see it." : "Only staff see this photo." }));
  }

  function addMessage(m) {
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
  function offerTranslation(li) {
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

  function nearBottom() {
    return el.transcript.scrollHeight - el.transcript.scrollTop - el.transcript.clientHeight < 80;
  }
  function scrollTranscript() { el.transcript.scrollTop = el.transcript.scrollHeight; }

  function systemLine(text) {
    const stick = nearBottom();
    el.transcript.append(h("li", { class: "msg msg-system" }, h("div", { class: "msg-text", text })));
    if (stick) scrollTranscript();
  }

  function setTyping(on) {
    clearTimeout(state.typingTimer);
    el.typing.hidden = !on;
    if (on) state.typingTimer = setTimeout(() => { el.typing.hidden = true; }, TYPING_SHOW_MS);
  }

  // ---------- controls ----------

  function mayAnswer(x) {
    return canWork && !!x && x.status === "claimed" && (x.claimed_by_id === myId || isSupervisor);
  }

  // Refunds: the agent holding the conversation's claim decides them, or any supervisor.
  function mayDecideRefunds() {
    return canDecideRefund && (isSupervisor || mayAnswer(state.currentHandoff));
  }

  // Why this conversation can't be resolved yet: a refund in it is undecided, or waits for a supervisor.
  function resolveBlockedBy() {
    const open = [...state.refunds.values()].filter((r) => r.status === "requested" || r.status === "awaiting_second");
    const waiting = open.find((r) => r.status === "awaiting_second");
    if (waiting) {
      return `Resolve waits for a supervisor: the ${waiting.amount_text} refund needs a second approval. ` +
        "The customer has been told and will hear the outcome here.";
    }
    if (open.length) return `Approve or reject the refund of ${open[0].amount_text} before resolving.`;
    return "";
  }

  function setDisabled(node, disabled, why) {
    if (!node) return;
    node.disabled = !!disabled;
    if (why) node.title = why; else node.removeAttribute("title");
  }

  // The draft is translated from the agent's language into the customer's: not when they are the same.
  function updateTranslateDraft() {
    if (!el.translateDraft) return;
    const answering = mayAnswer(state.currentHandoff);
    const same = !!state.current && (state.current.language || "en") === state.agentLanguage;
    setDisabled(el.translateDraft, !answering || same || state.translating || !el.replyInput.value.trim(),
      !answering ? "Claim the conversation first" : same ? "The customer writes in your working language" : "");
  }

  function updateControls() {
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
    setDisabled(el.replyInput, !answering);
    setDisabled(el.replySend, !answering);
    setDisabled(el.canned, !answering);
    updateTranslateDraft();
    el.replyInput.placeholder = answering ? "Write to the customer…"
      : x && x.status === "claimed" ? `${x.claimed_by} is handling this conversation.`
      : x ? "Claim the conversation to reply." : "There is no open handoff to answer.";
    setDisabled(el.noteInput, !state.current);
    setDisabled(el.noteAdd, !state.current || !el.noteInput.value.trim());
  }

  // The agent's working language: saved on the server (their own only), then every translate action follows it.
  async function agentLanguageSave() {
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
        state.pendingReply = { text, at: Date.now() };
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

  // ---------- notes ----------

  function noteItem(n) {
    return h("li", { class: "note", "data-note-id": n.id },
      h("div", { class: "note-head" },
        h("span", { class: "badge badge-internal", text: "Internal" }),
        h("strong", { text: n.author }),
        timeEl(n.created_at, clock(n.created_at))),
      h("p", { text: n.text }));
  }

  function renderNotes(notes) {
    el.notes.textContent = "";
    for (const n of notes) el.notes.append(noteItem(n));
    el.notesEmpty.hidden = notes.length > 0;
  }

  // ---------- refunds ----------

  function renderRefunds() {
    const list = [...state.refunds.values()].sort((a, b) => b.id - a.id);
    el.refunds.textContent = "";
    for (const r of list) el.refunds.append(refundItem(r));
    el.refundsEmpty.hidden = list.length > 0;
    el.refundsEmpty.textContent = state.current ? "No refund requests." : "Open a conversation to see its refunds.";
  }

  function refundItem(r) {
    const open = r.status === "requested" || r.status === "awaiting_second";
    const li = h("li", { class: `refund card is-${r.status}`, "data-refund-id": r.id },
      h("div", { class: "refund-head" },
        h("strong", { text: `${r.amount_text} · order ${r.order}` }),
        h("span", { class: `badge refund-status status-${r.status}`, text: r.status_label })));
    if (r.items && r.items.length) {
      const items = h("ul", { class: "refund-items", "aria-label": "Items" });
      for (const i of r.items) items.append(h("li", { text: `${i.quantity} × ${i.product} — ${i.amount_text}` }));
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
      approve.addEventListener("click", () => send({ type: "refund.approve", refund_id: r.id }));
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

  function openReject(r) {
    state.rejecting = r.id;
    el.rejectSummary.textContent = `${r.amount_text} on order ${r.order}. The customer sees this note.`;
    el.rejectNote.value = "";
    el.rejectConfirm.disabled = true;
    if (typeof el.rejectDialog.showModal === "function") el.rejectDialog.showModal();
    else el.rejectDialog.setAttribute("open", "");
    el.rejectNote.focus();
  }

  // ---------- server events ----------

  function forCurrent(e) {
    return state.current && (!e.conversation_id || e.conversation_id === state.current.conversation_id);
  }

  const handlers = {
    queue(e) {
      state.handoffs.clear();
      for (const x of e.handoffs) if (x.status !== "resolved") state.handoffs.set(x.id, x);
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
    },
    "message.saved"(e) {
      if (!forCurrent(e)) return;
      const stick = nearBottom();
      addMessage({ id: e.message_id, author: "customer", text: e.text, created_at: e.created_at, trace: {},
                   language: e.language });
      setTyping(false);
      if (stick) scrollTranscript();
      announce(`${state.current.customer}: ${e.text}`);
    },
    "reply.start"(e) {
      /* the bubble appears with the first chunk (or at the end) */
    },
    "photo.saved"(e) {
      if (!forCurrent(e)) return;
      const stick = nearBottom();
      const li = addMessage({ id: e.message_id, author: "customer", text: e.text, created_at: e.created_at, photo: e.photo });
      const img = li.querySelector("img");
      if (img && stick) img.addEventListener("load", scrollTranscript);
      if (stick) scrollTranscript();
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
      li.querySelector(".msg-text").textContent += e.text;
      if (stick) scrollTranscript();
    },
    "reply.end"(e) {
      if (!forCurrent(e)) return;
      const stick = nearBottom();
      const li = state.streaming.get(e.reply_id) || bubble({ id: e.reply_id, author: "bot", text: "" });
      li.querySelector(".msg-text").textContent = e.text;
      li.classList.remove("is-streaming");
      li.dataset.route = e.route || "";
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
      if (!forCurrent(e)) return;
      const stick = nearBottom();
      addMessage({ id: e.message_id, author: "agent", agent: e.agent, text: e.text, created_at: e.created_at });
      if (state.pendingReply && state.pendingReply.text === e.text) state.pendingReply = null;
      if (stick) scrollTranscript();
      announce(`${e.agent}: ${e.text}`);
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
      showAlert(e.message || "Something went wrong.");
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
      if (state.pendingReply && Date.now() - state.pendingReply.at < 5000 && el.replyInput && !el.replyInput.value) {
        el.replyInput.value = state.pendingReply.text; // don't lose what the agent wrote
      }
      state.pendingReply = null;
    },
  };

  // ---------- socket ----------

  function setConnection(stateName, text) {
    el.connection.dataset.state = stateName;
    el.connection.textContent = text;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + body.dataset.wsPath);
    state.socket = socket;
    setConnection("connecting", "Connecting…");
    socket.onopen = () => {
      state.retryDelay = 500;
      setConnection("online", "Live");
      if (state.current) send({ type: "conversation.open", conversation_id: state.current.conversation_id });
    };
    socket.onmessage = (msg) => {
      let event;
      try { event = JSON.parse(msg.data); } catch (err) { return; }
      const handler = handlers[event.type];
      if (handler) handler(event);
    };
    socket.onclose = (e) => {
      if (e.code === 4403) {
        setConnection("offline", "Not allowed");
        showAlert("Your account may not use the console. Sign in again as staff.");
        return;
      }
      if (e.code === 4401) {
        // Reconnecting would not help: the session no longer speaks for this user.
        setConnection("offline", "Signed out");
        showAlert("You were signed out, your password changed or your role was removed. Sign in again to continue.");
        return;
      }
      setConnection("offline", "Reconnecting…");
      setTimeout(connect, state.retryDelay);
      state.retryDelay = Math.min(state.retryDelay * 2, 15000);
    };
  }

  renderQueue();
  renderRefunds();
  updateControls();
  connect();
})();
