// The names of prepared statements (sql.ts `prepared`) on one pool. pg keeps a statement
// prepared per connection under its name and refuses one name for two texts, so each distinct
// text gets its own name, for the pool's life. Keyed by the whole text: hashing a statement of
// a few hundred characters costs far less than the parse and plan the name saves.
export class PreparedNames {
  private readonly names = new Map<string, string>();

  nameOf(text: string): string {
    let name = this.names.get(text);
    if (!name) this.names.set(text, (name = `atende_${this.names.size + 1}`));
    return name;
  }

  get size(): number {
    return this.names.size;
  }
}
