import fs from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { UserError } from '../shared/errors.ts';
import { logLevelEnvProblem } from '../shared/log.ts';
import { configSchema, dataSourceSchema, knownKeys, type Config } from './schema.ts';

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file it came from ('' when built from an object). */
  file: string;
  /** Non-fatal remarks (unknown keys, placeholders treated as empty). */
  warnings: string[];
}

/** Parses JSONC text (comments, trailing commas); a syntax error names line and column. */
export function parseJsoncText(text: string, label: string): unknown {
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    const e = errors[0]!;
    const before = text.slice(0, e.offset);
    const line = before.split('\n').length;
    const col = e.offset - before.lastIndexOf('\n');
    throw new UserError(`${label} line ${line}, column ${col}: ${printParseErrorCode(e.error)} (not valid JSON/JSONC)`);
  }
  return value;
}

function formatPath(p: PropertyKey[]): string {
  let s = '';
  for (const k of p) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s || '(top level)';
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function valueAt(obj: unknown, p: PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k as string];
  }
  return cur;
}

function expectedText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `expected a value ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}`;
    case 'too_big':
      return `expected a value ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}`;
    case 'invalid_union': {
      // "a string or a whole number": what each alternative wanted of the value itself
      const wanted = new Set<string>();
      for (const branch of issue.errors) {
        const own = branch.find((i) => i.path.length === 0);
        if (own?.code === 'invalid_type') wanted.add(own.expected === 'int' ? 'whole number' : own.expected);
        else if (own && own.code === 'too_small') wanted.add(`number ≥ ${String(own.minimum)}`);
        else if (own?.code === 'invalid_value') own.values.forEach((v) => wanted.add(JSON.stringify(v)));
      }
      return wanted.size ? `expected a ${[...wanted].join(' or a ')}` : 'expected a value of another type';
    }
    default:
      return issue.message;
  }
}

/** One sentence naming the key path, what was expected and what was found. */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown, label: string): string {
  const where = formatPath(issue.path);
  let expected = expectedText(issue);
  if (issue.code === 'invalid_type' && issue.expected === 'int') expected = 'expected a whole number';
  return `${label}: key ${where}: ${expected}, got ${describeValue(valueAt(raw, issue.path))}`;
}

const PLACEHOLDER = /^<[^<>]*>$/;

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Environment overrides of DESIGN.md; secrets never need to be in a file. */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const section = (name: string): Record<string, unknown> => {
    const cur = raw[name];
    if (isObj(cur)) return cur;
    const fresh: Record<string, unknown> = {};
    raw[name] = fresh;
    return fresh;
  };
  if (env.TELEGRAM_BOT_TOKEN) section('telegram').token = env.TELEGRAM_BOT_TOKEN;
  if (env.TELEGRAM_API_ROOT) section('telegram').api_root = env.TELEGRAM_API_ROOT;
  if (env.TELEGRAM_CHANNEL) {
    const ch = env.TELEGRAM_CHANNEL.trim();
    section('telegram').channel = /^-?\d+$/.test(ch) ? Number(ch) : ch;
  }
  if (env.TELEGRAM_ADMINS !== undefined && env.TELEGRAM_ADMINS.trim() !== '') {
    const ids = env.TELEGRAM_ADMINS.split(',').map((s) => s.trim()).filter(Boolean);
    for (const id of ids) {
      if (!/^\d+$/.test(id)) throw new UserError(`TELEGRAM_ADMINS: "${id}" is not a numeric Telegram user id`);
    }
    section('telegram').admins = ids.map(Number);
  }
  if (env.EXCHANGE_API_KEY) section('exchange').api_key = env.EXCHANGE_API_KEY;
  if (env.EXCHANGE_API_SECRET) section('exchange').api_secret = env.EXCHANGE_API_SECRET;
  if (env.EXCHANGE_API_ROOT) section('exchange').api_root = env.EXCHANGE_API_ROOT;
  if (env.ITB_DATA_FOLDER) raw.data_folder = env.ITB_DATA_FOLDER;
  if (env.LOG_LEVEL) {
    const problem = logLevelEnvProblem(env.LOG_LEVEL);
    if (problem) throw new UserError(problem);
    raw.log_level = env.LOG_LEVEL;
  }
}

/**
 * Builds a validated config from a raw object: the original's flat keys are mapped onto our
 * sections, placeholders such as "<token>" count as empty, environment variables win.
 */
