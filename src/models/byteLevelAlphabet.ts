let alphabet: readonly string[] | undefined;
let inverse: ReadonlyMap<string, number> | undefined;

/** GPT-2's reversible byte → printable-character table of byte-level BPE (space → `Ġ`, newline → `Ċ`); entry b is byte b's character. */
export function byteLevelAlphabet(): readonly string[] {
  if (alphabet) return alphabet;
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const table = new Array<string>(256);
  bs.forEach((b, i) => (table[b] = String.fromCodePoint(cs[i])));
  alphabet = table;
  return table;
}

/** The inverse of `byteLevelAlphabet`: the character a byte-level vocabulary stores → the byte it stands for. */
export function byteLevelInverse(): ReadonlyMap<string, number> {
  inverse ??= new Map(byteLevelAlphabet().map((c, b) => [c, b]));
  return inverse;
}
