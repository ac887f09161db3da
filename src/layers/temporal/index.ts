/**
 * The temporal layer. Observe: every time expression in the user's message becomes an
 * event memory with metadata.eventAt (UTC start), eventEnd and the local date label,
 * resolved against the turn's timestamp in the user's time zone, and so does each photo
 * with an EXIF date (photoEvents); a turn after a pause
 * longer than SESSION_GAP_MS (rhythm.ts) writes a session-start memory noting the gap. Recall: a time
 * expression in the query ("next week", "last week", "in March", "before my trip")
 * becomes a window; memories whose event date (or creation date) falls inside it are
 * pulled in as candidates and boosted, the rest are damped.
 */

import { describeMedia, takenLabel } from '../../media/describe.ts';
import { WHEN_QUESTION } from '../../text/query-kind.ts';
import { describeDate, findTimeExpressions, stripExpressions } from '../../text/time-expressions.ts';
import { localDate, toWallClock } from '../../text/time-zone.ts';
import { tokenize } from '../../text/tokenize.ts';
import type { Memory } from '../../types.ts';
import { sentenceAt, truncate, userName } from '../text.ts';
import type { Layer, LayerWrite, QueryContext, TimeWindow, TurnContext } from '../types.ts';
import { describeGap, previousActivity } from './rhythm.ts';

/** Words that carry no content in a time question ("what did I say last week?"). */
const GENERIC = new Set(
  'say said tell told talk talked mention mentioned discuss discussed ask asked chat chatted happen happened do did done plan planned coming up upcoming go went anything something thing event remind'
    .split(' ')
    .map((w) => tokenize(w)[0] ?? w),
);

const SAID =
  /\b(say|said|tell|told|talk|talked|mention|mentioned|discuss|discussed|ask|asked|chat|chatted)\b/i;
