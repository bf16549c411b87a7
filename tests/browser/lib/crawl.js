'use strict';
// The crawl: one Visitor per kind of visitor (anonymous, signed in) visits every
// same-origin page reachable from the start paths and runs the per-page checks,
// printing one TAP result per check and page.

const fs = require('fs');
const path = require('path');
const { pageFacts, runAxe, formatViolations, checkReflow } = require('./page_checks');
const { walkTabStops } = require('./keyboard');

// A visitor: a main context at the default display settings, and a variant context,
// made when first needed with the main context's cookies (a signed-in visitor stays
// signed in), whose background colour and text size are switched through the site's
// own /display route (the request a visitor's click makes) before each use.
class Visitor {
    // name: '' for the anonymous visitor, or a suffix such as 'signed in'.
    constructor(browser, cfg, name) {
        this.browser = browser;
        this.cfg = cfg;
        this.name = name;
        this.mainEntry = null;
        this.variantEntry = null;
        // Pages recorded so far (numbers the saved HTML files).
        this.pageCount = 0;
        // While watching: every request other than GET / HEAD the visitor's pages made.
        // The crawl only follows links; a form it submitted (the header's sign-out is a
        // POST form) would show up here.
        this.watching = false;
        this.formRequests = [];
    }

    // A new context and its one page.  The site's CSP is bypassed so axe can be
    // injected; Japanese locale and time zone like the site's visitors.
    async newEntry(storageState) {
        const cfg = this.cfg;
        const context = await this.browser.newContext({
            bypassCSP: true,
            viewport: cfg.wide,
            locale: 'ja-JP',
            timezoneId: 'Asia/Tokyo',
            serviceWorkers: 'block',
            acceptDownloads: false,
            storageState,
        });
        context.setDefaultTimeout(cfg.timeouts.actionMs);
        context.setDefaultNavigationTimeout(cfg.timeouts.navigationMs);
        context.on('request', (r) => {
            if (this.watching && r.method() !== 'GET' && r.method() !== 'HEAD') {
                this.formRequests.push(`${r.method()} ${r.url()}`);
            }
        });
        const page = await context.newPage();
        return { context, page, theme: cfg.defaultTheme, size: cfg.defaultSize };
    }

    // The main context: default theme and text size.
    async main() {
        if (!this.mainEntry) {
            this.mainEntry = await this.newEntry(undefined);
        }
        return this.mainEntry;
    }

    // The variant context, switched to theme and size.
    async variant(theme, size) {
        const cfg = this.cfg;
        if (!this.variantEntry) {
            const main = await this.main();
            this.variantEntry = await this.newEntry(await main.context.storageState());
            this.variantEntry.theme = null;
            this.variantEntry.size = null;
        }
        const v = this.variantEntry;
        if (v.theme !== theme) {
            await setDisplay(v.context, cfg.baseUrl, 'color', theme);
            v.theme = theme;
        }
        if (v.size !== size) {
            await setDisplay(v.context, cfg.baseUrl, 'size', size);
            v.size = size;
        }
        return v;
    }

    // Closes the variant context: after signing in (the session cookie changed), the
    // next variant() copies the main context's cookies afresh.
    async dropVariant() {
        if (this.variantEntry) {
            await this.variantEntry.context.close().catch(() => {});
            this.variantEntry = null;
        }
    }

    label(p) {
        return this.name ? `${p} (${this.name})` : p;
    }

    // File-name prefix of the visitor's saved HTML and screenshots.
    get filePrefix() {
        return this.name ? this.name.replace(/[^A-Za-z0-9]+/g, '-') + '-' : '';
    }

    async close() {
        for (const e of [this.mainEntry, this.variantEntry]) {
            if (e) {
                await e.context.close().catch(() => {});
            }
        }
        this.mainEntry = null;
        this.variantEntry = null;
    }
}

