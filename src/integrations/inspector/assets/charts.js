// The inspector's pictures, drawn as plain SVG (no library): counts by layer, the timeline
// of memories and events, emotion over time and on the valence/arousal plane, and the
// association graph around a memory. Each chart is role=img with a label that says in words
// what it shows; colours come from CSS classes (fill-<layer>, cluster-<n>), never inline styles.
import { clip, count, fixed, h, memoryHref, s, when } from './dom.js';

export const LAYERS = ['episodic', 'semantic', 'emotional', 'temporal', 'associative', 'symbolic'];
const MAX_POINTS = 2000;

/**
 * An SVG drawn at most at its own size (so its text stays the size it was drawn at). A
 * picture is role=img; one holding links (the graph) is a group, whose links stay reachable.
 */
function chart(width, height, label, ...children) {
  return picture('img', width, height, label, children);
}

function picture(role, width, height, label, children) {
  return s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, role, 'aria-label': label },
    children,
  );
}

const day = (ms) => when(new Date(ms).toISOString()).slice(0, 10);

/** Every n-th point, so a chart of 10,000 points stays a light DOM. */
function sample(points) {
  if (points.length <= MAX_POINTS) return points;
  const step = points.length / MAX_POINTS;
  return Array.from({ length: MAX_POINTS }, (_, i) => points[Math.floor(i * step)]);
}

export function layerLegend(layers = LAYERS) {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Layer colours' },
    layers.map((layer) =>
      h(
        'li',
        null,
        s(
          'svg',
          { width: 12, height: 12, 'aria-hidden': 'true' },
          s('rect', { width: 12, height: 12, class: `fill-${layer}` }),
        ),
        layer,
      ),
    ),
  );
}

/** Horizontal bars: memories per layer. */
export function layerBars(byLayer) {
  const max = Math.max(1, ...LAYERS.map((layer) => byLayer[layer]?.count ?? 0));
  const rowH = 28;
  const label = `Memories by layer: ${LAYERS.map((l) => `${l} ${count(byLayer[l]?.count ?? 0)}`).join(', ')}`;
  return chart(
    480,
    LAYERS.length * rowH + 8,
    label,
    LAYERS.map((layer, i) => {
      const n = byLayer[layer]?.count ?? 0;
      const w = (n / max) * 300;
      const y = 4 + i * rowH;
      return s(
        'g',
        null,
        s('text', { x: 0, y: y + 17 }, layer),
        s('rect', {
          x: 90,
          y: y + 4,
          width: Math.max(n > 0 ? 2 : 0, w),
          height: rowH - 10,
          class: `fill-${layer}`,
          rx: 2,
        }),
        s('text', { x: 96 + w, y: y + 17 }, count(n)),
      );
    }),
  );
}

/** Stacked bars per time bucket and layer, with the temporal layer's events as diamonds below. */
export function timelineChart(timeline) {
  const W = 760;
  const H = 250;
  const x0 = 44;
  const x1 = W - 10;
  const top = 12;
  const base = 180;
  const eventsY = 204;
  const from = Date.parse(timeline.from);
  const to = Date.parse(timeline.to);
  const eventTimes = timeline.events.map((e) => Date.parse(e.at)).filter(Number.isFinite);
  const start = Math.min(from, ...eventTimes);
  const end = Math.max(to, ...eventTimes.map((t) => t + 1));
  const x = (t) => x0 + ((t - start) / Math.max(1, end - start)) * (x1 - x0);
  const totals = timeline.buckets.map((b) => Object.values(b.counts).reduce((a, n) => a + n, 0));
  const max = Math.max(1, ...totals);
  const bw = Math.max(1, x(from + timeline.bucketMs) - x(from) - 1);
  const bars = timeline.buckets.map((bucket, i) => {
    let y = base;
    const at = Date.parse(bucket.start);
    const rects = LAYERS.filter((layer) => bucket.counts[layer]).map((layer) => {
      const hgt = (bucket.counts[layer] / max) * (base - top);
      y -= hgt;
      return s('rect', { x: x(at), y, width: bw, height: hgt, class: `fill-${layer}` });
    });
    const parts = LAYERS.filter((l) => bucket.counts[l]).map((l) => `${bucket.counts[l]} ${l}`);
    return s('g', null, s('title', null, `${when(bucket.start)}: ${totals[i]} (${parts.join(', ')})`), rects);
  });
  const events = timeline.events.map((e) => {
    const cx = x(Date.parse(e.at));
    return s(
      'polygon',
      {
        class: 'event',
        points: `${cx},${eventsY - 6} ${cx + 5},${eventsY} ${cx},${eventsY + 6} ${cx - 5},${eventsY}`,
      },
      s('title', null, `${day(Date.parse(e.at))}: ${clip(e.content, 120)}`),
    );
  });
  const ticks = [start, (start + end) / 2, end].map((t, i) =>
    s('text', { x: x(t), y: H - 14, 'text-anchor': ['start', 'middle', 'end'][i] }, day(t)),
  );
  const label = `Timeline from ${day(start)} to ${day(end)}: ${count(timeline.scanned)} memories in ${timeline.buckets.length} bars, at most ${count(max)} in one; ${timeline.events.length} dated events.`;
  return chart(
    W,
    H,
    label,
    s('line', { class: 'axis', x1: x0, y1: base, x2: x1, y2: base }),
    s('text', { x: x0 - 6, y: top + 8, 'text-anchor': 'end' }, count(max)),
    s('text', { x: x0 - 6, y: base, 'text-anchor': 'end' }, '0'),
    bars,
    s('text', { x: 0, y: eventsY + 4 }, 'events'),
    events,
    ticks,
  );
}

