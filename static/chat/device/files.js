/* The assistant's files in the browser's Cache API: content-hashed URLs never change, so a
   file is fetched once and kept; files no manifest names any more are dropped. The last
   manifest is kept too, so the assistant loads offline. */

const CACHE = "shoppe-device";
const MANIFEST = "shoppe.device.manifest";

async function openCache() {
  try {
    return "caches" in self ? await caches.open(CACHE) : null;
  } catch (e) {
    return null; // an opaque origin or storage blocked: fetch every time
  }
}

// The current manifest from the server, else (offline) the last one this browser kept.
export async function manifestFetch(url) {
  try {
    const response = await fetch(url, { cache: "no-cache", credentials: "same-origin" });
    if (!response.ok) throw new Error(`manifest ${response.status}`);
    const manifest = await response.json();
    try { localStorage.setItem(MANIFEST, JSON.stringify(manifest)); } catch (e) { /* not needed online */ }
    return { manifest, offline: false };
  } catch (error) {
    const kept = JSON.parse(localStorage.getItem(MANIFEST) || "null");
    if (!kept) throw error;
    return { manifest: kept, offline: true };
  }
}

export async function hashedJson(url, cache) {
  let response = cache ? await cache.match(url) : undefined;
  if (!response) {
    response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    if (cache) await cache.put(url, response.clone());
  }
  return response.json();
}

// The manifest's files, cached; older versions' files removed.
export async function manifestFiles(manifest) {
  const cache = await openCache();
  const languages = Object.keys(manifest.passages);
  const [model, ...bundles] = await Promise.all([
    hashedJson(manifest.model.url, cache),
    ...languages.map((language) => hashedJson(manifest.passages[language].url, cache)),
  ]);
  if (cache) {
    const current = new Set([manifest.model.url, ...languages.map((l) => manifest.passages[l].url)]
      .map((url) => new URL(url, location.href).href));
    for (const request of await cache.keys()) {
      if (!current.has(request.url)) await cache.delete(request);
    }
  }
  return { model, bundles: Object.fromEntries(languages.map((language, i) => [language, bundles[i]])) };
}
