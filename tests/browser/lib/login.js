'use strict';
// The sign-in step: signs the main context of a Visitor in with the test account from
// TSUNAGU_TEST_USER / TSUNAGU_TEST_PASSWORD, by keyboard, through the site's own forms:
// the login form, then for a staff account the second factor.  A staff account's
// first sign-in sets the second factor up (/login/totp/enrol shows the secret; it is
// remembered in cfg.login.totp); later sign-ins type the code on /login/totp.
// Skipped when either variable is unset.

const { fillFormByKeyboard } = require('./keyboard');
const { totpCode, nextStep } = require('./totp');

// True when the configuration names a test account.
function loginConfigured(cfg) {
    return cfg.login.user !== '' && cfg.login.password !== '';
}

// The messages a form shows about what went wrong, for the diagnostics.
async function alerts(page) {
    return page.locator('[role="alert"], .form-errors, .error-summary, .field-error')
        .allInnerTexts().catch(() => []);
}

// Types the second-factor code on the page (enrolment or code form) and submits it.
// Returns the line for the diagnostics.
async function typeCode(page, cfg, what) {
    const totp = cfg.login.totp;
    const step = await nextStep(totp.lastStep);
    const code = totpCode(totp.secret, step);
    await fillFormByKeyboard(page, [
        { selector: cfg.login.totpCodeSelector, value: code },
    ], {
        submit: { selector: cfg.login.totpSubmitSelector },
        timeoutMs: cfg.timeouts.navigationMs,
    });
    // Spent either way: a refused code is not tried again.
    totp.lastStep = step;
    return `${what}: typed the code of step ${step}`;
}

/**
 * login(visitor, opts): signs the visitor's main page in.  Resolves to
 * { ok, detail: [lines], steps: [paths of the second-factor pages met] }.  Never throws:
 * a failed sign-in is a failed test, and the signed-in crawl then still runs (as
 * whatever the site shows).
 *
 * opts.checkStep(path): optional; called on each second-factor page (before its code is
 *   typed) so that the caller can run the page checks on it.  It may load the page
 *   again; the form is loaded afresh afterwards so typing starts from the top.
 */
async function login(visitor, opts = {}) {
    const cfg = visitor.cfg;
    const L = cfg.login;
    const { page } = await visitor.main();
    const url = new URL(L.path, cfg.baseUrl).href;
    const detail = [];
    const steps = [];
    try {
        const response = await page.goto(url, { waitUntil: 'load' });
        if (!response || response.status() >= 400) {
            return { ok: false, steps, detail: [`GET ${L.path} answered ` +
                `${response ? response.status() : 'nothing'}`] };
        }
        let userSelector = null;
        for (const sel of L.userSelectors) {
            if (await page.locator(sel).count() === 1) {
                userSelector = sel;
                break;
            }
        }
        if (!userSelector) {
            return { ok: false, steps, detail: [`no user name field on ${L.path} ` +
                `(tried ${L.userSelectors.join(' | ')})`] };
        }
        await fillFormByKeyboard(page, [
            { selector: userSelector, value: L.user },
            { selector: L.passwordSelector, value: L.password },
        ], {
            submit: { selector: L.submitSelector },
            timeoutMs: cfg.timeouts.navigationMs,
        });
        detail.push(`password accepted: now at ${page.url()}`);

        // The second factor: at most two codes (a refused one counts towards the lock).
        for (let attempt = 0; attempt < 3; attempt++) {
            const at = new URL(page.url());
            const enrol = at.pathname === L.totpEnrolPath;
            if (!enrol && at.pathname !== L.totpPath) {
                break;
            }
            if (attempt === 2) {
                return { ok: false, steps, detail: [...detail, 'two codes refused',
                    ...await alerts(page)] };
            }
            if (!steps.includes(at.pathname)) {
                steps.push(at.pathname);
                if (opts.checkStep) {
                    await opts.checkStep(at.pathname + at.search);
                    await page.goto(at.href, { waitUntil: 'load' });
                }
            }
            if (enrol) {
                // A new secret for every showing of the page: the one on screen now.
                const shown = page.locator(L.totpSecretSelector);
                if (await shown.count() !== 1) {
                    return { ok: false, steps, detail: [...detail,
                        `no secret (${L.totpSecretSelector}) on ${at.pathname}`] };
                }
                L.totp.secret = (await shown.innerText()).replace(/\s+/g, '');
                L.totp.lastStep = null;
                detail.push(await typeCode(page, cfg, 'second factor set up'));
            } else {
                if (!L.totp.secret) {
                    return { ok: false, steps, detail: [...detail, `${at.pathname} asks for ` +
                        'a code, but no secret is known: the account set up its second ' +
                        'factor before this run (set TSUNAGU_TEST_TOTP_SECRET)'] };
                }
                detail.push(await typeCode(page, cfg, 'second factor'));
            }
            detail.push(`now at ${page.url()}`);
        }

        // Signed in when the resulting page is none of the sign-in forms.
        const now = new URL(page.url()).pathname;
        const forms = await page.locator(`${L.passwordSelector}, ${L.totpCodeSelector}`).count();
        if (forms > 0 || [L.path, L.totpPath, L.totpEnrolPath].includes(now)) {
            return { ok: false, steps, detail: [...detail,
                `still on a sign-in form at ${page.url()}`, ...await alerts(page)] };
        }
        return { ok: true, steps, detail: [`signed in as ${L.user}; now at ${page.url()}`,
            ...detail] };
    } catch (e) {
        return { ok: false, steps, detail: [...detail, String(e.message || e)] };
    }
}

module.exports = { login, loginConfigured };
