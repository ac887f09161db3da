/**
 * Pure metrics for the embedder evaluation: ROC-AUC (probability that a random positive
 * outscores a random negative, ties count half), accuracy at the best threshold, and
 * recall@k of a ranked id list against a set of relevant ids.
 */

export function rocAuc(scores: number[], labels: Array<0 | 1>): number {
  const pos = scores.filter((_, i) => labels[i] === 1);
  const neg = scores.filter((_, i) => labels[i] === 0);
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

export function bestThresholdAccuracy(
  scores: number[],
  labels: Array<0 | 1>,
): { accuracy: number; threshold: number } {
  let best = { accuracy: 0, threshold: 0 };
  for (const threshold of [...scores, Number.POSITIVE_INFINITY]) {
    let correct = 0;
    scores.forEach((s, i) => {
      if ((s >= threshold ? 1 : 0) === labels[i]) correct++;
    });
    const accuracy = correct / scores.length;
    if (accuracy > best.accuracy) best = { accuracy, threshold };
  }
  return best;
}

export function recallAtK(ranked: string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return Number.NaN;
  let found = 0;
  for (const id of ranked.slice(0, k)) if (relevant.has(id)) found++;
  return found / relevant.size;
}
