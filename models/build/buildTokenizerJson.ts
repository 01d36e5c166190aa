import * as hf from '@huggingface/tokenizers';
import { trainBpe } from './trainBpe.js';
import { byteLevelAlphabet } from '../../src/models/byteLevelAlphabet.js';

/** A pre-tokenizer of @huggingface/tokenizers (its index typings do not resolve under NodeNext, so typed here). */
interface PreTokenizer {
  pre_tokenize(text: string, options?: { section_index?: number }): string[];
}
type PreTokenizerClass = new (config: object) => PreTokenizer;
const { ByteLevelPreTokenizer, MetaspacePreTokenizer } = hf as unknown as Record<'ByteLevelPreTokenizer' | 'MetaspacePreTokenizer', PreTokenizerClass>;

/** The one special token: begin and end of a sequence (id 0 in every bundled tokenizer). */
export const SPECIAL_TOKEN = '<|endoftext|>';

/** Tokenizer kinds of the bundled models. */
export type TokenizerKind = 'char' | 'byte-bpe' | 'metaspace-bpe';

/** A Hugging Face `tokenizer.json` document (the fields the bundled models use). */
export type TokenizerJson = Record<string, unknown>;

function addedTokens(): unknown[] {
  return [{ id: 0, content: SPECIAL_TOKEN, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }];
}

function bpeModel(vocab: readonly string[], merges: readonly [string, string][], unk: string | null, byteFallback: boolean): unknown {
  const v: Record<string, number> = { [SPECIAL_TOKEN]: 0 };
  for (const t of vocab) if (!(t in v)) v[t] = Object.keys(v).length;
  return {
    type: 'BPE',
    dropout: null,
    unk_token: unk,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: byteFallback,
    ignore_merges: false,
    vocab: v,
    merges: merges.map(([a, b]) => [a, b]),
  };
}

function document(model: unknown, preTokenizer: unknown, decoder: unknown): TokenizerJson {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens(),
    normalizer: null,
    pre_tokenizer: preTokenizer,
    post_processor: null,
    decoder,
    model,
  };
}

function countWords(texts: readonly string[], split: (t: string) => string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of split(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/**
 * Character-level tokenizer: a BPE model with no merges over every character of the training text
 * (plus `<unk>`), no pre-tokenizer, decoded by fusing the characters.
 */
export function charTokenizerJson(texts: readonly string[]): TokenizerJson {
  const chars = new Set<string>();
  for (const t of texts) for (const c of t) chars.add(c);
  const vocab = ['<unk>', ...[...chars].sort()];
  return document(bpeModel(vocab, [], '<unk>', false), null, { type: 'Fuse' });
}

/** Byte-level BPE (GPT-2 style, `Ġ` marks a space): 256 byte symbols plus `numMerges` merges learned from `texts`. */
export function byteBpeTokenizerJson(texts: readonly string[], numMerges: number): TokenizerJson {
  const pre = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const splitter = new ByteLevelPreTokenizer(pre);
  const counts = countWords(texts, (t) => splitter.pre_tokenize(t));
  const { vocab, merges } = trainBpe(counts, [...byteLevelAlphabet()], numMerges);
  return document(bpeModel(vocab, merges, null, false), pre, { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true });
}

/** Sentencepiece-style BPE (`▁` marks a space, prepended to the first word): characters of `texts` plus `numMerges` merges. */
export function metaspaceBpeTokenizerJson(texts: readonly string[], numMerges: number): TokenizerJson {
  const pre = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true };
  const splitter = new MetaspacePreTokenizer(pre);
  // Words start at each `▁` (sentencepiece style), so no merge spans two words and encoding the unsplit
  // text (what the JS loader does) gives the same tokens as the split (what the Rust library does).
  const counts = countWords(texts, (t) => splitter.pre_tokenize(t, { section_index: 0 }).flatMap((w) => w.split(/(?=▁)/)));
  const chars = new Set<string>();
  for (const w of counts.keys()) for (const c of w) chars.add(c);
  const { vocab, merges } = trainBpe(counts, ['<unk>', ...[...chars].sort()], numMerges);
  return document(bpeModel(vocab, merges, '<unk>', false), pre, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true });
}
