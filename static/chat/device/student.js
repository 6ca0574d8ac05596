/* The on-device student: rag/device/student.py in the browser, from the same int8 weights.
   Two heads over the features: the intent (one the device may answer, or "server") and the
   message's language; it answers only when the product of their probabilities reaches the
   threshold learned on held-out exemplars, and the message names no other company (elsewhere.js). */

import { ElsewhereRule } from "./elsewhere.js";
import { messageFeatures } from "./features.js";

function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Int8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = (binary.charCodeAt(i) << 24) >> 24;
  return bytes;
}

function softmax(logits) {
  const top = Math.max(...logits);
  const exp = logits.map((v) => Math.exp(v - top));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / sum);
}

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export const STUDENT_FORMAT = 3;

export class Student {
  constructor(model) {
    if (model.format !== STUDENT_FORMAT) throw new Error(`device model format ${model.format}`);
    this.buckets = model.buckets;
    this.charNgrams = model.char_ngrams;
    this.classes = model.classes;
    this.languages = model.languages;
    this.server = model.server;
    this.threshold = model.threshold;
    this.scales = model.scales;
    this.bias = model.bias;
    this.columns = this.classes.length + this.languages.length;
    this.elsewhere = model.elsewhere ? new ElsewhereRule(model.elsewhere) : null;
    this.maxWords = model.max_words;
    this.weights = base64Bytes(model.weights);
    if (this.weights.length !== this.buckets * this.columns) throw new Error("device model weights truncated");
  }

  // [intent probabilities, language probabilities], as DeviceStudent.probabilities.
  probabilities(text) {
    const sums = new Float64Array(this.columns);
    const features = messageFeatures(text, this.buckets, this.charNgrams);
    for (const [bucket, value] of features) {
      const offset = bucket * this.columns;
      for (let c = 0; c < this.columns; c++) sums[c] += value * this.weights[offset + c];
    }
    const logits = Array.from(sums, (sum, c) => this.bias[c] + this.scales[c] * sum);
    return [softmax(logits.slice(0, this.classes.length)), softmax(logits.slice(this.classes.length))];
  }

  // {intent, language, confidence} or null: the server decides.
  decide(text) {
    const [intentP, languageP] = this.probabilities(text);
    const intent = argmax(intentP);
    const language = argmax(languageP);
    const confidence = intentP[intent] * languageP[language];
    if (this.classes[intent] === this.server || confidence < this.threshold) return null;
    if (this.elsewhere && this.elsewhere.namesElsewhere(text)) return null;
    if (text.split(/\s+/).filter(Boolean).length > this.maxWords) return null;  // student.py too_long
    return { intent: this.classes[intent], language: this.languages[language], confidence };
  }
}
