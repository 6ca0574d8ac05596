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
 * Customers rate each assistant reply (thumbs up/down, an optional comment on thumbs
 * down) and the conversation (1-5 stars); both go over the socket as `feedback`
 * events and a later rating replaces an earlier one.
 */
(function () {
  "use strict";
  const root = document.getElementById("chat");
  if (!root) return;
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
  const OUTBOX = "shoppe.chat.outbox";
  const RATINGS = "shoppe.chat.ratings";
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
    if (!connecting) connecting = window.shoppeChatSession(root).then(connect);
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("is-open");
    launcher.focus();
  }
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

  function bubble(author, text, attrs) {
    const li = document.createElement("li");
    li.className = "chat-msg chat-" + author;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = author === "customer" ? "You: " : author === "agent" ? "Staff: " : "Assistant: ";
    const body = document.createElement("div");
    body.className = "chat-text";
    setText(body, text, author !== "customer");
    li.append(who, body);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) li.dataset[k] = v;
    log.appendChild(li);
    scrollDown();
    return li;
  }

  function addSources(li, sources) {
    if (!sources || !sources.length) return;
    const list = document.createElement("ul");
    list.className = "chat-sources";
    list.setAttribute("aria-label", "Sources");
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
      showError("Not connected right now. Please try again in a moment.");
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
    label.textContent = "What was wrong? (optional)";
    const text = document.createElement("textarea");
    text.id = id;
    text.rows = 2;
    text.maxLength = 1000;
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = "Submit comment";
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
      note.textContent = "Thanks!";
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
    group.setAttribute("aria-label", "Rate this reply");
    const buttons = [[1, "Helpful"], [-1, "Not helpful"]].map(([score, name]) => {
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
    legend.textContent = "Rate this conversation";
    const stars = document.createElement("span");
    stars.className = "chat-stars";
    const names = ["poor", "fair", "good", "very good", "excellent"];
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
      name.textContent = `${value} ${value === 1 ? "star" : "stars"} (${names[value - 1]})`;
      label.append(star, name);
      stars.append(radio, label);
    }
    fieldset.append(legend, stars);
    const more = document.createElement("div");
    more.className = "chat-rate-more";
    more.hidden = true;
    const label = document.createElement("label");
    label.htmlFor = "chat-rate-comment";
    label.textContent = "Anything to add? (optional)";
    const comment = document.createElement("textarea");
    comment.id = "chat-rate-comment";
    comment.rows = 2;
    comment.maxLength = 1000;
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = "Submit rating";
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
        thanks.textContent = saved ? `You rated this conversation ${saved} of 5.` : "";
        paint();
        box.hidden = true;
      },
      saved(score) {
        more.hidden = true;
        comment.value = "";
        thanks.textContent = `Thank you! You rated this conversation ${score} of 5.`;
      },
    };
  })();

  function showTeamLine(text) {
    teamLine.textContent = text;
    teamLine.hidden = !text;
  }

  // After a reload: a chat still waiting for an away team says again when they are back.
  function awayLine(team) {
    if (!team || team.open || !team.back) return "";
    return team.handoff === "queued"
      ? `Our team is away right now; they'll pick this up ${team.back} (Amsterdam time) and reply here.`
      : "";
  }

  function teamStatus(team) {
    if (!team || !team.handoff) return "";
    if (team.handoff === "claimed") return team.agent ? "Chatting with " + team.agent : "With our team";
    return "Waiting for our team";
  }

  const SUGGESTED = ["Where is my order?", "How long does delivery take?", "How do I return an item?",
    "Which payment methods do you accept?"];

  // A new chat opens with a greeting, a few questions to tap, and whether the team is in now.
  function welcome(team) {
    const li = document.createElement("li");
    li.className = "chat-welcome";
    const hello = document.createElement("p");
    hello.textContent = "Hi! I'm the Example Shoppe assistant. Ask me about orders, delivery, returns or payments.";
    const teamNow = document.createElement("p");
    teamNow.className = "chat-welcome-team";
    teamNow.textContent = !team ? "" : team.open
      ? "Our team is online too, if you'd rather talk to a person."
      : `Our team is away right now; they're back ${team.back} (Amsterdam time). I can help straight away.`;
    const list = document.createElement("div");
    list.className = "chat-suggestions";
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", "Suggested questions");
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

  function renderHistory(messages, team) {
    log.textContent = "";
    replies.clear();
    answered = 0;
    let handedBack = false;
    for (const m of messages) {
      if (m.author === "customer") {
        customerBubble(m.client_id, m.text, false).dataset.messageId = m.id;
      } else {
        const li = bubble(m.author, m.text, { replyId: m.id, route: m.route || null });
        if (m.status === "failed") li.classList.add("is-failed");
        addSources(li, m.sources);
        if (m.author === "bot" && m.status === "complete" && m.in_reply_to) addRating(li);
        if (m.author === "bot" && m.status === "complete" && m.in_reply_to) answered++;
        if (m.intent === "handed_back") handedBack = true;
      }
    }
    if (answered >= RATE_AFTER_ANSWERS || handedBack || ratings.get("conversation:" + conversationId)) rate.show();
    if (!messages.length && !outbox.all().length) welcome(team);
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
      rate.reset(conversationId);
      renderHistory(e.messages, e.team);
      showTeamLine(awayLine(e.team));
      team = e.team;
      gettingReady = false; // a server that is still starting says so right after the history
      typingLabel.textContent = "The assistant is typing";
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
      typingLabel.textContent = gettingReady ? "Getting ready, I'll answer in a moment" : "The assistant is typing";
      if (gettingReady) statusLine.textContent = "Getting ready…";
      else if (statusLine.textContent === "Getting ready…") statusLine.textContent = teamStatus(team);
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
      announcer.textContent = "Assistant: " + e.text; // one announcement per reply, not per token
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
      // "resolved": the team handed back to the assistant, so no one's name stays in the header.
      statusLine.textContent = e.status === "queued" ? "Waiting for our team"
        : e.status === "resolved" ? "" : "With our team";
      showTeamLine(e.note || "");
      announcer.textContent = e.message;
    },
    "agent.joined"(e) {
      statusLine.textContent = "Chatting with " + e.agent;
      announcer.textContent = "Agent " + e.agent + " joined the chat";
    },
    typing(e) {
      if (e.who !== "agent") return;
      typingLabel.textContent = (e.name || "Our team") + " is typing";
      setTyping(true);
      clearTimeout(agentTypingTimer);
      agentTypingTimer = setTimeout(() => { setTyping(false); typingLabel.textContent = "The assistant is typing"; }, 3000);
    },
    "agent.message"(e) {
      setTyping(false);
      bubble("agent", e.text, { replyId: e.message_id });
      announcer.textContent = (e.agent || "Staff") + ": " + e.text;
    },
    "feedback.saved"(e) {
      if (e.conversation) rate.saved(e.score);
      if (e.reply_id && awaitingComment.has(e.reply_id)) return; // the thumb is saved; thanks once the comment is
      thank(e.reply_id && log.querySelector(`[data-reply-id="${e.reply_id}"]`));
      announcer.textContent = "Thanks for your feedback.";
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

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    statusLine.textContent = "Connecting…";
    socket.onopen = () => { statusLine.textContent = ""; };
    socket.onmessage = (msg) => {
      let event;
      try { event = JSON.parse(msg.data); } catch (err) { return; }
      const handler = handlers[event.type];
      if (handler) handler(event);
    };
    socket.onclose = (e) => {
      if (e.code === 4401 || e.code === 4403) {
        // Reconnecting would not help: the same session gets the same answer (or, signed out, a
        // visitor's chat instead of theirs). What they sent and was not saved stays in the outbox.
        stopped = e.code === 4401
          ? "You were signed out (or your password was changed). Please sign in again to keep chatting."
          : "This conversation can't be opened here. Reload the page to start a new one.";
        statusLine.textContent = e.code === 4401 ? "Signed out" : "Chat unavailable";
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
        showError("Too many chat connections from your network just now. We'll try again shortly.");
      } else {
        retryDelay = Math.min(retryDelay * 2, 15000);
      }
      statusLine.textContent = "Reconnecting…";
      setTimeout(connect, delay);
    };
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (stopped) { showError(stopped); return; }
    if (text.length > 2000) { showError("Messages can be at most 2000 characters."); return; }
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
  if (sessionStorage.getItem("shoppe.chat.open") === "1" || outbox.all().length) open();
  launcher.addEventListener("click", () => sessionStorage.setItem("shoppe.chat.open", panel.hidden ? "0" : "1"));
  root.querySelector(".chat-close").addEventListener("click", () => sessionStorage.setItem("shoppe.chat.open", "0"));
})();
