// Screenshots of the main pages for a person to look at (not a test):
//   node tests/browser/screenshots.mjs http://127.0.0.1:8080 USER PASSWORD [OUTDIR] [WIDTHxHEIGHT]
// Needs a running server (e.g. `wangan serve --demo`). `390x844` looks at it as a phone does.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base = 'http://127.0.0.1:8080', user = 'officer', password = 'Demo-Pass-2026', out = 'target/screenshots', size = '1280x900'] =
  process.argv.slice(2);
const [width, height] = size.split('x').map(Number);
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width, height }, isMobile: width < 700, locale: 'zh-CN' });
await page.goto(`${base}/login`);
await page.screenshot({ path: join(out, 'login.png') });
await page.fill('input[name=username]', user);
await page.fill('input[name=password]', password);
await page.click('button[type=submit]');
await page.waitForLoadState();
for (const [name, path] of [['dashboard', '/'], ['units', '/units'], ['unit', '/units/cs'], ['people', '/people'],
  ['person', '/people/1'], ['systems', '/systems'], ['system', '/systems/14'], ['leadership', '/leadership'], ['audit', '/audit'], ['users', '/users'], ['account', '/account'],
  ['notices', '/notices'], ['notice', '/notices/1'], ['rectifications', '/rectifications'], ['rectification', '/rectifications/1'],
  ['rectification-closed', '/rectifications/7'], ['channels', '/channels'], ['deliveries', '/deliveries'],
  ['monitors', '/monitors'], ['monitor', '/monitors/1'], ['findings', '/findings'], ['finding', '/findings/1'],
  ['shutdown-orders', '/shutdown-orders'], ['shutdown-order', '/shutdown-orders/1'], ['violations', '/violations'],
  ['golive-requests', '/golive-requests'], ['campaigns', '/campaigns'], ['campaign', '/campaigns/1'],
  ['campaign-unit', '/campaigns/2/units/cs'], ['campaign-unit-done', '/campaigns/1/units/cs'], ['checklist', '/checklists/1'],
  ['scores', '/scores'], ['score', '/scores/cs']]) {
  await page.goto(base + path);
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
}
await browser.close();
console.log(`screenshots in ${out}`);
