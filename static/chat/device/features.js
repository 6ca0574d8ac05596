/* What the on-device student reads of a message: the same features as rag/device/features.py.
   NFKC, lowercase, runs of letters and digits (Unicode L* and N*), words, word pairs and the
   2-4 character n-grams of " word ", each hashed (32-bit FNV-1a of its UTF-8 bytes) into a
   bucket; counts square-rooted and scaled to unit length. Any change here changes Python's too. */

const UTF8 = new TextEncoder();
const WORD_CHARACTER = /[\p{L}\p{N}]/u;

export function fnv1a(text) {
  let value = 0x811c9dc5;
  for (const byte of UTF8.encode(text)) {
    value = Math.imul(value ^ byte, 0x01000193) >>> 0;
  }
  return value >>> 0;
}

export function messageWords(text) {
  const words = [];
  let current = "";
  // for..of walks code points, as Python walks a str.
  for (const character of text.normalize("NFKC").toLowerCase()) {
    if (WORD_CHARACTER.test(character)) {
      current += character;
    } else if (current) {
      words.push(current);
      current = "";
    }
  }
  if (current) words.push(current);
  return words;
}

// Map bucket -> weight, in the order Python's Counter keeps (first seen).
export function messageFeatures(text, buckets, charNgrams) {
  const words = messageWords(text);
  const names = words.map((w) => `w ${w}`);
  for (let i = 0; i + 1 < words.length; i++) names.push(`p ${words[i]} ${words[i + 1]}`);
  for (const word of words) {
    const padded = Array.from(` ${word} `);
    for (const n of charNgrams) {
      for (let i = 0; i + n <= padded.length; i++) names.push(`c ${padded.slice(i, i + n).join("")}`);
    }
  }
  const counts = new Map();
  for (const name of names) {
    const bucket = fnv1a(name) % buckets;
    counts.set(bucket, (counts.get(bucket) || 0) + 1);
  }
  let norm = 0;
  for (const [bucket, count] of counts) {
    const value = Math.sqrt(count);
    counts.set(bucket, value);
    norm += value * value;
  }
  norm = Math.sqrt(norm) || 1;
  for (const [bucket, value] of counts) counts.set(bucket, value / norm);
  return counts;
}
