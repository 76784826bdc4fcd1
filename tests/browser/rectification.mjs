// Browser test: the center records a notice; the unit's network admin writes
// and submits the rectification report; the unit's leader approves it; the
// center accepts it. Starts its own server with the demo data.
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launchBrowser, run, shots, startServer } from './harness.mjs';

await run('rectification.mjs', async (step) => {
  const { base, stop } = await startServer(['--demo']);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
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

    // 1. The center records a notice about the computer school's online judge.
    await login('officer');
    await page.goto(`${base}/notices`);
    const form = 'form[action="/notices"][method=post]';
    await page.selectOption(`${form} select[name=source]`, 'edusrc');
    await page.fill(`${form} input[name=reference]`, 'EDUSRC-2026-12001');
    await page.selectOption(`${form} select[name=severity]`, 'high');
    await page.fill(`${form} input[name=title]`, '在线评测平台存在未授权访问');
    await page.fill(`${form} input[name=vuln_type]`, '未授权访问');
    await page.fill(`${form} textarea[name=systems]`, 'https://oj.university.example/');
    await page.click(`${form} button[type=submit]`);
    await page.waitForURL(/\/notices\/\d+\?ok=notice\.created/);
    assert.match(await page.textContent('main'), /程序设计在线评测/);
    assert.match(await page.textContent('main'), /已下发/);
    const rectLink = await page.getAttribute('a[href^="/rectifications/"]', 'href');
    const rect = `${base}${rectLink}`;
    await logout();
    step();

    // 2. The unit's admin: an incomplete report is refused with the missing fields, then a full one is submitted.
    await login('netadmin.cs');
    await page.goto(rect);
    await page.fill('textarea[name=measures]', '关闭未授权接口，增加登录校验。');
    await page.click('button[name=action][value=submit]');
    await page.waitForLoadState();
    const refused = await page.textContent('.flash.err');
    assert.match(refused, /漏洞情况：必填/);
    assert.match(refused, /整改验证：必填/);
    assert.match(refused, /整改完成时间：必填/);
    await page.fill('textarea[name=vulnerability]', '评测平台管理接口可未登录访问。');
    await page.fill('textarea[name=cause]', '接口鉴权配置遗漏。');
    await page.fill('textarea[name=verification]', '复测：未登录访问接口返回 401。');
    await page.fill('input[name=completed_on]', new Date().toISOString().slice(0, 10));
    await page.check('input[name=offline_repair]');
    await page.click('button[name=action][value=submit]');
    await page.waitForURL(/ok=rect\.submitted/);
    assert.match(await page.textContent('h1'), /待单位审批/);
    assert.equal(await page.locator('form[action$="/approve"]').count(), 0, 'the admin does not approve');
    await logout();
    step();

    // 3. The unit's leader approves.
    await login('leader.cs');
    await page.goto(rect);
    assert.match(await page.textContent('main'), /评测平台管理接口可未登录访问/);
    await page.click('form[action$="/approve"] button');
    await page.waitForURL(/ok=rect\.approved/);
    assert.match(await page.textContent('h1'), /待中心审核/);
    await logout();
    step();

    // 4. The center: a rejection needs a comment; then it accepts.
    await login('officer');
    await page.goto(rect);
    await page.click('form[action$="/review"] button[value=reject]');
    await page.waitForLoadState();
    assert.match(await page.textContent('.flash.err'), /审核意见：必填/);
    await page.fill('form[action$="/review"] textarea[name=comment]', '整改到位，同意。');
    await page.click('form[action$="/review"] button[value=accept]');
    await page.waitForURL(/ok=rect\.accepted/);
    assert.match(await page.textContent('h1'), /已完成/);
    const history = await page.textContent('ul.history');
    for (const word of ['下发整改', '提交整改报告', '单位审批', '审核通过']) assert.ok(history.includes(word), `history: ${word}`);
    await page.screenshot({ path: join(shots, 'rectification-accepted.png'), fullPage: true });
    step();

    // 5. The report downloads as a Word document.
    const resp = await page.request.get(`${rect}/report.docx`);
    assert.equal(resp.status(), 200);
    assert.match(resp.headers()['content-type'], /wordprocessingml/);
    const bytes = await resp.body();
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');
    step();
  } finally {
    await browser.close();
    stop();
  }
});
