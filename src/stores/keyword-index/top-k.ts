/**
 * Bounded top-k of scored slots, best first, ties by memory id ascending (the order the
 * FTS5 query uses: score DESC, id). k is small (tens), so a sorted array with insertion
 * beats a heap and never allocates per offered slot that does not make the cut.
 */
import type { ScoredId } from '../types.ts';

export class TopK {
  private readonly slots: number[] = [];
  private readonly scores: number[] = [];

  constructor(
    private readonly k: number,
    private readonly ids: readonly string[],
  ) {}

  /** Whether (a) ranks before (b). */
  private before(scoreA: number, slotA: number, scoreB: number, slotB: number): boolean {
    return scoreA > scoreB || (scoreA === scoreB && this.ids[slotA]! < this.ids[slotB]!);
  }

  offer(slot: number, score: number): void {
    const n = this.slots.length;
    if (n === this.k && !this.before(score, slot, this.scores[n - 1]!, this.slots[n - 1]!)) return;
    let at = n;
    while (at > 0 && this.before(score, slot, this.scores[at - 1]!, this.slots[at - 1]!)) at--;
    this.slots.splice(at, 0, slot);
    this.scores.splice(at, 0, score);
    if (this.slots.length > this.k) {
      this.slots.pop();
      this.scores.pop();
    }
  }

  result(): ScoredId[] {
    return this.slots.map((slot, i) => ({ id: this.ids[slot]!, score: this.scores[i]! }));
  }
}
