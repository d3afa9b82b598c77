/** A local Anthropic-compatible server for tests, benchmarks and demos; see server.ts. */
export { startLocalServer } from './server.js';
export { signThinking } from './sse.js';
export { echoResponder } from './responders.js';
export { findModel, MODELS, type Effort, type ModelRecord, type ThinkingType } from './models.js';
export { modelInfo } from './models-api.js';
export type {
  BatchOutcome,
  Fault,
  FaultKind,
  LocalServer,
  LocalServerOptions,
  RateLimitOptions,
  RateLimitStats,
  RecordedBatch,
  RecordedRequest,
  Responder,
  Scripted,
  ScriptedBlock,
  ScriptedReply,
} from './types.js';
