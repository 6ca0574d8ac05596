/* How the customer rates the chat: thumbs up / down under each finished assistant reply (an optional
 * comment on thumbs down), and "Rate this conversation", 1-5 stars. Both go over the socket as
 * `feedback` events (`sendFeedback`); a later rating replaces an earlier one.
 */
import { h } from "../shared/dom.js";
import { format, gettext, ngettext } from "./i18n.js";
import { ratings } from "./store.js";

const SVG = "http://www.w3.org/2000/svg";
const THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 " +
  "7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";

const COMMENT_MAX_CHARS = 1000; // what the server keeps of a comment (support/services/feedback.py)

/** A comment box's label, two-line textarea and submit button, for `form`: Enter submits it, Shift+Enter adds a line. */
function commentBox(form, { id, label, button }) {
  const text = h("textarea", { id, rows: 2, maxlength: COMMENT_MAX_CHARS });
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  return { text, parts: [h("label", { for: id, text: label }), text, h("button", { type: "submit", text: button })] };
}

/** `form`: the chat's message form (the conversation rating goes after it); `conversationId()`: the current one. */
export function chatRatings({ form, sendFeedback, scrollDown, conversationId }) {
  const awaitingComment = new Set(); // thumbs-down replies whose comment box is still open: no "Thanks!" yet

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
    const box = h("form", { class: "chat-rating-comment" });
    const { text, parts } = commentBox(box, { id: "chat-comment-" + replyId, label: gettext("What was wrong? (optional)"),
                                              button: gettext("Submit comment") });
    box.append(...parts);
    box.addEventListener("submit", (e) => {
      e.preventDefault();
      const comment = text.value.trim();
      if (!comment) { box.remove(); awaitingComment.delete(replyId); thank(li); return; } // nothing to add: done
      if (sendFeedback({ reply_id: replyId, score: -1, comment })) { box.remove(); awaitingComment.delete(replyId); }
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

  /** The comment boxes open under thumbs-down replies in `root`, with what is typed in them: a redraw of the
   * log (the history a reconnect brings) would drop them, so the widget puts them back (`reopenComments`). */
  function openComments(root) {
    const open = new Map();
    for (const box of root.querySelectorAll(".chat-rating-comment")) {
      const li = box.closest("[data-reply-id]");
      const text = box.querySelector("textarea");
      if (li) open.set(Number(li.dataset.replyId), { value: text.value, focused: document.activeElement === text });
    }
    return open;
  }

  function reopenComments(root, open) {
    for (const [replyId, { value, focused }] of open) {
      const li = root.querySelector(`[data-reply-id="${replyId}"]`);
      if (!li || li.querySelector(".chat-rating-comment") || ratings.get(replyId) !== -1) continue;
      const box = commentForm(li, replyId);
      li.appendChild(box);
      const text = box.querySelector("textarea");
      text.value = value;
      if (focused) { text.focus(); scrollDown(); } // in view, as when it first opened
    }
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
    const { text: comment, parts } = commentBox(box, { id: "chat-rate-comment", label: gettext("Anything to add? (optional)"),
                                                       button: gettext("Submit rating") });
    more.append(...parts);
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
        ratings.set("conversation:" + conversationId(), score);
      }
    });
    let shownFor = null; // the conversation the rating is for
    return {
      show() { box.hidden = false; },
      reset(conversation) {
        if (conversation === shownFor) return; // the same conversation again (a reconnect): keep what is chosen and typed
        shownFor = conversation;
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

  return { addRating, thank, rate, awaitingComment, openComments, reopenComments };
}
