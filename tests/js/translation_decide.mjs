/* static/chat/device/translation.js's decisions, in Node, with stand-ins for Chrome's built-in Translator
 * (neither Node nor Debian's Chromium has one). Run by tests/rag/test_device_translation_js.py.
 *
 * stdin: JSON list of cases {availability | null (no API), create_fails, translate_fails, languages: [...]}.
 * stdout: per case {prepared: {language: bool}, ready: {language: bool}, translated: {language: text | "error"},
 *                   asked: {availability: [...], create: [...]}}.
 */
import { readFileSync } from "node:fs";

const { deviceTranslators } = await import(new URL("../../static/chat/device/translation.js", import.meta.url).href);

function standIn(spec, asked) {
  if (spec.availability === null) return undefined; // a browser without the API
  return {
    async availability(options) { asked.availability.push(options.targetLanguage); return spec.availability; },
    async create(options) {
      asked.create.push(options.targetLanguage);
      if (spec.create_fails) throw new Error("no model");
      return { async translate(text) {
        if (spec.translate_fails) throw new Error("crashed");
        return `[${options.sourceLanguage}->${options.targetLanguage}] ${text}`;
      } };
    },
  };
}

const results = [];
for (const spec of JSON.parse(readFileSync(0, "utf8"))) {
  const asked = { availability: [], create: [] };
  const translators = deviceTranslators(standIn(spec, asked));
  const result = { prepared: {}, ready: {}, translated: {}, asked };
  for (const language of spec.languages) {
    result.prepared[language] = Boolean(await translators.prepare(language));
    await translators.prepare(language); // asked once per page, however often prepared
    result.ready[language] = Boolean(translators.ready(language));
    result.translated[language] = await translators.translate(language, "Delivery takes 2-4 working days.")
      .catch(() => "error");
  }
  results.push(result);
}
process.stdout.write(JSON.stringify(results));
