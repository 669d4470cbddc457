import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  assertEmbeddingModelPresent,
  ConcatenatedEmbeddingModel,
  OnnxSentenceEmbedder,
  type LocalModelName,
  type MiniLmVariant,
} from '@hub/embeddings';
import {
  PrototypeDetector,
  SCOPE_EMBEDDING_MODEL,
  ScopeDetector,
  ScopeDetectorStore,
  type ClassSettings,
  type EscalationClass,
} from '@hub/escalation';
import type { EscalationConfig } from './escalation-config';

/** Options of {@link EscalationModels}. */
export interface EscalationModelsOptions {
  /** ESCALATION_MODEL: the local embedding model (installed by tools/models/fetch-models.sh). */
  model: MiniLmVariant;
  /** ESCALATION_PRELOAD_MODELS: start loading both models at start (else on the first decision). Default true. */
  preload?: boolean;
  /** ESCALATION_SCOPE_TRAINING_WAIT_MS: how long a decision waits for a scope classifier being trained. */
  scopeTrainingWaitMs: number;
  /**
   * ESCALATION_SCOPE_STORE_DIR: folder of trained scope detectors ({@link ScopeDetectorStore}, one file per scope
   * hash); a tenant's detector is read from it when its scope and options are unchanged. Unset → memory only.
   */
  scopeStoreDir?: string;
}
export const ESCALATION_MODELS_OPTIONS = Symbol('ESCALATION_MODELS_OPTIONS');

/** A model signal that could not be computed, and why (reported with the decision). */
export class ModelUnavailable extends Error {
  constructor(
    /** `model_not_loaded | scope_training | scope_training_failed` */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ModelUnavailable';
  }
}

/** Lazily computed vectors of one customer turn ({@link EscalationModels.turnEmbeddings}). */
export interface TurnEmbeddings {
  /** The intent detectors' vector. @throws ModelUnavailable */
  detectors(): Promise<Float32Array>;
  /** The scope detector's vector. @throws ModelUnavailable */
  scope(): Promise<Float32Array>;
}

/** Entries kept per cache (tenants × revisions); the oldest is dropped first. */
const MAX_CACHED = 200;

/**
 * The in-process escalation models: the detectors' embedding model (`ESCALATION_MODEL`, MiniLM) and the scope
 * detector's {@link SCOPE_EMBEDDING_MODEL} (MiniLM ⊕ e5-small-v2), each tenant's {@link PrototypeDetector} (its
 * detector settings) and {@link ScopeDetector} (trained on its scope examples), cached per (tenant, configuration
 * revision). At start the model files are checked (a missing one fails the start, naming the file and
 * `bash tools/models/fetch-models.sh`) and both models start loading (`preload`), so the first decision does not
 * pay for it.
 * The fp32 MiniLM is loaded once when both uses need it. Training a large scope takes minutes: a decision waits
 * at most `scopeTrainingWaitMs` for it and reports the scope signal unavailable meanwhile; training continues
 * and later decisions use it. With `scopeStoreDir` the trained detector is kept on disk per scope hash, so a
 * restart reads it (≈ 1 s for 15,000 examples) instead of training again.
 */
