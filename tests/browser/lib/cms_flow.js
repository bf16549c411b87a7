'use strict';
// The staff CMS end to end, by keyboard alone, as two members of staff:
//   1. an editor signs in, writes a notice (お知らせ) on /admin/content/notice/new,
//      reads the confirmation screen, saves it and sends it to review (確認に回す);
//   2. a second member of staff (a system administrator) signs in, opens the item
//      from the list of items waiting for review and approves it (承認して公開する);
//   3. a visitor finds the notice on the public list and reads it.
// Every page met on the way is checked with axe-core and kept for the Nu checker.
// The two accounts come from tests/browser/run (TSUNAGU_TEST_EDITOR,
// TSUNAGU_TEST_APPROVER and their passwords); without them the scenario is skipped.

const fs = require('fs');
const path = require('path');
const { fillFormByKeyboard } = require('./keyboard');
const { runAxe, formatViolations } = require('./page_checks');
const { login } = require('./login');

function accounts() {
    const e = process.env;
    if (!e.TSUNAGU_TEST_EDITOR || !e.TSUNAGU_TEST_EDITOR_PASSWORD ||
        !e.TSUNAGU_TEST_APPROVER || !e.TSUNAGU_TEST_APPROVER_PASSWORD) {
        return null;
    }
    return {
        editor: { user: e.TSUNAGU_TEST_EDITOR, password: e.TSUNAGU_TEST_EDITOR_PASSWORD },
        approver: { user: e.TSUNAGU_TEST_APPROVER, password: e.TSUNAGU_TEST_APPROVER_PASSWORD },
    };
}

async function cmsFlow(page, cfg, tap, ctx) {
    const name = 'staff CMS: an editor writes a notice, another staff member publishes it';
    const who = accounts();
    if (!who) {
        tap.result(`${name} # SKIP no editor and approver accounts`, true, []);
        return [];
    }
    const problems = [];
    const info = [];
    const pages = [];
    const opts = { timeoutMs: cfg.timeouts.navigationMs };
    const stamp = Date.now().toString(36);
    const title = `ブラウザー検査のお知らせ ${stamp}`;
    const body = `交流コーナーの **予約方法** が変わります。\n\n- 電話\n- 窓口\n\n（${stamp}）`;

    // axe on the page as it is now; the HTML kept for the Nu checker under label.
    const check = async (label) => {
        // The page as served, before axe-core adds its script to it.
        const html = await page.content();
        const violations = await runAxe(page, cfg.axeTags);
        problems.push(...formatViolations(violations, label));
        if (ctx && ctx.htmlDir) {
            const htmlFile = path.join(ctx.htmlDir, `scenario-cms-${pages.length}.html`);
            fs.writeFileSync(htmlFile, html);
            pages.push({ label: `CMS: ${label}`, key: new URL(page.url()).pathname,
                status: 200, htmlFile });
        }
    };
    // Signs page in as account (a fresh account sets its second factor up).
    const signIn = async (account) => {
        await page.context().clearCookies();
        const visitor = {
            cfg: { ...cfg, login: { ...cfg.login, user: account.user, password: account.password,
                totp: { secret: null, lastStep: null } } },
            main: async () => ({ page }),
        };
        const r = await login(visitor);
        if (!r.ok) {
            throw new Error(`sign-in as ${account.user} failed: ${r.detail.join(' | ')}`);
        }
        info.push(`signed in as ${account.user}`);
    };
    const heading = async () => (await page.locator('h1').allInnerTexts()).join(' / ');

    try {
        // 1. The editor writes the notice and sends it to review.
        await signIn(who.editor);
        await page.goto(new URL('/admin/content/notice/new', cfg.baseUrl).href,
            { waitUntil: 'load' });
        await check('new notice form');
        await fillFormByKeyboard(page, [
            { selector: '#f-title', value: title },
            { selector: '#f-body', value: body },
        ], { ...opts, submit: { button: '確認画面へ進む' } });
        info.push(`after the form: 「${await heading()}」`);
        if (!(await page.content()).includes('まだ保存されていません')) {
            throw new Error(`no confirmation screen: 「${await heading()}」 ` +
                (await page.locator('.error-summary').allInnerTexts()).join(' '));
        }
        await check('confirmation screen');
        await fillFormByKeyboard(page, [], { ...opts, submit: { button: '保存する' } });
        const saved = new URL(page.url());
        const m = saved.pathname.match(/^\/admin\/content\/notice\/(\d+)$/);
        if (!m) {
            throw new Error(`saving went to ${page.url()}, not the item's page`);
        }
        const itemPath = saved.pathname;
        info.push(`saved as ${itemPath}`);
        await check('edit screen after saving');
        await fillFormByKeyboard(page, [], { ...opts, submit: { button: '確認に回す' } });
        if (!(await page.content()).includes('確認に回しました')) {
            problems.push(`no confirmation that it went to review at ${page.url()}`);
        }

        // 2. Another member of staff approves it, found through the review list.
        await signIn(who.approver);
        await page.goto(new URL('/admin/content/notice?status=review', cfg.baseUrl).href,
            { waitUntil: 'load' });
        await check('list of notices waiting for review');
        const link = page.locator(`a[href="${itemPath}"]`);
        if (await link.count() !== 1) {
            throw new Error(`the review list does not link to ${itemPath}`);
        }
        await link.focus();
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
            page.keyboard.press('Enter')]);
        await check('the item, for the approver');
        await fillFormByKeyboard(page, [], { ...opts,
            submit: { button: '承認して公開する' } });
        if (!(await page.content()).includes('承認しました')) {
            problems.push(`no confirmation of the approval at ${page.url()}: ` +
                (await page.locator('.error-summary').allInnerTexts()).join(' '));
        }

        // 3. A visitor finds it on the public site.
        await page.context().clearCookies();
        await page.goto(new URL('/notices', cfg.baseUrl).href, { waitUntil: 'load' });
        const pub = page.locator('a', { hasText: title });
        if (await pub.count() < 1) {
            throw new Error('the notice is not on the public list /notices');
        }
        await pub.first().focus();
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
            page.keyboard.press('Enter')]);
        const text = await page.locator('main').innerText();
        if (!text.includes(title) || !text.includes('予約方法')) {
            problems.push(`the public page ${page.url()} lacks the title or the body`);
        }
        if ((await page.locator('main strong', { hasText: '予約方法' }).count()) !== 1) {
            problems.push('the Markdown emphasis was not rendered on the public page');
        }
        info.push(`public at ${page.url()}`);
        await check('the published notice');
    } catch (e) {
        problems.push(String(e.stack || e));
    }
    tap.result(name, problems.length === 0, problems.length ? [...problems, ...info] : info);
    return pages;
}

module.exports = { cmsFlow };
