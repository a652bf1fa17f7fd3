/** Appends `value` to the list `map` holds for `key`, starting the list on the key's first value. */
export function push<K, T>(map: Map<K, T[]>, key: K, value: T) {
  const list = map.get(key);
  if (list) {
    list.push(value);
  } else {
    map.set(key, [value]);
  }
}