// Chooses a display setting for every later page of the context, through the site's
// /display route; throws unless it answers with a redirect.
async function setDisplay(context, base, kind, value) {
    const url = new URL(`/display?${kind}=${encodeURIComponent(value)}&back=%2F`, base);
    const r = await context.request.get(url.href, { maxRedirects: 0 });
    if (r.status() < 300 || r.status() > 399) {
        throw new Error(`GET ${url.pathname}${url.search} answered ${r.status()}, not a redirect`);
    }
    await r.dispose();
}

// Same-origin paths (with query when allowed) the crawl should follow from links.
function followable(links, base, cfg) {
    const out = [];
    for (const href of links) {
        let u;
        try {
            u = new URL(href);
        } catch (e) {
            continue;
        }
        if (u.origin !== base.origin || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
            continue;
        }
        if (u.search !== '' && !cfg.followQueryLinks) {
            continue;
        }
        if (cfg.skipPaths.some((re) => re.test(u.pathname))) {
            continue;
        }
        out.push(u.pathname + u.search);
    }
    return out;
}

// A file-name friendly name of a page path ('/' is 'home').
function slug(p, cfg) {
    if (cfg.screenshotNames[p]) {
        return cfg.screenshotNames[p];
    }
    const s = p.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80);
    return s === '' ? 'home' : s;
}

// Loads path in the entry's page; returns the main response (null for same-document
// navigations).  Waits for the load event and the fonts.
async function load(entry, url) {
    const response = await entry.page.goto(url, { waitUntil: 'load' });
    await entry.page.evaluate(() => document.fonts.ready.then(() => undefined));
    return response;
}

// Runs axe on the entry's loaded page at the current width and adds readable lines to
// problems; returns the raw violations for the report.
async function axeInto(entry, label, tags, problems) {
    const violations = await runAxe(entry.page, tags);
    problems.push(...formatViolations(violations, label));
    return violations;
}

// Checks that a variant page really shows the chosen display classes on <html>.
async function checkVariantClasses(entry, problems, variantLabel) {
    const cls = await entry.page.evaluate(() => document.documentElement.className);
    const want = [`theme-${entry.theme}`, `size-${entry.size}`];
    const missing = want.filter((c) => !cls.split(/\s+/).includes(c));
    if (missing.length > 0) {
        problems.push(`[${variantLabel}] display switch not applied: <html class="${cls}"> ` +
            `lacks ${missing.join(', ')}`);
    }
}

// Loads the page of rec in a variant context; throws when it ends on another page (a
// variant that lost the visitor's session would be sent to the login form).
async function loadVariant(entry, url, rec) {
    await load(entry, url);
    const at = new URL(entry.page.url());
    if (at.pathname + at.search !== rec.key) {
        throw new Error(`loaded ${at.pathname}${at.search} instead`);
    }
}

// Milliseconds since t, for the per-phase timings kept in the report.
function since(t) {
    return Date.now() - t;
}

function reflowLines(label, r) {
    return r.ok ? [] : [`[${label}] scrollWidth ${r.scrollWidth} > clientWidth ${r.clientWidth}`,
        ...r.offenders.map((o) => `    ${o}`)];
}

