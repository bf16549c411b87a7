'use strict';
// Tsunagu's real-browser checks.  Needs a running server at TSUNAGU_BASE_URL (the
// `run` script next to this file starts one with demo data and sets it).
//
// For every page reachable from the start paths (config.js), as an anonymous visitor
// and, when TSUNAGU_TEST_USER / TSUNAGU_TEST_PASSWORD are set, signed in (by keyboard,
// with the staff's second factor; the second-factor pages are checked too):
//   http      the status (no 5xx; the deliberate unknown path answers 404)
//   lang      <html lang="ja">
//   focus     every Tab stop shows a visible focus indicator; no keyboard trap
//   axe       axe-core, WCAG 2.0 A + AA rules: zero violations (key pages: in every
//             background colour, at 1280 px and 320 px)
//   reflow    no horizontal scrolling at 320 px (key pages: at every text size)
//   title     non-empty, and unique among the pages that answered 2xx
//   vnu       Nu HTML Checker on the HTML as served: zero errors
// plus: the crawls submitted no form, the signed-in crawl left the visitor signed in,
// a second sign-in types a code on /login/totp, keyboard scenarios (skip link,
// text-size switch, fillFormByKeyboard on a fixture form, the member registration form
// with its error summary) and a last health check of the server.  Prints TAP and ends
// with "N passed, N failed"; exits 1 on any failure.  Screenshots of the key pages go
// to artifacts/screenshots/, the served HTML and a JSON report to artifacts/browser/.

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const cfg = require('./config');
const { Tap } = require('./lib/tap');
const { Visitor, crawl, checkPath, checkTitles } = require('./lib/crawl');
const { runVnu, formatVnu, vnuVersion } = require('./lib/vnu');
const { login, loginConfigured } = require('./lib/login');
const { runScenarios } = require('./lib/scenarios');

const tap = new Tap(process.env.TSUNAGU_TEST_VERBOSE === '1');
let browser = null;

// Interrupted (Ctrl-C, or the run script stopping): report it and exit at once; the
// browser is killed by Playwright's exit hook.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
        tap.result('run not interrupted', false, `stopped by ${sig}`);
        process.exit(tap.finish());
    });
}

// The whole run has a deadline so a hung browser or server cannot stall CI.
const watchdog = setTimeout(() => {
    tap.result(`run finished within ${cfg.timeouts.totalS} s`, false,
        'stopped: raise TSUNAGU_BROWSER_TIMEOUT if the machine is just slow');
    const code = tap.finish();
    if (browser) {
        browser.close().catch(() => {});
    }
    process.exit(code);
}, cfg.timeouts.totalS * 1000);
watchdog.unref();

async function serverHealthy() {
    try {
        const r = await fetch(new URL('/healthz', cfg.baseUrl), { redirect: 'manual' });
        return { ok: r.status === 200, detail: `GET /healthz: ${r.status}` };
    } catch (e) {
        return { ok: false, detail: `GET /healthz: ${e.cause ? e.cause.code || e.cause : e}` };
    }
}

function prepareArtifacts() {
    const htmlDir = path.join(cfg.artifacts, 'browser', 'html');
    const screenshotDir = path.join(cfg.artifacts, 'screenshots');
    fs.rmSync(htmlDir, { recursive: true, force: true });
    fs.mkdirSync(htmlDir, { recursive: true });
    fs.mkdirSync(screenshotDir, { recursive: true });
    return { htmlDir, screenshotDir };
}

// The crawl submits no form: every request its pages made was a GET (or HEAD).
function checkNoForms(visitor, tap) {
    tap.result(`crawl submitted no form${visitor.name ? ` (${visitor.name})` : ''}`,
        visitor.formRequests.length === 0, visitor.formRequests.slice(0, 20));
}

// The anonymous crawl, then the keyboard scenarios.  Resolves to the page records
// (the scenarios' pages too, for the Nu checker).
async function anonymousLane(browser, ctx) {
    const { cfg, tap } = ctx;
    const visitor = new Visitor(browser, cfg, '');
    let pages = [];
    try {
        pages = await crawl(visitor, ctx);
        checkTitles(pages, tap);
        checkNoForms(visitor, tap);
    } finally {
        await visitor.close();
    }
    return pages.concat(await runScenarios(browser, cfg, tap, ctx));
}

