// Shared by the browser tests: a wangan server on a free port with a fresh
// data directory, and Debian's Chromium, headless.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Servers still running: stopped before the process exits, even after a failure. */
const running = new Set();

export const root = resolve(import.meta.dirname, '../..');
export const shots = join(root, 'target/browser');
mkdirSync(shots, { recursive: true });

/** Start `wangan serve` with extra arguments; resolves to { base, password, stop }. */
export function startServer(extra = []) {
  const bin = process.env.WANGAN_BIN || join(root, 'target/debug/wangan');
  const dataDir = mkdtempSync(join(tmpdir(), 'wangan-browser-'));
  const server = spawn(bin, ['--data-dir', dataDir, 'serve', ...extra, '--listen', '127.0.0.1:0'], {
    env: { ...process.env, WANGAN_DATABASE_URL: '', WANGAN_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The server writes its audit anchor as it stops: remove its directory after it has exited.
  const stop = () => {
    running.delete(stop);
    server.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
    server.kill('SIGINT');
  };
  running.add(stop);
  let out = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => { stop(); fail(new Error(`server did not start:\n${out}`)); }, 30000);
    server.stdout.on('data', (d) => {
      out += d;
      const url = out.match(/Wangan: (http:\/\/127\.0\.0\.1:\d+)\//);
      if (url) {
        clearTimeout(timer);
        // The first admin password is written to a file (stdout is no terminal here).
        const file = join(dataDir, 'initial-admin-password');
        const password = existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
        ok({ base: url[1], password, stop });
      }
    });
    server.on('exit', (code) => fail(new Error(`server exited (${code}):\n${out}`)));
  });
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Run numbered steps; print the plain "N passed, N failed" line; exit 1 on failure. */
export async function run(name, body) {
  let passed = 0;
  let failed = 0;
  try {
    await body(() => { passed++; });
  } catch (e) {
    failed++;
    console.error(`${name}:`, e);
  }
  console.log(`browser: ${passed} passed, ${failed} failed`);
  for (const stop of [...running]) stop();
  // Give the servers a moment to write their audit anchor and go.
  await new Promise((r) => setTimeout(r, 300));
  process.exit(failed ? 1 : 0);
}
