/* Example Shoppe chat widget.
 *
 * Talks to /ws/chat/ (see the WebSocket contract in README). Messages the customer
 * sends wait in localStorage until the server acknowledges them (`message.saved`), so a
 * reload, a closed tab or a lost network never loses one; after reconnecting the
 * widget resends what is unacknowledged with the same client_id, and the server saves
 * each client_id once.
 *
 * The socket closes with a code when it must not simply reconnect (README, "The
 * WebSocket contract"): 4401, signed out or the password changed, and 4403, not theirs:
 * the widget stops and says why; 4429, too many connections from this address: it waits
 * 10-60 s before trying again instead of retrying within a second.
 *
 * A reply from the team reaches a customer who is not looking: while the conversation is with
 * the team (or their replies are unread) the widget keeps its socket open with the panel closed,
 * on every page of the shop (the conversation id waits in localStorage, so a new page or another
 * tab follows it too), counts the team's replies on the launcher and in the tab's title, and
 * says `seen` when the customer has the open chat in front of them, which clears every tab.
 * One idle socket per customer who is waiting for a person costs less than polling from every
 * page, and a reply shows at once; a customer with no page open at all gets an email instead.
 *
 * Customers rate each assistant reply (thumbs up/down, an optional comment on thumbs
 * down) and the conversation (1-5 stars); both go over the socket as `feedback`
 * events and a later rating replaces an earlier one.
 *
 * Photos (the paperclip): chosen, checked here for type and size, then posted over HTTP
 * with the page's CSRF token (POST /chat/photos/), not over the socket; the server checks
 * again, and announces the saved photo on the socket (`photo.saved`) to the customer's
 * other tabs and to staff. A refused photo stays chosen, with the reason, and the typed
 * message is never touched.
 */
