/**
 * Child processes for the benchmark: CPU pinning with taskset, starting a server and waiting
 * until it listens, CPU accounting from /proc, and a clean shutdown of everything we started
 * (also on errors and Ctrl-C) so no server is left behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** True when `taskset` works here and there are at least two cores to split. */
export const canPin = () =>
  spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;

/** Pins this very process (all its threads) to one core. */
export const pinSelf = (core) => {
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`taskset -p failed: ${result.stderr}`);
};

/** A TCP port that was free a moment ago. */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU seconds (user + system) a process has used so far, or NaN if /proc is unavailable. */
export const cpuSeconds = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" of the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
};

/**
 * CPU seconds all processes on the machine have used so far (user, nice, system, irq,
 * softirq, steal from /proc/stat), or NaN. Minus ours, it shows whether something else ran
 * during a measurement.
 */
export const machineCpuSeconds = () => {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
    return (user + nice + system + irq + softirq + steal) / clockTicks;
  } catch {
    return Number.NaN;
  }
};

const running = new Set();

/**
 * Starts `node <args>` (under `taskset -c <core>` when `core` is a number) and resolves once
 * it prints "listening on http://…". Rejects with its output if it exits or takes too long.
 */
export const startServer = ({ name, args, env = {}, core, timeoutMs = 30_000 }) =>
  new Promise((resolve, reject) => {
    const command = core === undefined ? process.execPath : 'taskset';
    const argv = core === undefined ? args : ['-c', String(core), process.execPath, ...args];
    // taskset execs node, so child.pid is the server's own pid.
    const child = spawn(command, argv, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      if (output.length > 20_000) output = output.slice(-20_000);
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match && !server.url) {
        server.url = match[1].replace(/\/$/, '');
        clearTimeout(timer);
        resolve(server);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`${name} ${why}. Its output:\n${output.trim() || '(none)'}`));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`did not print "listening on" within ${timeoutMs / 1000} s`);
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      if (!server.url) fail(`exited (${signal ?? `code ${code}`}) before listening`);
    });
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    const server = {
      name,
      url: '',
      pid: child.pid,
      /** Everything the server printed (the tail), for diagnosing failures. */
      output: () => output,
      /** SIGTERM (the gateway finishes in-flight requests), SIGKILL after `graceMs`. */
      stop: (graceMs = 10_000) => stopChild(child, graceMs),
    };
  });

const stopChild = (child, graceMs) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });

/** Stops every server still running. */
export const stopAll = () => Promise.all([...running].map((child) => stopChild(child, 5_000)));

/** Last resort when the process exits without awaiting stopAll (e.g. an uncaught throw). */
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
