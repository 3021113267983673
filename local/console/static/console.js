// The local console: draws the topology the runtime serves, and polls its small JSON API for lag,
// throughput, the latest events and an order's timeline. Plain DOM, no dependencies, same origin only.

const API = '/_console/api';
const STATS_EVERY_MS = 1000;
const EVENTS_EVERY_MS = 2000;
const TIMELINE_EVERY_MS = 1500;
const FINAL_STATUSES = ['SHIPPED', 'CANCELLED'];
const SVG_NS = 'http://www.w3.org/2000/svg';
const PALETTE = ['#3569d4', '#1f9d6b', '#b5568f', '#c77c02', '#6a55c2', '#0f8aa0', '#8a6d3b'];
const LAYOUT = { columnX: [20, 330, 640, 950], nodeWidth: 200, nodeHeight: 46, rowHeight: 62, top: 40, width: 1170 };

const state = {
  graph: undefined,
  colours: new Map(),
  previous: undefined,
  rates: { groups: new Map(), topics: new Map() },
  orderId: undefined,
  timelineTimer: undefined,
  settledView: undefined,
};

// ---------- small DOM helpers ----------

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attributes, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

function $(selector) {
  return document.querySelector(selector);
}

function formatNumber(value) {
  return Number(value).toLocaleString('en-GB');
}

function formatRate(value) {
  if (value === undefined) return '–';
  return value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-GB');
}

function clock(event) {
  const date = new Date(event.time ?? event.timestamp);
  if (Number.isNaN(date.getTime())) return '?';
  return date.toISOString().slice(11, 23);
}

function serviceBadge(service) {
  const badge = el('span', { className: 'svc' }, service ?? '?');
  // Through the CSSOM: the page's Content-Security-Policy refuses inline style attributes.
  badge.style.background = state.colours.get(service) ?? '#8a93a6';
  return badge;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  let body;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  return { ok: response.ok, status: response.status, body };
}

function showBanner(text) {
  const banner = $('#banner');
  banner.textContent = text ?? '';
  banner.hidden = !text;
}

/** Runs `task` now and again `ms` after each run ends, so a slow answer never piles up requests. */
function every(ms, task) {
  const run = async () => {
    try {
      await task();
      showBanner(undefined);
    } catch (error) {
      showBanner(`The local runtime is not answering (${error.message}). Is npm start still running?`);
    }
    setTimeout(run, ms);
  };
  run();
}

// ---------- topology ----------

