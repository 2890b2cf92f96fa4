/** Input checks shared by every metric: same non-zero length, 0/1 labels, finite scores. */

export function checkInputs(name: string, yTrue: ArrayLike<number>, yProb: ArrayLike<number>): void {
  if (yTrue.length !== yProb.length) {
    throw new Error(`${name}: yTrue has ${yTrue.length} values but yProb has ${yProb.length}`);
  }
  if (yTrue.length === 0) throw new Error(`${name}: empty input`);
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] !== 0 && yTrue[i] !== 1)
      throw new Error(`${name}: yTrue[${i}] is ${yTrue[i]}, expected 0 or 1`);
    if (!Number.isFinite(yProb[i]))
      throw new Error(`${name}: yProb[${i}] is ${yProb[i]}, expected a finite number`);
  }
}

export function checkThreshold(name: string, threshold: number): void {
  if (!Number.isFinite(threshold))
    throw new Error(`${name}: threshold must be a finite number, got ${threshold}`);
}
