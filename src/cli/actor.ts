/**
 * Who runs the CLI, as recorded with what it does (keys issued and revoked, replays,
 * resolutions): the OS user, not `$USER`, which a service, `sudo -i`, cron or a container may
 * leave unset or stale; then the environment's; `unknown` only when neither names anyone.
 */
import { userInfo } from 'node:os';

export const cliActor = (): string => {
  let name = '';
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): fall back to the environment.
  }
  return `cli:${name || process.env.USER || process.env.LOGNAME || 'unknown'}`;
};
