import { defineAgent, NonRetryableError } from '@baton/agent-sdk';
import { z } from 'zod';

const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

/**
 * Counts the words of a text and names the most frequent ones. Its config (BATON_AGENT_CONFIG's
 * "word-count" entry) lists words to leave out of the ranking; setup turns them into a set once.
 */
export const wordCount = defineAgent({
  name: 'word-count',
  description: 'Counts the words of `text` and returns the `top` most frequent ones',
  input: z.object({
    text: z.string(),
    top: z.number().int().min(0).max(100).default(3),
  }),
  config: z.object({
    stopWords: z.array(z.string()).default(['a', 'an', 'and', 'the', 'of', 'to']),
    /** Texts longer than this fail without retries. */
    maxCharacters: z.number().int().positive().default(1_000_000),
  }),
  setup: (config, ctx) => {
    ctx.logger.info('word-count ready', { stopWords: config.stopWords.length });
    return { stopWords: new Set(config.stopWords.map((w) => w.toLowerCase())), maxCharacters: config.maxCharacters };
  },
  run: (input, ctx) => {
    const { stopWords, maxCharacters } = ctx.deps;
    if (input.text.length > maxCharacters) {
      // The same text would fail the same way: no point in retrying.
      throw new NonRetryableError(`text has ${input.text.length} characters, more than maxCharacters (${maxCharacters})`, { code: 'TEXT_TOO_LONG' });
    }
    const words = (input.text.match(WORD) ?? []).map((w) => w.toLowerCase());
    const counts = new Map<string, number>();
    for (const word of words) if (!stopWords.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
    const top = [...counts]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .slice(0, input.top)
      .map(([word, count]) => ({ word, count }));
    return { words: words.length, distinct: new Set(words).size, top };
  },
});
