'use strict';
// Keyboard-only scenarios on real pages (skip link, text-size switch, the member
// registration form with its error summary) and a check of fillFormByKeyboard itself
// on a fixture form.

const fs = require('fs');
const path = require('path');
const { focusState, tabTo, fillFormByKeyboard } = require('./keyboard');
const { runAxe, formatViolations } = require('./page_checks');
const { cmsFlow } = require('./cms_flow');

function focusLine(f) {
    return f ? `${f.desc} "${f.text}" (outline ${f.outlineStyle} ${f.outlineWidth}, ` +
        `box-shadow ${f.boxShadow})` : 'nothing focused';
}

// Waits for the next document of the page after pressing key.
async function pressAndWaitForLoad(page, key, timeoutMs) {
    const main = page.mainFrame();
    const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === main,
        timeout: timeoutMs });
    await page.keyboard.press(key);
    await navigated;
    await page.waitForLoadState('load', { timeout: timeoutMs });
}

// The first Tab on the home page reaches a visible 「本文へ移動」 link; Enter moves
// to the main content, and the next Tab lands in it (or after it), not in the header.
async function skipLink(page, cfg, tap) {
    const name = 'keyboard skip link';
    try {
        await page.goto(new URL('/', cfg.baseUrl).href, { waitUntil: 'load' });
        await page.keyboard.press('Tab');
        const f = await focusState(page);
        const problems = [];
        if (!f || !f.text.includes('本文へ移動')) {
            problems.push(`first Tab focused ${focusLine(f)}, not the 「本文へ移動」 link`);
        } else {
            if (!f.visible) {
                problems.push(`no visible focus: ${focusLine(f)}`);
            }
            if (!f.inViewport) {
                problems.push('the focused skip link is not on screen');
            }
            const targetId = await page.evaluate(() => {
                const h = document.activeElement.getAttribute('href') || '';
                return h.startsWith('#') ? h.slice(1) : '';
            });
            await page.keyboard.press('Enter');
            await page.keyboard.press('Tab');
            // The next Tab stop must be in the target or after it (a target without
            // links of its own hands the focus to what follows), never before it.
            const after = await page.evaluate((id) => {
                const t = document.getElementById(id);
                const a = document.activeElement;
                return {
                    exists: Boolean(t),
                    ok: Boolean(t && a && (t.contains(a) ||
                        (t.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING))),
                };
            }, targetId);
            if (!after.exists) {
                problems.push(`skip link target #${targetId} does not exist`);
            } else if (!after.ok) {
                problems.push(`after Enter then Tab the focus is before #${targetId}: ` +
                    focusLine(await focusState(page)));
            }
        }
        tap.result(name, problems.length === 0, problems);
    } catch (e) {
        tap.result(name, false, String(e.stack || e));
    }
}

// Is the focused element the 「大」 link of the 文字サイズ group?  The link's text is
// compared without its visually-hidden parts: what a sighted visitor reads on it.
function isLargeSizeLinkInPage() {
    const el = document.activeElement;
    if (!el || el.tagName !== 'A') {
        return false;
    }
    const group = el.closest('[role="group"]');
    if (!group) {
        return false;
    }
    const labelId = group.getAttribute('aria-labelledby');
    const labelEl = labelId ? document.getElementById(labelId) : null;
    const groupName = (labelEl ? labelEl.textContent : group.getAttribute('aria-label') || '')
        .trim();
    const c = el.cloneNode(true);
    c.querySelectorAll('.visually-hidden, .sr-only').forEach((n) => n.remove());
    const text = c.textContent.replace(/\s+/g, ' ').trim();
    return groupName === '文字サイズ' && text === '大';
}

