/* The chat's conversation log: the customer's, the assistant's and the team's messages,
 * system lines ("Sam joined the chat"), photos, sources, and the "New conversation" line.
 */
import { appendWithBold, h, initials, tone } from "../shared/dom.js";
import { sourceLinks } from "../shared/links.js";
import { format, gettext } from "./i18n.js";

export function chatTranscript(log) {
  // The newest message stays in view while the customer is reading at the bottom: sources,
  // thumbs and text arrive after a bubble is drawn, and the panel's own boxes (typing line,
  // "rate this conversation") shrink the log; each of these re-pins it instead of leaving
  // the end of the reply under the bottom edge. Scrolled up to read, the log stays put.
  // A reply taller than the log is read from its first line: the log follows it down only
  // until that line reaches the top (a long answer or a streamed one was shown from its end).
  let pinned = true;
  let reply = null; // the newest message from the assistant or the team, until the customer reads to its end
  let placed = -1; // where this code last put the log: other scrolls are the customer's
  function target() {
    const end = log.scrollHeight - log.clientHeight;
    if (!reply || !reply.isConnected) return end;
    const start = reply.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - 8;
    return Math.max(0, Math.min(end, start));
  }
  function place() { log.scrollTop = target(); placed = log.scrollTop; }
  function scrollDown() { place(); pinned = true; }
  // To the very end (a status line, a comment box under the reply): the reply's start no longer holds the log.
  function scrollToEnd() { reply = null; scrollDown(); }
  log.addEventListener("scroll", () => {
    if (Math.abs(log.scrollTop - placed) <= 1) return;
    pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    if (pinned) reply = null; // read to the end: follow the end again
  });
  const keepPinned = () => { if (pinned) place(); };
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
      appendWithBold(body, text.slice(at, start));
      const a = document.createElement("a");
      a.href = match[2];
      a.textContent = match[2];
      body.append(a);
      at = start + match[2].length;
    }
    appendWithBold(body, text.slice(at));
  }

  // `person`: on a staff message, who wrote it. The bubble shows their name and initials and is
  // read out as them ("Sam: …"), not as "Assistant" or a faceless "Staff".
  function bubble(author, text, attrs, person) {
    const li = h("li", { class: "chat-msg chat-" + author });
    const name = author === "agent" ? (person || gettext("Our team")) : "";
    const who = h("span", { class: "visually-hidden", text: author === "customer" ? gettext("You:") + " "
      : author === "agent" ? format(gettext("%(name)s:"), { name }) + " " : gettext("Assistant:") + " " });
    const body = h("div", { class: "chat-text" });
    setText(body, text, author !== "customer");
    if (author === "agent") {
      li.append(
        h("span", { class: "chat-avatar " + tone(name), "aria-hidden": "true", text: initials(name) }),
        // the name is read once, from `who`
        h("div", { class: "chat-bubble" }, h("span", { class: "chat-name", "aria-hidden": "true", text: name }), who, body));
      li.dataset.agent = name;
    } else {
      li.append(who, body);
    }
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) li.dataset[k] = v;
    log.appendChild(li);
    reply = author === "customer" ? null : li;
    scrollDown();
    return li;
  }

  // "Sam joined the chat": a line about who is in the chat, not anyone's message.
  function systemLine(id, text) {
    let li = id && log.querySelector(`[data-reply-id="${id}"]`);
    if (li) return li;
    li = h("li", { class: "chat-system", text });
    if (id) li.dataset.replyId = id;
    log.appendChild(li);
    scrollToEnd();
    return li;
  }

  // What the assistant quoted: only safe addresses become links (shared/links.js), the rest is text.
  function addSources(li, sources) {
    const list = sourceLinks((sources || []).map(backHere), { className: "chat-sources", label: gettext("Sources") });
    if (list) li.appendChild(list);
  }

  // A "Sign in" link brings the customer back to the page they chat from (it led to My orders: session 26's
  // walkthrough); the server does not know the page, the widget does.
  function backHere(source) {
    if (!/^\/(?:[a-z]{2}\/)?account\/login\/$/.test(source.url || "")) return source;
    return { ...source, url: `${source.url}?next=${encodeURIComponent(location.pathname + location.search)}` };
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
    const img = h("img", { src: m.photo.url, alt: gettext("Your photo"), width: m.photo.width, height: m.photo.height });
    img.addEventListener("load", keepPinned);
    body.append(h("a", { href: m.photo.url, target: "_blank", rel: "noopener", class: "chat-photo-link" }, img));
    if (m.text) body.append(h("span", { class: "chat-photo-caption", text: m.text }));
    body.append(h("span", { class: "chat-photo-note", text: m.photo.llm_consent
      ? gettext("Our team and the assistant can see this photo.") : gettext("Only our team sees this photo.") }));
    return li;
  }

  // The line between an ended conversation (resolved, or left for a day) and the next one. It is
  // drawn as soon as the old one ends; the customer's next question starts the new one below it.
  function newConversationLine() {
    const waiting = log.querySelectorAll(".chat-divider:not([data-conversation])");
    if (waiting.length) return waiting[waiting.length - 1];
    const li = h("li", { class: "chat-divider" }, h("span", { text: gettext("New conversation") }));
    log.appendChild(li);
    return li;
  }

  // An answer decided on the customer's device (on_device.js): shown at once with its source, and said to be so.
  function onDeviceNote(li) {
    li.classList.add("is-on-device");
    if (!li.querySelector(".chat-on-device")) li.append(h("span", { class: "chat-on-device", text: gettext("Answered on your device") }));
  }
  function deviceBubble(clientId, passage) {
    let li = log.querySelector(`[data-device-client-id="${clientId}"]`);
    if (li) return li;
    li = bubble("bot", passage.text, { deviceClientId: clientId, route: "local" });
    onDeviceNote(li);
    if (passage.url) addSources(li, [{ title: passage.title, url: passage.url }]);
    return li;
  }

  return { scrollDown, scrollToEnd, keepPinned, setText, bubble, systemLine, addSources, customerBubble, photoBubble, newConversationLine,
    deviceBubble, onDeviceNote };
}
