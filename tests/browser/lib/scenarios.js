'use strict';
// Keyboard-only scenarios on real pages (skip link, text-size switch) and a check of
// fillFormByKeyboard itself on a fixture form, so it is known to work before the first
// real form needs it.

const fs = require('fs');
const path = require('path');
const { focusState, tabTo, fillFormByKeyboard } = require('./keyboard');

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

// Runs every scenario in one fresh context (one page), each starting with no cookies
// (so at the default display settings) and the wide viewport.
async function runScenarios(browser, cfg, tap) {
    const context = await browser.newContext({
        bypassCSP: true,
        viewport: cfg.wide,
        locale: 'ja-JP',
        timezoneId: 'Asia/Tokyo',
        serviceWorkers: 'block',
    });
    context.setDefaultTimeout(cfg.timeouts.actionMs);
    context.setDefaultNavigationTimeout(cfg.timeouts.navigationMs);
    try {
        const page = await context.newPage();
        for (const scenario of [skipLink, textSizeSwitch, fixtureForm]) {
            await context.clearCookies();
            await page.setViewportSize(cfg.wide);
            await scenario(page, cfg, tap);
        }
    } finally {
        await context.close();
    }
}

module.exports = { runScenarios, skipLink, textSizeSwitch, fixtureForm };
