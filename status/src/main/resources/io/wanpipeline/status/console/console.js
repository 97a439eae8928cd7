// The wan-pipeline console: reads /status/console every few seconds and shows it. Everything that
// comes from the pipeline is set as text (textContent), never as markup.
'use strict';

const REFRESH_MS = 5000;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function table(headers, rows) {
  if (rows.length === 0) return el('p', 'none', 'empty');
  const t = el('table');
  const head = t.createTHead().insertRow();
  headers.forEach(h => head.appendChild(el('th', h.label, h.num ? 'num' : '')));
  const body = t.createTBody();
  rows.forEach(r => {
    const row = body.insertRow();
    r.forEach((cell, i) => {
      const td = el('td', null, headers[i].num ? 'num' : '');
      if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell === null || cell === undefined ? '' : String(cell);
      row.appendChild(td);
    });
  });
  return t;
}

// Money as the command line prints it: cents always, then every digit that counts ("0.50 CNY").
function money(micros, currency) {
  const negative = micros < 0;
  let text = Math.abs(micros).toString().padStart(7, '0');
  let whole = text.slice(0, -6), fraction = text.slice(-6).replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return (negative ? '-' : '') + whole + '.' + fraction + ' ' + currency;
}

function age(since) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
  if (s < 120) return s + ' s';
  if (s < 7200) return Math.round(s / 60) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}

// An instant as the time of day (UTC) when it is today, else as date and time.
function when(instant) {
  if (!instant) return '';
  const text = new Date(Date.parse(instant)).toISOString();
  return text.slice(0, 10) === new Date().toISOString().slice(0, 10)
    ? text.slice(11, 19) : text.slice(0, 10) + ' ' + text.slice(11, 19);
}

function fill(id, content) {
  const body = document.querySelector('#' + id + ' .body');
  body.replaceChildren(content);
}

function requestLink(id) {
  const a = el('a', id);
  a.href = '#' + encodeURIComponent(id);
  a.addEventListener('click', ev => { ev.preventDefault(); show(id); });
  return a;
}

function render(c) {
  document.getElementById('updated').textContent = 'updated ' + c.generated_at.slice(0, 19).replace('T', ' ') + ' UTC';
  const p = c.pipeline;
  if (p === null) {
    fill('lanes', el('p', 'no service metrics configured (status.console.metrics-urls)', 'empty'));
    fill('accounts', el('p', 'no service metrics configured', 'empty'));
    fill('archive', el('p', 'no service metrics configured', 'empty'));
    fill('sources', el('span'));
  } else {
    fill('lanes', table(
      [{label: 'account'}, {label: 'model'}, {label: 'waiting', num: true}, {label: 'in progress / cap', num: true}, {label: 'submits/s', num: true}],
      p.lanes.map(l => [l.account, l.model, l.waiting,
        el('span', l.in_progress + ' / ' + l.max_in_progress, l.in_progress >= l.max_in_progress && l.waiting > 0 ? 'full' : ''),
        l.submits_per_second === null ? '…' : l.submits_per_second])));
    fill('accounts', table(
      [{label: 'account'}, {label: 'query permits held / limit', num: true}, {label: '429s', num: true}, {label: '429s/s', num: true}],
      p.accounts.map(a => [a.account, a.query_permits_held + ' / ' + a.query_permits_limit,
        a.throttled_total, a.throttled_per_second === null ? '…' : a.throttled_per_second])));
    fill('archive', table(
      [{label: 'queued', num: true}, {label: 'archiving', num: true}, {label: 'links at risk', num: true}],
      [[p.archive.queued, p.archive.in_flight, el('span', p.archive.expiry_at_risk, p.archive.expiry_at_risk > 0 ? 'warn' : '')]]));
    const down = p.sources.filter(s => !s.ok);
    fill('sources', down.length === 0
      ? el('span', 'metrics read from ' + p.sources.length + ' services at ' + p.read_at, 'note')
      : el('span', 'not answering: ' + down.map(s => s.url + ' (' + s.error + ')').join(', '), 'warn'));
  }
  const f = c.in_flight;
  const inFlight = el('div');
  inFlight.appendChild(el('p', f.total + ' in flight: ' +
    Object.entries(f.counts).map(([s, n]) => s + ' ' + n).join(', ')));
  inFlight.appendChild(table(
    [{label: 'request'}, {label: 'state'}, {label: 'model'}, {label: 'account'}, {label: 'age', num: true}],
    f.oldest.map(r => [requestLink(r.request_id), r.state, r.model, r.account_id, age(r.since)])));
  fill('in-flight', inFlight);
  fill('spend', table(
    [{label: 'account'}, {label: 'amount', num: true}, {label: 'tasks', num: true}],
    c.spend_today.map(s => [s.account_id, money(s.amount_micros, s.currency), s.task_count])));
  fill('recent', table(
    [{label: 'request'}, {label: 'state'}, {label: 'model'}, {label: 'account'}, {label: 'updated'}],
    c.recent.map(r => [requestLink(r.request_id), r.state, r.model, r.account_id, when(r.updated_at)])));
  fill('failures', table(
    [{label: 'request'}, {label: 'state'}, {label: 'code'}, {label: 'reason'}, {label: 'at'}],
    c.failures.map(r => [requestLink(r.request_id), r.state, r.error ? r.error.code : '',
      r.error ? r.error.message : '', when(r.updated_at)])));
  fill('batches', table(
    [{label: 'batch'}, {label: 'progress'}, {label: 'ended / seen', num: true}, {label: 'states'}],
    c.batches.map(b => {
      const ended = ['ARCHIVED', 'ARCHIVE_FAILED', 'FAILED', 'CANCELED', 'TIMED_OUT', 'UNKNOWN', 'REJECTED']
        .reduce((n, s) => n + (b.counts[s] || 0), 0);
      const bar = el('progress');
      bar.max = b.total; bar.value = ended;
      return [b.batch_id, bar, ended + ' / ' + b.total,
        Object.entries(b.counts).map(([s, n]) => s + ' ' + n).join(', ')];
    })));
}

