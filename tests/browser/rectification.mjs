// Browser test: the center records a notice; the unit's network admin writes
// and submits the rectification report; the unit's leader approves it; the
// center accepts it; then the center issues the shutdown order the ladder
// proposed for another overdue system. Runs on a desktop screen and again at
// phone width (390 × 844: links in WeCom and DingTalk open on phones). Starts
// its own server with the demo data for each run.
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launchBrowser, run, shots, startServer } from './harness.mjs';

const screens = [
  { tag: 'desktop', viewport: { width: 1280, height: 900 } },
  { tag: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
];

await run('rectification.mjs', async (step) => {
  for (const screen of screens) await flow(screen, step);
});

async function flow(screen, step) {
  const { base, stop } = await startServer(['--demo']);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({
      viewport: screen.viewport, isMobile: !!screen.isMobile, hasTouch: !!screen.hasTouch, locale: 'zh-CN',
    });
    // Nothing wider than the screen: a page that scrolls sideways as a whole is broken on a phone.
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
    await fits('the rectification page');
    await page.screenshot({ path: join(shots, `rectification-accepted-${screen.tag}.png`), fullPage: true });
    step();

    // 5. The report downloads as a Word document.
    const resp = await page.request.get(`${rect}/report.docx`);
    assert.equal(resp.status(), 200);
    assert.match(resp.headers()['content-type'], /wordprocessingml/);
    const bytes = await resp.body();
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');
    step();

    // 6. The ladder proposed a shutdown for the mathematics school's site: the officer
    // finds it from the navigation and issues the 责令关停通知.
    await page.click('nav.main a[href="/shutdown-orders"]');
    await page.waitForURL(/\/shutdown-orders$/);
    await page.click('nav.filters a[href="/shutdown-orders?state=proposed"]');
    await page.waitForURL(/state=proposed/);
    await fits('the list of shutdown orders');
    await page.click('a:has-text("数学学院网站")');
    await page.waitForURL(/\/shutdown-orders\/\d+$/);
    assert.match(await page.textContent('h1'), /待中心决定/);
    await page.fill('form[action$="/issue"] textarea[name=note]', '请立即停止对外服务。');
    await page.click('form[action$="/issue"] button[type=submit]');
    await page.waitForURL(/ok=order\.issued/);
    assert.match(await page.textContent('h1'), /已关停/);
    const facts = await page.textContent('dl.facts');
    assert.match(facts, /〔\d{4}〕第\d{3}号/, 'the order has its number');
    assert.match(facts, /请立即停止对外服务/);
    await fits('the shutdown order');
    await page.screenshot({ path: join(shots, `shutdown-order-${screen.tag}.png`), fullPage: true });
    const docx = await page.request.get(`${page.url().split('?')[0]}/notice.docx`);
    assert.equal(docx.status(), 200);
    assert.equal((await docx.body()).subarray(0, 2).toString(), 'PK');
    step();
  } finally {
    await browser.close();
    stop();
  }
}