const clusterClass = (point) =>
  point.cluster === null || point.cluster > 5 ? 'cluster-none' : `cluster-${point.cluster}`;

/** Valence (-1 unpleasant … 1 pleasant) of each emotional memory over time. */
export function valenceChart(points) {
  const W = 520;
  const H = 220;
  const times = points.map((p) => Date.parse(p.createdAt));
  const start = Math.min(...times);
  const end = Math.max(...times, start + 1);
  const x = (t) => 40 + ((t - start) / (end - start)) * (W - 50);
  const y = (v) => 15 + ((1 - v) / 2) * (H - 45);
  const mean = points.reduce((a, p) => a + p.valence, 0) / Math.max(1, points.length);
  return chart(
    W,
    H,
    `Valence of ${points.length} emotional memories from ${day(start)} to ${day(end)}; mean ${fixed(mean)} (−1 unpleasant, 1 pleasant).`,
    s('line', { class: 'grid', x1: 40, y1: y(0), x2: W - 10, y2: y(0) }),
    s('line', { class: 'axis', x1: 40, y1: y(1), x2: 40, y2: y(-1) }),
    s('text', { x: 34, y: y(1) + 4, 'text-anchor': 'end' }, '+1'),
    s('text', { x: 34, y: y(0) + 4, 'text-anchor': 'end' }, '0'),
    s('text', { x: 34, y: y(-1) + 4, 'text-anchor': 'end' }, '−1'),
    sample(points).map((p) =>
      s(
        'circle',
        { cx: x(Date.parse(p.createdAt)), cy: y(p.valence), r: 3.5, class: clusterClass(p) },
        s(
          'title',
          null,
          `${when(p.createdAt)}: ${p.labels.join(', ') || 'neutral'} (valence ${fixed(p.valence)})`,
        ),
      ),
    ),
    s('text', { x: 40, y: H - 6 }, day(start)),
    s('text', { x: W - 10, y: H - 6, 'text-anchor': 'end' }, day(end)),
  );
}

