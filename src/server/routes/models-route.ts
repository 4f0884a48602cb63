/**
 * @module `GET /v1/models` and `GET /v1/models/{id}`: one entry per served name, in the shape
 * OpenAI and vLLM use (`root` names the simulated model, `max_model_len` its context window).
 */

import type { FastifyInstance } from 'fastify';
import { modelNotFound } from '../api-error.js';
import type { ModelDirectory } from '../model-directory.js';
import type { ServedModel } from '../served-model.js';

function modelCard(model: ServedModel, name: string) {
  return {
    id: name,
    object: 'model',
    created: model.createdUnixS,
    owned_by: 'llmservingsim',
    root: model.deployment.model.id,
    parent: null,
    max_model_len: model.deployment.engineConfig.maxModelLen,
  };
}

export function registerModelsRoutes(app: FastifyInstance, models: ModelDirectory): void {
  app.get('/v1/models', async () => ({
    object: 'list',
    data: models.models.flatMap((model) => model.names.map((name) => modelCard(model, name))),
  }));
  // Ids contain slashes (`meta-llama/Llama-3.1-8B-Instruct`), so the id is the rest of the path.
  app.get('/v1/models/*', async (request) => {
    // Fastify has percent-decoded the path already; decoding again would misread a '%'.
    const name = (request.params as { '*': string })['*'];
    const model = models.find(name);
    if (model === undefined) throw modelNotFound(name);
    return modelCard(model, name);
  });
}
