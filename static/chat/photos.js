/* Photos (the paperclip): chosen, checked here for type and size, then posted over HTTP with the
 * page's CSRF token (POST /chat/photos/), not over the socket; the server checks again, and announces
 * the saved photo on the socket (`photo.saved`) to the customer's other tabs and to staff. A refused
 * photo stays chosen, with the reason, and the typed message is never touched.
 */
import { dataNumber } from "../shared/dom.js";
import { LANG, format, gettext } from "./i18n.js";
import { uuid } from "./store.js";

const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];

/** `stopped()`: why the chat no longer connects, or ""; `conversationId()`: the current conversation. */
export function photoAttachment({ root, input, showError, stopped, conversationId, customerBubble, photoBubble, announce }) {
  const attachButton = root.querySelector(".chat-attach");
  const photoInput = root.querySelector(".chat-photo-input");
  const attachment = root.querySelector(".chat-attachment");
  const attachmentName = root.querySelector(".chat-attachment-name");
  const consent = root.querySelector(".chat-consent-input");
  const photoSend = root.querySelector(".chat-photo-send");
  const PHOTO_MAX_BYTES = dataNumber(root, "photoMaxBytes", 8 * 1024 * 1024);
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
    if (stopped()) { showError(stopped()); return; }
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
    if (stopped()) { showError(stopped()); return; }
    if (!conversationId()) { showError(gettext("Not connected yet. Please try again in a moment.")); return; }
    const sending = chosen;
    const body = new FormData();
    body.append("photo", sending.file);
    body.append("conversation", conversationId());
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
      announce(gettext("Photo sent."));
      return;
    }
    // Refused or not sent: the bubble goes, the photo stays chosen (same client_id: a resend is saved once).
    if (!pending.classList.contains("chat-photo")) pending.remove();
    photoSend.disabled = false;
    showError(result && result.error ? result.error.message
      : response ? gettext("We couldn't send your photo just now. Please try again.")
        : gettext("We couldn't reach the server to send your photo. Please try again."));
  });
}