async function refresh() {
  try {
    const r = await fetch('/status/console', {cache: 'no-store'});
    if (!r.ok) throw new Error('answered ' + r.status);
    render(await r.json());
  } catch (e) {
    document.getElementById('updated').textContent = 'the status view did not answer (' + e.message + ')';
  }
}

async function show(id) {
  const section = document.getElementById('lifecycle');
  const body = document.getElementById('lifecycle-body');
  document.getElementById('lifecycle-id').textContent = id;
  section.hidden = false;
  body.replaceChildren(el('p', 'looking…', 'empty'));
  const r = await fetch('/status/requests/' + encodeURIComponent(id), {cache: 'no-store'});
  if (r.status === 404) {
    body.replaceChildren(el('p', 'no event of this request yet (unknown, or still queued in the submitter)', 'empty'));
    return;
  }
  if (!r.ok) {
    body.replaceChildren(el('p', 'the status view answered ' + r.status, 'warn'));
    return;
  }
  const q = await r.json();
  const parts = [el('p', q.state + ' · account ' + q.account_id + ' · ' + q.model + ' · provider account ' +
    q.provider_account + ' · ' + q.priority + (q.batch_id ? ' · batch ' + q.batch_id : ''))];
  parts.push(table([{label: 'at'}, {label: 'state'}, {label: 'code'}],
    q.transitions.map(t => [t.at, t.state, t.code || ''])));
  if (q.error) parts.push(el('p', 'error ' + q.error.code + ': ' + q.error.message, 'warn'));
  if (q.archive) parts.push(el('p', 'video ' + q.archive.uri + ' (' + q.archive.size_bytes + ' bytes, sha256 ' + q.archive.sha256 + ')'));
  if (q.cost) parts.push(el('p', 'cost ' + money(q.cost.amount_micros, q.cost.currency)));
  body.replaceChildren(...parts);
}

document.getElementById('search').addEventListener('submit', ev => {
  ev.preventDefault();
  show(document.getElementById('request-id').value.trim());
});
refresh();
setInterval(refresh, REFRESH_MS);
if (location.hash.length > 1) show(decodeURIComponent(location.hash.slice(1)));