// The checks of one page already loaded in the main context at the wide viewport:
// http status, lang, focus walk, axe, reflow; for key pages also every display
// variant and the screenshots.  Prints its TAP results; throws only on a browser
// failure (the caller reports it).
async function checkPage(visitor, ctx, rec, url, facts, shoot) {
    const { cfg, tap, screenshotDir } = ctx;
    const main = await visitor.main();
    let t = Date.now();

    // HTTP status: any non-error answer; the deliberately unknown path must answer 404.
    const expect404 = rec.requested === cfg.notFoundPath;
    const statusOk = expect404 ? rec.status === 404 : rec.status > 0 && rec.status < 500;
    const via = rec.aliases.length ? [`reached from ${rec.aliases.join(', ')}`] : [];
    tap.result(`http ${rec.label} (${rec.status})`, statusOk,
        expect404 && !statusOk ? [...via, 'an unknown path must answer 404'] : via);

    const langProblem = facts.lang === null ? `<html> has no lang attribute; want "${cfg.lang}"`
        : `<html lang="${facts.lang}">; want "${cfg.lang}"`;
    tap.result(`lang ${rec.label}`, facts.lang === cfg.lang,
        facts.lang === cfg.lang ? [] : [langProblem]);

    const shotName = slug(rec.requested, cfg) +
        (visitor.name ? '-' + visitor.filePrefix.slice(0, -1) : '');
    if (shoot) {
        await main.page.screenshot({
            path: path.join(screenshotDir, `${shotName}-${cfg.wide.width}.png`),
            fullPage: true,
        });
    }

    // axe at the default display, wide.
    const axeProblems = [];
    const wideLabel = `${cfg.defaultTheme} ${cfg.wide.width}px`;
    rec.axe[wideLabel] = await axeInto(main, wideLabel, cfg.axeTags, axeProblems);
    rec.ms.axe = since(t);
    t = Date.now();

    // The focus walk: the page has not had the focus yet, so it starts at the top.
    const walk = await walkTabStops(main.page, cfg.maxTabs);
    const focusProblems = [];
    if (!walk.complete) {
        focusProblems.push(`more than ${cfg.maxTabs} Tab presses without leaving the page ` +
            'or coming back: a keyboard trap?');
    }
    for (const s of walk.stops) {
        if (!s.visible) {
            focusProblems.push(`no visible focus on ${s.desc} "${s.text}" (outline ` +
                `${s.outlineStyle} ${s.outlineWidth}, box-shadow ${s.boxShadow})`);
        }
        if (!s.inViewport) {
            focusProblems.push(`focused element off screen: ${s.desc} "${s.text}"`);
        }
    }
    rec.focus = { stops: walk.stops.length, complete: walk.complete, problems: focusProblems };
    const focusOk = tap.result(`focus ${rec.label}`, focusProblems.length === 0,
        focusProblems.length ? focusProblems : [`${walk.stops.length} tab stops`]);
    rec.ms.focus = since(t);
    t = Date.now();

    // Narrow: reflow, screenshot, and axe again for key pages.
    const reflowProblems = [];
    await main.page.setViewportSize(cfg.narrow);
    rec.reflow[cfg.defaultSize] = await checkReflow(main.page);
    reflowProblems.push(...reflowLines(cfg.defaultSize, rec.reflow[cfg.defaultSize]));
    if (shoot) {
        await main.page.screenshot({
            path: path.join(screenshotDir, `${shotName}-${cfg.narrow.width}.png`),
            fullPage: true,
        });
    }
    if (rec.key_page) {
        const narrowLabel = `${cfg.defaultTheme} ${cfg.narrow.width}px`;
        rec.axe[narrowLabel] = await axeInto(main, narrowLabel, cfg.axeTags, axeProblems);
    }
    await main.page.setViewportSize(cfg.wide);
    rec.ms.narrow = since(t);
    t = Date.now();

    if (rec.key_page) {
        // Every other background colour, wide then narrow.
        for (const theme of cfg.themes.filter((x) => x !== cfg.defaultTheme)) {
            try {
                const v = await visitor.variant(theme, cfg.defaultSize);
                await v.page.setViewportSize(cfg.wide);
                await loadVariant(v, url, rec);
                await checkVariantClasses(v, axeProblems, theme);
                const wl = `${theme} ${cfg.wide.width}px`;
                rec.axe[wl] = await axeInto(v, wl, cfg.axeTags, axeProblems);
                await v.page.setViewportSize(cfg.narrow);
                const nl = `${theme} ${cfg.narrow.width}px`;
                rec.axe[nl] = await axeInto(v, nl, cfg.axeTags, axeProblems);
            } catch (e) {
                axeProblems.push(`[${theme}] not checked: ${e.message || e}`);
            }
        }
        // Every other text size, narrow.
        for (const size of cfg.sizes.filter((x) => x !== cfg.defaultSize)) {
            try {
                const v = await visitor.variant(cfg.defaultTheme, size);
                await v.page.setViewportSize(cfg.narrow);
                await loadVariant(v, url, rec);
                await checkVariantClasses(v, reflowProblems, size);
                rec.reflow[size] = await checkReflow(v.page);
                reflowProblems.push(...reflowLines(size, rec.reflow[size]));
            } catch (e) {
                reflowProblems.push(`[${size}] not checked: ${e.message || e}`);
            }
        }
    }
    rec.ms.variants = since(t);

    const axeOk = tap.result(`axe ${rec.label}`, axeProblems.length === 0,
        axeProblems.length ? axeProblems : [`no violations (${Object.keys(rec.axe).join(', ')})`]);
    const reflowOk = tap.result(`reflow ${cfg.narrow.width}px ${rec.label}`,
        reflowProblems.length === 0, reflowProblems.length ? reflowProblems
            : [`no horizontal scroll (${Object.keys(rec.reflow).join(', ')})`]);
    rec.passed = { focus: focusOk, axe: axeOk, reflow: reflowOk };
}

