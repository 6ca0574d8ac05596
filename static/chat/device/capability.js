/* Whether this device is up to running the assistant itself: the customer's data saver, the
   device's memory, and a one-off micro-benchmark of the student's own work, kept per device. */

import { messageFeatures } from "./features.js";

const BENCHMARK = "shoppe.device.benchmark";
const BENCHMARK_FORMAT = 1;
// A decision must take at most 50 ms on a phone (issue #19); a device whose benchmark decision
// takes longer than this is left to the server.
export const SLOW_DEVICE_MS = 50;
// Below this much memory (navigator.deviceMemory, GB) the page needs what it has.
export const LOW_MEMORY_GB = 1;
const SAMPLES = [
  "how long does delivery to Belgium take?",
  "Wie kann ich mein Passwort zurücksetzen, ich habe die E-Mail nie bekommen",
  "est-ce que je peux payer avec une carte cadeau et PayPal en même temps ?",
];

// The student's work for a message on a model of its real shape (65536 buckets x 32 columns).
function benchmarkRun() {
  const buckets = 1 << 16;
  const columns = 32;
  const weights = new Int8Array(buckets * columns);
  for (let i = 0; i < weights.length; i += 97) weights[i] = (i % 255) - 127;
  const times = [];
  for (let round = 0; round < 3; round++) {
    for (const text of SAMPLES) {
      const started = performance.now();
      const sums = new Float64Array(columns);
      for (const [bucket, value] of messageFeatures(text, buckets, [2, 3, 4])) {
        const offset = bucket * columns;
        for (let c = 0; c < columns; c++) sums[c] += value * weights[offset + c];
      }
      times.push(performance.now() - started);
    }
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

// The benchmark's median decision time, measured once per device and kept in localStorage.
export function deviceBenchmarkMs() {
  try {
    const kept = JSON.parse(localStorage.getItem(BENCHMARK) || "null");
    if (kept && kept.format === BENCHMARK_FORMAT && typeof kept.ms === "number") return kept.ms;
  } catch (e) { /* unreadable: measure again */ }
  const ms = benchmarkRun();
  try {
    localStorage.setItem(BENCHMARK, JSON.stringify({ format: BENCHMARK_FORMAT, ms, at: new Date().toISOString() }));
  } catch (e) { /* storage full or blocked: measured again next time */ }
  return ms;
}

// null when the device may run the assistant, else why not ("save-data", "low-memory", "slow-device").
// No WebAssembly is needed (the student is plain JavaScript), so "no-wasm" never applies.
export function deviceUnfit() {
  const connection = navigator.connection;
  if (connection && connection.saveData) return "save-data";
  if (typeof navigator.deviceMemory === "number" && navigator.deviceMemory < LOW_MEMORY_GB) return "low-memory";
  if (deviceBenchmarkMs() > SLOW_DEVICE_MS) return "slow-device";
  return null;
}
