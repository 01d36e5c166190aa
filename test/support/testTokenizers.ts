// Small self-contained tokenizers for ensemble tests: a char-level one with byte fallback
// (sentencepiece style) and a greedy byte-level BPE-like one with GPT-2's `Ġ` byte alphabet.
import type { SpecialTokens, Tokenizer } from '../../src/models/Tokenizer.js';
import { byteLevelAlphabet } from '../../src/models/byteLevelAlphabet.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

abstract class TableTokenizer implements Tokenizer {
  protected readonly tokens: string[] = [];
  protected readonly bytesOf: Uint8Array[] = [];
  protected readonly ids = new Map<string, number>();
  specialTokens: SpecialTokens = {};

  get vocabSize(): number {
    return this.tokens.length;
  }

  protected add(token: string, bytes: Uint8Array): number {
    const id = this.tokens.length;
    this.tokens.push(token);
    this.bytesOf.push(bytes);
    this.ids.set(token, id);
    return id;
  }

  abstract encode(text: string): number[];

  decode(ids: readonly number[]): string {
    const parts: number[] = [];
    for (const id of ids) for (const b of this.tokenBytes(id)) parts.push(b);
    return dec.decode(Uint8Array.from(parts));
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  tokenBytes(id: number): Uint8Array {
    return this.bytesOf[id] ?? new Uint8Array(0);
  }
}

/** Char-level tokenizer over `alphabet`, other characters as `<0xNN>` byte-fallback tokens; `▁` marks spaces. */
export class CharTokenizer extends TableTokenizer {
  constructor(alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 .,?!é€') {
    super();
    const pad = this.add('<pad>', new Uint8Array(0));
    const eos = this.add('</s>', new Uint8Array(0));
    const bos = this.add('<s>', new Uint8Array(0));
    this.specialTokens = { pad, eos, bos };
    for (let b = 0; b < 256; b++) this.add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, Uint8Array.of(b));
    for (const ch of new Set(alphabet)) this.add(ch === ' ' ? '▁' : ch, enc.encode(ch));
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const ch of text) {
      const id = this.ids.get(ch === ' ' ? '▁' : ch);
      if (id !== undefined) out.push(id);
      else for (const b of enc.encode(ch)) out.push(3 + b);
    }
    return out;
  }
}

/** Greedy longest-match byte-level tokenizer: all 256 bytes plus `merges` (given as text, stored with `Ġ`). */
export class ByteBpeTokenizer extends TableTokenizer {
  private readonly b2u = byteLevelAlphabet();
  private readonly maxLen: number;

  constructor(merges: readonly string[] = [' the', ' hello', 'hello', ' world', 'ing', 'th', ' a', 'é', '€ ', '12', '345']) {
    super();
    for (let b = 0; b < 256; b++) this.add(this.b2u[b], Uint8Array.of(b));
    for (const m of merges) {
      const bytes = enc.encode(m);
      this.add(Array.from(bytes, (b) => this.b2u[b]).join(''), bytes);
    }
    const eos = this.add('<|endoftext|>', new Uint8Array(0));
    this.specialTokens = { eos };
    this.maxLen = Math.max(...this.bytesOf.map((b) => b.length));
  }

  encode(text: string): number[] {
    const bytes = enc.encode(text);
    const out: number[] = [];
    let i = 0;
    while (i < bytes.length) {
      for (let len = Math.min(this.maxLen, bytes.length - i); len >= 1; len--) {
        const key = Array.from(bytes.subarray(i, i + len), (b) => this.b2u[b]).join('');
        const id = this.ids.get(key);
        if (id !== undefined) {
          out.push(id);
          i += len;
          break;
        }
      }
    }
    return out;
  }
}