/** Each emotional memory on the valence × arousal plane, with the clusters' centres labelled. */
export function circumplexChart(points, clusters) {
  const W = 420;
  const H = 300;
  const x = (v) => 30 + ((v + 1) / 2) * (W - 60);
  const y = (a) => 20 + (1 - a) * (H - 60);
  return chart(
    W,
    H,
    `Emotions by valence (left unpleasant, right pleasant) and arousal (bottom calm, top intense): ${points.length} memories in ${clusters.length} clusters${clusters.length ? `: ${clusters.map((c) => `${c.label} (${c.size})`).join(', ')}` : ''}.`,
    s('rect', { class: 'grid', x: x(-1), y: y(1), width: x(1) - x(-1), height: y(0) - y(1), fill: 'none' }),
    s('line', { class: 'grid', x1: x(0), y1: y(1), x2: x(0), y2: y(0) }),
    s('line', { class: 'grid', x1: x(-1), y1: y(0.5), x2: x(1), y2: y(0.5) }),
    s('text', { x: x(-1), y: H - 22 }, 'unpleasant'),
    s('text', { x: x(1), y: H - 22, 'text-anchor': 'end' }, 'pleasant'),
    s('text', { x: x(0), y: H - 8, 'text-anchor': 'middle' }, 'valence →   ↑ arousal'),
    sample(points).map((p) =>
      s(
        'circle',
        { cx: x(p.valence), cy: y(p.arousal), r: 3.5, class: clusterClass(p) },
        s('title', null, `${p.labels.join(', ')}: valence ${fixed(p.valence)}, arousal ${fixed(p.arousal)}`),
      ),
    ),
    clusters.slice(0, 6).map((c, i) =>
      s(
        'g',
        null,
        s('circle', {
          cx: x(c.valence),
          cy: y(c.arousal),
          r: 8,
          class: `cluster-${i}`,
          'fill-opacity': 0.35,
          stroke: '#14213d',
        }),
        s('text', { x: x(c.valence) + 10, y: y(c.arousal) + 4 }, `${c.label} (${c.size})`),
      ),
    ),
  );
}

/** The memory in the middle, its direct links on a ring, their links on an outer ring. */
export function graphChart(graph) {
  const W = 680;
  const H = 440;
  const cx = W / 2;
  const cy = H / 2;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const ring1 = graph.nodes.filter((n) => n.depth === 1);
  const ring2 = graph.nodes.filter((n) => n.depth >= 2);
  const pos = new Map([[graph.id, { x: cx, y: cy, angle: 0 }]]);
  ring1.forEach((n, i) => {
    // Offset by half a step, so two neighbours never sit on one line through the centre.
    const angle = (2 * Math.PI * (i + 0.5)) / ring1.length - Math.PI;
    // Ellipses, wider than high: the page is wider than it is tall.
    pos.set(n.id, { x: cx + 200 * Math.cos(angle), y: cy + 110 * Math.sin(angle), angle });
  });
  // Outer nodes sit near the first inner node they link to, fanned out a little.
  const fan = new Map();
  for (const n of ring2) {
    const edge = graph.edges.find(
      (e) => (e.from === n.id && pos.has(e.to)) || (e.to === n.id && pos.has(e.from)),
    );
    const parent = edge ? pos.get(edge.from === n.id ? edge.to : edge.from) : { angle: 0 };
    const k = fan.get(parent) ?? 0;
    fan.set(parent, k + 1);
    const angle = parent.angle + (k % 2 ? 1 : -1) * Math.ceil(k / 2) * 0.35;
    pos.set(n.id, { x: cx + 300 * Math.cos(angle), y: cy + 195 * Math.sin(angle), angle });
  }
  const edges = graph.edges
    .filter((e) => pos.has(e.from) && pos.has(e.to))
    .map((e) => {
      const a = pos.get(e.from);
      const b = pos.get(e.to);
      return s('line', {
        class: 'edge',
        x1: a.x,
        y1: a.y,
        x2: b.x,
        y2: b.y,
        'stroke-width': 1 + 2 * (e.strength ?? 0.3),
      });
    });
  const nodes = graph.nodes.map((n) => {
    const p = pos.get(n.id);
    const center = n.id === graph.id;
    const name = `${center ? 'This memory' : `Linked ${n.layer} memory`}: ${clip(n.content, 80)}`;
    const dot = s('circle', {
      cx: p.x,
      cy: p.y,
      r: center ? 14 : 9,
      class: `fill-${n.layer}${center ? ' node-center' : ''}`,
    });
    const right = p.x >= cx;
    const label =
      n.depth <= 1
        ? s(
            'text',
            { x: p.x + (right ? 12 : -12), y: p.y - 12, 'text-anchor': right ? 'start' : 'end' },
            clip(n.content, 28),
          )
        : null;
    return center
      ? s('g', null, s('title', null, name), dot, label)
      : // The visible label stays outside the link, so the link's name is just its aria-label.
        s(
          'g',
          null,
          s('a', { href: memoryHref(n.id), 'aria-label': name }, s('title', null, name), dot),
          label,
        );
  });
  const layers = [...new Set(graph.nodes.map((n) => n.layer))];
  const words = `${byId.size - 1} linked memories around this one (${layers.join(', ')}), ${graph.edges.length} links`;
  return h('div', null, picture('group', W, H, words, [edges, nodes]), layerLegend(layers));
}