// Records the page just loaded in the visitor's main context (response: its main
// response, requested: the path asked for, key: the final path and query) and runs
// every check on it.  keyPage: the full display matrix; shoot: screenshots.  Returns
// { rec, isPage, links }: isPage is false when the answer is not HTML (then nothing
// was checked); links are the page's link targets.  A page whose checks break (the
// browser failed) is reported as a failed "checks" test.
async function checkLoaded(visitor, ctx, { requested, key, response, keyPage, shoot, ms }) {
    const { cfg, tap, htmlDir, report } = ctx;
    const main = await visitor.main();
    const rec = {
        visitor: visitor.name,
        requested,
        key,
        label: visitor.label(key),
        status: response.status(),
        contentType: response.headers()['content-type'] || '',
        aliases: requested === key ? [] : [requested],
        key_page: cfg.fullMatrix || keyPage,
        axe: {},
        reflow: {},
        focus: null,
        ms: { load: ms },
    };
    if (!/^text\/html\b/i.test(rec.contentType)) {
        tap.note(`${rec.label}: ${rec.status} ${rec.contentType || 'no content type'}; ` +
            'not a page');
        return { rec, isPage: false, links: [] };
    }
    report.pages.push(rec);
    let links = [];
    try {
        // The HTML as served, untouched by the browser, for the Nu checker.
        const n = String(++visitor.pageCount).padStart(3, '0');
        rec.htmlFile = path.join(htmlDir, `${visitor.filePrefix}${n}-${slug(key, cfg)}.html`);
        fs.writeFileSync(rec.htmlFile, await response.body());

        const facts = await pageFacts(main.page);
        rec.title = facts.title;
        rec.lang = facts.lang;
        links = facts.links;
        await checkPage(visitor, ctx, rec, new URL(key, cfg.baseUrl).href, facts, shoot);
    } catch (e) {
        tap.result(`checks ${rec.label}`, false, String(e.stack || e));
    }
    return { rec, isPage: true, links };
}

// Loads path in the visitor's main context (wide) and checks it as a key page: for
// pages met on the way rather than by a link, such as the sign-in's second-factor
// forms.  Returns the page record, or null when it did not load as an HTML page.
async function checkPath(visitor, ctx, requested) {
    const { cfg, tap } = ctx;
    const main = await visitor.main();
    const t = Date.now();
    await main.page.setViewportSize(cfg.wide);
    const response = await load(main, new URL(requested, cfg.baseUrl).href);
    if (!response) {
        tap.result(`load ${visitor.label(requested)}`, false, 'no HTTP response');
        return null;
    }
    const final = new URL(main.page.url());
    const { rec, isPage } = await checkLoaded(visitor, ctx, {
        requested, key: final.pathname + final.search, response, keyPage: true, shoot: true,
        ms: since(t),
    });
    return isPage ? rec : null;
}