function drawTopology(graph) {
  state.graph = graph;
  const services = [...new Set(graph.nodes.filter((n) => n.kind === 'service').map((n) => n.name))];
  services.forEach((name, i) => {
    state.colours.set(name, PALETTE[i % PALETTE.length]);
  });
  const rowsIn = (column) => graph.nodes.filter((n) => n.column === column).length;
  const maxRows = Math.max(...graph.columns.map((_, c) => rowsIn(c)));
  const position = new Map();
  for (const node of graph.nodes) {
    const offset = ((maxRows - rowsIn(node.column)) * LAYOUT.rowHeight) / 2;
    position.set(node.id, {
      x: LAYOUT.columnX[node.column],
      y: LAYOUT.top + offset + node.row * LAYOUT.rowHeight,
    });
  }
  const height = LAYOUT.top + maxRows * LAYOUT.rowHeight;
  const root = svg('svg', {
    viewBox: `0 0 ${LAYOUT.width} ${height}`,
    role: 'img',
    'aria-label': 'Topology: services, topics and consumer groups',
  });
  graph.columns.forEach((title, column) => {
    root.append(svg('text', { x: LAYOUT.columnX[column] + 4, y: 18, class: 'column-title', text: title }));
  });
  const edges = svg('g', { class: 'edges' });
  for (const edge of graph.edges) {
    const from = position.get(edge.from);
    const to = position.get(edge.to);
    const x1 = from.x + LAYOUT.nodeWidth;
    const y1 = from.y + LAYOUT.nodeHeight / 2;
    const x2 = to.x;
    const y2 = to.y + LAYOUT.nodeHeight / 2;
    const bend = (x2 - x1) / 2;
    const path = svg('path', {
      d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`,
      class: `edge ${edge.kind}`,
    });
    const what = edge.events.length > 0 ? `: ${edge.events.join(', ')}` : '';
    const group = edge.group ? ` (group ${edge.group})` : '';
    path.append(
      svg('title', { text: `${edge.from.split(':')[1]} ${edge.kind} ${edge.to.split(':')[1]}${group}${what}` }),
    );
    edges.append(path);
  }
  root.append(edges);
  for (const node of graph.nodes) {
    const { x, y } = position.get(node.id);
    const group = svg('g', { class: `node ${node.kind}`, 'data-id': node.id, transform: `translate(${x},${y})` });
    group.append(svg('rect', { width: LAYOUT.nodeWidth, height: LAYOUT.nodeHeight, rx: 8 }));
    if (node.kind === 'service') {
      const stripe = svg('rect', { width: 5, height: LAYOUT.nodeHeight, rx: 2, class: 'stripe' });
      stripe.style.fill = state.colours.get(node.name);
      group.append(stripe);
    }
    group.append(svg('text', { x: 14, y: 19, class: 'name', text: node.name }));
    group.append(svg('text', { x: 14, y: 36, class: 'stat', text: '' }));
    if (node.description) group.append(svg('title', { text: node.description }));
    root.append(group);
  }
  const container = $('#topology');
  container.replaceChildren(root);
}

function setNodeStat(id, text, className) {
  const stat = document.querySelector(`#topology g.node[data-id="${CSS.escape(id)}"] .stat`);
  if (!stat) return;
  stat.textContent = text;
  stat.setAttribute('class', className ? `stat ${className}` : 'stat');
}

function markDeadLetters(id, records) {
  const node = document.querySelector(`#topology g.node[data-id="${CSS.escape(id)}"]`);
  node?.classList.toggle('has-records', records > 0);
}

// ---------- stats ----------

function updateRates(stats) {
  const previous = state.previous;
  state.previous = stats;
  if (!previous?.kafka.up || !stats.kafka.up) return;
  const seconds = (stats.time - previous.time) / 1000;
  if (seconds <= 0) return;
  const before = new Map(previous.consumers.map((c) => [c.group, c.committed]));
  for (const consumer of stats.consumers) {
    const was = before.get(consumer.group);
    if (was !== undefined) state.rates.groups.set(consumer.group, Math.max(0, consumer.committed - was) / seconds);
  }
  const produced = new Map(previous.topics.map((t) => [t.topic, t.records]));
  for (const topic of stats.topics) {
    const was = produced.get(topic.topic);
    if (was !== undefined) state.rates.topics.set(topic.topic, Math.max(0, topic.records - was) / seconds);
  }
}

function renderStats(stats) {
  updateRates(stats);
  const kafka = $('#kafka-status');
  kafka.textContent = stats.kafka.up ? 'Kafka up' : 'Kafka down';
  kafka.className = `pill ${stats.kafka.up ? 'ok' : 'bad'}`;
  kafka.title = stats.kafka.error ?? '';
  renderTapStatus(stats.tap);

  const consumers = $('#consumers tbody');
  if (!stats.kafka.up) {
    consumers.replaceChildren(
      el('tr', {}, el('td', { colSpan: 5, className: 'empty' }, `Kafka is not answering: ${stats.kafka.error}`)),
    );
  } else {
    consumers.replaceChildren(
      ...stats.consumers.map((c) =>
        el(
          'tr',
          {},
          el('td', {}, serviceBadge(c.service), ' ', el('span', { className: 'mono' }, c.group)),
          el('td', { className: 'mono' }, c.topic),
          el('td', { className: `num ${c.lag > 0 ? 'lagging' : ''}` }, formatNumber(c.lag)),
          el('td', { className: 'num' }, formatRate(state.rates.groups.get(c.group))),
          el('td', { className: 'num' }, `${formatNumber(c.committed)} / ${formatNumber(c.end)}`),
        ),
      ),
    );
  }

  const functions = $('#functions tbody');
  functions.replaceChildren(
    ...stats.functions.map((f) =>
      el(
        'tr',
        {},
        el('td', {}, serviceBadge(f.function)),
        el('td', { className: 'num' }, formatNumber(f.invocations)),
        el('td', { className: `num ${f.errors > 0 ? 'bad' : ''}` }, formatNumber(f.errors)),
        el('td', { className: 'num' }, formatNumber(f.retries)),
        el(
          'td',
          { className: `num ${f.deadLetters > 0 ? 'bad' : ''}` },
          f.deadLetters === null ? '–' : formatNumber(f.deadLetters),
        ),
      ),
    ),
  );

  if (!state.graph) return;
  const invocations = new Map(stats.functions.map((f) => [f.function, f.invocations]));
  const records = new Map(stats.topics.map((t) => [t.topic, t.records]));
  for (const node of state.graph.nodes) {
    if (node.id.startsWith('publisher:')) {
      setNodeStat(node.id, `${formatNumber(invocations.get(node.name) ?? 0)} invocations`);
    } else if (!stats.kafka.up) {
      setNodeStat(node.id, 'Kafka down', 'lagging');
    } else if (node.kind === 'topic') {
      setNodeStat(
        node.id,
        `${formatNumber(records.get(node.name) ?? 0)} records · ${formatRate(state.rates.topics.get(node.name))}/s`,
      );
    } else if (node.kind === 'dead-letter-topic') {
      const count = records.get(node.name) ?? 0;
      setNodeStat(node.id, count === 0 ? 'empty' : `${formatNumber(count)} records`, count > 0 ? 'lagging' : '');
      markDeadLetters(node.id, count);
    } else {
      const groups = stats.consumers.filter((c) => c.service === node.name);
      const lag = groups.reduce((sum, c) => sum + c.lag, 0);
      const rate = groups.reduce((sum, c) => sum + (state.rates.groups.get(c.group) ?? 0), 0);
      setNodeStat(node.id, `lag ${formatNumber(lag)} · ${formatRate(rate)}/s`, lag > 0 ? 'lagging' : '');
    }
  }
}

function renderTapStatus(tap) {
  const pill = $('#tap-status');
  const running = tap.state === 'running';
  pill.textContent = running ? `${formatNumber(tap.records)} events read` : `events: ${tap.state}`;
  pill.className = `pill ${running ? 'ok' : tap.state === 'failed' ? 'bad' : ''}`;
  pill.title = tap.error ?? '';
}

// ---------- latest events ----------

function orderLink(orderId) {
  return el('button', { className: 'order-link', type: 'button', onclick: () => selectOrder(orderId) }, orderId);
}

function renderEvents(answer) {
  renderTapStatus(answer.tap);
  const cards = answer.topics.map((topic) => {
    const list =
      topic.events.length === 0
        ? el('p', { className: 'empty' }, topic.deadLetter ? 'No dead letters.' : 'No events yet.')
        : el(
            'ul',
            {},
            topic.events.map((event) =>
              el(
                'li',
                { 'data-type': event.type },
                el('span', { className: 'when' }, clock(event)),
                el(
                  'span',
                  { className: 'what' },
                  event.deadLetter ? `${event.type} (${event.deadLetter.condition}) ` : `${event.type} `,
                  event.orderId
                    ? orderLink(event.orderId)
                    : el('span', { className: 'mono muted' }, event.subject ?? event.key ?? ''),
                ),
                el('span', { className: 'mono muted' }, `${event.partition}@${event.offset}`),
              ),
            ),
          );
    return el(
      'div',
      { className: `topic-events ${topic.deadLetter ? 'dead-letter' : ''}`, 'data-topic': topic.topic },
      el('h3', { className: 'mono' }, topic.topic),
      list,
    );
  });
  $('#events').replaceChildren(...cards);
}

// ---------- order timeline ----------

function selectOrder(orderId) {
  $('#order-id').value = orderId;
  if (location.hash !== `#order=${encodeURIComponent(orderId)}`) location.hash = `order=${encodeURIComponent(orderId)}`;
  showOrder(orderId);
  $('#timeline-card').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function showOrder(orderId) {
  state.orderId = orderId;
  clearTimeout(state.timelineTimer);
  $('#timeline').replaceChildren();
  $('#order-view').hidden = true;
  $('#timeline-message').textContent = `Looking for ${orderId}…`;
  $('#timeline-message').hidden = false;
  const poll = async () => {
    if (state.orderId !== orderId) return;
    try {
      await loadOrder(orderId);
    } catch (error) {
      $('#timeline-message').textContent = `Could not load the timeline: ${error.message}`;
      $('#timeline-message').hidden = false;
    }
    if (state.orderId === orderId) state.timelineTimer = setTimeout(poll, TIMELINE_EVERY_MS);
  };
  poll();
}

async function loadOrder(orderId) {
  // A settled order's view no longer changes: stop asking the API (each ask is an order-api invocation).
  const settled = state.settledView?.body.orderId === orderId;
  const [timeline, view] = await Promise.all([
    getJson(`${API}/orders/${encodeURIComponent(orderId)}`),
    settled ? state.settledView : getJson(`/orders/${encodeURIComponent(orderId)}`),
  ]);
  if (state.orderId !== orderId) return;
  if (view.ok && FINAL_STATUSES.includes(view.body.status)) state.settledView = view;
  renderOrderView(view);
  const message = $('#timeline-message');
  if (!timeline.ok) {
    $('#timeline').replaceChildren();
    message.textContent = timeline.body?.message ?? `No timeline (HTTP ${timeline.status}).`;
    message.hidden = false;
    return;
  }
  message.hidden = timeline.body.dropped === 0;
  message.textContent = `${timeline.body.dropped} older events of this order were dropped to keep memory bounded.`;
  renderTimeline(timeline.body.events);
}

function renderOrderView(view) {
  const box = $('#order-view');
  if (!view.ok) {
    box.replaceChildren(
      el(
        'span',
        { className: 'muted' },
        view.status === 404 ? 'Not in the order view (yet).' : `GET /orders answered ${view.status}.`,
      ),
    );
    box.hidden = false;
    return;
  }
  const order = view.body;
  const total = order.totalCents !== undefined ? `${(order.totalCents / 100).toFixed(2)} ${order.currency ?? ''}` : '';
  const parts = [
    el('span', { className: `status ${order.status}`, 'data-status': order.status }, order.status),
    el('span', {}, el('span', { className: 'muted' }, 'total '), total),
    el(
      'span',
      {},
      el('span', { className: 'muted' }, 'items '),
      (order.items ?? []).map((i) => `${i.quantity} × ${i.sku}`).join(', '),
    ),
    order.cancelReason
      ? el('span', {}, el('span', { className: 'muted' }, 'reason '), order.cancelDetail ?? order.cancelReason)
      : undefined,
    order.shipment
      ? el(
          'span',
          {},
          el('span', { className: 'muted' }, 'shipment '),
          `${order.shipment.carrier} ${order.shipment.trackingNumber}`,
        )
      : undefined,
  ];
  box.replaceChildren(...parts.filter(Boolean));
  box.hidden = false;
}

function renderTimeline(events) {
  const open = new Set([...document.querySelectorAll('#timeline li.open')].map((li) => li.dataset.key));
  const items = events.map((event) => {
    const key = `${event.topic}/${event.partition}@${event.offset}`;
    const detail = el('pre', { className: 'value' }, pretty(event.value));
    detail.hidden = !open.has(key);
    const item = el(
      'li',
      {
        className: `${event.deadLetter ? 'dead-letter' : ''} ${open.has(key) ? 'open' : ''}`,
        'data-key': key,
        'data-type': event.type,
      },
      el(
        'div',
        {
          className: 'line',
          onclick: () => {
            detail.hidden = !detail.hidden;
            item.classList.toggle('open', !detail.hidden);
          },
        },
        el('span', { className: 'mono muted' }, clock(event)),
        serviceBadge(event.deadLetter ? event.deadLetter.service : event.service),
        el(
          'span',
          { className: 'type' },
          event.deadLetter ? `${event.type} → dead letter (${deadLetterWhy(event.deadLetter)})` : event.type,
        ),
        el('span', { className: 'mono muted' }, key),
      ),
      detail,
    );
    return item;
  });
  $('#timeline').replaceChildren(...items);
}

function deadLetterWhy(deadLetter) {
  return deadLetter.reason ? `${deadLetter.condition}: ${deadLetter.reason}` : deadLetter.condition;
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// ---------- start ----------

async function start() {
  $('#order-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const orderId = $('#order-id').value.trim();
    if (orderId) selectOrder(orderId);
  });
  window.addEventListener('hashchange', () => {
    const orderId = orderFromHash();
    if (orderId && orderId !== state.orderId) showOrder(orderId);
  });

  try {
    const topology = await getJson(`${API}/topology`);
    if (!topology.ok) throw new Error(`HTTP ${topology.status}`);
    drawTopology(topology.body);
  } catch (error) {
    $('#topology').replaceChildren(el('p', { className: 'empty' }, `Could not load the topology: ${error.message}`));
  }

  every(STATS_EVERY_MS, async () => {
    const stats = await getJson(`${API}/stats`);
    if (stats.ok) renderStats(stats.body);
  });
  every(EVENTS_EVERY_MS, async () => {
    const events = await getJson(`${API}/events`);
    if (events.ok) renderEvents(events.body);
  });

  const initial = orderFromHash();
  if (initial) {
    $('#order-id').value = initial;
    showOrder(initial);
  }
}

function orderFromHash() {
  const match = /^#order=(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : undefined;
}

start();
