/* The chat's help answers on the customer's own device (issue #19).
 *
 * The assistant (./device/assistant.js) is loaded lazily, when the page is idle after the chat
 * connected, and only for the model version the server takes answers from (the `history` event's
 * `device.version`); a different version, a device that is not up to it or any failure leaves
 * every message to the server, silently. The widget reports once per page load what happened
 * (`device.status`: ready with its load time, or the fallback and why), for ops.
 *
 * `answer(text)` is the device's decision for a message: null (the server decides) or what the
 * widget shows at once and sends with the message: the passage id and version, never the text,
 * which the server renders from its own help centre. The languages the device carries passages in are
 * answered here; Italian, Polish and Portuguese customers only where the browser's built-in Translator has
 * the language ready (./device/translation.js): `answer` then says `translate`, and `translated(found)`
 * gives the passage in their language. Everywhere else the server answers them from their own help pages.
 */
import { deviceTranslators } from "./device/translation.js";
import { gettext } from "./i18n.js";

const HELP_LANGUAGES = ["en", "nl", "de", "fr", "es"];

// The browser's preferred languages among those the device can only answer translated ("it-IT" -> "it").
function preferredLanguages() {
  const languages = (typeof navigator !== "undefined" && navigator.languages) || [];
  return [...new Set(languages.map((tag) => String(tag).split("-")[0].toLowerCase()))];
}

export function deviceTier({ manifestUrl, language, report, translators = deviceTranslators() }) {
  let assistant = null;
  let loading = null;
  let serverVersion = null;
  let reported = false;

  function tell(status) {
    if (reported) return;
    reported = true;
    report(status);
  }

  async function load() {
    let result;
    try {
      const { deviceAssistantLoad } = await import("./device/assistant.js");
      result = await deviceAssistantLoad({ manifestUrl, serverVersion });
    } catch (error) {
      result = { assistant: null, reason: "error" };
    }
    assistant = result.assistant;
    if (assistant) preferredLanguages().forEach((code) => translators.prepare(code));
    if (assistant) tell({ state: "ready", version: assistant.version, load_ms: Math.round(assistant.loadMs * 10) / 10 });
    else tell({ state: "fallback", reason: result.reason || "error", version: "", load_ms: null });
  }

  function whenIdle(work) {
    if (window.requestIdleCallback) window.requestIdleCallback(work, { timeout: 5000 });
    else setTimeout(work, 1000);
  }

  return {
    // From every `history` event: the version the server takes. A new one replaces the loaded assistant.
    serverSays(version) {
      if (!version) { assistant = null; serverVersion = null; return; }
      if (version === serverVersion && (assistant || loading)) return;
      if (serverVersion) reported = false; // the server's model changed: the new one is reported too
      serverVersion = version;
      assistant = null;
      loading = new Promise((done) => whenIdle(() => load().finally(done)));
    },
    answer(text) {
      if (!assistant) return null;
      try {
        const found = assistant.answer(text, language);
        if (!found || found.version !== serverVersion) return null;
        if (HELP_LANGUAGES.includes(found.language)) return found;
        // Italian, Polish, Portuguese: on the device only with the browser's translator ready; the first
        // such question asks the browser for one (for the next), and goes to the server.
        if (!translators.ready(found.language)) {
          translators.prepare(found.language);
          return null;
        }
        return { ...found, translate: true };
      } catch (error) {
        return null; // the server answers
      }
    },
    // A `translate` answer with its passage in the customer's language; rejects when the browser cannot.
    async translated(found) {
      const text = await translators.translate(found.language, found.source_text);
      return { ...found, translate: false, translated: true, passage: { ...found.passage, text } };
    },
  };
}

// What the server receives with the message: ids and figures, never the passage's text.
export function deviceFrame(found) {
  return { version: found.version, passage_id: found.passage_id, language: found.language, intent: found.intent,
    confidence: found.confidence, decision_ms: found.decision_ms, ...(found.translated ? { translated: true } : {}) };
}

// What the server says of an answer the device showed: saved (it gets its reply id, and can be rated;
// another tab of the customer's draws it), or refused (an old model, staff on the chat): the server's follows.
export function deviceAnswerEvents({ log, deviceBubble, setTyping, rated }) {
  const shown = (clientId) => log.querySelector(`[data-device-client-id="${CSS.escape(clientId)}"]`);
  return {
    "device.answer.saved"(e) {
      const li = shown(e.client_id) || log.querySelector(`[data-reply-id="${Number(e.reply_id)}"]`)
        || deviceBubble(e.client_id, { text: e.text || gettext("(kept on your device)"), ...(e.sources[0] || {}) });
      if (li.dataset.replyId) return; // a resend's acknowledgement
      li.dataset.replyId = e.reply_id;
      setTyping(false); // another tab's device answer: this tab showed dots since its message.saved
      rated(li);
    },
    "device.answer.refused"(e) {
      const li = shown(e.client_id);
      if (li) li.remove();
      setTyping(true);
    },
  };
}
