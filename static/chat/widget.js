/* Example Shoppe chat widget.
 *
 * Talks to /ws/chat/ (see the WebSocket contract in README). Messages the customer
 * sends wait in localStorage until the server acknowledges them (`message.saved`), so a
 * reload, a closed tab or a lost network never loses one; after reconnecting the
 * widget resends what is unacknowledged with the same client_id, and the server saves
 * each client_id once.
 *
 * The socket closes with a code when it must not simply reconnect (README, "The
 * WebSocket contract"): signed out or the password changed, and not theirs: the widget
 * stops and says why; too many connections from this address: it waits 10-60 s before
 * trying again instead of retrying within a second (static/shared/socket.js).
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
 * The parts: transcript.js draws the conversation, rating.js the thumbs and stars, team.js what is
 * said about the team, photos.js the paperclip, store.js what waits in localStorage; the socket
 * (with its back-off and close codes), the element builder and the safe links are shared with the
 * staff console (static/shared/). Limits and close codes come from the page's data attributes.
 */
import { dataNumber } from "../shared/dom.js";
import { closeCodes, liveSocket } from "../shared/socket.js";
import { LANG, format, gettext, ngettext } from "./i18n.js";
import { photoAttachment } from "./photos.js";
import { deviceAnswerEvents, deviceFrame, deviceTier } from "./on_device.js";
import { chatRatings } from "./rating.js";
import { keepOnlyOwn, outbox, ratings, uuid } from "./store.js";
import { awayLine, teamStatus, welcome } from "./team.js";
import { chatTranscript } from "./transcript.js";

const root = document.getElementById("chat");
if (root) chatWidget(root);

