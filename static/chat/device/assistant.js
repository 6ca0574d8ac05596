/* The assistant on the customer's device (issue #19): answers routine help questions at once,
   from a student of the server's router (student.js) and the help passages the server would
   show, and leaves everything else to the server (null). It never blocks the chat: any
   failure is a reason, and the widget then sends every message to the server as before.

   deviceAssistantLoad({manifestUrl, serverVersion}) -> {assistant, reason}
   assistant.answer(text, language) -> null | {version, intent, passage_id, language, confidence,
                                                decision_ms, passage: {text, title, url}, source_text} */

import { deviceUnfit } from "./capability.js";
import { manifestFetch, manifestFiles } from "./files.js";
import { Student } from "./student.js";

// The languages the device carries passages in (rag/device/passages.py DEVICE_HELP_LANGUAGES); the others get the
// English passage with their note (the server has answered them from their own help pages since session 34).
const HELP_LANGUAGES = ["en", "nl", "de", "fr", "es"];

class DeviceAssistant {
  constructor(manifest, student, bundles, loadMs) {
    this.version = manifest.version;
    this.loadMs = loadMs;
    this.student = student;
    this.bundles = bundles;
  }

  // `language` is the page's; the answer is in the language the server reads the message in
  // (the student's language head), as the server would answer it.
  answer(text, language) {
    try {
      const started = performance.now();
      const decision = this.student.decide(String(text || ""));
      if (!decision) return null;
      // The server reads a message it cannot place as English and answers it in the page's language
      // (support/services/language.py); the student cannot tell those apart, so a message it reads as
      // English on a page in another language is the server's ("¿Aceptáis PayPal?" got English).
      if (decision.language === "en" && (language || "en") !== "en") return null;
      const help = HELP_LANGUAGES.includes(decision.language) ? decision.language : "en";
      const bundle = this.bundles[help];
      const passageId = bundle && bundle.intents[decision.intent];
      const passage = passageId && bundle.passages[passageId];
      if (!passage) return null;
      const note = help !== decision.language && this.bundles.en.notes ? this.bundles.en.notes[decision.language] : null;
      return {
        version: this.version,
        intent: decision.intent,
        passage_id: passageId,
        language: decision.language,
        confidence: Math.round(decision.confidence * 10000) / 10000,
        decision_ms: Math.round((performance.now() - started) * 1000) / 1000,
        passage: { text: note ? `${note}\n\n${passage.text}` : passage.text, title: passage.title, url: passage.url },
        source_text: passage.text, // the passage alone, in the help centre's language (what a translator reads)
      };
    } catch (error) {
      return null; // the server answers
    }
  }
}

export async function deviceAssistantLoad({ manifestUrl = "/assistant/device/manifest.json", serverVersion = null } = {}) {
  const started = performance.now();
  try {
    const unfit = deviceUnfit();
    if (unfit) return { assistant: null, reason: unfit };
    const { manifest } = await manifestFetch(manifestUrl);
    if (serverVersion && manifest.version !== serverVersion) return { assistant: null, reason: "stale" };
    const { model, bundles } = await manifestFiles(manifest);
    const student = new Student(model);
    return { assistant: new DeviceAssistant(manifest, student, bundles, performance.now() - started), reason: null };
  } catch (error) {
    return { assistant: null, reason: "error", error: String(error && error.message || error) };
  }
}
