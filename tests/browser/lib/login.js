'use strict';
// The optional sign-in step: signs the main context of a Visitor in with the test
// account from TSUNAGU_TEST_USER / TSUNAGU_TEST_PASSWORD, by keyboard, through the
// site's own login form.  Skipped when either variable is unset.

const { fillFormByKeyboard } = require('./keyboard');

// True when the configuration names a test account.
function loginConfigured(cfg) {
    return cfg.login.user !== '' && cfg.login.password !== '';
}

// Signs in; resolves to { ok, detail: [lines] }.  Never throws: a failed sign-in is a
// failed test, and the signed-in crawl then still runs (as whatever the site shows).
async function login(visitor) {
    const cfg = visitor.cfg;
    const { page } = await visitor.main();
    const url = new URL(cfg.login.path, cfg.baseUrl).href;
    try {
        const response = await page.goto(url, { waitUntil: 'load' });
        if (!response || response.status() >= 400) {
            return { ok: false, detail: [`GET ${cfg.login.path} answered ` +
                `${response ? response.status() : 'nothing'}`] };
        }
        let userSelector = null;
        for (const sel of cfg.login.userSelectors) {
            if (await page.locator(sel).count() === 1) {
                userSelector = sel;
                break;
            }
        }
        if (!userSelector) {
            return { ok: false, detail: [`no user name field on ${cfg.login.path} ` +
                `(tried ${cfg.login.userSelectors.join(' | ')})`] };
        }
        await fillFormByKeyboard(page, [
            { selector: userSelector, value: cfg.login.user },
            { selector: cfg.login.passwordSelector, value: cfg.login.password },
        ], {
            submit: { selector: cfg.login.submitSelector },
            timeoutMs: cfg.timeouts.navigationMs,
        });
        // Signed in when the resulting page no longer asks for a password.
        const stillForm = await page.locator(cfg.login.passwordSelector).count();
        if (stillForm > 0) {
            const alert = await page.locator('[role="alert"], .form-errors, .error-summary')
                .allInnerTexts().catch(() => []);
            return { ok: false, detail: [`still on a login form at ${page.url()}`, ...alert] };
        }
        return { ok: true, detail: [`signed in as ${cfg.login.user}; now at ${page.url()}`] };
    } catch (e) {
        return { ok: false, detail: [String(e.message || e)] };
    }
}

module.exports = { login, loginConfigured };
