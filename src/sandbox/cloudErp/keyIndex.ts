/**
 * Records per company and business key (an order's number, a journal's code...): the lookups
 * a client makes before it writes, answered without reading every record the sandbox holds.
 */
export class KeyIndex<T> {
  private readonly map = new Map<string, T[]>();

  get(company: string, key: string): readonly T[] {
    return this.map.get(`${company}\n${key}`) ?? [];
  }

  add(company: string, key: string, record: T) {
    const k = `${company}\n${key}`;
    const held = this.map.get(k);
    if (held) held.push(record);
    else this.map.set(k, [record]);
  }

  remove(company: string, key: string, record: T) {
    const k = `${company}\n${key}`;
    const rest = (this.map.get(k) ?? []).filter((r) => r !== record);
    if (rest.length > 0) this.map.set(k, rest);
    else this.map.delete(k);
  }
}
