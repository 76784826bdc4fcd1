// Browser test: an officer registers a website, is refused going online,
// fixes every reason and succeeds. Starts its own server with the demo data.
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launchBrowser, run, shots, startServer } from './harness.mjs';

await run('register-system.mjs', async (step) => {
  const { base, password, stop } = await startServer(['--demo']);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', 'officer');
    await page.fill('input[name=password]', 'Demo-Pass-2026');
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/`);

    // 1. Register a website of the chemistry school.
    await page.goto(`${base}/systems`);
    const reg = 'form[action="/systems"][method=post]';
    await page.fill(`${reg} input[name=name]`, '化学虚拟仿真实验平台');
    await page.selectOption(`${reg} select[name=kind]`, 'website');
    await page.selectOption(`${reg} select[name=unit]`, 'chem');
    await page.fill(`${reg} textarea[name=urls]`, 'https://vlab.chem.university.example/');
    await page.check(`${reg} input[name=internet_facing]`);
    await page.click(`${reg} button[type=submit]`);
    await page.waitForURL(/\/systems\/\d+\?ok=system\.created/);
    const url = page.url().split('?')[0];
    assert.match(await page.textContent('h1'), /化学虚拟仿真实验平台\s*规划中/);
    step();

    // 2. Grade it, then start building.
    await page.selectOption('form[action$="/mlps"] select[name=level]', '2');
    await page.click('form[action$="/mlps"] button[type=submit]');
    await page.waitForURL(/ok=system\.saved/);
    await page.click('form[action$="/transition"]:has(input[value=building]) button');
    await page.waitForURL(/ok=system\.saved/);
    assert.match(await page.textContent('h1'), /建设中/);
    step();

    // 3. Going online is refused, with every reason.
    await page.click('form[action$="/transition"]:has(input[value=online]) button.primary, form[action$="/transition"]:has(input[value=online]) button:not(.danger)');
    await page.waitForLoadState();
    const refused = await page.textContent('main');
    assert.match(refused, /不满足条件/);
    for (const reason of ['未完成备案', '缺少防护措施：防火墙', '缺少防护措施：网页防篡改']) {
      assert.ok(refused.includes(reason), `reason shown: ${reason}`);
    }
    assert.match(await page.textContent('h1'), /建设中/);
    await page.screenshot({ path: join(shots, 'system-refused.png'), fullPage: true });
    step();

    // 4. Fix the reasons: the filing, then the protections.
    await page.goto(url);
    await page.selectOption('form[action$="/filing"] select[name=status]', 'filed');
    await page.fill('form[action$="/filing"] input[name=public_security_no]', '11010802009999');
    await page.fill('form[action$="/filing"] input[name=icp_no]', '京ICP备00009999号-1');
    await page.fill('form[action$="/filing"] input[name=filed_on]', '2026-11-01');
    await page.click('form[action$="/filing"] button[type=submit]');
    await page.waitForURL(/ok=system\.saved/);
    await page.check('form[action$="/protections"] input[name=firewall]');
    await page.check('form[action$="/protections"] input[name=tamper_protection]');
    await page.fill('form[action$="/protections"] input[name=tamper_protection_product]', '网页防篡改系统');
    await page.click('form[action$="/protections"] button[type=submit]');
    await page.waitForURL(/ok=system\.saved/);
    step();

    // 5. Now it goes online.
    await page.click('form[action$="/transition"]:has(input[value=online]) button');
    await page.waitForURL(/ok=system\.saved/);
    assert.match(await page.textContent('h1'), /已上线/);
    await page.screenshot({ path: join(shots, 'system-online.png'), fullPage: true });
    step();
  } finally {
    await browser.close();
    stop();
  }
});
