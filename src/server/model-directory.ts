/**
 * @module The models a server answers for, looked up by the names clients send.
 */

import { InvalidConfigError } from '../errors.js';
import { modelNotFound } from './api-error.js';
import type { ServedModel } from './served-model.js';

/** Served models by name; the first model answers requests that name none (as vLLM). */
export class ModelDirectory {
  readonly models: readonly ServedModel[];
  private readonly byName = new Map<string, ServedModel>();
  private requestNumber = 0;

  constructor(models: readonly ServedModel[]) {
    if (models.length === 0) throw new Error('a server needs at least one model');
    this.models = models;
    for (const model of models) {
      for (const name of model.names) {
        if (this.byName.has(name)) {
          throw new InvalidConfigError(
            `the model name '${name}' would be served twice; give each --model its own ` +
              '--served-model-name',
          );
        }
        this.byName.set(name, model);
      }
    }
  }

  /** The model for a request's `model` field; 404 `model_not_found` for an unknown name. */
  resolve(name: string | null | undefined): ServedModel {
    if (name === undefined || name === null) return this.models[0] as ServedModel;
    const model = this.byName.get(name);
    if (model === undefined) throw modelNotFound(name);
    return model;
  }

  /** The model a name refers to, if any. */
  find(name: string): ServedModel | undefined {
    return this.byName.get(name);
  }

  /** Numbers requests in arrival order (seeds of requests without their own). */
  nextRequestNumber(): number {
    return this.requestNumber++;
  }
}
