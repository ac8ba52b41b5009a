/**
 * The experiment file's schema. Every section is strict: an unknown key is an error that names it,
 * because a misspelt hyperparameter silently falling back to its default would invalidate a run.
 * Defaults are the paper's (Fan et al., "Fault-Aware Fine-Tuning for Better Code Generation").
 */
import { z } from 'zod';

/** Temporal's duration strings ("500ms", "30s", "10m", "2h", "1d"). */
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'expected a duration such as "30s", "10m", "2h" or "1d"');

/** Timeouts and retry policy of one stage's activities. */
export const stageOptionsSchema = z.strictObject({
  startToCloseTimeout: duration.default('2h'),
  heartbeatTimeout: duration.default('60s'),
  maximumAttempts: z.number().int().positive().default(5),
  initialInterval: duration.default('1s'),
  maximumInterval: duration.default('1m'),
  backoffCoefficient: z.number().min(1).default(2),
});
export type StageOptions = z.infer<typeof stageOptionsSchema>;

export const datasetFormats = ['auto', 'fait', 'evol-codealpaca', 'oss-instruct', 'alpaca', 'chat', 'custom'] as const;
export type DatasetFormat = (typeof datasetFormats)[number];

/** Where each normalised field comes from, for `format: custom`. */
export const fieldMappingSchema = z.strictObject({
  instruction: z.string().min(1),
  response: z.string().min(1),
  input: z.string().min(1).optional(),
  id: z.string().min(1).optional(),
  tests: z.string().min(1).optional(),
  incorrect: z.string().min(1).optional(),
});
export type FieldMapping = z.infer<typeof fieldMappingSchema>;

export const datasetSchema = z
  .strictObject({
    /** JSONL or JSON file; a relative path is resolved against the experiment file's folder. */
    path: z.string().min(1),
    format: z.enum(datasetFormats).default('auto'),
    fields: fieldMappingSchema.optional(),
    shardSize: z.number().int().positive().default(1000),
    /** Keep going past invalid records, listing each in the rejects artifact. */
    skipInvalid: z.boolean().default(false),
    deduplicate: z.boolean().default(true),
    /** Longest instruction or response accepted, in characters. */
    maxChars: z.number().int().positive().default(100_000),
    /** Use only the first N records (for smoke runs). */
    limit: z.number().int().positive().optional(),
  })
  .refine((d) => d.format !== 'custom' || d.fields !== undefined, {
    message: 'format "custom" needs a "fields" mapping (instruction, response, optional input, id, tests)',
    path: ['fields'],
  });
export type DatasetConfig = z.infer<typeof datasetSchema>;

export const masksSchema = z.strictObject({
  /** all: the whole response, as in the paper; code: only characters inside fenced code blocks. */
  segments: z.enum(['all', 'code']).default('all'),
  /**
   * false (paper): a pair whose incorrect response only leaves code out (or only adds code) has
   * no marked character on one side. true: such a gap also marks, on the side without it, the
   * characters on each side of it and its line (masks/anchorGaps.ts).
   */
  anchorGaps: z.boolean().default(false),
  /** Longest response accepted by the masks stage, in code points. */
  maxChars: z.number().int().positive().default(100_000),
  /** Shards masked at the same time (each in its own thread on a worker). */
  parallelShards: z.number().int().positive().default(8),
});
export type MasksConfig = z.infer<typeof masksSchema>;

