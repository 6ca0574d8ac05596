/* A reply the agent sent counts as delivered when the server's echo (`agent.message`) comes back.
 *
 * A socket that died without closing (a laptop waking, a proxy dropping an idle connection) takes the
 * text and never answers, while the console still says "Live". So: no echo within REPLY_CONFIRM_MS and
 * the console reconnects; the conversation's detail it then reads says whether the reply got through
 * (`replyCheckedAgainst`). If it did not, the text goes back into the reply box, and the agent is told.
 */
import { el, showAlert, state } from "./page.js";

export const REPLY_CONFIRM_MS = 6000;

/** `text` went out for `conversationId`: wait for its echo. */
export function replySent(text, conversationId) {
  replyConfirmed();
  const pending = { text, conversationId, checking: false, timer: null };
  pending.timer = setTimeout(() => {
    if (state.pendingReply !== pending) return;
    if (!state.current || state.current.conversation_id !== conversationId) { replyConfirmed(); return; } // left: nothing to check it against
    pending.checking = true;
    showAlert("Your reply was not confirmed; reconnecting to check whether it reached the customer…", "info");
    if (state.socket) state.socket.drop(); // its close retries; the new socket reopens the conversation
  }, REPLY_CONFIRM_MS);
  state.pendingReply = pending;
}

/** The server saved it (its echo), refused it, or it no longer needs checking. */
export function replyConfirmed() {
  if (state.pendingReply) clearTimeout(state.pendingReply.timer);
  state.pendingReply = null;
}

/** Whether `e`, an `agent.message` event, is the echo of the reply waiting for one (the server keeps at most
 * CONSOLE_MAX_MESSAGE_CHARS of a reply, so the echo may be its beginning). */
export function isEchoOfPending(e) {
  const pending = state.pendingReply;
  return !!pending && !!e.text && (!e.conversation_id || e.conversation_id === pending.conversationId)
    && pending.text.startsWith(e.text);
}

/** The socket opened again: whatever was waiting for an echo is checked against the conversation's detail. */
export function replyCheckOnReconnect() {
  const pending = state.pendingReply;
  if (!pending) return;
  clearTimeout(pending.timer);
  pending.checking = true;
}

/** The detail of a conversation, read after a reconnect: the reply waiting for its echo is either in it
 * (delivered) or goes back into the reply box to be sent again. */
export function replyCheckedAgainst(detail) {
  const pending = state.pendingReply;
  if (!pending || !pending.checking || pending.conversationId !== detail.conversation_id) return;
  replyConfirmed();
  const delivered = detail.messages.some((m) => m.author === "agent" && m.text && pending.text.startsWith(m.text));
  if (delivered) {
    showAlert("", "info");
    return;
  }
  if (el.replyInput && !el.replyInput.value.trim()) el.replyInput.value = pending.text;
  else if (el.replyInput) el.replyInput.value = `${pending.text}\n${el.replyInput.value}`;
  showAlert("Your last reply did not reach the customer. It is back in the reply box: send it again.");
}
