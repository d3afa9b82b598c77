/** About four characters a token: the fallback when no count_tokens endpoint is there. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
