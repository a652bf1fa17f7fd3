/**
 * What has been granted already, so that a grant many resources ask for (a shared secret, a
 * bucket's key) is made once and the role's policy does not repeat it.
 */
export class Once<T> {
  private readonly seen = new Set<T>();

  /** True the first time `item` is given, false every time after. */
  public first(item: T): boolean {
    if (this.seen.has(item)) {
      return false;
    }
    this.seen.add(item);
    return true;
  }
}
