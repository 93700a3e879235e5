/**
 * Models OpenAI said do not exist (shut down, renamed, or no access). Remembered for the life of the
 * process, like a configuration change that needs a restart, so each is logged once, naming the
 * setting to change, and the features that have a fallback stop asking for it.
 */
import OpenAI from 'openai';
import type { Logger } from '../log.ts';

const gone = new Set<string>();
/** Which setting names each configured model, registered at start-up. */
const settings = new Map<string, string>();

/** Remembers which setting names which model, for messages about a model that is gone. */
export function registerModelSettings(entries: readonly { setting: string; model: string }[]): void {
  for (const { setting, model } of entries) if (!settings.has(model)) settings.set(model, setting);
}

/** The setting that names `model`, or a generic hint. */
export function settingOf(model: string): string {
  return settings.get(model) ?? 'the PARLEY_*_MODEL settings';
}

/** The model named in the API's "The model `x` does not exist" message. */
export function modelInMessage(message: string): string | undefined {
  return /model [`'"]([^`'"]+)[`'"]/.exec(message)?.[1];
}

/** The API's "model does not exist" answer: HTTP 404 with code `model_not_found`. */
export function isModelNotFoundError(err: unknown): boolean {
  if (err instanceof ModelGoneError) return true;
  if (!(err instanceof OpenAI.NotFoundError)) return false;
  const code = (err.error as { code?: string } | undefined)?.code ?? err.code;
  return code === 'model_not_found';
}

/** The same answer from a channel that is not plain HTTP (a Realtime session's failed response). */
export class ModelGoneError extends Error {
  override name = 'ModelGoneError';
  readonly model: string;
  constructor(model: string, message: string) {
    super(message);
    this.model = model;
  }
}

/** Whether `model` was reported missing earlier in this process. */
export function isModelGone(model: string): boolean {
  return gone.has(model);
}

/**
 * Records that `model` (the value of `setting`) is gone. Logs an error the first time only, with what
 * the bot does instead (`consequence`). Returns whether this was the first report.
 */
export function reportModelGone(log: Logger, setting: string, model: string, consequence: string): boolean {
  if (gone.has(model)) return false;
  gone.add(model);
  log.error(`OpenAI says ${setting}=${model} does not exist (shut down or no access): ${consequence}`, { setting, model });
  return true;
}

/** For tests: forget every missing model. */
export function resetGoneModels(): void {
  gone.clear();
}
