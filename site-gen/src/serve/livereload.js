// Preview only: waits for the next build and reloads the page. Never part of a published site.
(() => {
  "use strict";
  let version = null;
  const wait = async () => {
    try {
      const q = version === null ? "" : `?since=${version}`;
      const res = await fetch(`/__livereload${q}`, { cache: "no-store" });
      const next = Number(await res.text());
      if (version !== null && next !== version) {
        location.reload();
        return;
      }
      version = next;
      setTimeout(wait, 0);
    } catch {
      setTimeout(wait, 1000);
    }
  };
  wait();
})();