// Drives the text-size switch with the keyboard alone: Tab to the 「大」 link of
// 文字サイズ, check its focus is visible, Enter, and check a new document came back
// with class size-large on <html>.
async function textSizeSwitch(page, cfg, tap) {
    const name = 'keyboard text-size switch';
    const problems = [];
    const info = [];
    try {
        await page.goto(new URL('/', cfg.baseUrl).href, { waitUntil: 'load' });
        const before = await page.evaluate(() => document.documentElement.className);
        if (before.split(/\s+/).includes('size-large')) {
            problems.push(`fresh visitor already has size-large: <html class="${before}">`);
        }
        let tabs = 0;
        let found = false;
        while (tabs < cfg.maxTabs) {
            await page.keyboard.press('Tab');
            tabs++;
            if (await page.evaluate(isLargeSizeLinkInPage)) {
                found = true;
                break;
            }
        }
        if (!found) {
            problems.push(`the 「大」 link of 文字サイズ was not reached in ${cfg.maxTabs} Tabs`);
        } else {
            const f = await focusState(page);
            info.push(`reached after ${tabs} Tab presses: ${focusLine(f)}`);
            if (!f.visible) {
                problems.push(`focus not visible on the 「大」 link: ${focusLine(f)}`);
            }
            await page.evaluate(() => {
                window.__tsunaguBeforeSwitch = true;
            });
            await pressAndWaitForLoad(page, 'Enter', cfg.timeouts.navigationMs);
            const after = await page.evaluate(() => ({
                marker: window.__tsunaguBeforeSwitch === true,
                cls: document.documentElement.className,
                path: location.pathname,
                current: Array.from(document.querySelectorAll('a[aria-current]'))
                    .filter((a) => a.closest('[role="group"]'))
                    .map((a) => a.textContent.replace(/\s+/g, ' ').trim()),
            }));
            if (after.marker) {
                problems.push('Enter did not load a new page');
            }
            if (!after.cls.split(/\s+/).includes('size-large')) {
                problems.push(`after Enter <html class="${after.cls}"> lacks size-large`);
            }
            if (after.path !== '/') {
                problems.push(`after the switch the visitor is at ${after.path}, not back at /`);
            }
            info.push(`after Enter: ${after.path} <html class="${after.cls}">; ` +
                `aria-current on: ${after.current.join(', ')}`);
        }
    } catch (e) {
        problems.push(String(e.stack || e));
    }
    tap.result(name, problems.length === 0, problems.length ? [...problems, ...info] : info);
}

// fillFormByKeyboard on the fixture form: every kind of control it supports.
async function fixtureForm(page, cfg, tap) {
    const name = 'keyboard fillFormByKeyboard on a fixture form';
    const problems = [];
    try {
        const html = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'form.html'), 'utf8');
        await page.setContent(html, { waitUntil: 'load' });
        await fillFormByKeyboard(page, [
            { label: '氏名', value: '山口 花子' },
            { label: 'メールアドレス', value: 'hanako@example.jp' },
            { label: '市町', value: '山口市' },
            { label: '土曜日', value: true },
            { label: '日曜日', value: false },
            { label: '郵便', value: true },
            { label: '備考', value: '平日の夜も\n活動できます' },
        ], { submit: { button: '確認する' }, expectNavigation: false });
        await page.waitForFunction(() => window.submitted !== undefined,
            null, { timeout: cfg.timeouts.actionMs });
        const got = await page.evaluate(() => window.submitted);
        const want = { name: '山口 花子', mail: 'hanako@example.jp', city: 'yamaguchi',
            day: 'sat', contact: 'post', note: '平日の夜も\n活動できます' };
        if (JSON.stringify(got) !== JSON.stringify(want)) {
            problems.push(`submitted ${JSON.stringify(got)}`, `expected ${JSON.stringify(want)}`);
        }
        // A control that is not in the tab order must be reported, not skipped.
        await page.evaluate(() => document.getElementById('mail').setAttribute('tabindex', '-1'));
        let refused = false;
        try {
            const h = await page.getByLabel('メールアドレス', { exact: true }).elementHandle();
            await tabTo(page, h, 'field "メールアドレス"', 30);
        } catch (e) {
            refused = /not reached/.test(String(e.message));
        }
        if (!refused) {
            problems.push('a control removed from the tab order was still "reached"');
        }
    } catch (e) {
        problems.push(String(e.stack || e));
    }
    tap.result(name, problems.length === 0, problems);
}

