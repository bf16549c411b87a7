'use strict';
// Checks run on the page currently loaded in a Playwright page: facts (title, lang,
// links), axe-core, and horizontal overflow (reflow).

const AXE_PATH = require.resolve('axe-core/axe.min.js');

// Title, <html lang>, display classes and every link target of the loaded page.
async function pageFacts(page) {
    return page.evaluate(() => ({
        title: document.title,
        lang: document.documentElement.getAttribute('lang'),
        htmlClass: document.documentElement.className,
        links: Array.from(document.querySelectorAll('a[href], area[href]'))
            .map((a) => a.href),
    }));
}

// Runs axe-core on the loaded page with only the given rule tags.  The script is
// injected once per document (the context must bypass the site's CSP, which rightly
// forbids injected scripts).  Returns axe's violations array.
async function runAxe(page, tags) {
    const loaded = await page.evaluate(() => typeof window.axe === 'object');
    if (!loaded) {
        await page.addScriptTag({ path: AXE_PATH });
    }
    const result = await page.evaluate((values) => window.axe.run(document, {
        runOnly: { type: 'tag', values },
        resultTypes: ['violations'],
    }), tags);
    return result.violations;
}

// Formats axe violations as readable lines: rule, impact, help, then each node's
// target, HTML and failure summary.
function formatViolations(violations, label) {
    const lines = [];
    for (const v of violations) {
        lines.push(`[${label}] ${v.id} (${v.impact}): ${v.help} <${v.helpUrl}>`);
        for (const n of v.nodes.slice(0, 10)) {
            const html = n.html.replace(/\s+/g, ' ').slice(0, 200);
            lines.push(`    at ${n.target.join(' ')}: ${html}`);
            if (n.failureSummary) {
                for (const s of n.failureSummary.split('\n')) {
                    lines.push(`      ${s.trim()}`);
                }
            }
        }
        if (v.nodes.length > 10) {
            lines.push(`    … and ${v.nodes.length - 10} more elements`);
        }
    }
    return lines;
}

// Measures horizontal overflow of the whole page at the current viewport width.
// Returns { ok, scrollWidth, clientWidth, offenders } where offenders names up to five
// of the deepest elements that stick out past the right edge.
async function checkReflow(page) {
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    return page.evaluate(() => {
        const root = document.documentElement;
        const scrollWidth = root.scrollWidth;
        const clientWidth = root.clientWidth;
        const offenders = [];
        if (scrollWidth > clientWidth) {
            const all = Array.from(document.body.querySelectorAll('*'));
            const wide = all.filter((el) => el.getBoundingClientRect().right > clientWidth + 0.5);
            // Keep the innermost ones: those with no sticking-out descendant.
            const inner = wide.filter((el) => !wide.some((o) => o !== el && el.contains(o)));
            for (const el of inner.slice(0, 5)) {
                const r = el.getBoundingClientRect();
                let desc = el.tagName.toLowerCase();
                if (el.id) {
                    desc += '#' + el.id;
                }
                for (const c of Array.from(el.classList).slice(0, 3)) {
                    desc += '.' + c;
                }
                const text = (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 40);
                offenders.push(`${desc} right=${Math.round(r.right)}px width=` +
                    `${Math.round(r.width)}px "${text}"`);
            }
        }
        return { ok: scrollWidth <= clientWidth, scrollWidth, clientWidth, offenders };
    });
}

module.exports = { pageFacts, runAxe, formatViolations, checkReflow, AXE_PATH };
