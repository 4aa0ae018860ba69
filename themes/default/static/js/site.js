// The only script: it enhances pages that work without it. No dependencies, no logging.
(() => {
  'use strict';
  const all = (s, r = document) => [...r.querySelectorAll(s)];
  const fmt = (n) => n.toLocaleString(document.documentElement.lang || undefined);
  const num = (v) => (Number.isFinite(v) ? v : null);
  const make = (tag, text, cls) => {
    const e = document.createElement(tag);
    e.textContent = text || '';
    if (cls) e.className = cls;
    return e;
  };

  // 1. Signature counters.
  const setCount = (box, count, goal) => {
    const [c, g, bar] = ['[data-count]', '[data-goal]', 'progress'].map((s) => box.querySelector(s));
    if (c && count !== null) c.textContent = fmt(count);
    const wrap = box.querySelector('[data-count-wrap]');
    if (wrap && count !== null) wrap.hidden = false;
    if (g && goal !== null) g.textContent = fmt(goal);
    if (bar && goal) bar.max = goal;
    if (bar && count !== null) {
      bar.value = Math.min(count, bar.max);
      bar.textContent = fmt(count) + ' / ' + fmt(bar.max);
    }
  };
  // The next milestone (data-milestones), then the goal; the same rule as the build's.
  const setNext = (box, count, goal) => {
    const [next, reached] = ['[data-next]', '[data-reached]'].map((s) => box.querySelector(s));
    if (!next || !reached || count === null || goal === null) return;
    const steps = (box.dataset.milestones || '').split(' ').filter(Boolean).map(Number);
    const target = steps.concat([goal]).find((t) => t > count);
    next.hidden = target === undefined;
    reached.hidden = target !== undefined;
    if (target === undefined) return;
    next.querySelector('[data-remaining]').textContent = fmt(target - count);
    next.querySelector('[data-target]').textContent = fmt(target);
  };
  const counters = (id) => all('[data-counter][data-api]').filter((b) => !id || b.dataset.counter === id);
  const readCount = (api) =>
    fetch(api, { headers: { Accept: 'application/json' } }).then((r) => (r.ok ? r.json() : Promise.reject(r.status)));
  // On load, the counter and the countries of one petition share one request.
  const onLoad = new Map();
  const readOnLoad = (api) => {
    if (!onLoad.has(api)) onLoad.set(api, readCount(api));
    return onLoad.get(api);
  };
  const refresh = (box, read = readCount) =>
    read(box.dataset.api)
      .then((d) => {
        setCount(box, num(d.count), num(d.goal));
        setNext(box, num(d.count), num(d.goal));
        // Live now: the build's date no longer applies.
        all('[data-as-of]', box).forEach((e) => e.remove());
      })
      .catch(() => {}); // keep the count known at build time
  counters().forEach((box) => refresh(box, readOnLoad));

  // 1b. Signatures by country: the table's rows and the map's classes from `by_country`, with
  // the build's rules (shares in tenths of a percent rounded half up, classes by data-classes).
  const setCountries = (box, byCountry) => {
    let names = {};
    try { names = JSON.parse(box.dataset.names || '{}'); } catch (e) { return; }
    const lows = (box.dataset.classes || '').split(' ').filter(Boolean).map(Number);
    const classOf = (n) => lows.filter((low) => n >= low).length;
    const entries = Object.entries(byCountry || {}).filter(([, n]) => Number.isFinite(n) && n > 0);
    const total = entries.reduce((sum, [, n]) => sum + n, 0);
    const name = (code) => names[code] || code;
    entries.sort((a, b) => b[1] - a[1] || (name(a[0]) < name(b[0]) ? -1 : name(a[0]) > name(b[0]) ? 1 : 0));
    const rows = entries.map(([code, n]) => {
      const tr = make('tr');
      tr.dataset.code = code;
      const th = make('th', name(code));
      th.scope = 'row';
      const tenths = Math.floor((n * 2000 + total) / (2 * total));
      tr.append(th, make('td', fmt(n)), make('td', (tenths / 10).toFixed(1) + '%'));
      return tr;
    });
    const table = box.querySelector('table');
    const none = box.querySelector('[data-no-rows]');
    box.querySelector('[data-rows]').replaceChildren(...rows);
    table.hidden = rows.length === 0;
    if (none) none.hidden = rows.length > 0;
    all('path[data-code]', box).forEach((p) => {
      const n = num((byCountry || {})[p.dataset.code]) || 0;
      p.setAttribute('class', 'c' + classOf(n));
      const title = p.querySelector('title');
      if (title) title.textContent = name(p.dataset.code) + ': ' + fmt(n);
    });
    all('[data-as-of]', box).forEach((e) => e.remove());
  };
  all('[data-by-country][data-api]').forEach((box) =>
    readOnLoad(box.dataset.api).then((d) => setCountries(box, d.by_country)).catch(() => {}));

  // Error summaries: links focus their field; a summary shown on load takes the focus.
  const summaries = all('[data-error-summary]');
  summaries.forEach((s) => s.addEventListener('click', (ev) => {
    const a = ev.target.closest('a[href^="#"]');
    const f = a && document.getElementById(a.hash.slice(1));
    if (f) { ev.preventDefault(); f.focus(); }
  }));
  const shown = summaries.find((s) => !s.hidden);
  if (shown) shown.focus();

  // 2. Petition forms.
  const field = (form, name) => {
    const c = form.elements.namedItem(name);
    return c instanceof RadioNodeList ? c[0] : c;
  };
  const setError = (c, msg) => {
    const p = document.getElementById(c.id + '-error');
    if (p) {
      p.querySelector('[data-message]').textContent = msg;
      p.hidden = !msg;
    }
    msg ? c.setAttribute('aria-invalid', 'true') : c.removeAttribute('aria-invalid');
    const f = c.closest('.field');
    if (f) f.classList.toggle('invalid', Boolean(msg));
  };
  const showErrors = (form, errors) => {
    const s = form.querySelector('[data-error-summary]');
    all('[id][name]', form).forEach((c) => setError(c, ''));
    s.querySelector('ul').replaceChildren(...errors.map((e) => {
      const msg = String(e.message || '');
      const c = e.field ? field(form, String(e.field)) : null;
      const li = make('li', c && c.id ? '' : msg);
      if (c && c.id) {
        const a = make('a', msg);
        a.href = '#' + c.id;
        li.append(a);
        setError(c, msg);
      }
      return li;
    }));
    s.hidden = false;
    s.focus();
  };
  const val = (form, name) => {
    const c = field(form, name);
    return !c ? '' : c.type === 'checkbox' ? c.checked : c.value.trim();
  };

  // 2a. Fair use: over a limit, the API asks for a proof of work (an ALTCHA challenge). Find
  // the number n with SHA-256(salt + n) = challenge, in batches so the page stays responsive.
  const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const solve = async (ch) => {
    if (!window.crypto || !crypto.subtle || !ch || ch.algorithm !== 'SHA-256') return null;
    const enc = new TextEncoder();
    for (let start = 0; start <= ch.maxnumber; start += 500) {
      const batch = [];
      for (let n = start; n < start + 500 && n <= ch.maxnumber; n++) {
        batch.push(crypto.subtle.digest('SHA-256', enc.encode(ch.salt + n)).then((d) => (hex(d) === ch.challenge ? n : -1)));
      }
      const found = (await Promise.all(batch)).find((n) => n >= 0);
      if (found !== undefined) {
        const { algorithm, challenge, salt, signature } = ch;
        return btoa(JSON.stringify({ algorithm, challenge, number: found, salt, signature }));
      }
    }
    return null;
  };
  const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
  // Posts JSON; pays a 429's challenge and sends again; retries a busy answer (the CDN's or the
  // API gateway's, which carry no challenge) with growing, jittered waits. Resolves to
  // {status, body}, or null when the network failed.
  const post = async (url, data, onWork) => {
    for (let attempt = 0; ; attempt++) {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(data),
      }).then((res) => res.json().catch(() => ({})).then((body) => ({ status: res.status, body: body || {}, res })), () => null);
      if (!r || attempt >= 4) return r;
      if (r.status === 429 && r.body.challenge) {
        if (onWork) onWork();
        const payload = await solve(r.body.challenge);
        if (!payload) return r;
        data = Object.assign({}, data, { altcha: payload });
        continue;
      }
      const busy = r.status === 429 || r.status === 502 || r.status === 504 || (r.status >= 500 && !r.body.message);
      if (!busy) return r;
      const after = Number(r.res.headers.get('Retry-After'));
      const wait = Math.min(Number.isFinite(after) && after > 0 ? after * 1000 : 1000 * 2 ** attempt, 30000);
      await sleep(wait / 2 + Math.random() * (wait / 2));
    }
  };
  // The wait page of a plain form post: solve its challenge and send the kept values again.
  all('form[data-resend][data-challenge]').forEach(async (form) => {
    let ch = null;
    try { ch = JSON.parse(form.dataset.challenge); } catch (e) { return; }
    const payload = await solve(ch);
    const box = field(form, 'altcha');
    if (!payload || !box) return;
    box.value = payload;
    form.submit();
  });

  all('form[data-enhance="petition"]').forEach((form) => {
    const live = form.parentElement.querySelector('[data-live]');
    const button = form.querySelector('[type="submit"]');
    if (!live || !button || !window.fetch) return;
    const say = (text, cls) => (live.replaceChildren(make('p', text, cls)), live.firstChild);
    form.addEventListener('submit', (ev) => {
      if (!form.checkValidity()) return; // the browser shows its own messages
      ev.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      live.replaceChildren();
      const data = {};
      for (const n of ['name', 'email', 'country', 'consent', 'updates', 'website']) data[n] = val(form, n);
      post(form.action, data, () => say(form.dataset.msgWorking || '…'))
        .then((r) => {
          button.disabled = false;
          if (!r) return form.submit(); // network failure: post the plain form
          const { status, body } = r;
          if (status === 201 || status === 202) {
            // 202: the signature waits for its mailbox; the answer never holds the count, which
            // would tell whether an address had signed.
            const pending = status === 202;
            const thanks = say(pending ? form.dataset.msgPending || body.message : form.dataset.msgThanks, 'confirm');
            form.remove();
            thanks.tabIndex = -1;
            thanks.focus();
            if (!pending) counters(form.dataset.petition).forEach((b) => refresh(b));
          } else if (status === 422 && Array.isArray(body.errors) && body.errors.length) {
            showErrors(form, body.errors);
          } else {
            say(typeof body.message === 'string' && body.message ? body.message : form.dataset.msgError, 'live-error');
            button.focus();
          }
        });
    });
  });

  // 2b. Outcomes on the letter page: "I sent my letter", "I called" (a plain form without the
  // script, answered by a page).
  all('form[data-enhance="action"]').forEach((form) => {
    if (!window.fetch) return;
    const box = form.closest('.outcomes');
    const status = box && box.querySelector('[data-outcome-status]');
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const button = form.querySelector('[type="submit"]');
      if (button.disabled) return;
      button.disabled = true;
      const data = {};
      for (const n of ['kind', 'state', 'senator']) data[n] = val(form, n);
      post(form.action, data).then((r) => {
        if (!r) return form.submit();
        if (status) status.textContent = typeof r.body.message === 'string' ? r.body.message : '';
        if (r.status !== 201) button.disabled = false;
      });
    });
  });

  // 3. Letter form: show the chosen state's senators.
  all('form[data-enhance="letter"]').forEach((form) => {
    const select = field(form, 'state');
    const preview = form.querySelector('[data-senators-preview]');
    if (!select || !preview) return;
    const show = () => {
      const code = select.value;
      const tpl = all('template[data-senators]').find((t) => code && t.dataset.senators === code);
      preview.replaceChildren(tpl ? tpl.content.cloneNode(true) : code ? make('p', form.dataset.msgNoSenators) : '');
    };
    select.addEventListener('change', show);
    if (select.value) show();
  });

  // 4. Print one letter: only the card whose button was pressed is printed.
  all('button[data-print]').forEach((button) => {
    const target = document.querySelector(button.dataset.print);
    const card = target && target.closest('.letter-card');
    if (!card || !window.print) return;
    button.hidden = false;
    button.addEventListener('click', () => {
      card.classList.add('print-this');
      document.body.classList.add('printing-one');
      const done = () => {
        card.classList.remove('print-this');
        document.body.classList.remove('printing-one');
        window.removeEventListener('afterprint', done);
      };
      window.addEventListener('afterprint', done);
      window.print();
    });
  });

  // 5. Copy buttons.
  if (navigator.clipboard && window.isSecureContext) {
    all('button[data-copy]').forEach((button) => {
      const target = document.querySelector(button.dataset.copy);
      const status = button.parentElement.querySelector('[data-copy-status]');
      if (!target) return;
      button.hidden = false;
      button.addEventListener('click', () => navigator.clipboard.writeText(target.textContent).then(() => {
        if (!status) return;
        status.textContent = '';
        setTimeout(() => (status.textContent = button.dataset.msgCopied || 'Copied'), 100);
      }, () => {}));
    });
  }

  // 6. Share: the device's share sheet where there is one; a Mastodon server's share page.
  if (navigator.share) {
    all('button[data-share-native]').forEach((button) => {
      button.hidden = false;
      button.addEventListener('click', () => {
        navigator.share({ title: button.dataset.title, text: button.dataset.title, url: button.dataset.url }).catch(() => {});
      });
    });
  }
  all('[data-share-mastodon]').forEach((box) => {
    const input = box.querySelector('input');
    const error = box.querySelector('.field-error');
    const go = () => {
      // A host name (and port), whatever the visitor pasted around it.
      const host = input.value.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/^@?[^@/]*@/, '').split('/')[0];
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$/.test(host)) {
        error.textContent = error.dataset.msgInvalid;
        error.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      error.hidden = true;
      input.removeAttribute('aria-invalid');
      window.location.assign(`https://${host}${box.dataset.shareMastodon}`);
    };
    box.hidden = false;
    box.querySelector('button').addEventListener('click', go);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        go();
      }
    });
  });

  // 7. Count history (open data): the chart and its table from the hourly JSON.
  const SVG = 'http://www.w3.org/2000/svg';
  const svgEl = (tag, attrs, text) => {
    const e = document.createElementNS(SVG, tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, String(v)));
    if (text) e.textContent = text;
    return e;
  };
  const fill = (tpl, vals) => tpl.replace(/\{(\w+)\}/g, (m, k) => (k in vals ? vals[k] : m));
  const drawHistory = (box, points) => {
    const note = box.querySelector('[data-history-note]');
    const chart = box.querySelector('[data-history-chart]');
    const table = box.querySelector('[data-history-table]');
    if (!points.length) {
      if (note) note.textContent = box.dataset.msgEmpty || '';
      return;
    }
    const [W, H, L, R, T, B] = [600, 200, 56, 12, 12, 28];
    const times = points.map((p) => Date.parse(p.at));
    const t0 = times[0];
    const span = Math.max(times[times.length - 1] - t0, 1);
    const top = Math.max(...points.map((p) => p.count), 1);
    const x = (t) => L + ((t - t0) / span) * (W - L - R);
    const y = (n) => H - B - (n / top) * (H - T - B);
    const first = points[0];
    const last = points[points.length - 1];
    const id = 'history-chart-' + box.dataset.history;
    const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc` });
    svg.append(
      svgEl('title', { id: `${id}-title` }, box.dataset.msgTitle || ''),
      svgEl('desc', { id: `${id}-desc` }, fill(box.dataset.msgDesc || '', {
        first: fmt(first.count), last: fmt(last.count), from: first.at.slice(0, 10), to: last.at.slice(0, 10),
      })),
      svgEl('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }),
      svgEl('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }),
      svgEl('text', { class: 'label', x: L - 6, y: T + 4, 'text-anchor': 'end' }, fmt(top)),
      svgEl('text', { class: 'label', x: L - 6, y: H - B, 'text-anchor': 'end' }, '0'),
      svgEl('text', { class: 'label', x: L, y: H - 8 }, first.at.slice(0, 10)),
      svgEl('text', { class: 'label', x: W - R, y: H - 8, 'text-anchor': 'end' }, last.at.slice(0, 10)),
      svgEl('polyline', {
        class: 'line',
        points: points.map((p, i) => `${x(times[i]).toFixed(1)},${y(p.count).toFixed(1)}`).join(' '),
      }),
    );
    if (chart) chart.replaceChildren(svg);
    if (table) {
      // One row per UTC day: its last hourly count (as contract::views::history_days).
      const days = new Map(points.map((p) => [p.at.slice(0, 10), p.count]));
      const body = table.tBodies[0] || table.createTBody();
      body.replaceChildren(...[...days].map(([day, n]) => {
        const row = document.createElement('tr');
        row.append(make('td', day), make('td', fmt(n)));
        return row;
      }));
      table.hidden = false;
    }
    if (note) note.hidden = true;
  };
  all('[data-history][data-api]').forEach((box) =>
    fetch(box.dataset.api, { headers: { Accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((d) => drawHistory(box, Array.isArray(d.points) ? d.points.filter((p) => num(p.count) !== null) : []))
      .catch(() => {})); // the note and the download links stay
})();
