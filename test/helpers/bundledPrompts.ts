// Prompts with a known answer from the bundled tiny models (models/), for the adapter contract.

/** A finished sum-then-reverse answer: every bundled model predicts end of text next (p ≥ 0.99). */
export const BUNDLED_EOS_PROMPT = '37+8 dcab = 45 ; dcab\n';
