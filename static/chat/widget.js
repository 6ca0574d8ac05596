/* Example Shoppe chat widget.
 *
 * Talks to /ws/chat/ (see the WebSocket contract in README). Messages the customer
 * sends wait in localStorage until the server acknowledges them (`message.saved`), so a
 * reload, a closed tab or a lost network never loses one; after reconnecting the
 * widget resends what is unacknowledged with the same client_id, and the server saves
 * each client_id once.
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
  const OUTBOX = "shoppe.chat.outbox";

  const typingLabel = typing.querySelector(".chat-typing-label");
  let agentTypingTimer = null;
  let lastTypingSent = 0;
  let socket = null;
  let retryDelay = 500;
  let conversationId = null;
  const replies = new Map(); // reply_id -> element being streamed

  const outbox = {
    all() { try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; } },
    save(items) { localStorage.setItem(OUTBOX, JSON.stringify(items)); },
    add(item) { const items = this.all(); items.push(item); this.save(items); },
    remove(clientId) { this.save(this.all().filter((m) => m.client_id !== clientId)); },
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
    if (!socket) connect();
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

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function bubble(author, text, attrs) {
    const li = document.createElement("li");
    li.className = "chat-msg chat-" + author;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = author === "customer" ? "You: " : author === "agent" ? "Staff: " : "Assistant: ";
    const body = document.createElement("div");
    body.className = "chat-text";
    body.textContent = text;
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

  function renderHistory(messages) {
    log.textContent = "";
    replies.clear();
    for (const m of messages) {
      if (m.author === "customer") {
        customerBubble(m.client_id, m.text, false).dataset.messageId = m.id;
      } else {
        const li = bubble(m.author, m.text, { replyId: m.id });
        if (m.status === "failed") li.classList.add("is-failed");
        addSources(li, m.sources);
      }
    }
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
      conversationId = e.conversation_id;
      renderHistory(e.messages);
      const seen = new Set(e.messages.filter((m) => m.client_id).map((m) => m.client_id));
      for (const item of outbox.all()) {
        if (seen.has(item.client_id)) outbox.remove(item.client_id);
        else send(item); // unacknowledged: resend once, the server dedupes by client_id
      }
    },
    "message.saved"(e) {
      outbox.remove(e.client_id);
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
        li = bubble("bot", "", { replyId: e.reply_id });
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
      li.querySelector(".chat-text").textContent = e.text;
      li.classList.remove("is-streaming");
      li.dataset.route = e.route;
      addSources(li, e.sources);
      replies.delete(e.reply_id);
      announcer.textContent = "Assistant: " + e.text; // one announcement per reply, not per token
    },
    "reply.failed"(e) {
      setTyping(false);
      const li = replies.get(e.reply_id) || bubble("bot", "", { replyId: e.reply_id });
      li.querySelector(".chat-text").textContent = e.message;
      li.classList.add("is-failed");
      announcer.textContent = e.message;
    },
    handoff(e) {
      statusLine.textContent = e.status === "queued" ? "Waiting for our team" : "With our team";
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
    error(e) {
      if (e.client_id) {
        outbox.remove(e.client_id);
        const li = log.querySelector(`[data-client-id="${e.client_id}"]`);
        if (li && e.code !== "rate_limited") li.remove();
      }
      setTyping(false);
      showError(e.message);
    },
  };

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    statusLine.textContent = "Connecting…";
    socket.onopen = () => { retryDelay = 500; statusLine.textContent = ""; showError(""); };
    socket.onmessage = (msg) => {
      let event;
      try { event = JSON.parse(msg.data); } catch (err) { return; }
      const handler = handlers[event.type];
      if (handler) handler(event);
    };
    socket.onclose = () => {
      statusLine.textContent = "Reconnecting…";
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    };
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (text.length > 2000) { showError("Messages can be at most 2000 characters."); return; }
    const item = { client_id: uuid(), text };
    outbox.add(item);
    customerBubble(item.client_id, text, true);
    input.value = "";
    showError("");
    send(item);
  });
  input.addEventListener("input", () => {
    // Staff watching the conversation see that the customer is typing (at most every 2 s).
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastTypingSent > 2000) {
      lastTypingSent = Date.now();
      socket.send(JSON.stringify({ type: "typing" }));
    }
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  window.addEventListener("online", () => { if (socket && socket.readyState !== WebSocket.OPEN) { try { socket.close(); } catch (err) {} } });

  // A conversation in progress reopens by itself after a reload.
  if (sessionStorage.getItem("shoppe.chat.open") === "1" || outbox.all().length) open();
  launcher.addEventListener("click", () => sessionStorage.setItem("shoppe.chat.open", panel.hidden ? "0" : "1"));
  root.querySelector(".chat-close").addEventListener("click", () => sessionStorage.setItem("shoppe.chat.open", "0"));
})();