export function buildConfig(
  rawInput: unknown,
  options: { label?: string; env?: NodeJS.ProcessEnv; file?: string } = {},
): LoadedConfig {
  const label = options.label ?? 'config';
  if (!isObj(rawInput)) throw new UserError(`${label}: the top level must be an object, got ${describeValue(rawInput)}`);
  const raw: Record<string, unknown> = structuredClone(rawInput);
  const warnings: string[] = [];

  // "<token>"-style placeholders (the samples ship them) mean "not set", here and in our sections.
  const blankPlaceholders = (obj: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'string' && PLACEHOLDER.test(v.trim())) obj[k] = '';
    }
  };
  blankPlaceholders(raw);
  for (const section of ['telegram', 'exchange']) {
    const obj = raw[section];
    if (isObj(obj)) blankPlaceholders(obj);
  }
  for (const [section, keys] of Object.entries(knownKeys)) {
    const obj = section ? raw[section] : raw;
    if (!isObj(obj)) continue;
    for (const k of Object.keys(obj)) {
      if (!keys.includes(k)) warnings.push(`${label}: unknown key ${section ? `${section}.` : ''}${k} (ignored)`);
    }
  }
  if (Array.isArray(raw.data_sources)) {
    const keys = Object.keys(dataSourceSchema.shape);
    raw.data_sources.forEach((ds, i) => {
      if (!isObj(ds)) return;
      for (const k of Object.keys(ds)) if (!keys.includes(k)) warnings.push(`${label}: unknown key data_sources[${i}].${k} (ignored)`);
    });
  }
  // The original's flat keys feed our sections unless those are set.
  const tg = isObj(raw.telegram) ? raw.telegram : (raw.telegram = {});
  if (!tg.token && raw.telegram_bot_token) tg.token = raw.telegram_bot_token;
  if ((tg.channel === undefined || tg.channel === '') && raw.telegram_chat_id) tg.channel = raw.telegram_chat_id;
  const ex = isObj(raw.exchange) ? raw.exchange : (raw.exchange = {});
  if (!ex.api_key && raw.api_key) ex.api_key = raw.api_key;
  if (!ex.api_secret && raw.api_secret) ex.api_secret = raw.api_secret;
  if (!ex.id && typeof raw.venue === 'string' && raw.venue && raw.venue !== 'replay') ex.id = raw.venue;

  applyEnv(raw, options.env ?? process.env);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserError(describeIssue(parsed.error.issues[0]!, raw, label));
  }
  // The samples' "C:/DATA_ITB" would quietly become a folder named "C:" here.
  if (process.platform !== 'win32' && /^[a-z]:[\\/]/i.test(parsed.data.data_folder)) {
    warnings.push(`${label}: data_folder "${parsed.data.data_folder}" is a Windows path; here it would be a folder under ${process.cwd()} (set ITB_DATA_FOLDER or data_folder)`);
  }
  return { config: parsed.data, file: options.file ?? '', warnings };
}

/** Loads a JSONC config file as the original's scripts do, then validates it. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch {
    throw new UserError(`config file ${file} cannot be read (does it exist?)`);
  }
  const label = path.basename(file);
  return buildConfig(parseJsoncText(text, label), { label, env, file: abs });
}

/** data_folder/symbol: the working folder of the pipeline's files. */
export function symbolFolder(config: Config): string {
  return path.resolve(config.data_folder, config.symbol);
}

/** A stage file name resolved inside the symbol folder. */
export function stageFile(config: Config, name: string): string {
  return path.isAbsolute(name) ? name : path.join(symbolFolder(config), name);
}

/** The models folder: absolute `model_folder`, or data_folder/symbol/model_folder. */
export function modelFolder(config: Config): string {
  return path.isAbsolute(config.model_folder) ? config.model_folder : path.join(symbolFolder(config), config.model_folder);
}

/** The folder of a symbol's state files (service, bot, outbox, scores): `service.state_folder`, else data_folder/symbol/state. */
export function stateFolder(config: Config): string {
  return config.service.state_folder ? path.resolve(config.service.state_folder) : path.join(symbolFolder(config), 'state');
}

/**
 * The folder of the bot's state (subscribers, outbox, audit; one bot per process):
 * `telegram.state_folder`, else the state folder of the process's first symbol, where a bot of
 * one symbol always kept it.
 */
export function botStateFolder(config: Config): string {
  return config.telegram.state_folder ? path.resolve(config.telegram.state_folder) : stateFolder(config);
}

/** Where the trader keeps its files: trader.json in service.state_folder (else data_folder/symbol), transactions.txt in data_folder/symbol. */
export function traderFiles(config: Config): { state: string; transactions: string } {
  const folder = config.service.state_folder ? path.resolve(config.service.state_folder) : symbolFolder(config);
  return {
    state: path.join(folder, 'trader.json'),
    transactions: path.join(symbolFolder(config), 'transactions.txt'),
  };
}

/** A copy of the config with every secret replaced, for /config and logs. */
export function sanitizeConfig(config: Config): Record<string, unknown> {
  const secretKey = /(token|secret|api_key|password|passphrase|private)/i;
  const walk = (v: unknown, key = ''): unknown => {
    if (typeof v === 'string' && secretKey.test(key)) return v ? '***' : '';
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(config) as Record<string, unknown>;
}
