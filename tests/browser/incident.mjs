// Browser test: the monitor found hidden gambling links on the computer
// school's website and opened an incident (the demo holds it); the school's
// network admin opens it from the incident list, follows it to the finding,
// records the reports to the supervising authority and the police with
// their times, keeps a screenshot as evidence; the center grades and closes
// it with the cause and the measures, and downloads the closing report. On a
// desktop screen and at phone width (390 × 844).
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { launchBrowser, run, startServer } from './harness.mjs';

const screens = [
  { tag: 'desktop', viewport: { width: 1280, height: 900 } },
  { tag: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
];

const png = { name: '首页截图.png', mimeType: 'image/png', buffer: Buffer.from('\x89PNG\r\n\x1a\nscreenshot', 'latin1') };

await run('incident.mjs', async (step) => {
  for (const screen of screens) await flow(screen, step);
});

/** A local `datetime-local` value, minutes ago. */
function ago(minutes) {
  const t = new Date(Date.now() - minutes * 60000 - new Date().getTimezoneOffset() * 60000);
  return t.toISOString().slice(0, 16);
}

async function flow(screen, step) {
  const { base, stop } = await startServer(['--demo']);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({
      viewport: screen.viewport, isMobile: !!screen.isMobile, hasTouch: !!screen.hasTouch, locale: 'zh-CN',
      acceptDownloads: true, timezoneId: 'Asia/Shanghai',
    });
    const fits = async (what) => {
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(wide <= 1, `${what} is ${wide}px wider than the ${screen.tag} screen`);
    };
    const login = async (user) => {
      await page.goto(`${base}/login`);
      await page.fill('input[name=username]', user);
      await page.fill('input[name=password]', 'Demo-Pass-2026');
      await page.click('button[type=submit]');
      await page.waitForURL(`${base}/`);
    };
    const logout = async () => {
      await page.click('form[action="/logout"] button');
      await page.waitForURL(/\/login/);
    };
    const main = () => page.textContent('main');

    // 1. The school's network admin finds the incident the monitor opened.
    await login('netadmin.cs');
    await page.goto(`${base}/incidents?state=open`);
    await fits('the incident list');
    const link = page.locator('table a', { hasText: 'casino.example' }).first();
    await link.click();
    await page.waitForURL(/\/incidents\/\d+$/);
    const incident = page.url().match(/\/incidents\/(\d+)/)[1];
    let text = await main();
    assert.match(text, /平台监测/);
    assert.match(text, /计算机学院网站/);
    assert.match(text, /阻断\/暂停运行/);
    assert.match(text, /还剩/, 'a countdown to the reports');
    await fits('the incident');
    // It came from a finding: the link leads to it.
    await page.click('dl.facts a[href^="/findings/"]');
    await page.waitForURL(/\/findings\/\d+/);
    assert.match(await main(), /casino\.example/);
    await page.goBack();
    step();

    // 2. The reports, with their times and to whom; a screenshot kept as evidence.
    for (const [name, minutes, note] of [
      ['reported_supervisor', 20, '电话报告学校网络信息中心'],
      ['reported_police', 10, '报告属地派出所，回执 2026-88'],
    ]) {
      const form = `form[action="/incidents/${incident}/steps"]:has(input[name=step][value=${name}])`;
      await page.fill(`${form} input[name=done_at]`, ago(minutes));
      await page.fill(`${form} input[name=note]`, note);
      await page.click(`${form} button[type=submit]`);
      await page.waitForURL(/ok=incident\.step_ok/);
    }
    text = await main();
    assert.match(text, /报告属地派出所，回执 2026-88/);
    assert.equal(await page.locator(`form:has(input[name=step][value=reported_police])`).count(), 0, 'recorded once');
    await page.setInputFiles(`form[action="/incidents/${incident}/evidence"] input[type=file]`, png);
    await page.fill(`form[action="/incidents/${incident}/evidence"] input[name=description]`, '被植入暗链的首页');
    await page.click(`form[action="/incidents/${incident}/evidence"] button[type=submit]`);
    await page.waitForURL(/ok=incident\.evidence_ok/);
    assert.match(await main(), /SHA-256 [0-9a-f]{64}/);
    // The unit does not grade or close.
    assert.equal(await page.locator(`form[action="/incidents/${incident}/close"]`).count(), 0);
    await logout();
    step();

    // 3. The center grades it, closes it with cause and measures, and downloads the closing report.
    await login('officer');
    await page.goto(`${base}/incidents/${incident}`);
    await page.selectOption(`form[action="/incidents/${incident}/grade"] select[name=grade]`, 'general');
    await page.fill(`form[action="/incidents/${incident}/grade"] input[name=note]`, '暗链可见约1小时，非首页核心内容');
    await page.click(`form[action="/incidents/${incident}/grade"] button[type=submit]`);
    await page.waitForURL(/ok=incident\.graded_ok/);
    // Closing without a cause is refused with the field named.
    const close = `form[action="/incidents/${incident}/close"]`;
    await page.fill(`${close} textarea[name=cause]`, '');
    await page.fill(`${close} textarea[name=measures]`, '清除暗链，修改后台口令');
    await page.click(`${close} button[type=submit]`);
    await page.waitForLoadState();
    assert.match(await main(), /事件原因：必填/);
    await page.fill(`${close} textarea[name=cause]`, 'CMS 插件漏洞被利用植入暗链');
    await page.fill(`${close} textarea[name=measures]`, '清除暗链，升级插件，修改后台口令');
    await page.click(`${close} button[type=submit]`);
    await page.waitForURL(/ok=incident\.closed_ok/);
    text = await main();
    assert.match(text, /已结案/);
    assert.match(text, /CMS 插件漏洞被利用植入暗链/);
    await fits('the closed incident');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click(`a[href="/incidents/${incident}/report.docx"]`),
    ]);
    assert.match(download.suggestedFilename(), /\.docx$/);
    const bytes = readFileSync(await download.path());
    assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'a Word document');
    await page.screenshot({ path: `target/browser/incident-${screen.tag}.png`, fullPage: true });
    step();
  } finally {
    await browser.close();
    stop();
  }
}