export const teacherSchema = z
  .strictObject({
    /**
     * mutation: offline faults injected into the Python code (no endpoint needed);
     * openai: an OpenAI-compatible endpoint; dataset: only the variants the dataset supplies.
     */
    kind: z.enum(['mutation', 'openai', 'dataset']).default('mutation'),
    /** Paper: Qwen2.5-Coder-32B-Instruct sampled at temperature 0.8. */
    temperature: z.number().min(0).max(2).default(0.8),
    baseUrl: z.string().url().optional(),
    model: z.string().min(1).optional(),
    /** Name of the environment variable holding the API key; the key itself never enters config. */
    apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name').default('OPENAI_API_KEY'),
    maxTokens: z.number().int().positive().default(2048),
    requestTimeout: duration.default('120s'),
    concurrency: z.number().int().positive().default(16),
    requestsPerMinute: z.number().positive().optional(),
    /** Attempts per request for transient failures (429, 5xx, timeouts, broken responses). */
    maxAttempts: z.number().int().positive().default(6),
    /** Samples asked per record before a malformed or invalid answer becomes a reject. */
    maxSamples: z.number().int().positive().default(3),
    seed: z.number().int().default(0),
    /** Normalised edit distance above which a variant "deviates completely". */
    maxDistance: z.number().min(0).max(1).default(0.5),
    /** Drop deviating variants; the paper kept them. */
    dropDistant: z.boolean().default(false),
    /** Reject variants whose Python code blocks do not parse (beyond the paper, which has no such filter). */
    checkSyntax: z.boolean().default(false),
    /** Share of records the teacher may reject; above it the run fails after the teacher stage (1: never). */
    maxRejectRatio: z.number().min(0).max(1).default(0.5),
    /** Reuse cached answers (keyed by endpoint, template version and request); false asks again (`--no-teacher-cache`). */
    cache: z.boolean().default(true),
    /** Dataset shards taught at the same time. */
    parallelShards: z.number().int().positive().default(4),
    /** Keep only variants that fail the record's tests (records with tests), run in the sandbox. */
    verifyIncorrect: z.boolean().default(false),
  })
  .refine((t) => t.kind !== 'openai' || (t.baseUrl !== undefined && t.model !== undefined), {
    message: 'kind "openai" needs baseUrl and model',
  });
export type TeacherConfig = z.infer<typeof teacherSchema>;

/** Built-in prompt formats for models without a chat template (trainer/fait_trainer/prompting.py). */
export const PROMPT_FORMATS = ['magicoder'] as const;

export const trainingSchema = z.strictObject({
  /**
   * Hugging Face model directory (local path, relative to the experiment file) to fine-tune.
   * Without it the run stops after the masks stage.
   */
  model: z.string().min(1).optional(),
  mode: z.enum(['fait', 'sft', 'fixed']).default('fait'),
  granularity: z.enum(['line', 'token', 'hybrid']).default('hybrid'),
  alpha: z.number().min(1).default(2),
  /** Weight of marked tokens in mode "fixed" (paper, Figure 6). */
  fixedWeight: z.number().min(0).default(2),
  /** hybrid: Hbar over all marked tokens (paper); changed: over char-marked tokens only. */
  weightStatistic: z.enum(['hybrid', 'changed']).default('hybrid'),
  learningRate: z.number().positive().default(5e-6),
  schedule: z.enum(['linear']).default('linear'),
  warmupRatio: z.number().min(0).max(1).default(0.03),
  epochs: z.number().int().positive().default(1),
  maxLength: z.number().int().positive().default(1024),
  seed: z.number().int().min(0).default(42),
  batchSize: z.number().int().positive().default(8),
  gradientAccumulation: z.number().int().positive().default(1),
  /**
   * null: the tokenizer's chat template (DeepSeek-Coder-Instruct, CodeLlama-Instruct, Llama-3-Instruct,
   * Qwen2.5-Coder-Instruct, ...); magicoder: Magicoder's @@ Instruction / @@ Response (Magicoder-S-DS/CL,
   * SemCoder-S), ended by EOS. The trainer's prompting.PROMPT_FORMATS holds the texts.
   */
  promptFormat: z.enum(PROMPT_FORMATS).nullable().default(null),
  bf16: z.union([z.literal('auto'), z.boolean()]).default('auto'),
  gradientCheckpointing: z.boolean().default(false),
  lora: z
    .strictObject({ r: z.number().int().positive(), alpha: z.number().positive(), dropout: z.number().min(0).max(1), targetModules: z.array(z.string()).min(1).optional() })
    .nullable()
    .default(null),
  checkpointEverySteps: z.number().int().positive().default(100),
  checkpointEveryMinutes: z.number().positive().default(30),
  keepCheckpoints: z.number().int().positive().default(3),
  /** Re-use the shared prefix's key/values for the forward pass on the incorrect response. */
  prefixReuse: z.boolean().default(true),
  /** Processes (GPUs) per training run; more than one launches torchrun (DDP or FSDP). */
  processes: z.number().int().positive().default(1),
  /** ddp: full replicas; fsdp: FSDP2 sharding per decoder layer; auto: fsdp when the model would not fit per process with ddp. */
  parallelism: z.enum(['auto', 'ddp', 'fsdp']).default('auto'),
  /** FSDP only: keep the parameter shards and the optimizer step in host memory. */
  cpuOffload: z.boolean().default(false),
  /** Stop after this many optimizer steps (smoke runs). */
  maxSteps: z.number().int().positive().optional(),
});
export type TrainingConfig = z.infer<typeof trainingSchema>;