function chatWidget(root) {
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
  const FOLLOW = "shoppe.chat.follow"; // the conversation id while the team has it or its replies are unread
  const DRAFT = "shoppe.chat.draft"; // what is typed and not sent yet, in this tab (`draft`)
  keepOnlyOwn(root.dataset.owner || "", { local: [FOLLOW], session: [DRAFT, "shoppe.chat.open"] });
  // The server's limits (settings.CHAT_MAX_MESSAGE_CHARS, support/services/typing.py), from the page.
  const MAX_MESSAGE_CHARS = dataNumber(root, "maxMessageChars", Infinity); // without it, the server alone says
  const TYPING_EVERY_MS = dataNumber(root, "typingEveryMs", 2000);
  const COUNT_FROM = 0.9; // the share of MAX_MESSAGE_CHARS from which the characters left are shown
  const badge = launcher.querySelector(".chat-unread");
  const badgeCount = launcher.querySelector(".chat-unread-count");
  const badgeLabel = launcher.querySelector(".chat-unread-label");
  const pageTitle = document.title;

  const typingLabel = typing.querySelector(".chat-typing-label");
  let agentTypingTimer = null;
  let socket = null; // shared/socket.js's liveSocket, once connecting
  let connecting = null; // the first connect waits for the chat's browser session (chat/session.js)
  let stopped = ""; // why the widget no longer reconnects (signed out, not theirs), shown again on send
  let conversationId = null;
  let unread = 0; // the team's replies the customer has not seen
  let withTeam = false; // the conversation is queued for, or held by, a person
  let watchOnly = false; // connected in the background (panel never opened on this page)
  const replies = new Map(); // reply_id -> element being streamed
  // Replies the history showed half-way through their streaming (a reload, a reconnect): their chunks from here on
  // are only the rest, so the typing dots stand in for them until reply.end brings the whole text.
  const joinedMidStream = new Set();
  // "Rate this conversation" appears once there is something to judge: after the team hands the
  // chat back, or after RATE_AFTER_ANSWERS answers (one answer is too early to rate a conversation).
  const RATE_AFTER_ANSWERS = 3;
  let answered = 0;
  let team = null; // who holds the chat, from the history: the status line returns to it once the assistant is ready
  let gettingReady = false; // the server is still getting the assistant ready: messages are kept and answered then
  // Routine help answered on this device (on_device.js): its report waits for an open socket.
  let deviceStatus = null;
  const device = deviceTier({
    manifestUrl: root.dataset.deviceManifest, language: LANG.slice(0, 2).toLowerCase(),
    report(status) { deviceStatus = status; reportDevice(); },
  });
  function reportDevice() {
    if (deviceStatus && socket && socket.send({ type: "device.status", ...deviceStatus })) deviceStatus = null;
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
    // Said to a screen reader in the count's grammar ("1 nouveaux messages" was read out: session 35's walkthrough).
    badgeLabel.textContent = " " + ngettext("new message from our team", "new messages from our team", unread);
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
  // Seen, with the newest reply on screen then (`through`): the server marks the team's messages read up to it,
  // not what they wrote while this page was offline. Said once the socket is open, if it was closed.
  let seenOwed = null;
  function markSeen() {
    if (!unread) return;
    unread = 0;
    showUnread();
    if (!withTeam) follow(false);
    const replies = log.querySelectorAll("[data-reply-id]");
    const through = replies.length ? Number(replies[replies.length - 1].dataset.replyId) : NaN;
    seenOwed = Number.isInteger(through) ? { through } : {};
    tellSeen();
  }
  function tellSeen() {
    if (seenOwed && socket && socket.send({ type: "seen", ...seenOwed })) seenOwed = null;
  }
  // The team's messages in a history after the one seen offline: what is still unread once that is said.
  function newsAfter(messages, through) {
    const at = messages.findIndex((m) => m.id === through);
    if (at < 0) return null;
    return messages.slice(at + 1).filter((m) => m.author === "agent" || (m.author === "bot" && m.intent === "refund_decision")).length;
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

  const { scrollDown, scrollToEnd, setText, bubble, systemLine, addSources, customerBubble, photoBubble,
    newConversationLine, deviceBubble, onDeviceNote } = chatTranscript(log);

  function setTyping(on) {
    typing.hidden = !on;
    if (on) scrollDown();
  }

  function showError(text) {
    errorLine.textContent = text;
    errorLine.hidden = !text;
  }
  function sendFeedback(payload) {
    if (!socket || !socket.send({ type: "feedback", ...payload })) {
      showError(gettext("Not connected right now. Please try again in a moment."));
      return false;
    }
    return true;
  }

  const { addRating, thank, rate, awaitingComment, openComments, reopenComments } = chatRatings({
    form, sendFeedback, scrollDown: scrollToEnd, conversationId: () => conversationId });

  function showTeamLine(text) {
    teamLine.textContent = text;
    teamLine.hidden = !text;
  }
  // One saved message of the history; one already on screen (a reconnect, another tab) is left as it is.
  function drawMessage(m) {
    if (m.author === "customer" && m.photo) {
      photoBubble(m, m.client_id);
      return false;
    }
    if (m.author === "customer") {
      customerBubble(m.client_id, m.kept_on_device ? gettext("(kept on your device)") : m.text, false).dataset.messageId = m.id;
      return false;
    }
    if (m.author === "system") {
      systemLine(m.id, m.text);
      return false;
    }
    if (log.querySelector(`[data-reply-id="${m.id}"]`)) return false;
    if (m.author === "bot" && m.status === "streaming") {
      joinedMidStream.add(m.id);
      return false;
    }
    const li = bubble(m.author, m.kept_on_device ? gettext("(kept on your device)") : m.text,
      { replyId: m.id, route: m.route || null }, m.agent);
    if (m.status === "failed") li.classList.add("is-failed");
    if (m.on_device) onDeviceNote(li);
    addSources(li, m.sources);
    if (m.author === "bot" && m.status === "complete" && m.in_reply_to) { addRating(li); answered++; }
    return m.intent === "handed_back";
  }

  function renderHistory(messages, team, ended) {
    const comments = openComments(log); // a thumbs-down comment being written survives the redraw
    log.textContent = "";
    replies.clear();
    joinedMidStream.clear();
    answered = 0;
    let handedBack = false;
    for (const m of messages) if (drawMessage(m)) handedBack = true;
    reopenComments(log, comments);
    if (answered >= RATE_AFTER_ANSWERS || handedBack || ratings.get("conversation:" + conversationId)) rate.show();
    if (ended && messages.length) newConversationLine();
    if ((ended || !messages.length) && !outbox.all().length) welcome(log, team, (question) => {
      input.value = question;
      form.requestSubmit();
      input.focus(); // the suggestion chosen is gone with the welcome: a keyboard user stays in the chat, not at the page's top
    });
    const saved = new Set(messages.map((m) => m.client_id).filter(Boolean));
    for (const m of outbox.all()) {
      if (saved.has(m.client_id)) continue; // saved, with its answer, while the acknowledgement was lost
      customerBubble(m.client_id, m.text, true);
      if (m.answer) deviceBubble(m.client_id, m.answer); // answered on this device while the server was away
    }
    const last = messages[messages.length - 1];
    setTyping(!!last && ((last.author === "customer" && last.status === "received") || joinedMidStream.has(last.id)));
  }

  // What went out on the socket open now: the history that socket sends may be older than a message typed
  // as it opened, and resending that one would be answered twice (a refusal, say, shown twice).
  let sentOnThisSocket = new Set();
  const translating = new Set(); // client ids whose device answer the browser is translating
  function send(item) {
    if (socket && socket.send({ type: "customer.message", text: item.text, client_id: item.client_id, device: item.device })) {
      sentOnThisSocket.add(item.client_id);
    }
  }

  const handlers = {
    history(e) {
      socket.settled(); // really connected: opening alone is not enough (a refused socket opens, then closes)
      showError("");
      device.serverSays(e.device && e.device.version);
      reportDevice();
      conversationId = e.conversation_id;
      withTeam = !!(e.team && e.team.handoff);
      rate.reset(conversationId);
      renderHistory(e.messages, e.team, e.ended);
      unread = e.unread || 0;
      if (seenOwed) { // seen while the socket was closed: counted before the server heard it
        const left = seenOwed.through === undefined ? 0 : newsAfter(e.messages, seenOwed.through);
        if (left !== null) unread = left;
        tellSeen();
      }
      follow(withTeam || unread > 0);
      if (looking()) markSeen(); // after drawing: it says which reply is the newest seen
      else showUnread();
      showTeamLine(awayLine(e.team));
      team = e.team;
      gettingReady = false; // a server that is still starting says so right after the history
      typingLabel.textContent = gettext("The assistant is typing");
      statusLine.textContent = teamStatus(e.team); // after a reload, who holds the chat is said again
      const seen = new Set(e.messages.filter((m) => m.client_id).map((m) => m.client_id));
      for (const item of outbox.all()) {
        if (seen.has(item.client_id)) outbox.remove(item.client_id);
        else if (translating.has(item.client_id)) continue; // goes out with its device answer in a moment
        else if (!sentOnThisSocket.has(item.client_id)) send(item); // unacknowledged: resend once, the server dedupes by client_id
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
      const li = customerBubble(e.client_id, e.text || gettext("(kept on your device)"), false);
      li.dataset.messageId = e.message_id;
      // No typing dots for an answer already on screen (answered on this device, or a resend's acknowledgement
      // of a message answered before), nor while a person holds the chat: the assistant stays quiet then.
      const answered = e.answered || log.querySelector(`[data-device-client-id="${e.client_id}"]`);
      if (!answered && !(team && team.handoff === "claimed")) setTyping(true);
    },
    ...deviceAnswerEvents({ log, deviceBubble, setTyping, rated(li) {
      addRating(li);
      if (++answered >= RATE_AFTER_ANSWERS) rate.show();
    } }),
    "reply.start"(e) {
      setTyping(true);
    },
    "photo.saved"(e) {
      // Also from this customer's other tabs; the tab that sent it already shows it (same client_id).
      photoBubble({ id: e.message_id, text: e.text, photo: e.photo }, e.client_id);
    },
    "reply.chunk"(e) {
      if (joinedMidStream.has(e.reply_id)) return;
      let li = replies.get(e.reply_id);
      if (!li) {
        setTyping(false);
        // after a reconnect the reply may already be on screen, drawn from the history
        li = log.querySelector(`[data-reply-id="${e.reply_id}"]`) || bubble("bot", "", { replyId: e.reply_id });
        li.classList.add("is-streaming");
        replies.set(e.reply_id, li);
      }
      // The words so far, re-drawn with each chunk: "**bold**" shows bold as it streams, not only at the end.
      li.dataset.streamed = (li.dataset.streamed ?? li.querySelector(".chat-text").textContent) + e.text;
      setText(li.querySelector(".chat-text"), li.dataset.streamed, true);
      scrollDown();
    },
    "reply.end"(e) {
      joinedMidStream.delete(e.reply_id);
      setTyping(false);
      let li = replies.get(e.reply_id) || log.querySelector(`[data-reply-id="${e.reply_id}"]`);
      if (!li) li = bubble("bot", "", { replyId: e.reply_id });
      setText(li.querySelector(".chat-text"), e.text, true);
      delete li.dataset.streamed;
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
      joinedMidStream.delete(e.reply_id);
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
      // The welcome's "our team is away, back at 09:00" is over too (it stood above "Sam joined the chat").
      for (const away of log.querySelectorAll(".chat-welcome-team")) away.remove();
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
        const stillWaiting = () => outbox.all().some((m) => m.client_id === e.client_id); // not saved by a reconnect meanwhile
        if (item) setTimeout(() => { if (stillWaiting()) send(item); }, e.retry_after_ms);
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
    // In the background, only the conversation followed: never a new one for a page view.
    // The first attempt follows `following`; a reconnect, the conversation the history named since.
    const query = () => {
      const id = following || conversationId;
      following = null;
      // The page's language: what the assistant answers in when a message is too short to tell ("hoi").
      const params = new URLSearchParams({ lang: LANG });
      if (watchOnly && id) params.set("conversation", id);
      return "?" + params.toString();
    };
    socket = liveSocket({
      path: root.dataset.wsPath, query, codes: closeCodes(root), handlers,
      on: {
        connecting() { statusLine.textContent = gettext("Connecting…"); },
        open() { sentOnThisSocket = new Set(); statusLine.textContent = ""; },
        stopped(why) {
          if (watchOnly) {
            // Followed from another sign-in or session: forget it quietly; opening the chat starts afresh.
            follow(false);
            socket = null;
            connecting = null;
            watchOnly = false;
            statusLine.textContent = "";
            return;
          }
          // Reconnecting would not help: the same session gets the same answer (or, signed out, a
          // visitor's chat instead of theirs). What they sent and was not saved stays in the outbox.
          stopped = why === "signed_out"
            ? gettext("You were signed out (or your password was changed). Please sign in again to keep chatting.")
            : gettext("This conversation can't be opened here. Reload the page to start a new one.");
          statusLine.textContent = why === "signed_out" ? gettext("Signed out") : gettext("Chat unavailable");
          setTyping(false);
          showError(stopped);
        },
        busy() { showError(gettext("Too many chat connections from your network just now. We'll try again shortly.")); },
        retrying() { statusLine.textContent = gettext("Reconnecting…"); },
      },
    });
  }

  photoAttachment({
    root, input, showError, stopped: () => stopped, conversationId: () => conversationId,
    customerBubble, photoBubble, announce: (text) => { announcer.textContent = text; },
  });

  // Over the server's limit the box keeps every character (a maxlength cut a pasted complaint short without a
  // word) and says so at once; nothing is sent until it is shortened.
  const tooLong = () => format(gettext("Messages can be at most %(count)s characters."),
    { count: new Intl.NumberFormat(LANG).format(MAX_MESSAGE_CHARS) });
  // Near the limit the box says how much is left, so a long story is not stopped by surprise at the send button.
  const countLine = root.querySelector(".chat-count");
  function countLeft() {
    const used = input.value.trim().length;
    const left = MAX_MESSAGE_CHARS - used;
    countLine.hidden = !(used >= MAX_MESSAGE_CHARS * COUNT_FROM);
    // Over the limit it says how much to cut (a pasted story over 2,000 hid the count: session 26's walkthrough).
    countLine.textContent = countLine.hidden ? "" : format(left >= 0
      ? ngettext("%(count)s character left", "%(count)s characters left", left)
      : ngettext("%(count)s character too many", "%(count)s characters too many", -left),
    { count: new Intl.NumberFormat(LANG).format(Math.abs(left)) });
  }
  // What is typed and not yet sent survives a reload or a click to another page of the shop (it was lost: session
  // 33's walkthrough); kept in this tab's sessionStorage only, gone when the tab closes.
  const draft = {
    key: DRAFT,
    save() { try { sessionStorage.setItem(this.key, input.value); } catch (e) { /* storage full or off */ } },
    clear() { try { sessionStorage.removeItem(this.key); } catch (e) { /* storage off */ } },
    restore() { try { input.value = sessionStorage.getItem(this.key) || ""; } catch (e) { /* storage off */ } },
  };
  draft.restore();
  // The input has autocomplete="off": back to a page, the browser put back what that input held when the customer
  // left it, over the draft typed since on another page (session 35's walkthrough).
  input.addEventListener("input", () => {
    draft.save();
    if (input.value.trim().length > MAX_MESSAGE_CHARS) showError(tooLong());
    else if (errorLine.textContent === tooLong() || errorLine.textContent === gettext("Type your message first.")) {
      showError("");
    }
    if (countLine) countLeft();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    // Spaces alone sent nothing and said nothing (session 33's walkthrough): say why nothing happened.
    if (!text) { showError(gettext("Type your message first.")); input.focus(); return; }
    if (stopped) { showError(stopped); return; }
    if (text.length > MAX_MESSAGE_CHARS) {
      showError(tooLong());
      return;
    }
    const item = { client_id: uuid(), text };
    const found = !withTeam && device.answer(text);
    if (found && !found.translate) withDeviceAnswer(item, found);
    const suggestions = log.querySelector(".chat-suggestions");
    if (suggestions) suggestions.remove(); // asked: the greeting stays, the suggestions go
    outbox.add(item);
    customerBubble(item.client_id, text, true);
    if (item.device) showDeviceAnswer(item);
    input.value = "";
    draft.clear();
    showError("");
    if (countLine) countLeft();
    if (!(found && found.translate)) { send(item); return; }
    // Italian, Polish, Portuguese: the browser translates the help passage first (milliseconds); if it
    // cannot, the message goes to the server as any other.
    translating.add(item.client_id);
    device.translated(found).then((shown) => {
      withDeviceAnswer(item, shown);
      outbox.remove(item.client_id);
      outbox.add(item);
      showDeviceAnswer(item);
    }).catch(() => {}).finally(() => { translating.delete(item.client_id); send(item); });
  });
  function withDeviceAnswer(item, found) {
    item.device = deviceFrame(found);
    item.answer = found.passage; // shown again after a reload, until the server has it
  }
  function showDeviceAnswer(item) {
    deviceBubble(item.client_id, item.answer);
    announcer.textContent = gettext("Assistant:") + " " + item.answer.text;
  }
  // Staff watching the conversation see that the customer is typing: at most one event
  // every 2 s, and typing that starts inside that window is signalled when it ends.
  input.addEventListener("input", window.shoppeThrottle(() => {
    if (!socket || !socket.isOpen() || !input.value) return false;
    socket.send({ type: "typing" });
  }, TYPING_EVERY_MS));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  window.addEventListener("online", () => {
    if (!stopped && socket) socket.nudge();
  });
  window.addEventListener("offline", () => {
    if (!stopped && socket) socket.drop();
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
  // So does a link in the conversation (a source, an order) on a phone, where the panel is the whole screen; on a
  // wide screen the panel sits in a corner beside the page, and comes back open.
  log.addEventListener("click", (e) => {
    if (e.target.closest("a[href]") && window.matchMedia("(max-width: 480px)").matches) {
      sessionStorage.setItem("shoppe.chat.open", "0");
    }
  });
}
