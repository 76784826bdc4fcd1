// One page, part of it, for a person to look at (not a test):
//   node tests/browser/clip.mjs BASE USER PASSWORD PATH OUT.png [Y] [WIDTHxHEIGHT]
import { chromium } from 'playwright-core';
const [base, user, password, path, out, y = '0', size = '1280x900'] = process.argv.slice(2);
const [width, height] = size.split('x').map(Number);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width, height }, isMobile: width < 700, locale: 'zh-CN' });
await page.goto(`${base}/login`);
await page.fill('input[name=username]', user);
await page.fill('input[name=password]', password);
await page.click('button[type=submit]');
await page.waitForLoadState();
await page.goto(base + path);
await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: Number(y), width, height } });
await browser.close();
