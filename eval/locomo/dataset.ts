/**
 * LoCoMo loader: validates the published JSON (snap-research/LoCoMo `locomo10.json` shape)
 * with zod and flattens each conversation into dated dialogue turns and recall questions.
 * Session dates ("1:56 pm on 8 May, 2023") are parsed here as UTC so ingestion gets a
 * real timestamp; image turns carry their caption so it counts as content (SPEC §9).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ValidationError } from '../../src/errors.ts';
import { normalizeEvidence } from './metric.ts';

const DialogueTurnSchema = z
  .object({
    speaker: z.string(),
    dia_id: z.string(),
    text: z.string().default(''),
    blip_caption: z.string().optional(),
  })
  .passthrough();

const QaSchema = z
  .object({
    question: z.string(),
    category: z.number().int(),
    evidence: z.array(z.string()).default([]),
    answer: z.unknown().optional(),
  })
  .passthrough();

const ConversationSchema = z
  .object({
    sample_id: z.string(),
    conversation: z.record(z.string(), z.unknown()),
    qa: z.array(QaSchema),
  })
  .passthrough();

export const LocomoFileSchema = z.array(ConversationSchema);

export interface LocomoTurn {
  /** Normalized `D<session>:<turn>` id. */
  diaId: string;
  session: number;
  speaker: string;
  /** Turn text with the image caption appended, as ingested. */
  text: string;
  /** UTC ISO timestamp of the session. */
  at: string;
}

export interface LocomoQuestion {
  question: string;
  category: number;
  /** Normalized, deduplicated evidence turn ids (may be empty: then the question is skipped). */
  evidence: string[];
  /** The gold answer, for failure analysis only (never given to the system under test). */
  answer?: string;
}

export interface LocomoConversation {
  id: string;
  speakers: [string, string];
  turns: LocomoTurn[];
  questions: LocomoQuestion[];
}

/** Month names, lower case, January first. */
export const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** "1:56 pm on 8 May, 2023" → "2023-05-08T13:56:00.000Z"; null when the shape is unknown. */
export function parseSessionDate(value: string): string | null {
  const match = /^\s*(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})\s*$/i.exec(value);
  if (!match) return null;
  const [, hh, mm, ampm, day, monthName, year] = match;
  const month = MONTHS.indexOf(monthName!.toLowerCase());
  if (month < 0) return null;
  let hour = Number(hh) % 12;
  if (ampm!.toLowerCase() === 'pm') hour += 12;
  return new Date(Date.UTC(Number(year), month, Number(day), hour, Number(mm))).toISOString();
}

/** The text that is ingested for one dialogue turn: text plus the image caption, if any. */
export function turnContent(text: string, caption: string | undefined): string {
  const body = text.trim();
  if (!caption?.trim()) return body;
  const shared = `[shared an image: ${caption.trim()}]`;
  return body ? `${body} ${shared}` : shared;
}

/** Flattens one validated conversation; sessions in numeric order, turns in file order. */
export function toConversation(raw: z.infer<typeof ConversationSchema>): LocomoConversation {
  const conv = raw.conversation;
  const speakers: [string, string] = [String(conv.speaker_a ?? 'A'), String(conv.speaker_b ?? 'B')];
  const sessionNumbers = Object.keys(conv)
    .map((key) => /^session_(\d+)$/.exec(key)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const turns: LocomoTurn[] = [];
  let lastAt = new Date(Date.UTC(2000, 0, 1)).toISOString();
  for (const session of sessionNumbers) {
    const parsed = z.array(DialogueTurnSchema).safeParse(conv[`session_${session}`]);
    if (!parsed.success) {
      throw new ValidationError(`LoCoMo ${raw.sample_id}: session_${session} is not a list of turns`);
    }
    const date = conv[`session_${session}_date_time`];
    const at = typeof date === 'string' ? (parseSessionDate(date) ?? lastAt) : lastAt;
    lastAt = at;
    for (const turn of parsed.data) {
      const diaId = normalizeEvidence(turn.dia_id)[0] ?? turn.dia_id;
      turns.push({
        diaId,
        session,
        speaker: turn.speaker,
        text: turnContent(turn.text, turn.blip_caption),
        at,
      });
    }
  }
  const questions = raw.qa
    .filter((qa) => qa.category >= 1 && qa.category <= 4)
    .map((qa) => {
      const question: LocomoQuestion = {
        question: qa.question,
        category: qa.category,
        evidence: [...new Set(qa.evidence.flatMap((e) => normalizeEvidence(e)))],
      };
      if (qa.answer !== undefined && qa.answer !== null) question.answer = String(qa.answer);
      return question;
    });
  return { id: raw.sample_id, speakers, turns, questions };
}

export function parseLocomo(json: unknown): LocomoConversation[] {
  const parsed = LocomoFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(
      `Not a LoCoMo file: ${parsed.error.issues[0]?.message ?? 'bad shape'} at ${parsed.error.issues[0]?.path.join('.') ?? '?'}`,
    );
  }
  return parsed.data.map(toConversation);
}

export async function loadLocomo(path: string): Promise<LocomoConversation[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(
      `Cannot read LoCoMo data at ${path} (${(error as Error).message}). Pass --data with the path to locomo-dev.json.`,
    );
  }
  return parseLocomo(JSON.parse(text));
}
