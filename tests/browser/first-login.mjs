// Browser test: sign in as the bootstrap admin, change the forced password,
// create a unit, see it in the list. Starts its own server on a free port
// with a fresh data directory; uses Debian's Chromium (no browser download).
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launchBrowser, run, shots, startServer } from './harness.mjs';

await run('first-login.mjs', async (step) => {
  const { base, password, stop } = await startServer([]);
  const browser = await launchBrowser();
  try {
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
    step();

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
    step();

    // 3. Create a unit from the units page.
    await page.goto(`${base}/units`);
    await page.fill('form[action="/units"][method=post] input[name=code]', 'law');
    await page.fill('form[action="/units"][method=post] input[name=name]', '法学院');
    await page.fill('form[action="/units"][method=post] input[name=name_en]', 'Law School');
    await page.selectOption('form[action="/units"][method=post] select[name=kind]', 'college');
    await page.click('form[action="/units"][method=post] button[type=submit]');
    await page.waitForURL(`${base}/units/law?ok=unit.created`);
    assert.match(await page.textContent('main'), /单位已创建/);
    step();

    // 4. It is in the list.
    await page.goto(`${base}/units`);
    const row = page.locator('table tbody tr', { hasText: '法学院' });
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent(), /Law School/);
    await page.screenshot({ path: join(shots, 'units.png'), fullPage: true });
    step();
  } finally {
    await browser.close();
    stop();
  }
});