(function () {
  "use strict";
  const root = document.getElementById("chat");
  if (!root) return;
  // Every string through Django's JavaScript catalogue (the /<lang>/jsi18n/ script before this one,
  // locale/<lang>/LC_MESSAGES/djangojs.po); without it, English. Dates and numbers through Intl.
  const gettext = window.gettext || ((text) => text);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const interpolate = window.interpolate || ((text, values) => text.replace(/%\((\w+)\)s/g, (m, k) => String(values[k])));
  const format = (text, values) => interpolate(text, values, true);
  const LANG = root.lang || document.documentElement.lang || "en-GB";
  const SHOP_TIME_ZONE = "Europe/Amsterdam";
  const panel = root.querySelector(".chat-panel");
  const launcher = root.querySelector(".chat-launcher");
  const log = root.querySelector(".chat-log");
  const form = root.querySelector(".chat-form");
  const input = root.querySelector("#chat-input");
  const typing = root.querySelector(".chat-typing");
  const announcer = root.querySelector(".chat-announcer");
  const statusLine = root.querySelector(".chat-status");
  const errorLine = root.querySelector(".chat-error");
  const teamLine = root.querySelector(".chat-team"); // the queue or away line, visible to everyone
  const attachButton = root.querySelector(".chat-attach");
  const photoInput = root.querySelector(".chat-photo-input");
  const attachment = root.querySelector(".chat-attachment");
  const attachmentName = root.querySelector(".chat-attachment-name");
  const consent = root.querySelector(".chat-consent-input");
  const photoSend = root.querySelector(".chat-photo-send");
  const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
  const PHOTO_MAX_BYTES = Number(root.dataset.photoMaxBytes) || 8 * 1024 * 1024;
  const OUTBOX = "shoppe.chat.outbox";
  const RATINGS = "shoppe.chat.ratings";
  const FOLLOW = "shoppe.chat.follow"; // the conversation id while the team has it or its replies are unread
  const badge = launcher.querySelector(".chat-unread");
  const badgeCount = launcher.querySelector(".chat-unread-count");
  const pageTitle = document.title;
  const SVG = "http://www.w3.org/2000/svg";
  const THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 " +
    "7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";

  const typingLabel = typing.querySelector(".chat-typing-label");
  let agentTypingTimer = null;
  let socket = null;
  let connecting = null; // the first connect waits for the chat's browser session (chat/session.js)
  let retryDelay = 500;
  let busyDelay = 0; // after 4429: how long to wait before the next attempt
  let stopped = ""; // why the widget no longer reconnects (4401, 4403), shown again on send
  let conversationId = null;
  let unread = 0; // the team's replies the customer has not seen
  let withTeam = false; // the conversation is queued for, or held by, a person
  let watchOnly = false; // connected in the background (panel never opened on this page)
  const replies = new Map(); // reply_id -> element being streamed
  const awaitingComment = new Set(); // thumbs-down replies whose comment box is still open: no "Thanks!" yet
  // "Rate this conversation" appears once there is something to judge: after the team hands the
  // chat back, or after RATE_AFTER_ANSWERS answers (one answer is too early to rate a conversation).
  const RATE_AFTER_ANSWERS = 3;
  let answered = 0;
  let team = null; // who holds the chat, from the history: the status line returns to it once the assistant is ready
  let gettingReady = false; // the server is still getting the assistant ready: messages are kept and answered then

  const outbox = {
    all() { try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; } },
    save(items) { localStorage.setItem(OUTBOX, JSON.stringify(items)); },
    add(item) { const items = this.all(); items.push(item); this.save(items); },
    remove(clientId) { this.save(this.all().filter((m) => m.client_id !== clientId)); },
  };

  // The customer's own ratings, so a reload shows which thumb they pressed.
  const ratings = {
    all() { try { return JSON.parse(localStorage.getItem(RATINGS) || "{}"); } catch (e) { return {}; } },
    get(key) { return this.all()[key]; },
    set(key, score) {
      const items = this.all();
      delete items[key];
      items[key] = score;
      const keys = Object.keys(items);
      for (const old of keys.slice(0, Math.max(0, keys.length - 200))) delete items[old];
      try { localStorage.setItem(RATINGS, JSON.stringify(items)); } catch (e) { /* storage full: not needed */ }
    },
  };

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("is-open");
    input.focus();
    watchOnly = false;
    if (!connecting) connecting = window.shoppeChatSession(root).then(() => connect());
    if (looking()) markSeen();
    showUnread();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("is-open");
    launcher.focus();
    showUnread();
  }

  // --- the team's replies while the customer is not looking ---
  function looking() { return !panel.hidden && document.visibilityState === "visible"; }
  function showUnread() {
    badgeCount.textContent = unread > 9 ? "9+" : String(unread);
    badge.hidden = !unread || !panel.hidden;
    document.title = unread
      ? format(ngettext("(%(count)s) New message - %(title)s", "(%(count)s) New messages - %(title)s", unread),
        { count: unread, title: pageTitle })
      : pageTitle;
  }
  function follow(on) {
    try {
      if (on && conversationId) localStorage.setItem(FOLLOW, conversationId);
      else if (!on) localStorage.removeItem(FOLLOW);
    } catch (e) { /* storage off: this tab still counts */ }
  }
  function markSeen() {
    if (!unread) return;
    unread = 0;
    showUnread();
    if (!withTeam) follow(false);
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "seen" }));
  }
  function staffNews() {
    unread++;
    follow(true);
    if (looking()) markSeen();
    else showUnread();
  }
  // With the panel closed: connect in the background to the conversation the team has, if any.
  function watch() {
    if (connecting) return;
    let id = null;
    try { id = localStorage.getItem(FOLLOW); } catch (e) { id = null; }
    if (!id) return;
    watchOnly = true;
    connecting = Promise.resolve().then(() => connect(id));
  }
  document.addEventListener("visibilitychange", () => { if (looking()) markSeen(); });
  window.addEventListener("storage", (e) => { if (e.key === FOLLOW && e.newValue) watch(); });
  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  root.querySelector(".chat-close").addEventListener("click", close);
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });

  function scrollDown() { log.scrollTop = log.scrollHeight; pinned = true; }
  // The newest message stays in view while the customer is reading at the bottom: sources,
  // thumbs and text arrive after a bubble is drawn, and the panel's own boxes (typing line,
  // "rate this conversation") shrink the log; each of these re-pins it instead of leaving
  // the end of the reply under the bottom edge. Scrolled up to read, the log stays put.
  let pinned = true;
  log.addEventListener("scroll", () => { pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 24; });
  const keepPinned = () => { if (pinned) log.scrollTop = log.scrollHeight; };
  new MutationObserver(keepPinned).observe(log, { childList: true, subtree: true, characterData: true });
  if (window.ResizeObserver) new ResizeObserver(keepPinned).observe(log);

  // Site paths in the assistant's and the team's words ("see /orders/") become links. Only paths
  // starting with one "/" (never "//host" or a scheme), and built with DOM nodes, never innerHTML.
  const SITE_PATH = /(^|[\s(\["'])(\/(?!\/)[A-Za-z0-9\-._~%\/?=&#]*[A-Za-z0-9\/])/g;
  function setText(body, text, links) {
    body.textContent = "";
    if (!links) { body.textContent = text; return; }
    let at = 0;
    for (const match of text.matchAll(SITE_PATH)) {
      const start = match.index + match[1].length;
      body.append(text.slice(at, start));
      const a = document.createElement("a");
      a.href = match[2];
      a.textContent = match[2];
      body.append(a);
      at = start + match[2].length;
    }
    body.append(text.slice(at));
  }

  // A colleague's initials ("Sam" -> "S", "Sam Visser" -> "SV") and one of six colours, the same for
  // the same name: their avatar, drawn with classes only (the CSP allows no inline styles).
  function initials(name) {
    const words = String(name || "").trim().split(/\s+/).filter(Boolean);
    return (words.slice(0, 2).map((w) => Array.from(w)[0]).join("") || "?").toUpperCase();
  }
  function tone(name) {
    let sum = 0;
    for (const ch of String(name || "")) sum = (sum * 31 + ch.codePointAt(0)) % 9973;
    return "tone-" + (sum % 6);
  }

  // `person`: on a staff message, who wrote it. The bubble shows their name and initials and is
  // read out as them ("Sam: …"), not as "Assistant" or a faceless "Staff".
  function bubble(author, text, attrs, person) {
    const li = document.createElement("li");
    li.className = "chat-msg chat-" + author;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    const name = author === "agent" ? (person || gettext("Our team")) : "";
    who.textContent = author === "customer" ? gettext("You:") + " "
      : author === "agent" ? format(gettext("%(name)s:"), { name }) + " " : gettext("Assistant:") + " ";
    const body = document.createElement("div");
    body.className = "chat-text";
    setText(body, text, author !== "customer");
    if (author === "agent") {
      const avatar = document.createElement("span");
      avatar.className = "chat-avatar " + tone(name);
      avatar.setAttribute("aria-hidden", "true");
      avatar.textContent = initials(name);
      const shown = document.createElement("span");
      shown.className = "chat-name";
      shown.setAttribute("aria-hidden", "true"); // read once, from `who`
      shown.textContent = name;
      const box = document.createElement("div");
      box.className = "chat-bubble";
      box.append(shown, who, body);
      li.append(avatar, box);
      li.dataset.agent = name;
    } else {
      li.append(who, body);
    }
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) li.dataset[k] = v;
    log.appendChild(li);
    scrollDown();
    return li;
  }

  // "Sam joined the chat": a line about who is in the chat, not anyone's message.
  function systemLine(id, text) {
    let li = id && log.querySelector(`[data-reply-id="${id}"]`);
    if (li) return li;
    li = document.createElement("li");
    li.className = "chat-system";
    li.textContent = text;
    if (id) li.dataset.replyId = id;
    log.appendChild(li);
    scrollDown();
    return li;
  }

  function addSources(li, sources) {
    if (!sources || !sources.length) return;
    const list = document.createElement("ul");
    list.className = "chat-sources";
    list.setAttribute("aria-label", gettext("Sources"));
    for (const s of sources) {
      const item = document.createElement("li");
      const a = document.createElement("a");
      a.href = s.url;
      a.textContent = s.title;
      item.appendChild(a);
      list.appendChild(item);
    }
    li.appendChild(list);
  }

  function customerBubble(clientId, text, pending) {
    let li = clientId && log.querySelector(`[data-client-id="${clientId}"]`);
    if (!li) li = bubble("customer", text, { clientId });
    li.classList.toggle("is-pending", !!pending);
    return li;
  }

  // A photo the customer attached: a thumbnail that opens the photo itself, and who may see it.
  function photoBubble(m, clientId) {
    let li = (clientId && log.querySelector(`[data-client-id="${clientId}"]`))
      || (m.id && log.querySelector(`li.chat-photo[data-message-id="${m.id}"]`));
    if (!li) li = bubble("customer", "", { clientId });
    li.classList.remove("is-pending");
    li.classList.add("chat-photo");
    if (m.id) li.dataset.messageId = m.id;
    const body = li.querySelector(".chat-text");
    body.textContent = "";
    const link = document.createElement("a");
    link.href = m.photo.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.className = "chat-photo-link";
    const img = document.createElement("img");
    img.src = m.photo.url;
    img.alt = gettext("Your photo");
    img.width = m.photo.width;
    img.height = m.photo.height;
    img.addEventListener("load", keepPinned);
    link.appendChild(img);
    body.appendChild(link);
    if (m.text) {
      const caption = document.createElement("span");
      caption.className = "chat-photo-caption";
      caption.textContent = m.text;
      body.appendChild(caption);
    }
    const note = document.createElement("span");
    note.className = "chat-photo-note";
    note.textContent = m.photo.llm_consent ? gettext("Our team and the assistant can see this photo.")
      : gettext("Only our team sees this photo.");
    body.appendChild(note);
    return li;
  }

  function setTyping(on) {
    typing.hidden = !on;
    if (on) scrollDown();
  }

  function showError(text) {
    errorLine.textContent = text;
    errorLine.hidden = !text;
  }

  function sendFeedback(payload) {
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      showError(gettext("Not connected right now. Please try again in a moment."));
      return false;
    }
    socket.send(JSON.stringify(Object.assign({ type: "feedback" }, payload)));
    return true;
  }

  function thumbIcon(down) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    if (down) svg.setAttribute("transform", "rotate(180)");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", THUMB);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function commentForm(li, replyId) {
    const box = document.createElement("form");
    box.className = "chat-rating-comment";
    const id = "chat-comment-" + replyId;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = gettext("What was wrong? (optional)");
    const text = document.createElement("textarea");
    text.id = id;
    text.rows = 2;
    text.maxLength = 1000;
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = gettext("Submit comment");
    box.append(label, text, submit);
    box.addEventListener("submit", (e) => {
      e.preventDefault();
      const comment = text.value.trim();
      if (!comment) { box.remove(); awaitingComment.delete(replyId); thank(li); return; } // nothing to add: done
      if (sendFeedback({ reply_id: replyId, score: -1, comment })) { box.remove(); awaitingComment.delete(replyId); }
    });
    text.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); box.requestSubmit(); }
    });
    return box;
  }

  function thank(li) {
    const group = li && li.querySelector(".chat-rating");
    if (group && !group.querySelector(".chat-rating-note")) {
      const note = document.createElement("span");
      note.className = "chat-rating-note";
      note.textContent = gettext("Thanks!");
      group.appendChild(note);
    }
  }

  // Thumbs up / down under a finished assistant reply.
  function addRating(li) {
    const replyId = Number(li.dataset.replyId);
    if (!replyId || li.querySelector(".chat-rating")) return;
    const group = document.createElement("div");
    group.className = "chat-rating";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", gettext("Rate this reply"));
    const buttons = [[1, gettext("Helpful")], [-1, gettext("Not helpful")]].map(([score, name]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chat-thumb";
      button.dataset.score = score;
      button.setAttribute("aria-label", name);
      button.title = name;
      button.setAttribute("aria-pressed", String(ratings.get(replyId) === score));
      button.appendChild(thumbIcon(score < 0));
      group.appendChild(button);
      return button;
    });
    group.addEventListener("click", (e) => {
      const button = e.target.closest(".chat-thumb");
      if (!button || button.getAttribute("aria-pressed") === "true") return;
      const score = Number(button.dataset.score);
      if (!sendFeedback({ reply_id: replyId, score })) return;
      for (const b of buttons) b.setAttribute("aria-pressed", String(b === button));
      ratings.set(replyId, score);
      const open = li.querySelector(".chat-rating-comment");
      if (score > 0 && open) { open.remove(); awaitingComment.delete(replyId); }
      if (score < 0) awaitingComment.add(replyId);
      if (score < 0 && !open) {
        const box = commentForm(li, replyId);
        li.appendChild(box);
        box.querySelector("textarea").focus();
        scrollDown();
      }
    });
    li.appendChild(group);
  }

  // "Rate this conversation": five stars as radio buttons, an optional comment, submit.
  const rate = (function buildConversationRating() {
    const box = document.createElement("form");
    box.className = "chat-rate";
    box.hidden = true;
    const fieldset = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = gettext("Rate this conversation");
    const stars = document.createElement("span");
    stars.className = "chat-stars";
    const names = [gettext("poor"), gettext("fair"), gettext("good"), gettext("very good"), gettext("excellent")];
    for (let value = 1; value <= 5; value++) {
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "chat-rate";
      radio.value = String(value);
      radio.id = "chat-rate-" + value;
      radio.className = "chat-star-input";
      const label = document.createElement("label");
      label.htmlFor = radio.id;
      label.className = "chat-star";
      label.title = names[value - 1];
      const star = document.createElement("span");
      star.setAttribute("aria-hidden", "true");
      star.textContent = "\u2605";
      const name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = format(ngettext("%(count)s star (%(name)s)", "%(count)s stars (%(name)s)", value),
        { count: value, name: names[value - 1] });
      label.append(star, name);
      stars.append(radio, label);
    }
    fieldset.append(legend, stars);
    const more = document.createElement("div");
    more.className = "chat-rate-more";
    more.hidden = true;
    const label = document.createElement("label");
    label.htmlFor = "chat-rate-comment";
    label.textContent = gettext("Anything to add? (optional)");
    const comment = document.createElement("textarea");
    comment.id = "chat-rate-comment";
    comment.rows = 2;
    comment.maxLength = 1000;
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = gettext("Submit rating");
    more.append(label, comment, submit);
    const thanks = document.createElement("p");
    thanks.className = "chat-rate-thanks";
    thanks.setAttribute("role", "status");
    box.append(fieldset, more, thanks);
    form.after(box);

    function chosen() {
      const radio = stars.querySelector("input:checked");
      return radio ? Number(radio.value) : 0;
    }
    function paint() {
      const value = chosen();
      for (const star of stars.querySelectorAll(".chat-star")) {
        star.classList.toggle("is-on", Number(star.htmlFor.slice(-1)) <= value);
      }
    }
    stars.addEventListener("change", () => { paint(); more.hidden = false; thanks.textContent = ""; });
    box.addEventListener("submit", (e) => {
      e.preventDefault();
      const score = chosen();
      if (!score) return;
      if (sendFeedback({ conversation: true, score, comment: comment.value.trim() })) {
        ratings.set("conversation:" + conversationId, score);
      }
    });
    comment.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); box.requestSubmit(); }
    });
    return {
      show() { box.hidden = false; },
      reset(conversation) {
        const saved = ratings.get("conversation:" + conversation);
        for (const radio of stars.querySelectorAll("input")) radio.checked = Number(radio.value) === saved;
        comment.value = "";
        more.hidden = true;
        thanks.textContent = saved ? format(gettext("You rated this conversation %(score)s of 5."), { score: saved }) : "";
        paint();
        box.hidden = true;
      },
      saved(score) {
        more.hidden = true;
        comment.value = "";
        thanks.textContent = format(gettext("Thank you! You rated this conversation %(score)s of 5."), { score });
      },
    };
  })();

  function showTeamLine(text) {
    teamLine.textContent = text;
    teamLine.hidden = !text;
  }

  // When the team is back, in the page's language: "tomorrow at 09:00", "maandag om 09:00",
  // "le 14 décembre à 09:00". The day and the clock are the shop's (Amsterdam); names and clock from Intl.
  // `team.back_at` is the opening as ISO 8601; a server without it sends only the English words (`back`).
  function shopDay(date) {
    const parts = new Intl.DateTimeFormat("en-GB", { timeZone: SHOP_TIME_ZONE, year: "numeric", month: "numeric", day: "numeric" })
      .formatToParts(date).reduce((all, p) => Object.assign(all, { [p.type]: Number(p.value) }), {});
    return Date.UTC(parts.year, parts.month - 1, parts.day) / 86400000;
  }
  function whenBack(team) {
    const at = team.back_at ? new Date(team.back_at) : null;
    if (!at || isNaN(at)) return team.back;
    const time = new Intl.DateTimeFormat(LANG, { timeZone: SHOP_TIME_ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
    const days = shopDay(at) - shopDay(new Date());
    if (days <= 0) return format(gettext("today at %(time)s"), { time });
    if (days === 1) return format(gettext("tomorrow at %(time)s"), { time });
    if (days < 7) {
      const weekday = new Intl.DateTimeFormat(LANG, { timeZone: SHOP_TIME_ZONE, weekday: "long" }).format(at);
      return format(gettext("%(weekday)s at %(time)s"), { weekday, time });
    }
    const date = new Intl.DateTimeFormat(LANG, { timeZone: SHOP_TIME_ZONE, day: "numeric", month: "long" }).format(at);
    return format(gettext("on %(date)s at %(time)s"), { date, time });
  }

  // After a reload: a chat still waiting for an away team says again when they are back.
  function awayLine(team) {
    if (!team || team.open || !(team.back || team.back_at)) return "";
    return team.handoff === "queued"
      ? format(gettext("Our team is away right now; they'll pick this up %(when)s (Amsterdam time) and reply here."),
        { when: whenBack(team) })
      : "";
  }

  function teamStatus(team) {
    if (!team || !team.handoff) return "";
    if (team.handoff === "claimed") {
      return team.agent ? format(gettext("Chatting with %(name)s"), { name: team.agent }) : gettext("With our team");
    }
    return gettext("Waiting for our team");
  }

  const SUGGESTED = [gettext("Where is my order?"), gettext("How long does delivery take?"),
    gettext("How do I return an item?"), gettext("Which payment methods do you accept?")];

  // A new chat opens with a greeting, a few questions to tap, and whether the team is in now.
  function welcome(team) {
    const li = document.createElement("li");
    li.className = "chat-welcome";
    const hello = document.createElement("p");
    hello.textContent = gettext("Hi! I'm the Example Shoppe assistant. Ask me about orders, delivery, returns or payments.");
    const teamNow = document.createElement("p");
    teamNow.className = "chat-welcome-team";
    teamNow.textContent = !team ? "" : team.open
      ? gettext("Our team is online too, if you'd rather talk to a person.")
      : format(gettext("Our team is away right now; they're back %(when)s (Amsterdam time). I can help straight away."),
        { when: whenBack(team) });
    const list = document.createElement("div");
    list.className = "chat-suggestions";
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", gettext("Suggested questions"));
    for (const question of SUGGESTED) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chat-suggestion";
      button.textContent = question;
      button.addEventListener("click", () => { input.value = question; form.requestSubmit(); });
      list.appendChild(button);
    }
    li.append(hello);
    if (teamNow.textContent) li.append(teamNow);
    li.append(list);
    log.appendChild(li);
  }

  // One saved message of the history; one already on screen (a reconnect, another tab) is left as it is.
  function drawMessage(m) {
    if (m.author === "customer" && m.photo) {
      photoBubble(m, m.client_id);
      return false;
    }
    if (m.author === "customer") {
      customerBubble(m.client_id, m.text, false).dataset.messageId = m.id;
      return false;
    }
    if (m.author === "system") {
      systemLine(m.id, m.text);
      return false;
    }
    if (log.querySelector(`[data-reply-id="${m.id}"]`)) return false;
    const li = bubble(m.author, m.text, { replyId: m.id, route: m.route || null }, m.agent);
    if (m.status === "failed") li.classList.add("is-failed");
    addSources(li, m.sources);
    if (m.author === "bot" && m.status === "complete" && m.in_reply_to) { addRating(li); answered++; }
    return m.intent === "handed_back";
  }

  // The line between an ended conversation (resolved, or left for a day) and the next one. It is
  // drawn as soon as the old one ends; the customer's next question starts the new one below it.
  function newConversationLine() {
    const waiting = log.querySelectorAll(".chat-divider:not([data-conversation])");
    if (waiting.length) return waiting[waiting.length - 1];
    const li = document.createElement("li");
    li.className = "chat-divider";
    const label = document.createElement("span");
    label.textContent = gettext("New conversation");
    li.appendChild(label);
    log.appendChild(li);
    return li;
  }

  function renderHistory(messages, team, ended) {
    log.textContent = "";
    replies.clear();
    answered = 0;
    let handedBack = false;
    for (const m of messages) if (drawMessage(m)) handedBack = true;
    if (answered >= RATE_AFTER_ANSWERS || handedBack || ratings.get("conversation:" + conversationId)) rate.show();
    if (ended && messages.length) newConversationLine();
    if ((ended || !messages.length) && !outbox.all().length) welcome(team);
    for (const m of outbox.all()) customerBubble(m.client_id, m.text, true);
    const last = messages[messages.length - 1];
    setTyping(!!last && last.author === "customer" && last.status === "received");
  }

  function send(item) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "customer.message", text: item.text, client_id: item.client_id }));
    }
  }

  const handlers = {
    history(e) {
      retryDelay = 500; // really connected: opening alone is not enough (a refused socket opens, then closes)
      busyDelay = 0;
      showError("");
      conversationId = e.conversation_id;
      unread = e.unread || 0;
      withTeam = !!(e.team && e.team.handoff);
      follow(withTeam || unread > 0);
      if (looking()) markSeen();
      else showUnread();
      rate.reset(conversationId);
      renderHistory(e.messages, e.team, e.ended);
      showTeamLine(awayLine(e.team));
      team = e.team;
      gettingReady = false; // a server that is still starting says so right after the history
      typingLabel.textContent = gettext("The assistant is typing");
      statusLine.textContent = teamStatus(e.team); // after a reload, who holds the chat is said again
      const seen = new Set(e.messages.filter((m) => m.client_id).map((m) => m.client_id));
      for (const item of outbox.all()) {
        if (seen.has(item.client_id)) outbox.remove(item.client_id);
        else send(item); // unacknowledged: resend once, the server dedupes by client_id
      }
    },
    // The server is still loading the assistant: say so, and say it again on the typing line while a
    // question waits; the question is saved (message.saved) and answered once the assistant is ready.
    "assistant.status"(e) {
      gettingReady = !e.ready;
      typingLabel.textContent = gettingReady ? gettext("Getting ready, I'll answer in a moment") : gettext("The assistant is typing");
      if (gettingReady) statusLine.textContent = gettext("Getting ready…");
      else if (statusLine.textContent === gettext("Getting ready…")) statusLine.textContent = teamStatus(team);
      if (gettingReady) announcer.textContent = e.message;
    },
    "message.saved"(e) {
      outbox.remove(e.client_id);
      showError("");
      const li = customerBubble(e.client_id, e.text, false);
      li.dataset.messageId = e.message_id;
      setTyping(true);
    },
    "reply.start"(e) {
      setTyping(true);
    },
    "photo.saved"(e) {
      // Also from this customer's other tabs; the tab that sent it already shows it (same client_id).
      photoBubble({ id: e.message_id, text: e.text, photo: e.photo }, e.client_id);
    },
    "reply.chunk"(e) {
      let li = replies.get(e.reply_id);
      if (!li) {
        setTyping(false);
        // after a reconnect the reply may already be on screen, drawn from the history
        li = log.querySelector(`[data-reply-id="${e.reply_id}"]`) || bubble("bot", "", { replyId: e.reply_id });
        li.classList.add("is-streaming");
        replies.set(e.reply_id, li);
      }
      li.querySelector(".chat-text").textContent += e.text;
      scrollDown();
    },
    "reply.end"(e) {
      setTyping(false);
      let li = replies.get(e.reply_id) || log.querySelector(`[data-reply-id="${e.reply_id}"]`);
      if (!li) li = bubble("bot", "", { replyId: e.reply_id });
      setText(li.querySelector(".chat-text"), e.text, true);
      li.classList.remove("is-streaming");
      li.dataset.route = e.route;
      addSources(li, e.sources);
      if (e.in_reply_to) { addRating(li); answered++; }
      if (answered >= RATE_AFTER_ANSWERS || e.intent === "handed_back") rate.show();
      replies.delete(e.reply_id);
      announcer.textContent = gettext("Assistant:") + " " + e.text; // one announcement per reply, not per token
      if (e.intent === "refund_decision") staffNews(); // the team decided: news like a reply of theirs
    },
    "reply.failed"(e) {
      setTyping(false);
      const li = replies.get(e.reply_id) || log.querySelector(`[data-reply-id="${e.reply_id}"]`)
        || bubble("bot", "", { replyId: e.reply_id });
      li.querySelector(".chat-text").textContent = e.message;
      li.classList.remove("is-streaming");
      li.classList.add("is-failed");
      announcer.textContent = e.message;
    },
    handoff(e) {
      // "resolved": the team handed back to the assistant, so no one's name stays in the header. A
      // conversation someone already holds keeps their name, and only a queued one has a queue line.
      const claimed = e.status === "claimed";
      team = { ...(team || {}), handoff: e.status === "resolved" ? null : e.status,
        agent: claimed ? (e.agent || (team && team.agent) || null) : null };
      statusLine.textContent = teamStatus(team);
      showTeamLine(e.status === "queued" ? e.note || "" : "");
      announcer.textContent = e.message;
      withTeam = e.status !== "resolved";
      if (withTeam) follow(true);
      else if (!unread) follow(false);
      if (e.status === "resolved") newConversationLine(); // the next question starts a new conversation
    },
    // The customer's question (here or in another tab) started a new conversation after the old one
    // ended: the line goes above that question, and what this tab missed is drawn below it.
    "conversation.started"(e) {
      if (e.conversation_id === conversationId) return;
      conversationId = e.conversation_id;
      rate.reset(conversationId);
      answered = 0;
      const line = newConversationLine();
      const mine = e.client_id && log.querySelector(`[data-client-id="${e.client_id}"]`);
      // Left open through the silence, the question was drawn before anyone knew it starts anew.
      if (mine && line.compareDocumentPosition(mine) & Node.DOCUMENT_POSITION_PRECEDING) log.insertBefore(line, mine);
      line.dataset.conversation = e.conversation_id;
      for (const m of e.messages || []) drawMessage(m);
      announcer.textContent = gettext("New conversation started.");
    },
    "agent.joined"(e) {
      // The system line before it says who joined; the queue (or away) line is over: someone is here.
      team = { ...(team || {}), handoff: "claimed", agent: e.agent };
      withTeam = true;
      statusLine.textContent = teamStatus(team);
      showTeamLine("");
    },
    "system.line"(e) {
      systemLine(e.message_id, e.text);
      announcer.textContent = e.text;
    },
    typing(e) {
      if (e.who !== "agent") return;
      typingLabel.textContent = format(gettext("%(name)s is typing"), { name: e.name || gettext("Our team") });
      setTyping(true);
      clearTimeout(agentTypingTimer);
      agentTypingTimer = setTimeout(() => { setTyping(false); typingLabel.textContent = gettext("The assistant is typing"); }, 3000);
    },
    "agent.message"(e) {
      setTyping(false);
      if (!log.querySelector(`[data-reply-id="${e.message_id}"]`)) bubble("agent", e.text, { replyId: e.message_id }, e.agent);
      announcer.textContent = format(gettext("%(name)s:"), { name: e.agent || gettext("Our team") }) + " " + e.text;
      staffNews();
    },
    seen() {
      // Read in this or another tab: no badge or title anywhere.
      unread = 0;
      showUnread();
      if (!withTeam) follow(false);
    },
    "feedback.saved"(e) {
      if (e.conversation) rate.saved(e.score);
      if (e.reply_id && awaitingComment.has(e.reply_id)) return; // the thumb is saved; thanks once the comment is
      thank(e.reply_id && log.querySelector(`[data-reply-id="${e.reply_id}"]`));
      announcer.textContent = gettext("Thanks for your feedback.");
    },
    error(e) {
      if (e.client_id && e.retry_after_ms) {
        // Not saved yet (too fast, or the server is briefly unavailable): keep it and send it again.
        const item = outbox.all().find((m) => m.client_id === e.client_id);
        if (item) setTimeout(() => send(item), e.retry_after_ms);
      } else if (e.client_id) {
        outbox.remove(e.client_id);
        const li = log.querySelector(`[data-client-id="${e.client_id}"]`);
        if (li) li.remove();
      }
      setTyping(false);
      showError(e.message);
    },
  };

  function connect(following) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    // In the background, only the conversation followed: never a new one for a page view.
    const query = watchOnly && (following || conversationId)
      ? "?conversation=" + encodeURIComponent(following || conversationId) : "";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath + query);
    statusLine.textContent = gettext("Connecting…");
    socket.onopen = () => { statusLine.textContent = ""; };
    socket.onmessage = (msg) => {
      let event;
      try { event = JSON.parse(msg.data); } catch (err) { return; }
      const handler = handlers[event.type];
      if (handler) handler(event);
    };
    socket.onclose = (e) => {
      if (watchOnly && (e.code === 4401 || e.code === 4403)) {
        // Followed from another sign-in or session: forget it quietly; opening the chat starts afresh.
        follow(false);
        socket = null;
        connecting = null;
        watchOnly = false;
        statusLine.textContent = "";
        return;
      }
      if (e.code === 4401 || e.code === 4403) {
        // Reconnecting would not help: the same session gets the same answer (or, signed out, a
        // visitor's chat instead of theirs). What they sent and was not saved stays in the outbox.
        stopped = e.code === 4401
          ? gettext("You were signed out (or your password was changed). Please sign in again to keep chatting.")
          : gettext("This conversation can't be opened here. Reload the page to start a new one.");
        statusLine.textContent = e.code === 4401 ? gettext("Signed out") : gettext("Chat unavailable");
        setTyping(false);
        showError(stopped);
        return;
      }
      let delay = retryDelay;
      if (e.code === 4429) {
        // Too many connections from this address this minute: wait, with jitter so that many tabs
        // behind one address do not come back at the same moment.
        busyDelay = Math.min(Math.max(busyDelay * 2, 10000), 60000);
        delay = busyDelay + Math.random() * 5000;
        showError(gettext("Too many chat connections from your network just now. We'll try again shortly."));
      } else {
        retryDelay = Math.min(retryDelay * 2, 15000);
      }
      statusLine.textContent = gettext("Reconnecting…");
      setTimeout(() => connect(), delay);
    };
  }

  // ---------- photos ----------
  let chosen = null; // { file, clientId }: kept until it is sent, so a refusal or a lost network loses nothing

  function photoProblem(file) {
    if (!PHOTO_TYPES.includes(file.type)) return gettext("That file isn't a photo we can take: please attach a JPEG, PNG or WebP image.");
    if (file.size > PHOTO_MAX_BYTES) {
      return format(gettext("That photo is too large: photos can be at most %(size)s MB."),
        { size: new Intl.NumberFormat(LANG).format(Math.round(PHOTO_MAX_BYTES / 1048576)) });
    }
    return "";
  }

  function showAttachment(file) {
    const number = (n, digits) => new Intl.NumberFormat(LANG, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
    const size = file.size >= 1048576 ? number(file.size / 1048576, 1) + "\u00a0MB" : number(Math.max(1, Math.round(file.size / 1024)), 0) + "\u00a0kB";
    attachmentName.textContent = `${file.name} (${size})`;
    attachment.hidden = false;
  }

  function clearAttachment() {
    chosen = null;
    photoInput.value = "";
    consent.checked = false;
    attachment.hidden = true;
    photoSend.disabled = false;
  }

  attachButton.addEventListener("click", () => {
    if (stopped) { showError(stopped); return; }
    photoInput.click();
  });
  photoInput.addEventListener("change", () => {
    const file = photoInput.files && photoInput.files[0];
    if (!file) return;
    const problem = photoProblem(file);
    if (problem) { showError(problem); photoInput.value = ""; return; } // the one chosen before stays
    chosen = { file, clientId: uuid() };
    showError("");
    showAttachment(file);
    photoSend.focus();
  });
  root.querySelector(".chat-photo-cancel").addEventListener("click", () => { clearAttachment(); input.focus(); });

  photoSend.addEventListener("click", async () => {
    if (!chosen) return;
    if (stopped) { showError(stopped); return; }
    if (!conversationId) { showError(gettext("Not connected yet. Please try again in a moment.")); return; }
    const sending = chosen;
    const body = new FormData();
    body.append("photo", sending.file);
    body.append("conversation", conversationId);
    body.append("client_id", sending.clientId);
    if (consent.checked) body.append("llm_consent", "1");
    photoSend.disabled = true;
    const pending = customerBubble(sending.clientId, gettext("Sending photo…"), true);
    showError("");
    let response = null;
    let result = null;
    try {
      response = await fetch(root.dataset.photoUrl, {
        method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": root.dataset.csrfToken },
      });
      result = await response.json().catch(() => null);
    } catch (err) {
      response = null;
    }
    if (response && response.ok && result && result.photo) {
      photoBubble({ id: result.message_id, text: result.text, photo: result.photo }, sending.clientId);
      if (chosen === sending) clearAttachment();
      announcer.textContent = gettext("Photo sent.");
      return;
    }
    // Refused or not sent: the bubble goes, the photo stays chosen (same client_id: a resend is saved once).
    if (!pending.classList.contains("chat-photo")) pending.remove();
    photoSend.disabled = false;
    showError(result && result.error ? result.error.message
      : response ? gettext("We couldn't send your photo just now. Please try again.")
        : gettext("We couldn't reach the server to send your photo. Please try again."));
  });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (stopped) { showError(stopped); return; }
    if (text.length > 2000) { showError(format(gettext("Messages can be at most %(count)s characters."), { count: new Intl.NumberFormat(LANG).format(2000) })); return; }
    const item = { client_id: uuid(), text };
    const suggestions = log.querySelector(".chat-suggestions");
    if (suggestions) suggestions.remove(); // asked: the greeting stays, the suggestions go
    outbox.add(item);
    customerBubble(item.client_id, text, true);
    input.value = "";
    showError("");
    send(item);
  });
  // Staff watching the conversation see that the customer is typing: at most one event
  // every 2 s, and typing that starts inside that window is signalled when it ends.
  input.addEventListener("input", window.shoppeThrottle(() => {
    if (!socket || socket.readyState !== WebSocket.OPEN || !input.value) return false;
    socket.send(JSON.stringify({ type: "typing" }));
  }, 2000));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  window.addEventListener("online", () => {
    if (!stopped && socket && socket.readyState !== WebSocket.OPEN) { try { socket.close(); } catch (err) {} }
  });

  // A conversation in progress reopens by itself after a reload.
  // The link in an email of the team's replies lands on "?chat=open".
  const params = new URLSearchParams(location.search);
  const fromLink = params.get("chat") === "open";
  if (fromLink) {
    params.delete("chat");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
    sessionStorage.setItem("shoppe.chat.open", "1");
  }
  if (fromLink || sessionStorage.getItem("shoppe.chat.open") === "1" || outbox.all().length) open();
  else watch();
  launcher.addEventListener("click", () => sessionStorage.setItem("shoppe.chat.open", panel.hidden ? "0" : "1"));
  root.querySelector(".chat-close").addEventListener("click", () => sessionStorage.setItem("shoppe.chat.open", "0"));
  // "Past conversations" leaves the chat for a page: the panel must not cover it there (a phone's whole screen).
  const past = root.querySelector(".chat-past");
  if (past) past.addEventListener("click", () => sessionStorage.setItem("shoppe.chat.open", "0"));
})();