export const evaluationSchema = z.strictObject({
  /** Benchmarks on which the base and the trained model are evaluated after training (paper: all). */
  benchmarks: z.array(z.enum(['humaneval', 'humaneval+', 'mbpp', 'mbpp+', 'bigcodebench', 'bigcodebench-hard'])).default([]),
  /** Only the first N tasks of each benchmark (smoke runs). */
  limit: z.number().int().positive().optional(),
  maxNewTokens: z.number().int().positive().default(768),
  /** Generation length on bigcodebench and bigcodebench-hard (BigCodeBench's own default). */
  bigcodebenchMaxNewTokens: z.number().int().positive().default(1280),
  /**
   * Leave BigCodeBench samples that failed for want of a task library out of pass@1 (off: they are
   * failures, as in BigCodeBench). Every report of a score computed this way says so.
   */
  excludeMissingLibraries: z.boolean().default(false),
  /** Samples checked per activity. */
  batchSize: z.number().int().positive().default(50),
});

export const experimentSchema = z.strictObject({
  /** Names the run in `fait list` and the Web UI. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"'),
  description: z.string().optional(),
  dataset: datasetSchema,
  /**
   * How generated code runs: bwrap (isolated, the default) or none (same limits, no isolation;
   * every report then carries a warning). Stages that execute code refuse to run without bwrap
   * unless this says none.
   */
  sandbox: z.enum(['bwrap', 'none']).default('bwrap'),
  masks: masksSchema.default(() => masksSchema.parse({})),
  teacher: teacherSchema.default(() => teacherSchema.parse({})),
  training: trainingSchema.default(() => trainingSchema.parse({})),
  evaluation: evaluationSchema.default(() => evaluationSchema.parse({})),
  stages: z
    .strictObject({
      dataset: stageOptionsSchema.default(() => stageOptionsSchema.parse({})),
      teacher: stageOptionsSchema.default(() => stageOptionsSchema.parse({ startToCloseTimeout: '12h', maximumAttempts: 20 })),
      masks: stageOptionsSchema.default(() => stageOptionsSchema.parse({ startToCloseTimeout: '30m' })),
      training: stageOptionsSchema.default(() => stageOptionsSchema.parse({ startToCloseTimeout: '7d', heartbeatTimeout: '10m', maximumAttempts: 10 })),
      evaluation: stageOptionsSchema.default(() => stageOptionsSchema.parse({ startToCloseTimeout: '12h', heartbeatTimeout: '5m' })),
      report: stageOptionsSchema.default(() => stageOptionsSchema.parse({ startToCloseTimeout: '5m' })),
    })
    .default(() => ({
      dataset: stageOptionsSchema.parse({}),
      teacher: stageOptionsSchema.parse({ startToCloseTimeout: '12h', maximumAttempts: 20 }),
      masks: stageOptionsSchema.parse({ startToCloseTimeout: '30m' }),
      training: stageOptionsSchema.parse({ startToCloseTimeout: '7d', heartbeatTimeout: '10m', maximumAttempts: 10 }),
      evaluation: stageOptionsSchema.parse({ startToCloseTimeout: '12h', heartbeatTimeout: '5m' }),
      report: stageOptionsSchema.parse({ startToCloseTimeout: '5m' }),
    })),
});
export type ExperimentConfig = z.infer<typeof experimentSchema>;
