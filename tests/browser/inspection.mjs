// Browser test: the center launches a self-inspection for the computer
// school; its network admin answers the checklist system by system (every
// item, a failure with its reason, evidence files where the checklist asks
// for them) and submits; the school's head approves; the center sees the
// unit done and exports the progress. On a desktop screen and at phone width
// (390 × 844). Starts its own server with the demo data for each run.
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launchBrowser, run, shots, startServer } from './harness.mjs';

const screens = [
  { tag: 'desktop', viewport: { width: 1280, height: 900 } },
  { tag: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
];

const pdf = { name: '证明材料.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% evidence\n%%EOF\n') };

await run('inspection.mjs', async (step) => {
  for (const screen of screens) await flow(screen, step);
});

async function flow(screen, step) {
  const { base, stop } = await startServer(['--demo']);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({
      viewport: screen.viewport, isMobile: !!screen.isMobile, hasTouch: !!screen.hasTouch, locale: 'zh-CN',
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

    // 1. The center launches the campaign for the computer school.
    await login('officer');
    await page.goto(`${base}/campaigns`);
    const form = 'form[action="/campaigns"][method=post]';
    await page.fill(`${form} input[name=title]`, '2027年度网络与信息安全自查');
    const due = new Date(Date.now() + 14 * 86400000).toISOString().slice(0, 10);
    await page.fill(`${form} input[name=due_on]`, due);
    await page.check(`${form} input[name=units][value=cs]`);
    await fits('the campaigns page');
    await page.click(`${form} button[type=submit]`);
    await page.waitForURL(/\/campaigns\/\d+\?ok=campaign\.launched_ok/);
    const campaign = page.url().match(/\/campaigns\/(\d+)/)[1];
    assert.match(await page.textContent('main'), /计算机科学与技术学院/);
    assert.match(await page.textContent('main'), /填写中/);
    await logout();
    step();

    // 2. The school's network admin answers each system.
    await login('netadmin.cs');
    await page.goto(`${base}/campaigns`);
    await page.click(`a[href="/campaigns/${campaign}"]`);
    await page.click(`a[href="/campaigns/${campaign}/units/cs"]`);
    await page.waitForURL(new RegExp(`/campaigns/${campaign}/units/cs`));
    await fits('the answer form');
    // Submitting is not offered while items are open.
    assert.match(await page.textContent('main'), /还有系统未填写完整/);
    let systems = 0;
    for (;;) {
      const rows = await page.$$('form#answers tr[id^="item-"]');
      assert.ok(rows.length >= 30, `the checklist has ${rows.length} items`);
      for (const row of rows) {
        const key = (await row.getAttribute('id')).slice(5);
        if (key === '7.2') {
          await row.$eval(`input[value=fail]`, (r) => r.click());
          await page.fill(`input[name="comment:${key}"]`, '尚未做过恢复测试，已列入计划');
        } else {
          await row.$eval(`input[value=pass]`, (r) => r.click());
          if ((await row.textContent()).includes('须附证明材料')) {
            await page.setInputFiles(`input[name="evidence:${key}"]`, pdf);
          }
        }
      }
      await page.click('form#answers button[type=submit]');
      await page.waitForURL(/ok=campaign\.saved/);
      systems++;
      const left = await page.$$('nav.filters a .muted');
      if (left.length === 0) break;
      assert.ok(systems < 10, 'the systems get done');
    }
    assert.ok(systems >= 1);
    assert.match(await page.textContent('main'), /证明材料\.pdf/);
    await page.screenshot({ path: join(shots, `inspection-answered-${screen.tag}.png`), fullPage: true });
    await page.fill('form[action$="/submit"] textarea[name=note]', '已逐项自查，如实填写。');
    await page.click('form[action$="/submit"] button[type=submit]');
    await page.waitForURL(/ok=campaign\.submitted_ok/);
    assert.match(await page.textContent('main'), /待负责人审核/);
    // Locked once submitted: no answer form.
    assert.equal(await page.$('form#answers input[type=radio]'), null);
    await logout();
    step();

    // 3. The head approves.
    await login('leader.cs');
    await page.goto(`${base}/campaigns/${campaign}/units/cs`);
    await fits('the approval page');
    await page.click('form[action$="/decide"] button[value=approve]');
    await page.waitForURL(/ok=campaign\.approved_ok/);
    assert.match(await page.textContent('main'), /已完成/);
    await logout();
    step();

    // 4. The center sees the unit done, with its failed item, and exports the progress.
    await login('officer');
    await page.goto(`${base}/campaigns/${campaign}`);
    const main = await page.textContent('main');
    assert.match(main, /已完成 1 \/ 1/);
    await fits('the campaign page');
    await page.screenshot({ path: join(shots, `inspection-done-${screen.tag}.png`), fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click(`a[href="/campaigns/${campaign}/progress.xlsx"]`),
    ]);
    assert.match(download.suggestedFilename(), /\.xlsx$/);
    step();
  } finally {
    await browser.close();
    stop();
  }
}
