import type { GeneratorDef } from '../../config/schema.ts';
import { UserError } from '../../shared/errors.ts';
import { ConfigReader } from './configReader.ts';
import { customProgram, isCustomGeneratorName, loadedCustomGenerator } from './custom.ts';
import { compileItblib } from './itblibGenerator.ts';
import { compileItbstats, compileTsfresh } from './itbstatsGenerator.ts';
import { compileHighLow, compileHighLow2, compileTopBot2 } from './labelGenerators.ts';
import type { CompileContext, GeneratorCompiler, Program } from './program.ts';
import { compileCombine, compileSmoothen, compileThresholdRule, compileThresholdRule2 } from './signalGenerators.ts';
import { compileTalib } from './talibGenerator.ts';
import { my_feature_example } from '../../../examples/common/my_feature_example.ts';
import type { CustomGenerator } from './custom.ts';

/**
 * Custom generators shipped with the project, usable without loading a module (the
 * synchronous stream): the sample configs name "common.my_feature_example:my_feature_example".
 * A module file of the same path next to the config still takes precedence when loaded.
 */
const BUNDLED_CUSTOM: Record<string, CustomGenerator> = {
  'common.my_feature_example:my_feature_example': my_feature_example,
};

/** The built-in generators by the names the config uses. */
export const BUILT_IN_GENERATORS: Record<string, GeneratorCompiler> = {
  talib: compileTalib,
  itbstats: compileItbstats,
  itblib: compileItblib,
  tsfresh: compileTsfresh,
  highlow: compileHighLow,
  highlow2: compileHighLow2,
  topbot2: compileTopBot2,
  smoothen: compileSmoothen,
  combine: compileCombine,
  threshold_rule: compileThresholdRule,
  threshold_rule2: compileThresholdRule2,
};

function readerOf(def: GeneratorDef, ctx: CompileContext): ConfigReader {
  const raw = def.config ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UserError(`${ctx.where}.config: expected an object`);
  return new ConfigReader(raw as Record<string, unknown>, `${ctx.where}.config`);
}

function unknownGenerator(name: string, where: string): never {
  throw new UserError(
    `${where}.generator: unknown generator "${name}" (built-in: ${Object.keys(BUILT_IN_GENERATORS).join(', ')}; or "path/file.ts:function" / "module.path:function")`,
  );
}

/** A custom generator handed in by the loader, or the bundled one; else what to do, in one sentence. */
function customGenerator(name: string, ctx: CompileContext, when: string): CustomGenerator {
  const fn = loadedCustomGenerator(name, ctx.configDir) ?? BUNDLED_CUSTOM[name];
  if (!fn) throw new UserError(`${ctx.where}.generator: the custom generator "${name}" is not loaded yet (await preloadConfigGenerators(config, configFile) ${when})`);
  return fn;
}

/** Compiles a generator definition (custom generators must have been loaded: storage/userModules.ts). */
export async function compileGenerator(def: GeneratorDef, ctx: CompileContext): Promise<Program> {
  const name = def.generator;
  const builtIn = BUILT_IN_GENERATORS[name];
  if (builtIn) return builtIn(readerOf(def, ctx), ctx);
  if (!isCustomGeneratorName(name)) unknownGenerator(name, ctx.where);
  return customProgram(customGenerator(name, ctx, 'first'), name, readerOf(def, ctx), ctx);
}

/** Synchronous compilation, for the streams. */
export function compileGeneratorSync(def: GeneratorDef, ctx: CompileContext): Program {
  const name = def.generator;
  const builtIn = BUILT_IN_GENERATORS[name];
  if (builtIn) {
    const p = builtIn(readerOf(def, ctx), ctx);
    if (p instanceof Promise) throw new Error(`generator ${name} compiles asynchronously`);
    return p;
  }
  if (!isCustomGeneratorName(name)) unknownGenerator(name, ctx.where);
  return customProgram(customGenerator(name, ctx, 'before creating a stream'), name, readerOf(def, ctx), ctx);
}
