/**
 * Talking to a running gateway over HTTP, local or remote, as `rules` and `freezes` do: the
 * URL and API key from flags or the environment, and a problem answer turned into one clear
 * error with every violation it lists.
 */
import { type Command, Option } from 'commander';

/** An error meant for the user: printed as is, without a stack. */
export class CliError extends Error {
  override name = 'CliError';
}

export interface GatewayOptions {
  url: string;
  key?: string;
  json?: boolean;
}

export const gatewayOptions = (command: Command, role: string): Command =>
  command
    .addOption(
      new Option('--url <url>', 'gateway base URL')
        .env('COEXIST_URL')
        .default('http://127.0.0.1:8080'),
    )
    .addOption(new Option('--key <apiKey>', `API key with the ${role} role`).env('COEXIST_API_KEY'))
    .option('--json', 'print JSON instead of tables');

/** Calls the gateway; returns the response, or throws with the problem's detail. */
export const request = async (
  options: GatewayOptions,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: object,
  expect: number[] = [200, 201],
): Promise<Response> => {
  if (!options.key) throw new CliError('An API key is needed: --key or COEXIST_API_KEY.');
  let response: Response;
  try {
    response = await fetch(new URL(path, options.url), {
      method,
      headers: {
        authorization: `Bearer ${options.key}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND, …).
    const cause = (error as Error & { cause?: { message?: string } }).cause?.message;
    throw new CliError(
      `Cannot reach the gateway at ${options.url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
    );
  }
  if (!expect.includes(response.status)) throw new CliError(await refusal(response));
  return response;
};

interface Problem {
  title?: string;
  detail?: string;
  errors?: Array<{ pointer: string; detail: string }>;
}

/**
 * A refusal in one message: the problem's title, detail and every violation; or, from
 * something else at that URL (a proxy's error page), the status and the start of its text.
 */
const refusal = async (response: Response): Promise<string> => {
  const body = await response.text().catch(() => '');
  let problem: Problem | null = null;
  try {
    problem = JSON.parse(body) as Problem;
  } catch {
    // Not JSON: said below as text.
  }
  if (problem?.title || problem?.detail) {
    const details = (problem.errors ?? []).map((e) => `\n  ${e.pointer}  ${e.detail}`).join('');
    return `${response.status} ${problem.title ?? ''}: ${problem.detail ?? ''}${details}`;
  }
  const text = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
  return `${response.status} ${response.statusText}${text ? `: ${text}` : ''}`;
};

/** GETs or POSTs and parses the JSON answer. */
export const requestJson = async <T>(
  options: GatewayOptions,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: object,
): Promise<T> => (await (await request(options, method, path, body)).json()) as T;
