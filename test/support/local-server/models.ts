import type Anthropic from '@anthropic-ai/sdk';

/**
 * The local server's own record of each model's rules, as the research in issue 13 found them
 * (2026-11-29). It is kept apart from engine/data/model-profiles.json on purpose: the server
 * plays the API, so a test fails when the engine assumes rules the API does not have. Each
 * record lists the pages it came from; "[3rd-party]" marks a fact only a third party states.
 */

export type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';
export type ThinkingType = 'adaptive' | 'enabled' | 'disabled' | 'between_tools';

/** Lowest first, so an index comparison orders them. https://platform.claude.com/docs/en/build-with-claude/effort */
export const EFFORTS: readonly Effort[] = ['low', 'medium', 'high', 'xhigh', 'max'];

export interface ModelRecord {
  id: string;
  /** Other ids the API resolves to this one (only the dated snapshots before 4.6 have them). */
  aliases: string[];
  displayName: string;
  line: Anthropic.ModelLine;
  /** YYYY-MM-DD; the Models API's created_at. */
  releasedOn: string;
  /** The Models API's lifecycle: the docs' "Legacy" models are still `active` there. */
  lifecycle: 'active' | 'deprecated' | 'retired';
  retiresOn: string | null;
  /** null where the research found no figure (retired models). */
  maxTokens: number | null;
  maxInputTokens: number | null;
  /** output_config.effort levels accepted; empty when the model takes no effort. */
  efforts: Effort[];
  defaultEffort: Effort | null;
  /** thinking.type values accepted; any other is a 400. */
  thinkingTypes: ThinkingType[];
  /** What a request without `thinking` gets: `always-on` models cannot turn it off at all. */
  thinking: 'always-on' | 'on-by-default' | 'off-by-default';
  /** The highest effort allowed with thinking turned off (disabled / between_tools), where capped. */
  thinkingOffMaxEffort?: Effort;
  displayDefault: 'summarized' | 'omitted';
  /** Whether `role: 'system'` messages are accepted inside `messages`. */
  midConversationSystem: boolean;
  /** Preserved thinking: a thinking block is bound to its model and conversation prefix. */
  preservedThinking: boolean;
  /** Models whose thinking blocks this model reads besides its own. */
  readsThinkingFrom: string[];
  /**
   * temperature / top_p / top_k under anthropic-version 2023-06-01 (2026-10-21 refuses them on
   * every model). Which models refuse non-default values: [3rd-party summary of the docs]
   * https://docs.memberjunction.org/v6.2/api/functions/_memberjunction_ai-anthropic.RejectsSamplingParams.html,
   * confirmed for Sonnet 5 and Haiku 5.5 by their pages; the 4.5 family refuses temperature
   * and top_p together: https://platform.claude.com/docs/en/models/haiku-4-5/migration-guide
   */
  legacySampling: 'accepted' | 'non-default-rejected' | 'temperature-or-top-p';
  sources: string[];
}

// Pages most records share.
const EFFORT_PAGE = 'https://platform.claude.com/docs/zh-CN/build-with-claude/effort.md';
const PRESERVED_PAGE = 'https://platform.claude.com/docs/en/build-with-claude/preserved-thinking/prefix-checks';
// [3rd-party] the only per-model list of mid-conversation system messages found.
const SYSTEM_MESSAGES_LIST = 'https://github.com/langchain-ai/langchainjs/releases/tag/@langchain%2Fanthropic@1.5.13';
// [3rd-party] display defaults: omitted from Opus 4.7 on, summarized up to 4.6.
const DISPLAY_REPORT = 'https://github.com/anthropics/claude-code/issues/77460';

const ALL_EFFORTS: Effort[] = [...EFFORTS];
const FIVE_X = { maxTokens: 128_000, maxInputTokens: 1_000_000, efforts: ALL_EFFORTS, displayDefault: 'omitted', legacySampling: 'non-default-rejected' } as const;

