'use strict';
// What the browser checks visit and how.  Everything a future page or an operator may
// want to change lives here; the environment overrides the most common settings.

const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');

function envList(name, fallback) {
    const v = process.env[name];
    if (v === undefined || v.trim() === '') {
        return fallback;
    }
    return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function envInt(name, fallback) {
    const v = Number.parseInt(process.env[name] || '', 10);
    return Number.isFinite(v) && v > 0 ? v : fallback;
}

// A path that no route will ever serve: guarantees that a 404 page is checked even
// when every link of the site works.
const NOT_FOUND_PATH = '/tsunagu-browser-check-404';

module.exports = {
    root: ROOT,

    // Base URL of the server under test (the run script starts one and sets this).
    baseUrl: process.env.TSUNAGU_BASE_URL || '',

    // Where the crawl starts.  A start path that does not exist yet is recorded as the
    // 404 page it returns (404 pages must pass every check too).
    // /admin is the staff home: anonymously it sends the visitor to the login form, signed
    // in as staff it is where the admin's links start.
    startPaths: envList('TSUNAGU_TEST_START', ['/', '/aikasanet/', '/admin']),
    notFoundPath: NOT_FOUND_PATH,

    // At most this many pages per crawl (anonymous and, when signed in, signed in).
    maxPages: envInt('TSUNAGU_TEST_MAX_PAGES', 300),
    // Pages of one shape (the path with every number as N: /notices/N, /admin/content/
    // notice/N/preview) checked per crawl: every screen, without every record of the
    // demo data.  0 = no limit (TSUNAGU_TEST_FULL=1 also lifts it).
    perShape: process.env.TSUNAGU_TEST_FULL === '1' ? 0 : envInt('TSUNAGU_TEST_PER_SHAPE', 3),

    // The anonymous and the signed-in visitor run side by side unless this is set.
    serial: process.env.TSUNAGU_TEST_SERIAL === '1',

    // Same-origin links whose path matches one of these are not followed: static
    // files, the display switch (a 303 that sets a cookie, driven by the keyboard test
    // instead), the health check, and anything that would end the signed-in visitor.
    skipPaths: [
        /^\/static\//,
        /^\/display(\/|$)/,
        /^\/healthz$/,
        /\/(logout|signout|sign-out|log-out)(\/|$)/,
    ],
    // Links with a query string (search forms, pagination, the display switch) are not
    // followed either: the start paths and plain links cover every screen family.
    followQueryLinks: false,

    // Key pages: full display matrix and screenshots.  The start paths are key pages
    // too; this names them for the screenshot files.
    screenshotNames: {
        '/': 'home',
        [NOT_FOUND_PATH]: '404',
    },

    // Every page gets axe at the default theme and 1280 px, the 320 px reflow check
    // and the focus walk.  Key pages (start paths and the 404) also get axe in every
    // background colour at both widths and reflow at every text size; set
    // TSUNAGU_TEST_FULL=1 to give every page that treatment.
    fullMatrix: process.env.TSUNAGU_TEST_FULL === '1',
    themes: ['white', 'black', 'blue'],
    sizes: ['standard', 'large', 'xlarge'],
    defaultTheme: 'white',
    defaultSize: 'standard',
    narrow: { width: 320, height: 640 },
    wide: { width: 1280, height: 800 },

    // axe-core: WCAG 2.0 level A and AA rules only (JIS X 8341-3:2016 AA).
    axeTags: ['wcag2a', 'wcag2aa'],

    // The <html lang> every page must carry.
    lang: 'ja',

    // Optional sign-in: skipped unless both variables are set (the run script creates a
    // staff account when it starts the server).  The login form is found on path; the
    // fields by the selectors below (first match wins).  A staff account then needs the
    // second factor: the first sign-in sets it up on totpEnrolPath, whose secret is kept
    // in totp.secret for later sign-ins on totpPath.
    login: {
        user: process.env.TSUNAGU_TEST_USER || '',
        password: process.env.TSUNAGU_TEST_PASSWORD || '',
        path: process.env.TSUNAGU_TEST_LOGIN_PATH || '/login',
        userSelectors: [
            'input[autocomplete="username"]',
            'input[type="email"]',
            'form:has(input[type="password"]) input[type="text"]',
        ],
        passwordSelector: 'input[type="password"]',
        submitSelector: 'form:has(input[type="password"]) [type="submit"]',
        totpPath: '/login/totp',
        totpEnrolPath: '/login/totp/enrol',
        totpSecretSelector: 'code.totp-secret',
        totpCodeSelector: '#totp-code',
        totpSubmitSelector: 'form:has(#totp-code) [type="submit"]',
        // Filled in at run time: the base32 secret and the last step whose code was used
        // (each code works once).
        totp: { secret: process.env.TSUNAGU_TEST_TOTP_SECRET || '', lastStep: null },
        // Signed in, this page must answer 200 (not send the visitor to the login form):
        // checked after the signed-in crawl, which must not have signed the visitor out.
        accountPath: '/account',
    },

    // The member registration form driven by keyboard in the scenarios.
    register: {
        path: '/register',
        doneHeading: '確認のメールを送りました',
    },

    browser: {
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        // The flags known to work on the CI machines (as root, no GPU, no network
        // chatter).  Playwright gives each run a fresh temporary profile.
        args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
    },

    // Generous: the CI machines are shared and often busy.
    timeouts: {
        navigationMs: 60000,
        actionMs: 30000,
        axeMs: 120000,
        vnuMs: 300000,
        totalS: envInt('TSUNAGU_BROWSER_TIMEOUT', 900),
    },
    maxTabs: 400,

    artifacts: path.resolve(process.env.TSUNAGU_ARTIFACTS || path.join(ROOT, 'artifacts')),
};
