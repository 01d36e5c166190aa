import { ConfigError } from '../core/errors.js';
import { EnsembleInputError } from './EnsembleInputError.js';
import type { Tokenizer } from '../models/Tokenizer.js';

/**
 * Bytes of a union token that one model cannot yet consume because they end inside a UTF-8
 * character (e.g. the first byte of `é` chosen from a byte-level model). One per model and decode.
 */
export interface PendingBytes {
  bytes: number[];
}

const BYTE_FALLBACK = /^<0x[0-9A-Fa-f]{2}>$/;
const utf8 = new TextDecoder('utf-8');

/** Map key of a byte string: one char per byte (latin1), so equal bytes give equal keys. */
function keyOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/**
 * Length of the longest prefix of `bytes` that does not end inside a UTF-8 character. A lead
 * byte whose continuation bytes have not all arrived yet is held back; invalid bytes are not
 * held (they can never complete), so the buffer never grows without bound.
 */
export function completeUtf8Prefix(bytes: readonly number[]): number {
  const n = bytes.length;
  // A UTF-8 character is at most 4 bytes: only the last 3 bytes can start an unfinished one.
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/**
 * The union of several models' vocabularies (GaC-style), keyed on the bytes each token stands for
 * (`Tokenizer.tokenBytes`, which already turns `Ġ`/`▁` markers and byte-fallback tokens into bytes).
 *
 * - Union id 0 is the shared end-of-sequence entry: every model's EOS id maps to it, so a mixture
 *   can choose to end the answer. Other special tokens (empty bytes) map to -1 and their
 *   probability mass goes to the mixture's tail entry (see `mixDistributions`).
 * - Every other model token maps to exactly one union id; tokens of different models with the same
 *   bytes share it. Union ids are assigned in order of first appearance (model 0 first), so the
 *   vocabulary is the same for the same tokenizers in the same order.
 */
export class UnionVocabulary {
  /** Union id of the shared end-of-sequence entry. */
  static readonly EOS = 0;

  /** Number of union entries (EOS included). */
  readonly size: number;
  /** Per model: model token id → union id (-1 for special tokens other than EOS). */
  readonly modelToUnion: readonly Int32Array[];
  /** Per model: union id → a model token id with the same bytes (-1 when the model has none). */
  readonly unionToModel: readonly Int32Array[];
  /** Per model: model token id → its entry in a mixture over this vocabulary: the union id, or the tail index `size` for ids with none (see `mixDistributions`). */
  readonly mixtureIndex: readonly Int32Array[];
  private readonly bytesById: readonly Uint8Array[];
  private readonly textById: (string | undefined)[];

  private constructor(
    readonly tokenizers: readonly Tokenizer[],
    modelToUnion: Int32Array[],
    bytesById: Uint8Array[],
  ) {
    this.modelToUnion = modelToUnion;
    this.bytesById = bytesById;
    this.size = bytesById.length;
    this.textById = new Array<string | undefined>(this.size);
    // [mix] Precomputed so the mixing loop indexes without a branch per entry.
    this.mixtureIndex = modelToUnion.map((map) => map.map((u) => (u >= 0 ? u : this.size)));
    this.unionToModel = tokenizers.map((tok, m) => {
      const inv = new Int32Array(this.size).fill(-1);
      const map = modelToUnion[m];
      for (let id = 0; id < map.length; id++) {
        const u = map[id];
        if (u < 0 || u === UnionVocabulary.EOS) continue;
        // Several ids can share bytes (`A` and its byte-fallback `<0x41>`): prefer the ordinary token,
        // which is what the model itself produces for that text.
        const cur = inv[u];
        if (cur < 0 || (BYTE_FALLBACK.test(tok.idToToken(cur) ?? '') && !BYTE_FALLBACK.test(tok.idToToken(id) ?? ''))) inv[u] = id;
      }
      const eos = tok.specialTokens.eos;
      if (eos !== undefined) inv[UnionVocabulary.EOS] = eos;
      return inv;
    });
  }

  /** Builds the union of the tokenizers' vocabularies; model `i` is `tokenizers[i]`. */
  static fromTokenizers(tokenizers: readonly Tokenizer[]): UnionVocabulary {
    if (tokenizers.length === 0) throw new ConfigError('tokenizers', 'no tokenizer given', 'Pass one tokenizer per model in the ensemble.');
    const index = new Map<string, number>();
    const bytesById: Uint8Array[] = [new Uint8Array(0)];
    const maps = tokenizers.map((tok) => {
      const map = new Int32Array(tok.vocabSize).fill(-1);
      const eos = tok.specialTokens.eos;
      for (let id = 0; id < tok.vocabSize; id++) {
        if (id === eos) {
          map[id] = UnionVocabulary.EOS;
          continue;
        }
        const bytes = tok.tokenBytes(id);
        if (bytes.length === 0) continue;
        const key = keyOf(bytes);
        let u = index.get(key);
        if (u === undefined) {
          u = bytesById.length;
          index.set(key, u);
          bytesById.push(Uint8Array.from(bytes));
        }
        map[id] = u;
      }
      return map;
    });
    return new UnionVocabulary(tokenizers, maps, bytesById);
  }

  /** Number of models the vocabulary was built from. */
  get numModels(): number {
    return this.tokenizers.length;
  }

  /** The bytes union id `u` stands for (empty for EOS). */
  bytes(u: number): Uint8Array {
    const b = this.bytesById[u];
    if (b === undefined)
      throw new EnsembleInputError(
        'UnionVocabulary.bytes',
        `union id ${u}`,
        `is outside 0..${this.size - 1}`,
        'Pass an integer id below vocab.size (an index into a mixture, not its tail entry).',
      );
    return b;
  }

  /** The token's text (a lone partial UTF-8 sequence shows as U+FFFD; EOS is the empty string). */
  text(u: number): string {
    let t = this.textById[u];
    if (t === undefined) {
      t = utf8.decode(this.bytes(u));
      this.textById[u] = t;
    }
    return t;
  }

  /** Union ids for model `model`'s token ids (-1 for specials other than EOS). */
  mapIds(model: number, ids: readonly number[]): Int32Array {
    const map = this.modelMap(model);
    return Int32Array.from(ids, (id) => (id >= 0 && id < map.length ? map[id] : -1));
  }

  /** Text of a sequence of union ids: their bytes concatenated and decoded as UTF-8 (EOS and -1 skipped). */
  decode(unionIds: ArrayLike<number>): string {
    let n = 0;
    for (let i = 0; i < unionIds.length; i++) if (unionIds[i] > 0) n += this.bytes(unionIds[i]).length;
    const buf = new Uint8Array(n);
    let o = 0;
    for (let i = 0; i < unionIds.length; i++) {
      if (unionIds[i] <= 0) continue;
      const b = this.bytes(unionIds[i]);
      buf.set(b, o);
      o += b.length;
    }
    return utf8.decode(buf);
  }

  /** A fresh, empty pending-byte buffer for `retokenize`. */
  newPending(): PendingBytes {
    return { bytes: [] };
  }

  /**
   * Model `model`'s token ids for the chosen union token, so every model can append it.
   *
   * Rule: if nothing is pending and the model has a token with exactly these bytes, that token is
   * used (as GaC does; it is what the model would have produced itself). Otherwise the bytes are
   * appended to `pending`, the longest prefix that ends on a UTF-8 character boundary is decoded
   * and re-encoded with the model's tokenizer (`encode`), and an unfinished trailing character
   * stays in `pending` until later tokens complete it. EOS gives the model's EOS id (none if it has none).
   * Note: encoding a span on its own can split differently from encoding the whole answer; that is
   * inherent to span-wise re-tokenisation.
   */
  retokenize(model: number, unionId: number, pending: PendingBytes = this.newPending()): number[] {
    const tok = this.tokenizer(model, 'UnionVocabulary.retokenize');
    if (unionId === UnionVocabulary.EOS) {
      const out = this.flush(model, pending);
      const eos = tok.specialTokens.eos;
      if (eos !== undefined) out.push(eos);
      return out;
    }
    const b = this.bytes(unionId);
    if (pending.bytes.length === 0) {
      const direct = this.unionToModel[model][unionId];
      if (direct >= 0) return [direct];
    }
    for (let i = 0; i < b.length; i++) pending.bytes.push(b[i]);
    const cut = completeUtf8Prefix(pending.bytes);
    if (cut === 0) return [];
    const text = utf8.decode(Uint8Array.from(pending.bytes.slice(0, cut)));
    pending.bytes = pending.bytes.slice(cut);
    return tok.encode(text);
  }

  /** Encodes whatever is pending for the model (an unfinished character decodes to U+FFFD) and empties it. */
  flush(model: number, pending: PendingBytes): number[] {
    const tok = this.tokenizer(model, 'UnionVocabulary.flush');
    if (pending.bytes.length === 0) return [];
    const text = utf8.decode(Uint8Array.from(pending.bytes));
    pending.bytes = [];
    return tok.encode(text);
  }

  private modelMap(model: number): Int32Array {
    this.tokenizer(model, 'UnionVocabulary.mapIds');
    return this.modelToUnion[model];
  }

  private tokenizer(model: number, call: string): Tokenizer {
    const tok = Number.isInteger(model) ? this.tokenizers[model] : undefined;
    if (tok === undefined)
      throw new EnsembleInputError(
        call,
        `model ${model}`,
        `is outside 0..${this.numModels - 1}`,
        'Pass the index of a tokenizer given to UnionVocabulary.fromTokenizers.',
      );
    return tok;
  }
}