/** Newest first, the order GET /v1/models lists them in. */
export const MODELS: readonly ModelRecord[] = [
  {
    // No overview page for Fable 5.2 was found: it is modelled on Fable 5.1 (same limits, efforts,
    // always-on thinking, omitted display, system messages). Official: it has preserved thinking.
    // Release date, 1M / 128K and default effort high come only from third-party gateways.
    id: 'claude-fable-5-2',
    aliases: [],
    displayName: 'Claude Fable 5.2',
    line: 'fable',
    releasedOn: '2026-11-09',
    lifecycle: 'active',
    retiresOn: null,
    ...FIVE_X,
    defaultEffort: 'high',
    thinkingTypes: ['adaptive'],
    thinking: 'always-on',
    midConversationSystem: true,
    preservedThinking: true,
    readsThinkingFrom: ['claude-opus-5', 'claude-opus-5-5'],
    sources: [PRESERVED_PAGE, 'https://platform.claude.com/docs/en/models/fable-5-1/migration-guide', 'https://docs.laozhang.ai/en/announcements/claude-fable-5-2-2026-11.md'],
  },
  {
    // Display default omitted: [3rd-party]. The docs give no display default for Haiku 5.5; it is
    // taken to be omitted like the rest of the 5.x line.
    id: 'claude-haiku-5-5',
    aliases: [],
    displayName: 'Claude Haiku 5.5',
    line: 'haiku',
    releasedOn: '2026-10-07',
    lifecycle: 'active',
    retiresOn: null,
    ...FIVE_X,
    defaultEffort: 'medium',
    thinkingTypes: ['adaptive', 'disabled'],
    thinking: 'on-by-default',
    // "effort is capped at high when thinking is disabled"
    thinkingOffMaxEffort: 'high',
    midConversationSystem: true,
    preservedThinking: true,
    readsThinkingFrom: [],
    sources: [
      'https://platform.claude.com/docs/en/models/haiku-5-5/overview',
      'https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-anthropic-claude-haiku-5-5.md',
      'https://platform.claude.com/docs/models/haiku-5-5/migration-guide',
      PRESERVED_PAGE,
      SYSTEM_MESSAGES_LIST,
    ],
  },
  {
    // disabled is a 400 that points to between_tools; between_tools only at low..high. Display
    // default omitted: [3rd-party] https://apidog.com/blog/claude-sonnet-5-5-vs-sonnet-5/
    id: 'claude-sonnet-5-5',
    aliases: [],
    displayName: 'Claude Sonnet 5.5',
    line: 'sonnet',
    releasedOn: '2026-09-28',
    lifecycle: 'active',
    retiresOn: null,
    ...FIVE_X,
    defaultEffort: 'high',
    thinkingTypes: ['adaptive', 'between_tools'],
    thinking: 'on-by-default',
    thinkingOffMaxEffort: 'high',
    midConversationSystem: true,
    preservedThinking: true,
    readsThinkingFrom: [],
    sources: [
      'https://platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5',
      'https://platform.claude.com/docs/zh-CN/models/sonnet-5-5/overview',
      PRESERVED_PAGE,
      SYSTEM_MESSAGES_LIST,
    ],
  },
  {
    // Always thinks; disabled or enabled is a 400; display omitted and effort medium by default.
    id: 'claude-opus-5-5',
    aliases: [],
    displayName: 'Claude Opus 5.5',
    line: 'opus',
    releasedOn: '2026-09-22',
    lifecycle: 'active',
    retiresOn: null,
    ...FIVE_X,
    defaultEffort: 'medium',
    thinkingTypes: ['adaptive'],
    thinking: 'always-on',
    midConversationSystem: true,
    preservedThinking: true,
    readsThinkingFrom: [],
    sources: [
      'https://platform.claude.com/docs/en/models/opus-5-5/whats-new-opus-5-5',
      'https://platform.claude.com/docs/zh-CN/models/opus-5-5/overview.md',
      PRESERVED_PAGE,
      SYSTEM_MESSAGES_LIST,
    ],
  },
  {
    // Reads Opus 5 and Opus 5.5 blocks; neither reads its own. Release date [3rd-party].
    id: 'claude-fable-5-1',
    aliases: [],
    displayName: 'Claude Fable 5.1',
    line: 'fable',
    releasedOn: '2026-09-01',
    lifecycle: 'active',
    retiresOn: null,
    ...FIVE_X,
    defaultEffort: 'high',
    thinkingTypes: ['adaptive'],
    thinking: 'always-on',
    midConversationSystem: true,
    preservedThinking: true,
    readsThinkingFrom: ['claude-opus-5', 'claude-opus-5-5'],
    sources: [
      'https://platform.claude.com/docs/en/models/fable-5-1/whats-new-fable-5-1',
      'https://platform.claude.com/docs/en/models/fable-5-1/migration-guide',
      'https://platform.claude.com/docs/en/build-with-claude/preserved-thinking',
      SYSTEM_MESSAGES_LIST,
    ],
  },
  {
    // Thinking on by default; disabled only at effort high or below.
    id: 'claude-opus-5',
    aliases: [],
    displayName: 'Claude Opus 5',
    line: 'opus',
    releasedOn: '2026-07-24',
    lifecycle: 'active',
    retiresOn: null,
    ...FIVE_X,
    defaultEffort: 'high',
    thinkingTypes: ['adaptive', 'disabled'],
    thinking: 'on-by-default',
    thinkingOffMaxEffort: 'high',
    midConversationSystem: true,
    preservedThinking: false,
    readsThinkingFrom: [],
    sources: [
      'https://platform.claude.com/docs/en/models/opus-5/overview',
      'https://platform.claude.com/docs/en/models/opus-5/migration-guide',
      SYSTEM_MESSAGES_LIST,
      DISPLAY_REPORT,
    ],
  },
  {
    // Mid-conversation system messages: sources disagree (langchainjs yes; apidog and a dev.to
    // post no). Two against one: refused here.
    id: 'claude-sonnet-5',
    aliases: [],
    displayName: 'Claude Sonnet 5',
    line: 'sonnet',
    releasedOn: '2026-06-30',
    lifecycle: 'active',
    retiresOn: null,
    ...FIVE_X,
    defaultEffort: 'high',
    thinkingTypes: ['adaptive', 'disabled'],
    thinking: 'on-by-default',
    midConversationSystem: false,
    preservedThinking: false,
    readsThinkingFrom: [],
    sources: ['https://platform.claude.com/docs/zh-CN/models/sonnet-5/overview', 'https://apidog.com/blog/claude-sonnet-5-5-vs-sonnet-5/', DISPLAY_REPORT],
  },
  {
    id: 'claude-fable-5',
    aliases: [],
    displayName: 'Claude Fable 5',
    line: 'fable',
    releasedOn: '2026-06-09',
    lifecycle: 'active',
    retiresOn: null,
    ...FIVE_X,
    defaultEffort: 'high',
    thinkingTypes: ['adaptive'],
    thinking: 'always-on',
    midConversationSystem: true,
    preservedThinking: false,
    readsThinkingFrom: [],
    sources: [
      'https://platform.claude.com/docs/en/models/fable-5/overview.md',
      'https://platform.claude.com/docs/en/models/fable-5/migration-guide',
      SYSTEM_MESSAGES_LIST,
      DISPLAY_REPORT,
    ],
  },
  {
    // Thinking only when adaptive is sent; omitting it or disabled means none. The first model
    // with mid-conversation system messages ("available on Claude Opus 4.8 only" at the time).
    id: 'claude-opus-4-8',
    aliases: [],
    displayName: 'Claude Opus 4.8',
    line: 'opus',
    releasedOn: '2026-05-28',
    lifecycle: 'active',
    retiresOn: null,
    ...FIVE_X,
    defaultEffort: 'high',
    thinkingTypes: ['adaptive', 'disabled'],
    thinking: 'off-by-default',
    midConversationSystem: true,
    preservedThinking: false,
    readsThinkingFrom: [],
    sources: [
      'https://platform.claude.com/docs/de/models/opus-4-8/overview.md',
      'https://platform.claude.com/docs/zh-CN/about-claude/models/whats-new-opus-5',
      'https://platform.claude.com/docs/en/build-with-claude/mid-conversation-system-messages?ref=apidog.com',
      DISPLAY_REPORT,
    ],
  },
  {
    // One AWS snapshot says disabled is a 400 on Opus 4.7; Anthropic's docs say disabled or
    // omitted means no thinking. This follows Anthropic.
    id: 'claude-opus-4-7',
    aliases: [],
    displayName: 'Claude Opus 4.7',
    line: 'opus',
    releasedOn: '2026-04-16',
    lifecycle: 'active',
    retiresOn: null,
    ...FIVE_X,
    defaultEffort: 'high',
    thinkingTypes: ['adaptive', 'disabled'],
    thinking: 'off-by-default',
    midConversationSystem: false,
    preservedThinking: false,
    readsThinkingFrom: [],
    sources: [
      'https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-anthropic-claude-opus-4-7.md',
      'https://platform.claude.com/docs/zh-CN/about-claude/models/whats-new-opus-5',
      'https://github.com/sipeed/picoclaw/issues/2939',
      'https://github.com/anthropics/claude-code/issues/49268',
    ],
  },
  {
    id: 'claude-sonnet-4-6',
    aliases: [],
    displayName: 'Claude Sonnet 4.6',
    line: 'sonnet',
    releasedOn: '2026-02-17',
    lifecycle: 'active',
    retiresOn: null,
    maxTokens: 128_000,
    maxInputTokens: 1_000_000,
    efforts: ['low', 'medium', 'high', 'max'],
    defaultEffort: 'high',
    thinkingTypes: ['adaptive', 'enabled', 'disabled'],
    thinking: 'off-by-default',
    displayDefault: 'summarized',
    midConversationSystem: false,
    preservedThinking: false,
    readsThinkingFrom: [],
    legacySampling: 'accepted',
    sources: [
      'https://platform.claude.com/docs/zh-CN/models/sonnet-4-6/overview.md',
      'https://platform.claude.com/docs/en/build-with-claude/effort?wt.mc_id=MVP_407589',
      DISPLAY_REPORT,
    ],
  },
  {
    id: 'claude-opus-4-6',
    aliases: [],
    displayName: 'Claude Opus 4.6',
    line: 'opus',
    releasedOn: '2026-02-05',
    lifecycle: 'active',
    retiresOn: null,
    maxTokens: 128_000,
    maxInputTokens: 1_000_000,
    efforts: ['low', 'medium', 'high', 'max'],
    defaultEffort: 'high',
    // enabled is deprecated here (the SDK warns) but still accepted.
    thinkingTypes: ['adaptive', 'enabled', 'disabled'],
    thinking: 'off-by-default',
    displayDefault: 'summarized',
    midConversationSystem: false,
    preservedThinking: false,
    readsThinkingFrom: [],
    legacySampling: 'accepted',
    sources: [
      'https://platform.claude.com/docs/en/models/opus-4-6/overview.md',
      'https://platform.claude.com/docs/en/build-with-claude/effort?wt.mc_id=MVP_407589',
      DISPLAY_REPORT,
    ],
  },
  {
    // Deprecated: the SDK's own list gives its retirement date. Effort low..high [3rd-party].
    id: 'claude-opus-4-5-20251101',
    aliases: ['claude-opus-4-5'],
    displayName: 'Claude Opus 4.5',
    line: 'opus',
    releasedOn: '2025-11-24',
    lifecycle: 'deprecated',
    retiresOn: '2027-01-22',
    maxTokens: 64_000,
    maxInputTokens: 200_000,
    efforts: ['low', 'medium', 'high'],
    defaultEffort: 'high',
    thinkingTypes: ['enabled', 'disabled'],
    thinking: 'off-by-default',
    displayDefault: 'summarized',
    midConversationSystem: false,
    preservedThinking: false,
    readsThinkingFrom: [],
    legacySampling: 'temperature-or-top-p',
    sources: [
      'https://platform.claude.com/docs/pt-BR/models/opus-4-5/overview.md',
      'node_modules/@anthropic-ai/sdk/internal/data/deprecated-models.js',
      'https://reference.langchain.com/python/deepagents-code/reasoning_effort/ANTHROPIC_EFFORTS_NO_MAX',
    ],
  },
  {
    // No effort: Haiku 4.5 is missing from the effort page's model list.
    id: 'claude-haiku-4-5-20251001',
    aliases: ['claude-haiku-4-5'],
    displayName: 'Claude Haiku 4.5',
    line: 'haiku',
    releasedOn: '2025-10-15',
    lifecycle: 'active',
    retiresOn: null,
    maxTokens: 64_000,
    maxInputTokens: 200_000,
    efforts: [],
    defaultEffort: null,
    thinkingTypes: ['enabled', 'disabled'],
    thinking: 'off-by-default',
    displayDefault: 'summarized',
    midConversationSystem: false,
    preservedThinking: false,
    readsThinkingFrom: [],
    legacySampling: 'temperature-or-top-p',
    sources: ['https://platform.claude.com/docs/pt-BR/models/haiku-4-5/overview.md', 'https://platform.claude.com/docs/en/models/haiku-4-5/migration-guide', EFFORT_PAGE],
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    aliases: ['claude-sonnet-4-5'],
    displayName: 'Claude Sonnet 4.5',
    line: 'sonnet',
    releasedOn: '2025-09-29',
    lifecycle: 'deprecated',
    retiresOn: '2026-11-30',
    maxTokens: 64_000,
    maxInputTokens: 200_000,
    efforts: [],
    defaultEffort: null,
    thinkingTypes: ['enabled', 'disabled'],
    thinking: 'off-by-default',
    displayDefault: 'summarized',
    midConversationSystem: false,
    preservedThinking: false,
    readsThinkingFrom: [],
    legacySampling: 'temperature-or-top-p',
    sources: ['https://platform.claude.com/docs/zh-CN/models/sonnet-4-5/overview.md', 'node_modules/@anthropic-ai/sdk/internal/data/deprecated-models.js', EFFORT_PAGE],
  },
  {
    // Retired on the Claude API ("retired, except on Bedrock and Google Cloud"); date [3rd-party].
    // Released on its snapshot date; its limits were not researched.
    id: 'claude-opus-4-1-20250805',
    aliases: ['claude-opus-4-1'],
    displayName: 'Claude Opus 4.1',
    line: 'opus',
    releasedOn: '2025-08-05',
    lifecycle: 'retired',
    retiresOn: '2026-08-05',
    maxTokens: null,
    maxInputTokens: null,
    efforts: [],
    defaultEffort: null,
    thinkingTypes: [],
    thinking: 'off-by-default',
    displayDefault: 'summarized',
    midConversationSystem: false,
    preservedThinking: false,
    readsThinkingFrom: [],
    legacySampling: 'accepted',
    sources: ['https://platform.claude.com/docs/en/about-claude/pricing?ref=optimizesmart.com', 'https://github.com/multidotdev/cli/releases/tag/v0.0.135'],
  },
];

/** The record for an id or alias; undefined for a model the API does not know. */
export function findModel(id: string, models: readonly ModelRecord[] = MODELS): ModelRecord | undefined {
  return models.find((m) => m.id === id || m.aliases.includes(id));
}