// Signed in as the test account: the sign-in by keyboard (the second-factor pages met
// on the way are checked like crawled pages), the crawl from the start paths, a check
// that the crawl left the visitor signed in, then a second sign-in in a new browser
// context, which types a code on the second-factor form instead of setting one up.
async function signedInLane(browser, ctx) {
    const { cfg, tap } = ctx;
    if (!loginConfigured(cfg)) {
        tap.note('login skipped: TSUNAGU_TEST_USER / TSUNAGU_TEST_PASSWORD not set');
        return [];
    }
    const steps = [];
    const checkStepOf = (visitor) => async (p) => {
        const rec = await checkPath(visitor, ctx, p);
        if (rec) {
            steps.push(rec);
        }
    };
    const visitor = new Visitor(browser, cfg, 'signed in');
    let pages = [];
    let first;
    try {
        first = await login(visitor, { checkStep: checkStepOf(visitor) });
        // The variant context (if the checks of a second-factor page made one) holds the
        // half-way session: start it afresh from the signed-in cookies.
        await visitor.dropVariant();
        tap.result(`login ${cfg.login.path}` + (first.steps.length
            ? ` (second factor: ${first.steps.join(', ')})` : ''), first.ok, first.detail);
        pages = await crawl(visitor, ctx);
        checkNoForms(visitor, tap);
        const main = await visitor.main();
        const r = await main.context.request.get(new URL(cfg.login.accountPath, cfg.baseUrl).href,
            { maxRedirects: 0 });
        tap.result(`still signed in after the crawl (${cfg.login.accountPath} ${r.status()})`,
            !first.ok || r.status() === 200, r.status() === 200 ? [] : [
                `GET ${cfg.login.accountPath} answered ${r.status()} ` +
                `${r.headers().location || ''}: the crawl signed the visitor out`]);
        await r.dispose();
    } finally {
        await visitor.close();
    }

    if (first.ok && cfg.login.totp.secret) {
        const again = new Visitor(browser, cfg, 'signed in again');
        try {
            const second = await login(again, { checkStep: checkStepOf(again) });
            const usedCode = second.steps.includes(cfg.login.totpPath);
            tap.result(`login again ${cfg.login.path} (second factor: ` +
                `${second.steps.join(', ') || 'none'})`, second.ok && usedCode,
            usedCode ? second.detail : [...second.detail,
                `the second sign-in did not ask for the code on ${cfg.login.totpPath}`]);
        } finally {
            await again.close();
        }
    }
    const all = steps.concat(pages);
    checkTitles(all, tap);
    return all;
}

async function main() {
    const t0 = Date.now();
    if (!cfg.baseUrl) {
        tap.result('TSUNAGU_BASE_URL is set', false, 'start the checks with tests/browser/run');
        return;
    }
    const up = await serverHealthy();
    if (!tap.result('server answers', up.ok, up.detail)) {
        return;
    }
    const { htmlDir, screenshotDir } = prepareArtifacts();

    browser = await chromium.launch({
        executablePath: cfg.browser.executablePath,
        headless: true,
        args: cfg.browser.args,
        timeout: cfg.timeouts.navigationMs,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
    });
    const versions = {
        chromium: browser.version(),
        'playwright-core': require('playwright-core/package.json').version,
        'axe-core': require('axe-core/package.json').version,
        vnu: vnuVersion(),
        node: process.versions.node,
    };
    tap.note(`server ${cfg.baseUrl}; ` + Object.entries(versions)
        .map(([k, v]) => `${k} ${v}`).join(', '));
    const report = {
        base: cfg.baseUrl, versions, axeTags: cfg.axeTags, pages: [], tests: tap.results,
    };
    const ctx = { cfg, tap, htmlDir, screenshotDir, report };

    // Two lanes at once (the machine's two cores): the anonymous crawl then the keyboard
    // scenarios, and the sign-in then the signed-in crawl.  Each lane has its own
    // browser contexts; only the TAP numbering is shared.  TSUNAGU_TEST_SERIAL=1 runs
    // them one after the other (slower; the output in page order).
    let anonymous;
    let signedIn;
    if (cfg.serial) {
        anonymous = await anonymousLane(browser, ctx);
        signedIn = await signedInLane(browser, ctx);
    } else {
        [anonymous, signedIn] = await Promise.all([
            anonymousLane(browser, ctx),
            signedInLane(browser, ctx),
        ]);
    }
    const pages = anonymous.concat(signedIn);
    tap.note(`checked ${pages.length} pages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The Nu checker, in its own JVM, on the HTML as served of every page.
    const files = pages.map((p) => p.htmlFile).filter(Boolean);
    const vnu = files.length ? runVnu(files, cfg.timeouts.vnuMs) : Promise.resolve(null);

    const v = await vnu;
    if (v) {
        if (!v.ok) {
            tap.result('vnu ran', false, [`java exited ${v.code}; no JSON output`,
                v.stderr.slice(0, 2000)]);
        }
        if (v.general.length > 0) {
            tap.result('vnu (messages not tied to a page)', false, v.general.map(formatVnu));
        }
        report.vnu = {};
        for (const p of pages) {
            const msgs = v.ok ? (v.byFile.get(p.htmlFile) || []) : [];
            report.vnu[p.label] = msgs;
            tap.result(`vnu ${p.label}`, v.ok && msgs.length === 0,
                msgs.length ? msgs.map(formatVnu) : []);
        }
    }

    const alive = await serverHealthy();
    tap.result('server still healthy after the run', alive.ok, alive.detail);

    report.seconds = (Date.now() - t0) / 1000;
    fs.writeFileSync(path.join(cfg.artifacts, 'browser', 'report.json'),
        JSON.stringify(report, null, 2));
    const shown = cfg.artifacts.startsWith(cfg.root + path.sep)
        ? path.relative(cfg.root, cfg.artifacts) : cfg.artifacts;
    tap.note(`artifacts: ${shown}/screenshots, ${shown}/browser/report.json`);
    tap.note(`browser checks took ${report.seconds.toFixed(1)} s`);
}

main()
    .catch((e) => {
        tap.result('browser checks ran to the end', false, String(e.stack || e));
    })
    .finally(async () => {
        if (browser) {
            await browser.close().catch(() => {});
        }
        clearTimeout(watchdog);
        process.exitCode = tap.finish();
    });
