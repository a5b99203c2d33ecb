/**
 * `--only` patterns: `*` matches any run of characters, `?` one character, everything else itself
 * (binding names are `[a-z0-9-]`, so no escaping is needed). Several patterns, or one with commas,
 * match a name when any of them does.
 */
export function nameMatcher(patterns: string[]): (name: string) => boolean {
  const regexes = patterns
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => new RegExp(`^${[...p].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`));
  return (name) => regexes.some((r) => r.test(name));
}
