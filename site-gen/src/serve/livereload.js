// Preview only: waits for the next build and reloads the page. Never part of a published site.
(() => {
  "use strict";
  let version = null;
  let pending = null;
  const wait = async () => {
    pending = new AbortController();
    try {
      const q = version === null ? "" : `?since=${version}`;
      const res = await fetch(`/__livereload${q}`, { cache: "no-store", signal: pending.signal });
      const next = Number(await res.text());
      if (version !== null && next !== version) {
        location.reload();
        return;
      }
      version = next;
      setTimeout(wait, 0);
    } catch (e) {
      if (e.name !== "AbortError") setTimeout(wait, 1000);
    }
  };
  // A page kept in the back/forward cache must not hold a connection open.
  addEventListener("pagehide", () => pending && pending.abort());
  addEventListener("pageshow", (e) => { if (e.persisted) wait(); });
  wait();
})();
