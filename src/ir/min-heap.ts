/**
 * A binary min-heap of numbers (node indices): the ready set of the stable topological sorts
 * (order.ts, toposort.ts), so taking the first ready node is O(log n), not a scan of the set.
 */
export class MinHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as number) <= v) break;
      a[i] = a[p] as number;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = last;
        if (l < a.length && (a[l] as number) < mv) {
          m = l;
          mv = a[l] as number;
        }
        if (r < a.length && (a[r] as number) < mv) m = r;
        if (m === i) break;
        a[i] = a[m] as number;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}
