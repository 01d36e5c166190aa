// @huggingface/tokenizers 0.2's type declarations import their own files without a .js extension, which NodeNext
// resolution cannot follow, so its Tokenizer class types as `any` here. This states the part HfTokenizer uses.
import { Tokenizer } from '@huggingface/tokenizers';

/** The methods of @huggingface/tokenizers' Tokenizer that HfTokenizer calls, with the library's signatures. */
export interface HfTokenizerImpl {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }): string;
  token_to_id(token: string): number | undefined;
  id_to_token(id: number): string | undefined;
  get_added_tokens_decoder(): Map<number, { special: boolean }>;
  get_vocab(withAddedTokens?: boolean): Map<string, number>;
}

/** The library's Tokenizer constructor: builds a tokenizer from a parsed tokenizer.json and its config. */
export const HfTokenizerImpl = Tokenizer as new (tokenizerJson: object, config: object) => HfTokenizerImpl;
