// Browser test: sign in as the bootstrap admin, change the forced password,
// create a unit, see it in the list. Starts its own server on a free port
// with a fresh data directory; uses Debian's Chromium (no browser download).
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';

const root = resolve(import.meta.dirname, '../..');
const bin = process.env.WANGAN_BIN || join(root, 'target/debug/wangan');
const shots = join(root, 'target/browser');
mkdirSync(shots, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'wangan-browser-'));

const server = spawn(bin, ['--data-dir', dataDir, 'serve', '--listen', '127.0.0.1:0'], {
  env: { ...process.env, WANGAN_DATABASE_URL: '', WANGAN_LOG: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
const ready = new Promise((ok, fail) => {
  const timer = setTimeout(() => fail(new Error(`server did not start:\n${out}`)), 15000);
  server.stdout.on('data', (d) => {
    out += d;
    const url = out.match(/Wangan: (http:\/\/127\.0\.0\.1:\d+)\//);
    const pw = out.match(/password: (\S+)/);
    if (url && pw) { clearTimeout(timer); ok({ base: url[1], password: pw[1] }); }
  });
  server.on('exit', (code) => fail(new Error(`server exited (${code}):\n${out}`)));
});

let browser;
let passed = 0;
let failed = 0;
try {
  const { base, password } = await ready;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });

  // 1. Sign in with the password printed at first start.
  await page.goto(`${base}/login`);
  assert.match(await page.title(), /登录/);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/password`);
  assert.match(await page.textContent('main'), /首次登录/);
  await page.screenshot({ path: join(shots, 'password.png') });
  passed++;

  // 2. A weak password is refused with the reason; a strong one is accepted.
  await page.fill('input[name=current]', password);
  await page.fill('input[name=new]', 'admin12345');
  await page.fill('input[name=confirm]', 'admin12345');
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('main'), /不得包含用户名/);
  await page.fill('input[name=current]', password);
  await page.fill('input[name=new]', 'Campus-Guard-2026');
  await page.fill('input[name=confirm]', 'Campus-Guard-2026');
  await page.click('main button[type=submit]');
  await page.waitForURL(/\/account\?ok=password\.changed/);
  assert.match(await page.textContent('main'), /密码已修改/);
  passed++;

  // 3. Create a unit from the units page.
  await page.goto(`${base}/units`);
  await page.fill('form[action="/units"][method=post] input[name=code]', 'law');
  await page.fill('form[action="/units"][method=post] input[name=name]', '法学院');
  await page.fill('form[action="/units"][method=post] input[name=name_en]', 'Law School');
  await page.selectOption('form[action="/units"][method=post] select[name=kind]', 'college');
  await page.click('form[action="/units"][method=post] button[type=submit]');
  await page.waitForURL(`${base}/units/law?ok=unit.created`);
  assert.match(await page.textContent('main'), /单位已创建/);
  passed++;

  // 4. It is in the list.
  await page.goto(`${base}/units`);
  const row = page.locator('table tbody tr', { hasText: '法学院' });
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /Law School/);
  await page.screenshot({ path: join(shots, 'units.png'), fullPage: true });
  passed++;
} catch (e) {
  failed++;
  console.error(e);
} finally {
  if (browser) await browser.close();
  server.kill('SIGINT');
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
