import { dirname, join } from 'node:path';
import { HfTokenizerImpl } from './HfTokenizerImpl.js';
import { ModelInputError, ModelLoadError } from './errors.js';
import { readJsonFile } from './readJsonFile.js';
import type { SpecialTokens, Tokenizer } from './Tokenizer.js';
import { byteLevelInverse } from './byteLevelAlphabet.js';

/** Special-token ids given explicitly (e.g. `bos_token_id` from a model's config.json); they win over anything inferred. */
export type SpecialTokenIds = { -readonly [K in keyof SpecialTokens]?: number };

/** Conventional spellings, used only when neither config.json nor tokenizer_config.json names a special token. */
const CONVENTIONAL: Record<keyof SpecialTokens, readonly string[]> = {
  bos: ['<s>', '<bos>', '<|begin_of_text|>', '<|startoftext|>', '<|im_start|>'],
  eos: ['</s>', '<eos>', '<|endoftext|>', '<|end_of_text|>', '<|im_end|>'],
  pad: ['<pad>', '<|pad|>', '[PAD]'],
  unk: ['<unk>', '<|unk|>', '[UNK]'],
};

/** True when any component's JSON (normalizer, pre-tokenizer, decoder) mentions `needle`. */
function mentions(json: Record<string, unknown>, needle: string): boolean {
  return ['normalizer', 'pre_tokenizer', 'decoder'].some((k) => JSON.stringify(json[k] ?? null).includes(needle));
}

/** The string of a tokenizer_config.json special-token entry, which is either a string or `{content}`. */
function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;

/**
 * A `Tokenizer` over a Hugging Face `tokenizer.json`, backed by `@huggingface/tokenizers` (BPE,
 * WordPiece, Unigram; byte-level and sentencepiece-style). Decoding never applies the
 * "clean up tokenization spaces" heuristic, so `decode(encode(s))` keeps the text's spacing.
 */