@Injectable()
export class EscalationModels implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly local = new Map<LocalModelName, Promise<OnnxSentenceEmbedder>>();
  private scopeEmbedder: Promise<ConcatenatedEmbeddingModel> | null = null;
  private readonly prototypes = new Map<string, Promise<PrototypeDetector>>();
  private readonly scopes = new Map<string, Promise<ScopeDetector>>();

  constructor(@Inject(ESCALATION_MODELS_OPTIONS) private readonly options: EscalationModelsOptions) {}

  /**
   * Fails the start when a model file is missing (the error names it and the fetch command), then (unless
   * `preload` is false) starts loading both models in the background; a load failure is reported by the
   * decisions as `model_not_loaded`.
   * @throws Error naming the missing model files
   */
  onApplicationBootstrap(): void {
    assertEmbeddingModelPresent(this.options.model);
    assertEmbeddingModelPresent(SCOPE_EMBEDDING_MODEL);
    if (this.options.preload === false) return;
    this.model().catch(() => undefined);
    this.scopeModel().catch(() => undefined);
  }

  /** The detectors' embedding model (loads it on first use). @throws ModelUnavailable when it cannot be loaded. */
  async model(): Promise<OnnxSentenceEmbedder> {
    return this.loadLocal(this.options.model);
  }

  /**
   * The scope detector's embedding model, {@link SCOPE_EMBEDDING_MODEL}: every part required, no fallback.
   * @throws ModelUnavailable when a part cannot be loaded.
   */
  async scopeModel(): Promise<ConcatenatedEmbeddingModel> {
    this.scopeEmbedder ??= (async () => {
      const parts: OnnxSentenceEmbedder[] = [];
      for (const name of SCOPE_EMBEDDING_MODEL.split('+') as LocalModelName[])
        parts.push(await this.loadLocal(name));
      return new ConcatenatedEmbeddingModel(parts);
    })();
    try {
      return await this.scopeEmbedder;
    } catch (e) {
      this.scopeEmbedder = null;
      throw e;
    }
  }

  /**
   * The vectors of one customer turn, each local model run at most once: the detectors' vector
   * (`ESCALATION_MODEL`) and the scope detector's (every part of {@link SCOPE_EMBEDDING_MODEL}, combined) share the
   * MiniLM run when `ESCALATION_MODEL` is the scope's MiniLM variant (the default, `all-minilm-l6-v2`). Each getter
   * rejects on its own (ModelUnavailable), so one model failing leaves the other signal computable.
   */
  turnEmbeddings(text: string): TurnEmbeddings {
    const runs = new Map<LocalModelName, Promise<Float32Array>>();
    const once = (name: LocalModelName) => {
      let p = runs.get(name);
      if (!p) {
        p = this.loadLocal(name).then(async (m) => (await m.embed([text]))[0]);
        runs.set(name, p);
      }
      return p;
    };
    return {
      detectors: () => once(this.options.model),
      scope: async () => {
        const model = await this.scopeModel();
        const parts = await Promise.all(model.parts.map((p) => once(p.id as LocalModelName)));
        return model.combine(parts);
      },
    };
  }

  private async loadLocal(name: LocalModelName): Promise<OnnxSentenceEmbedder> {
    let p = this.local.get(name);
    if (!p) {
      p = OnnxSentenceEmbedder.loadLocal(name);
      this.local.set(name, p);
    }
    try {
      return await p;
    } catch (e) {
      this.local.delete(name);
      throw new ModelUnavailable('model_not_loaded', (e as Error).message);
    }
  }

  /** The tenant's intent detectors for this configuration revision. @throws ModelUnavailable */
  async prototypeDetector(
    tenantId: string,
    revision: number,
    config: EscalationConfig,
  ): Promise<PrototypeDetector> {
    const key = `${tenantId}\u0000${revision}`;
    let p = this.prototypes.get(key);
    if (!p) {
      const model = await this.model();
      const classes: Partial<Record<EscalationClass, ClassSettings>> = {};
      for (const [cls, s] of Object.entries(config.detectors)) if (s) classes[cls as EscalationClass] = s;
      p = PrototypeDetector.create(model, { classes });
      remember(this.prototypes, key, p);
      p.catch(() => this.prototypes.delete(key));
    }
    return p;
  }

  /**
   * The tenant's scope classifier for this revision, or null when the configuration has no scope examples.
   * @throws ModelUnavailable `scope_training` when training has not finished within the wait, `scope_training_failed`
   */
  async scopeDetector(
    tenantId: string,
    revision: number,
    config: EscalationConfig,
  ): Promise<ScopeDetector | null> {
    if (!config.scope.enabled || !config.scope.examples.length) return null;
    const key = `${tenantId}\u0000${revision}`;
    let p = this.scopes.get(key);
    if (!p) {
      const model = await this.scopeModel();
      const options = {
        rejectRate: config.scope.rejectRate,
        similarityRejectRate: config.scope.rejectRate,
      };
      const dir = this.options.scopeStoreDir;
      p = dir
        ? new ScopeDetectorStore(dir)
            .trainOrLoad(model, config.scope.examples, options)
            .then((r) => r.detector)
        : ScopeDetector.train(model, config.scope.examples, options);
      remember(this.scopes, key, p);
      p.catch(() => this.scopes.delete(key));
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'waiting'>((resolve) => {
      timer = setTimeout(() => resolve('waiting'), this.options.scopeTrainingWaitMs);
    });
    try {
      const r = await Promise.race([p, waited]);
      if (r === 'waiting')
        throw new ModelUnavailable('scope_training', 'the scope classifier is still being trained');
      return r;
    } catch (e) {
      if (e instanceof ModelUnavailable) throw e;
      throw new ModelUnavailable('scope_training_failed', (e as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  async onModuleDestroy(): Promise<void> {
    const loaded = [...this.local.values()];
    this.local.clear();
    this.scopeEmbedder = null;
    for (const p of loaded) await (await p.catch(() => null))?.close();
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  while (map.size > MAX_CACHED) map.delete(map.keys().next().value as string);
}
