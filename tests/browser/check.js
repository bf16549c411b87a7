'use strict';
// Tsunagu's real-browser checks.  Needs a running server at TSUNAGU_BASE_URL (the
// `run` script next to this file starts one with demo data and sets it).
//
// For every page reachable from the start paths (config.js), as an anonymous visitor
// and, when TSUNAGU_TEST_USER / TSUNAGU_TEST_PASSWORD are set, signed in:
//   http      the status (no 5xx; the deliberate unknown path answers 404)
//   lang      <html lang="ja">
//   focus     every Tab stop shows a visible focus indicator; no keyboard trap
//   axe       axe-core, WCAG 2.0 A + AA rules: zero violations (key pages: in every
//             background colour, at 1280 px and 320 px)
//   reflow    no horizontal scrolling at 320 px (key pages: at every text size)
//   title     non-empty, and unique among the pages that answered 2xx
//   vnu       Nu HTML Checker on the HTML as served: zero errors
// plus keyboard scenarios (skip link, text-size switch, fillFormByKeyboard on a
// fixture form) and a last health check of the server.  Prints TAP and ends with
// "N passed, N failed"; exits 1 on any failure.  Screenshots of the key pages go to artifacts/screenshots/, the
// served HTML and a JSON report to artifacts/browser/.

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const cfg = require('./config');
const { Tap } = require('./lib/tap');
const { Visitor, crawl, checkTitles } = require('./lib/crawl');
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

    // Anonymous crawl.
    const visitors = [new Visitor(browser, cfg, '')];
    let pages = await crawl(visitors[0], ctx);
    checkTitles(pages, tap);

    // Signed-in crawl, when a test account is configured.
    if (loginConfigured(cfg)) {
        const s = new Visitor(browser, cfg, 'signed in');
        visitors.push(s);
        const r = await login(s);
        tap.result(`login ${cfg.login.path}`, r.ok, r.detail);
        const signed = await crawl(s, ctx);
        checkTitles(signed, tap);
        pages = pages.concat(signed);
    } else {
        tap.note('login skipped: TSUNAGU_TEST_USER / TSUNAGU_TEST_PASSWORD not set');
    }
    for (const s of visitors) {
        await s.close();
    }
    tap.note(`crawled ${pages.length} pages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The Nu checker runs in its own JVM while the keyboard scenarios use the browser.
    const files = pages.map((p) => p.htmlFile).filter(Boolean);
    const vnu = files.length ? runVnu(files, cfg.timeouts.vnuMs) : Promise.resolve(null);

    await runScenarios(browser, cfg, tap);

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
