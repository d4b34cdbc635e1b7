import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Where the Hub is, who we are on it, and where its files are cached: the same as Python's huggingface_hub. */
export interface HubSettings { endpoint: string; token?: string; offline: boolean; cacheDir: string }

const TRUE_VALUES = new Set(['1', 'true', 'yes', 'on']);

/** A non-empty, trimmed variable, or undefined (an empty HF_TOKEN= means unset, as in Python). */
function env1(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface (Python's order). */
function hfHome(env: NodeJS.ProcessEnv): string {
  const home = env1(env, 'HF_HOME');
  if (home) return expandHome(home);
  const xdg = env1(env, 'XDG_CACHE_HOME');
  return path.join(xdg ? expandHome(xdg) : path.join(os.homedir(), '.cache'), 'huggingface');
}

/** The token `huggingface-cli login` saved, if any; an unreadable file counts as no token. */
function savedToken(env: NodeJS.ProcessEnv): string | undefined {
  const file = expandHome(env1(env, 'HF_TOKEN_PATH') ?? path.join(hfHome(env), 'token'));
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * HF_ENDPOINT (default https://huggingface.co, trailing slash stripped); HF_TOKEN (else
 * HUGGING_FACE_HUB_TOKEN, else the token file `huggingface-cli login` writes: HF_TOKEN_PATH, else
 * $HF_HOME/token, else ~/.cache/huggingface/token); HF_HUB_OFFLINE=1/true/yes; cache: HF_HUB_CACHE,
 * else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (expand ~).
 */
export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const endpoint = (env1(env, 'HF_ENDPOINT') ?? 'https://huggingface.co').replace(/\/+$/, '');
  const token = env1(env, 'HF_TOKEN') ?? env1(env, 'HUGGING_FACE_HUB_TOKEN') ?? savedToken(env);
  const offline = TRUE_VALUES.has((env1(env, 'HF_HUB_OFFLINE') ?? '').toLowerCase());
  const cache = env1(env, 'HF_HUB_CACHE') ?? env1(env, 'HUGGINGFACE_HUB_CACHE');
  const cacheDir = path.resolve(cache ? expandHome(cache) : path.join(hfHome(env), 'hub'));
  return { endpoint, ...(token ? { token } : {}), offline, cacheDir };
}