// The member registration form (/register) with the keyboard alone, as a visitor who
// makes mistakes: the first submission leaves the name empty and the agreement
// unchecked; the answer must be 400 with an error summary (role=alert) whose links
// reach the fields, keep what was typed (never the password), and let the visitor go
// from the summary's first link straight to the field; the corrected form then
// answers 「確認のメールを送りました」.  Both answers are checked with axe here and
// returned (saved as served) for the Nu checker.  The login ID is new for every run.
async function registerForm(page, cfg, tap, ctx) {
    const name = `keyboard member registration ${cfg.register.path}`;
    const problems = [];
    const info = [];
    const pages = [];
    const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
    const login = `kb-${stamp}`;
    const email = `${login}@example.jp`;
    const password = `kb-pass-${stamp}`;
    const memberName = 'やまぐち子ども食堂';
    const opts = { timeoutMs: cfg.timeouts.navigationMs };
    // The form's answer to the next POST of it.  (Awaited only once the form was sent; a
    // failure before that must not leave the wait's rejection unhandled.)
    const answer = () => {
        const p = page.waitForResponse((r) => r.request().method() === 'POST' &&
            new URL(r.url()).pathname === cfg.register.path,
        { timeout: cfg.timeouts.navigationMs });
        p.catch(() => {});
        return p;
    };
    // axe on the page as it is now; the served HTML kept for the Nu checker.
    const checkAnswer = async (response, label) => {
        const violations = await runAxe(page, cfg.axeTags);
        problems.push(...formatViolations(violations, label));
        if (ctx && ctx.htmlDir) {
            const htmlFile = path.join(ctx.htmlDir,
                `scenario-register-${response.status()}.html`);
            fs.writeFileSync(htmlFile, await response.body());
            pages.push({ label: `${cfg.register.path} (${label})`, key: cfg.register.path,
                status: response.status(), htmlFile });
        }
    };
    try {
        const r0 = await page.goto(new URL(cfg.register.path, cfg.baseUrl).href,
            { waitUntil: 'load' });
        if (!r0 || r0.status() !== 200) {
            throw new Error(`GET ${cfg.register.path} answered ${r0 ? r0.status() : 'nothing'}`);
        }
        // The browser's own check of required fields would stop the empty name before it
        // is sent (with the browser's bubble, not the site's message): switched off so
        // that the server's checks and its error summary are what is tested.
        await page.evaluate(() => {
            for (const f of document.forms) {
                f.noValidate = true;
            }
        });
        let answered = answer();
        await fillFormByKeyboard(page, [
            { selector: '#reg-type-group', value: true },
            { selector: '#reg-name', value: '' },
            { selector: '#reg-login', value: login },
            { selector: '#reg-email', value: email },
            { selector: '#reg-password', value: password },
            { selector: '#reg-agree', value: false },
        ], { ...opts, submit: { button: '登録する' } });
        const r1 = await answered;
        if (r1.status() !== 400) {
            problems.push(`with the name empty and no agreement the form answered ` +
                `${r1.status()}, not 400`);
        }
        await checkAnswer(r1, `${r1.status()}, with errors`);

        // The error summary: announced, and a link to each wrong field.
        const summary = await page.evaluate(() => {
            const box = document.querySelector('.error-summary');
            if (!box) {
                return null;
            }
            return {
                role: box.getAttribute('role'),
                links: Array.from(box.querySelectorAll('a[href^="#"]')).map((a) => ({
                    href: a.getAttribute('href'),
                    text: a.textContent.replace(/\s+/g, ' ').trim(),
                    target: Boolean(document.getElementById(a.getAttribute('href').slice(1))),
                })),
                title: document.title,
            };
        });
        if (!summary) {
            throw new Error('no error summary (.error-summary) on the answer');
        }
        info.push(`title "${summary.title}"; summary: ` +
            summary.links.map((l) => `${l.href} 「${l.text}」`).join(', '));
        if (!summary.title.startsWith('入力内容に誤りがあります')) {
            problems.push(`the title "${summary.title}" does not start with ` +
                '「入力内容に誤りがあります」');
        }
        if (summary.role !== 'alert') {
            problems.push(`the error summary has role="${summary.role}", not "alert"`);
        }
        for (const want of ['#reg-name', '#reg-agree']) {
            if (!summary.links.some((l) => l.href === want)) {
                problems.push(`the error summary has no link to ${want}`);
            }
        }
        for (const l of summary.links.filter((x) => !x.target)) {
            problems.push(`error summary link ${l.href} points to no element`);
        }
        // What was typed is kept; the password is not.
        const kept = await page.evaluate(() => ({
            type: (document.querySelector('input[name="member_type"]:checked') || {}).value,
            name: document.getElementById('reg-name').value,
            login: document.getElementById('reg-login').value,
            email: document.getElementById('reg-email').value,
            password: document.getElementById('reg-password').value,
        }));
        const expectKept = { type: 'group', login, email };
        for (const [k, v] of Object.entries(expectKept)) {
            if (kept[k] !== v) {
                problems.push(`${k} not kept: ${JSON.stringify(kept[k])}, ` +
                    `typed ${JSON.stringify(v)}`);
            }
        }
        if (kept.password !== '') {
            problems.push('the password was sent back into the form');
        }

        // The wrong fields are marked for assistive technology too.
        for (const id of ['reg-name', 'reg-agree']) {
            const marked = await page.evaluate((x) => {
                const el = document.getElementById(x);
                const by = (el.getAttribute('aria-describedby') || '').split(/\s+/)
                    .map((d) => document.getElementById(d)).filter(Boolean);
                return el.getAttribute('aria-invalid') === 'true' &&
                    by.some((d) => d.classList.contains('field-error'));
            }, id);
            if (!marked) {
                problems.push(`#${id} lacks aria-invalid="true" or aria-describedby naming ` +
                    'its error message');
            }
        }

        // Tab reaches every link of the summary in turn, each with a visible focus; back
        // to the first with Shift+Tab, Enter: the focus is on its field.
        const links = await page.locator('.error-summary a[href^="#"]').elementHandles();
        let tabs = 0;
        for (const [i, link] of links.entries()) {
            tabs += await tabTo(page, link, `error summary link ${summary.links[i].href}`,
                cfg.maxTabs);
            const lf = await focusState(page);
            if (!lf || !lf.visible) {
                problems.push(`no visible focus on the error summary link: ${focusLine(lf)}`);
            }
            if (i === 0) {
                info.push(`first summary link reached after ${tabs} Tab presses: ` +
                    focusLine(lf));
            }
        }
        for (let i = 1; i < links.length; i++) {
            await page.keyboard.press('Shift+Tab');
        }
        const first = summary.links[0];
        if (!(await links[0].evaluate((el) => el === document.activeElement))) {
            problems.push(`Shift+Tab from the last summary link did not come back to the first: ` +
                focusLine(await focusState(page)));
        }
        await page.keyboard.press('Enter');
        const landed = await page.waitForFunction((id) => document.activeElement &&
            document.activeElement.id === id, first.href.slice(1),
        { timeout: 5000 }).then(() => true, () => false);
        if (!landed) {
            problems.push(`Enter on the summary link ${first.href} left the focus on ` +
                focusLine(await focusState(page)));
        }

        // Correct the form from there, and send it.
        answered = answer();
        await fillFormByKeyboard(page, [
            { selector: '#reg-name', value: memberName },
            { selector: '#reg-password', value: password },
            { selector: '#reg-agree', value: true },
        ], { ...opts, submit: { button: '登録する' } });
        const r2 = await answered;
        const heading = (await page.locator('h1').allInnerTexts()).join(' / ');
        info.push(`after correcting: ${r2.status()}, 「${heading}」`);
        if (r2.status() !== 200) {
            problems.push(`the corrected form answered ${r2.status()}, not 200: ` +
                (await page.locator('.error-summary').allInnerTexts()).join(' '));
        }
        if (!heading.includes(cfg.register.doneHeading)) {
            problems.push(`the heading is 「${heading}」, not 「${cfg.register.doneHeading}」`);
        }
        await checkAnswer(r2, `${r2.status()}, sent`);
    } catch (e) {
        problems.push(String(e.stack || e));
    }
    tap.result(name, problems.length === 0, problems.length ? [...problems, ...info] : info);
    return pages;
}

// Runs every scenario in one fresh context (one page), each starting with no cookies
// (so at the default display settings) and the wide viewport.  Resolves to the pages
// the scenarios saved for the Nu checker ({ label, key, status, htmlFile }).
async function runScenarios(browser, cfg, tap, ctx) {
    const context = await browser.newContext({
        bypassCSP: true,
        viewport: cfg.wide,
        locale: 'ja-JP',
        timezoneId: 'Asia/Tokyo',
        serviceWorkers: 'block',
    });
    context.setDefaultTimeout(cfg.timeouts.actionMs);
    context.setDefaultNavigationTimeout(cfg.timeouts.navigationMs);
    const pages = [];
    try {
        const page = await context.newPage();
        for (const scenario of [skipLink, textSizeSwitch, fixtureForm, registerForm, cmsFlow]) {
            await context.clearCookies();
            await page.setViewportSize(cfg.wide);
            pages.push(...(await scenario(page, cfg, tap, ctx) || []));
        }
    } finally {
        await context.close();
    }
    return pages;
}

module.exports = { runScenarios, skipLink, textSizeSwitch, fixtureForm, registerForm };
