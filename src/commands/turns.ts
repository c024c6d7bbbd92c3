/**
 * Tasks that share a key run one after another, in arrival order; tasks with different keys
 * run at once. The write path keys commands by document, so commands on one document in this
 * process never race each other for its next revision.
 */
export class Turns {
  /** The last task queued per key, settled or not; removed once nothing waits behind it. */
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    const result = previous ? previous.then(task, task) : task();
    this.tails.set(key, result);
    const forget = () => {
      if (this.tails.get(key) === result) this.tails.delete(key);
    };
    result.then(forget, forget);
    return result;
  }
}
