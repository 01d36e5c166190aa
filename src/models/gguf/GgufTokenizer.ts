import { byteLevelInverse } from '../byteLevelAlphabet.js';
import { ModelLoadError } from '../errors.js';
import type { SpecialTokens, Tokenizer } from '../Tokenizer.js';
import { GGUF_TOKEN_CONTROL } from './decoderToGguf.js';

const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;
/** llama.cpp token types whose tokens contribute no text (control, user-defined specials excluded). */
const GGUF_TOKEN_UNKNOWN = 2;

/** What the tokenizer needs of a loaded GGUF model: llama.cpp's own tokenizer and the file's metadata. */
export interface GgufTokenizerSource {
  tokenize(text: string, specialTokens?: boolean): number[];
  detokenize(tokens: readonly number[], specialTokens?: boolean): string;
  readonly fileInfo: { readonly metadata: unknown };
}

/**
 * The tokenizer stored in a GGUF file (`tokenizer.ggml.*`), run by llama.cpp so ids match what the
 * model was trained on; token strings and types come from the file's metadata. Byte-level (`gpt2`)
 * and sentencepiece (`llama`) vocabularies map to bytes the way `HfTokenizer` does.
 */
export class GgufTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly specialTokens: SpecialTokens;
  private readonly tokens: readonly string[];
  private readonly types: readonly number[];
  private readonly byId = new Map<string, number>();
  private readonly kind: string;
  private readonly bytesCache: Uint8Array[] = [];

  /** Reads the vocabulary from `source.fileInfo.metadata`; throws `ModelLoadError` (naming `file`) when it has none. */
  constructor(
    private readonly source: GgufTokenizerSource,
    file: string,
  ) {
    const md = source.fileInfo.metadata as { tokenizer?: { ggml?: Record<string, unknown> } };
    const g = md.tokenizer?.ggml;
    const tokens = g?.tokens;
    if (!Array.isArray(tokens) || tokens.length === 0 || !tokens.every((t) => typeof t === 'string')) {
      throw new ModelLoadError(
        file,
        'the GGUF file has no tokenizer.ggml.tokens',
        "Convert the model with llama.cpp's convert_hf_to_gguf.py, which stores the tokenizer in the file.",
        'tokenizer.ggml.tokens',
      );
    }
    this.tokens = tokens as string[];
    this.types = Array.isArray(g?.token_type) ? (g.token_type as number[]) : [];
    this.kind = typeof g?.model === 'string' ? g.model : 'gpt2';
    this.vocabSize = this.tokens.length;
    this.tokens.forEach((t, i) => {
      if (!this.byId.has(t)) this.byId.set(t, i);
    });
    const id = (k: string): number | undefined => {
      const v = g?.[k];
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < this.vocabSize ? v : undefined;
    };
    this.specialTokens = { bos: id('bos_token_id'), eos: id('eos_token_id'), pad: id('padding_token_id'), unk: id('unknown_token_id') };
  }

  /** Ids for `text` from llama.cpp's tokenizer, with no BOS and special-token text left as text. */
  encode(text: string): number[] {
    return text.length === 0 ? [] : this.source.tokenize(text, false);
  }

  /** Text for `ids`; special tokens are skipped. */
  decode(ids: readonly number[]): string {
    return this.source.detokenize(ids, false);
  }

  /** The raw vocabulary string (with `Ġ` / `▁` markers), or undefined if out of range. */
  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 && id < this.vocabSize ? this.tokens[id] : undefined;
  }

  /** Inverse of `idToToken` (first id wins for duplicates). */
  tokenToId(token: string): number | undefined {
    return this.byId.get(token);
  }

  /** UTF-8 bytes the token contributes inside a sequence; empty for control and unknown tokens. */
  tokenBytes(id: number): Uint8Array {
    const tok = this.idToToken(id);
    if (tok === undefined) return new Uint8Array(0);
    const cached = this.bytesCache[id];
    if (cached) return cached;
    let out: Uint8Array;
    const type = this.types[id];
    if (type === GGUF_TOKEN_CONTROL || type === GGUF_TOKEN_UNKNOWN) out = new Uint8Array(0);
    else if (this.kind === 'gpt2') {
      const table = byteLevelInverse();
      const bytes: number[] = [];
      for (const ch of tok) {
        const b = table.get(ch);
        if (b === undefined) bytes.push(...new TextEncoder().encode(ch));
        else bytes.push(b);
      }
      out = Uint8Array.from(bytes);
    } else {
      const m = BYTE_FALLBACK.exec(tok);
      out = m ? Uint8Array.of(parseInt(m[1], 16)) : new TextEncoder().encode(this.kind === 'llama' ? tok.replaceAll('▁', ' ') : tok);
    }
    this.bytesCache[id] = out;
    return out;
  }
}
