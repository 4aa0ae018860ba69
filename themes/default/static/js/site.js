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
  const counters = (id) => all('[data-counter][data-api]').filter((b) => !id || b.dataset.counter === id);
  const refresh = (box) =>
    fetch(box.dataset.api, { headers: { Accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((d) => setCount(box, num(d.count), num(d.goal)))
      .catch(() => {}); // keep the count known at build time
  counters().forEach(refresh);

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
      fetch(form.action, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(data),
      })
        .then((res) => res.json().catch(() => ({})).then((body) => ({ status: res.status, body: body || {} })), () => null)
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
            if (!pending) counters(form.dataset.petition).forEach(refresh);
          } else if (status === 422 && Array.isArray(body.errors) && body.errors.length) {
            showErrors(form, body.errors);
          } else {
            say(typeof body.message === 'string' && body.message ? body.message : form.dataset.msgError, 'live-error');
            button.focus();
          }
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

  // 4. Copy buttons.
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
})();