// Crawls from the start paths, checking every page in turn.  Returns the page
// records (one per distinct final URL that answered HTML) in the order they were
// found.  The crawl only loads pages (GET); every other request a page makes while it
// runs is kept in visitor.formRequests.
async function crawl(visitor, ctx) {
    const { cfg, tap } = ctx;
    const base = new URL(cfg.baseUrl);
    const keyPaths = new Set([...cfg.startPaths, cfg.notFoundPath]);
    const queue = [...keyPaths];
    const queued = new Set(queue);
    const checked = new Map();
    const pages = [];
    const shapes = new Map();
    let skippedByShape = 0;
    const main = await visitor.main();
    visitor.watching = true;

    try {
        while (queue.length > 0) {
            if (pages.length >= cfg.maxPages) {
                tap.note(`page limit ${cfg.maxPages} reached; ${queue.length} paths not visited`);
                break;
            }
            const requested = queue.shift();
            const url = new URL(requested, base).href;
            const t = Date.now();
            let response;
            try {
                await main.page.setViewportSize(cfg.wide);
                response = await load(main, url);
            } catch (e) {
                tap.result(`load ${visitor.label(requested)}`, false, String(e.message || e));
                continue;
            }
            const final = new URL(main.page.url());
            if (final.origin !== base.origin) {
                tap.note(`${requested} leaves the site (${final.href}); not checked`);
                continue;
            }
            const key = final.pathname + final.search;
            if (checked.has(key)) {
                checked.get(key).aliases.push(requested);
                continue;
            }
            if (!response) {
                tap.result(`load ${visitor.label(requested)}`, false, 'no HTTP response');
                continue;
            }
            const { rec, isPage, links } = await checkLoaded(visitor, ctx, {
                requested,
                key,
                response,
                keyPage: keyPaths.has(requested) || keyPaths.has(key),
                shoot: keyPaths.has(requested),
                ms: since(t),
            });
            checked.set(key, rec);
            if (!isPage) {
                continue;
            }
            pages.push(rec);
            for (const p of followable(links, base, cfg)) {
                if (queued.has(p)) {
                    continue;
                }
                queued.add(p);
                // One screen with many records is checked on a few of them.
                const shape = p.replace(/\d+/g, 'N');
                const n = (shapes.get(shape) || 0) + 1;
                shapes.set(shape, n);
                if (cfg.perShape > 0 && n > cfg.perShape) {
                    skippedByShape++;
                    continue;
                }
                queue.push(p);
            }
        }
    } finally {
        visitor.watching = false;
    }
    if (skippedByShape > 0) {
        tap.note(`${skippedByShape} more pages of shapes already checked ${cfg.perShape} times ` +
            'were left out (TSUNAGU_TEST_PER_SHAPE, TSUNAGU_TEST_FULL=1)');
    }
    return pages;
}

// Titles: non-empty everywhere; unique among the pages that answered 2xx.  Error pages
// of one kind legitimately share a title (every 404 is the same page), but must not
// reuse the title of a real page.  One path with different queries is one page (the
// login form reached as /login?next=%2Fadmin is still the login form).
function checkTitles(pages, tap) {
    const pathOf = (p) => p.key.replace(/\?.*$/, '');
    const byTitle = new Map();
    for (const p of pages) {
        if (p.status >= 200 && p.status < 300) {
            const t = (p.title || '').trim();
            byTitle.set(t, [...(byTitle.get(t) || []), p]);
        }
    }
    for (const p of pages) {
        const t = (p.title || '').trim();
        const problems = [];
        if (t === '') {
            problems.push('empty <title>');
        } else {
            const others = (byTitle.get(t) || [])
                .filter((o) => o !== p && pathOf(o) !== pathOf(p)).map((o) => o.label);
            if (others.length > 0) {
                problems.push(`title "${t}" also used by ${others.join(', ')}`);
            }
        }
        tap.result(`title ${p.label}`, problems.length === 0,
            problems.length ? problems : [`"${t}"`]);
    }
}

module.exports = { Visitor, crawl, checkPath, checkTitles, followable, slug };
