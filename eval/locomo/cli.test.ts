import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/strata');
const dir = mkdtempSync(join(tmpdir(), 'strata-eval-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Two sessions, three questions with known evidence; the real engine ingests and recalls.
const DATA = [
  {
    sample_id: 'cli-1',
    conversation: {
      speaker_a: 'Ann',
      speaker_b: 'Bob',
      session_1_date_time: '1:56 pm on 8 May, 2023',
      session_1: [
        { speaker: 'Ann', dia_id: 'D1:1', text: 'I adopted a beagle puppy named Rex yesterday.' },
        { speaker: 'Bob', dia_id: 'D1:2', text: 'Congrats! I am training for the Berlin marathon.' },
      ],
      session_2_date_time: '9:05 am on 1 June, 2023',
      session_2: [
        { speaker: 'Bob', dia_id: 'D2:1', text: 'I started learning the violin last week.' },
        { speaker: 'Ann', dia_id: 'D2:2', text: 'Rex chewed my sneakers, sorry for the rant.' },
      ],
    },
    qa: [
      { question: 'What is the name of the beagle puppy?', answer: 'Rex', evidence: ['D1:1'], category: 4 },
      { question: 'Which marathon is Bob training for?', answer: 'Berlin', evidence: ['D1:2'], category: 4 },
      { question: 'What instrument is Bob learning?', answer: 'violin', evidence: ['D:2:1'], category: 1 },
    ],
  },
];

describe('strata eval locomo (child process)', () => {
  it('prints recall@k JSON for a tiny conversation through the real engine', async () => {
    const file = join(dir, 'tiny.json');
    writeFileSync(file, JSON.stringify(DATA));
    const { stdout } = await run(
      process.execPath,
      [BIN, 'eval', 'locomo', '--data', file, '--json', '--store', 'memory'],
      {
        env: { ...process.env, STRATA_DATA_DIR: dir },
      },
    );
    const report = JSON.parse(stdout) as {
      questions: number;
      strata: { questions: number; overall: Record<string, number>; byCategory: Record<string, unknown> };
      bm25: { overall: Record<string, number> };
      answerInBlock: {
        maxTokens: number;
        strata: { questions: number; full: number; byCategory: Record<string, { full: number }> };
        bm25Dated: { questions: number; full: number };
      };
    };
    expect(report.questions).toBe(3);
    expect(report.strata.questions).toBe(3);
    // Four turns only: every evidence turn is within the first 20.
    expect(report.strata.overall['R@20']).toBe(100);
    expect(report.strata.overall['R@5']).toBe(100);
    expect(Object.keys(report.strata.byCategory).sort()).toEqual(['multi-hop', 'single-hop']);
    expect(report.bm25.overall['R@20']).toBe(100);
    // The default 800-token block of a four-turn store holds every answer.
    expect(report.answerInBlock.maxTokens).toBe(800);
    expect(report.answerInBlock.strata).toMatchObject({ questions: 3, full: 100 });
    expect(report.answerInBlock.bm25Dated).toMatchObject({ questions: 3, full: 100 });
  });

  it('--learn splits each category in file order and reports the three arms', {
    timeout: 120_000,
  }, async () => {
    const file = join(dir, 'tiny-learn.json');
    writeFileSync(file, JSON.stringify(DATA));
    const { stdout } = await run(
      process.execPath,
      [BIN, 'eval', 'locomo', '--data', file, '--json', '--store', 'memory', '--learn'],
      { env: { ...process.env, STRATA_DATA_DIR: dir } },
    );
    const report = JSON.parse(stdout) as {
      strata?: unknown;
      learn: {
        split: {
          trainQuestions: number;
          testQuestions: number;
          ratedUseful: number;
          ratedNotUseful: number;
          feedbackOn: string;
        };
        check: { conversations: number; budgetApplied: number };
        meanShares: Record<string, number>;
        noFeedback: { evidence: { questions: number; overall: Record<string, number> } };
        withLearning: { evidence: { questions: number }; answerInBlock: { questions: number } };
        withoutLearning: { evidence: { questions: number } };
      };
    };
    expect(report.strata).toBeUndefined();
    // single-hop: 2 questions (1 trains, 1 is scored); multi-hop: 1 question (scored).
    expect(report.learn.split).toMatchObject({ trainQuestions: 1, testQuestions: 2 });
    expect(report.learn.split.ratedUseful).toBeGreaterThan(0);
    for (const arm of [report.learn.noFeedback, report.learn.withLearning, report.learn.withoutLearning]) {
      expect(arm.evidence.questions).toBe(2);
    }
    expect(report.learn.noFeedback.evidence.overall['R@20']).toBe(100);
    // By default a feedback question rates what recall returned, not only the block's lines.
    expect(report.learn.split.feedbackOn).toBe('recalled');
    expect(report.learn.check).toMatchObject({ conversations: 1, budgetApplied: expect.any(Number) });
    expect(Object.keys(report.learn.meanShares).length).toBeGreaterThan(0);

    const block = await run(
      process.execPath,
      [
        BIN,
        'eval',
        'locomo',
        '--data',
        file,
        '--json',
        '--store',
        'memory',
        '--learn',
        '--learn-feedback',
        'block',
      ],
      { env: { ...process.env, STRATA_DATA_DIR: dir } },
    );
    const blockReport = JSON.parse(block.stdout) as typeof report;
    expect(blockReport.learn.split.feedbackOn).toBe('block');
    const rated = (r: typeof report) => r.learn.split.ratedUseful + r.learn.split.ratedNotUseful;
    expect(rated(blockReport)).toBeLessThanOrEqual(rated(report));
    const bad = await run(
      process.execPath,
      [BIN, 'eval', 'locomo', '--data', file, '--json', '--learn', '--learn-feedback', 'all'],
      { env: { ...process.env, STRATA_DATA_DIR: dir } },
    ).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect(`${(bad as { stdout: string }).stdout}${(bad as { stderr: string }).stderr}`).toMatch(
      /validation_error.*--learn-feedback \\?"all\\?"/,
    );
  });

  it('fails with an actionable message when the data file is missing', async () => {
    const error = await run(process.execPath, [
      BIN,
      'eval',
      'locomo',
      '--data',
      join(dir, 'nope.json'),
      '--json',
    ]).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(error).toMatchObject({ code: 2 });
    expect(`${(error as { stdout: string }).stdout}${(error as { stderr: string }).stderr}`).toMatch(
      /Pass --data/,
    );
  });
});