const ANCHOR =
  /\b(before|after|since|until|till)\s+(?:my|the|our|his|her)\s+([\p{L}\s'-]{2,40}?)(?=[?.!,]|$)/iu;

/** A question about what lies ahead without naming when ("what's coming up?", "any plans?"). */
const UPCOMING =
  /\b(coming up|upcoming|ahead|planned|plans|schedule[ds]?|agenda|calendar|soon|in the future|future)\b/i;

const WHEN_WEIGHT = 1.5;

/** The instant a memory is "about": its event date when it has one, else when it was said. */
export function memoryTime(memory: Memory, field: TimeWindow['field']): number {
  const eventAt = memory.metadata.eventAt;
  if (field === 'eventAt' && typeof eventAt === 'string') return Date.parse(eventAt);
  return Date.parse(memory.createdAt);
}

export function inWindow(memory: Memory, window: TimeWindow): boolean {
  const t = memoryTime(memory, window.field);
  if (window.since && t < Date.parse(window.since)) return false;
  if (window.until && t >= Date.parse(window.until)) return false;
  return true;
}

async function temporalEvents(query: QueryContext): Promise<Memory[]> {
  const page = await query.engine.store.list(
    { userId: query.userId, layers: ['temporal'], metadata: { kind: 'event' }, includeSuperseded: false },
    { limit: 1000 },
  );
  return page.items;
}

/**
 * A photo's EXIF date is an event of its own: "Photo taken Sunday 14 March 2021 10:22 at
 * 52.52, 13.405: [image: …]", dated by metadata.eventAt, so "what did I photograph in
 * March 2021?" finds it however long after it was sent.
 */
function photoEvents(ctx: TurnContext): LayerWrite[] {
  const sources = ctx.sources.filter((s) => s.messageId === ctx.user.id);
  return (ctx.user.media ?? []).flatMap((ref, i): LayerWrite[] => {
    if (ref.kind !== 'image' || !ref.takenAt) return [];
    const start = new Date(ref.takenAt);
    const wall = toWallClock(start, ctx.timeZone).toISOString();
    const place = ref.place ? ` at ${ref.place.latitude}, ${ref.place.longitude}` : '';
    const { takenAt: _taken, ...undated } = ref;
    const description = describeMedia(undated, { maxOcrChars: 200, timeZone: ctx.timeZone });
    return [
      {
        layer: 'temporal',
        key: `photo:${i}`,
        content: `Photo taken ${takenLabel(ref.takenAt, ctx.timeZone)}${place}: ${description}`,
        importance: 0.5,
        metadata: {
          kind: 'event',
          source: 'exif',
          eventAt: ref.takenAt,
          eventEnd: new Date(start.getTime() + 3_600_000).toISOString(),
          eventDate: `${wall.slice(0, 10)} ${wall.slice(11, 16)}`,
          granularity: 'time',
          expression: 'photo EXIF date',
          timeZone: ctx.timeZone,
          exifZone: ref.takenAtZone ?? 'assumed',
          media: [ref],
        },
        sources,
        linkKeys: ['episodic:user'],
      },
    ];
  });
}

export function createTemporalLayer(): Layer {
  return {
    name: 'temporal',
    async observe(ctx: TurnContext): Promise<LayerWrite[]> {
      const writes: LayerWrite[] = [];
      // A named assistant is a second person (two-person conversations): their dates count too.
      const speakers = ctx.assistant?.speaker ? [ctx.user, ctx.assistant] : [ctx.user];
      for (const message of speakers) {
        const sources = ctx.sources.filter((s) => s.messageId === message.id);
        const who = message.speaker ?? userName(ctx);
        for (const expr of findTimeExpressions(message.text, ctx.at, ctx.timeZone, message.language)) {
          const future = Date.parse(expr.start) > ctx.at.getTime();
          const sentence = truncate(sentenceAt(message.text, expr.index), 400);
          writes.push({
            layer: 'temporal',
            key: message.role === 'user' ? `event:${expr.index}` : `event-${message.role}:${expr.index}`,
            content: `${future ? 'Upcoming' : 'Past'} event (${describeDate(expr)}, "${expr.text}"): ${who} said "${sentence}"`,
            importance: future ? 0.7 : 0.5,
            metadata: {
              kind: 'event',
              eventAt: expr.start,
              eventEnd: expr.end,
              eventDate: expr.label,
              granularity: expr.granularity,
              expression: expr.text,
              timeZone: ctx.timeZone,
              speaker: who,
            },
            sources,
            linkKeys: [`episodic:${message.role}`],
          });
        }
      }
      writes.push(...photoEvents(ctx));
      const userSources = ctx.sources.filter((s) => s.role === 'user');
      const { recent, previous } = await previousActivity(ctx);
      if (!recent) {
        const gap = previous ? ctx.at.getTime() - previous.getTime() : null;
        const day = localDate(ctx.at, ctx.timeZone);
        writes.push({
          layer: 'temporal',
          key: 'session',
          content:
            gap === null
              ? `First conversation with ${userName(ctx)} on ${day}`
              : `New session on ${day} after ${describeGap(gap)} without conversation`,
          importance: 0.2,
          metadata: {
            kind: 'session',
            gapMs: gap,
            previousAt: previous?.toISOString() ?? null,
            chatId: ctx.chatId,
          },
          sources: userSources,
        });
      }
      return writes;
    },
    async prepareRecall(query: QueryContext): Promise<void> {
      const expressions = findTimeExpressions(query.text, query.now, query.timeZone, query.languages?.[0]);
      const field: TimeWindow['field'] = SAID.test(query.text) ? 'createdAt' : 'eventAt';
      let window: TimeWindow | undefined;
      const first = expressions[0];
      if (first) {
        // "before 20 May", "since 2016", "after the 15th": open-ended on one side.
        const lead = query.text.slice(0, first.index);
        if (/\b(?:before|until|till|prior to)\s+(?:the\s+)?$/i.test(lead))
          window = { until: first.start, field, expression: first.text };
        else if (/\bafter\s+(?:the\s+)?$/i.test(lead))
          window = { since: first.end, field, expression: first.text };
        else if (/\bsince\s+(?:the\s+)?$/i.test(lead))
          window = { since: first.start, field, expression: first.text };
        else window = { since: first.start, until: first.end, field, expression: first.text };
        query.searchText = stripExpressions(query.text, expressions) || query.text;
      }
      const anchor = query.text.match(ANCHOR);
      const events: Memory[] = window || anchor ? await temporalEvents(query) : [];
      if (!window && anchor) {
        const noun = (anchor[2] ?? '').trim().toLowerCase();
        const hit = events
          .filter((m) => m.content.toLowerCase().includes(noun))
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
        const at = hit && typeof hit.metadata.eventAt === 'string' ? hit.metadata.eventAt : null;
        if (at) {
          const before = /before|until|till/i.test(anchor[1] ?? '');
          window = before
            ? { until: at, field: 'eventAt', expression: anchor[0] }
            : { since: at, field: 'eventAt', expression: anchor[0] };
        }
      }
      if (!window && UPCOMING.test(query.text)) {
        // "What is coming up?" names no date: the window is everything still ahead.
        window = { since: query.now.toISOString(), field: 'eventAt', expression: 'upcoming' };
        if (events.length === 0) events.push(...(await temporalEvents(query)));
      }
      if (!window) return;
      query.window = window;
      const inside = events.filter((m) => inWindow(m, window));
      query.windowOnly = tokenize(query.searchText).every((t) => GENERIC.has(t));
      if (query.windowOnly && window.field === 'createdAt') {
        // Nothing to match by content: what was said in the window is the answer.
        const said = await query.engine.store.list(
          {
            userId: query.userId,
            layers: ['episodic', 'semantic', 'emotional'],
            ...(window.since ? { since: window.since } : {}),
            ...(window.until ? { until: new Date(Date.parse(window.until) - 1).toISOString() } : {}),
            includeSuperseded: false,
          },
          { limit: 200 },
        );
        inside.push(...said.items);
      }
      query.extraCandidates = [...(query.extraCandidates ?? []), ...inside];
    },
    score(candidate, query): number {
      // Session markers answer "when did we last talk", not content questions.
      const session = candidate.layer === 'temporal' && candidate.metadata.kind === 'session';
      // Bookkeeping ("First conversation with …") only when the question is about it.
      if (session && !/\b(session|talk|talked|spoke|chat|chatted|conversation)\b/i.test(query.text)) return 0;
      // A "when" question wants the dated event (its line carries the resolved date).
      if (!query.window)
        return candidate.metadata.kind === 'event' && WHEN_QUESTION.test(query.text) ? WHEN_WEIGHT : 1;
      const hit = inWindow(candidate, query.window);
      if (candidate.layer === 'temporal' && candidate.metadata.kind === 'event') return hit ? 2 : 0.6;
      return hit ? 1.4 : 0.7;
    },
  };
}
