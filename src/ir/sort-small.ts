/**
 * Sorts numbers ascending in place and returns them. Array.prototype.sort allocates a work area on
 * every call, which for the few successors of each of 10,000 steps was most of what building the
 * order and the partition allocated; an insertion sort of a short list allocates nothing. Longer
 * lists (a fan-out of thousands) take Array#sort, so the worst case stays n log n.
 */
export function sortSmall(xs: number[]): number[] {
  if (xs.length > 16) return xs.sort((x, y) => x - y);
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i] as number;
    let j = i - 1;
    for (; j >= 0 && (xs[j] as number) > x; j--) xs[j + 1] = xs[j] as number;
    xs[j + 1] = x;
  }
  return xs;
}