export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly specialTokens: SpecialTokens;
  private readonly impl: HfTokenizerImpl;
  private readonly specialIds: Set<number>;
  private readonly byteLevel: boolean;
  private readonly metaspace: boolean;
  private readonly bytesCache: Array<Uint8Array | undefined>;

  private constructor(
    json: Record<string, unknown>,
    config: Record<string, unknown>,
    readonly source: string,
    overrides: SpecialTokenIds,
  ) {
    try {
      this.impl = new HfTokenizerImpl(json, { ...config, clean_up_tokenization_spaces: false });
    } catch (e) {
      throw new ModelLoadError(
        source,
        `@huggingface/tokenizers could not build a tokenizer (${(e as Error).message})`,
        'Check that the file is a tokenizer.json saved by Hugging Face tokenizers (tokenizer.save / save_pretrained).',
      );
    }
    let maxId = -1;
    for (const id of this.impl.get_vocab(true).values()) maxId = Math.max(maxId, id);
    if (maxId < 0) throw new ModelLoadError(source, 'the vocabulary is empty', 'Use a tokenizer.json whose model.vocab lists tokens.', 'model.vocab');
    this.vocabSize = maxId + 1;
    this.bytesCache = new Array<Uint8Array | undefined>(this.vocabSize);
    this.specialIds = new Set([...this.impl.get_added_tokens_decoder()].filter(([, t]) => t.special).map(([id]) => id));
    this.byteLevel = mentions(json, '"ByteLevel"');
    this.metaspace = mentions(json, '▁') || mentions(json, '"Metaspace"');
    this.specialTokens = this.resolveSpecials(json, config, overrides);
  }

  /** Builds a tokenizer from parsed tokenizer.json (and optional tokenizer_config.json) objects; `source` names them in errors. */
  static fromJson(json: unknown, opts: { config?: Record<string, unknown>; source?: string; specialTokenIds?: SpecialTokenIds } = {}): HfTokenizer {
    const source = opts.source ?? '<tokenizer.json>';
    if (!json || typeof json !== 'object' || Array.isArray(json)) {
      throw new ModelLoadError(source, 'expected a JSON object', 'Pass the parsed content of a Hugging Face tokenizer.json.');
    }
    const model = (json as { model?: unknown }).model;
    if (!model || typeof model !== 'object') {
      throw new ModelLoadError(
        source,
        'the "model" object is missing',
        'A tokenizer.json has a "model" section with "type" and "vocab"; re-save the tokenizer with Hugging Face tokenizers.',
        'model',
      );
    }
    return new HfTokenizer(json as Record<string, unknown>, opts.config ?? {}, source, opts.specialTokenIds ?? {});
  }

  /** Reads `path` (a tokenizer.json) and, when present beside it, tokenizer_config.json. */
  static async fromFile(path: string, opts: { specialTokenIds?: SpecialTokenIds } = {}): Promise<HfTokenizer> {
    const json = await readJsonFile(path, { required: true, fix: 'Check the path; a Hugging Face model directory holds tokenizer.json next to config.json.' });
    const config = (await readJsonFile(join(dirname(path), 'tokenizer_config.json'), { required: false })) ?? {};
    return HfTokenizer.fromJson(json, { config: config as Record<string, unknown>, source: path, specialTokenIds: opts.specialTokenIds });
  }

  private resolveSpecials(json: Record<string, unknown>, config: Record<string, unknown>, overrides: SpecialTokenIds): SpecialTokens {
    const out: SpecialTokenIds = {};
    for (const key of ['bos', 'eos', 'pad', 'unk'] as const) {
      const given = overrides[key];
      if (given !== undefined && given !== null) {
        this.checkId(given, `specialTokenIds.${key}`);
        out[key] = given;
        continue;
      }
      const named = tokenContent(config[`${key}_token`]) ?? (key === 'unk' ? tokenContent((json.model as Record<string, unknown>).unk_token) : undefined);
      const id =
        named !== undefined
          ? this.impl.token_to_id(named)
          : CONVENTIONAL[key].map((t) => this.impl.token_to_id(t)).find((i) => i !== undefined && this.specialIds.has(i));
      if (id !== undefined) out[key] = id;
    }
    return out;
  }

  private checkId(id: number, where: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new ModelInputError(this.source, `${where}: token id ${id} is outside [0, ${this.vocabSize})`, 'Pass ids produced by this tokenizer.');
    }
  }

  /** Ids for `text`, with no special tokens added (no BOS/EOS, no template). */
  encode(text: string): number[] {
    if (text.length === 0) return [];
    return this.impl.encode(text, { add_special_tokens: false }).ids;
  }

  /** Text for `ids`, special tokens skipped; throws `ModelInputError` for ids outside the vocabulary. */
  decode(ids: readonly number[]): string {
    ids.forEach((id, i) => this.checkId(id, `decode ids[${i}]`));
    if (ids.length === 0) return '';
    return this.impl.decode([...ids], { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  }

  /** Raw vocabulary string of `id` (with `Ġ` / `▁` markers), or undefined when out of range. */
  idToToken(id: number): string | undefined {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) return undefined;
    return this.impl.id_to_token(id);
  }

  /** Id of the raw vocabulary string `token`, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.impl.token_to_id(token);
  }

  /** True when `id` is a special added token (BOS, EOS, PAD, chat markers...). */
  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** UTF-8 bytes `id` contributes inside a sequence (byte-level chars → bytes, `▁` → space, `<0xNN>` → byte); empty for specials. */
  tokenBytes(id: number): Uint8Array {
    this.checkId(id, 'tokenBytes');
    const cached = this.bytesCache[id];
    if (cached) return cached;
    const bytes = this.computeTokenBytes(id);
    this.bytesCache[id] = bytes;
    return bytes;
  }

  private computeTokenBytes(id: number): Uint8Array {
    const token = this.impl.id_to_token(id);
    if (token === undefined || this.specialIds.has(id)) return new Uint8Array(0);
    if (this.byteLevel && !this.impl.get_added_tokens_decoder().has(id)) {
      const table = byteLevelInverse();
      const out: number[] = [];
      for (const ch of token) {
        const b = table.get(ch);
        // A char outside the table cannot come from byte-level BPE; keep its UTF-8 rather than drop it.
        if (b === undefined) out.push(...new TextEncoder().encode(ch));
        else out.push(b);
      }
      return Uint8Array.from(out);
    }
    const m = BYTE_FALLBACK.exec(token);
    if (m) return Uint8Array.of(parseInt(m[1], 16));
    return new TextEncoder().encode(this.metaspace ? token.replaceAll('▁', ' ') : token);
  }
}
