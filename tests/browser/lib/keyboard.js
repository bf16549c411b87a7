'use strict';
// Keyboard-only operation of a page: where the focus is and whether it can be seen,
// tabbing to a given control, walking every tab stop, and filling a form.
// Everything here presses keys through Playwright's keyboard; nothing clicks or sets
// a value directly, so a control that only works with a mouse makes these fail.

const DEFAULT_MAX_TABS = 400;

// Describes the focused element inside the page: null when nothing (or <body>) has the
// focus.  "visible" follows the project's rule for a visible focus indicator: a
// computed outline that is not 'none' with a non-zero width, or a box-shadow.
// With mark set, remembers the element (see walkTabStops) and answers { seen: true }
// for one met before.
function describeFocusInPage(mark) {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) {
        return null;
    }
    if (mark) {
        if (!window.__tsunaguTabSeen) {
            window.__tsunaguTabSeen = new WeakSet();
        }
        if (window.__tsunaguTabSeen.has(el)) {
            return { seen: true };
        }
        window.__tsunaguTabSeen.add(el);
    }
    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
    const shadow = cs.boxShadow !== '' && cs.boxShadow !== 'none';
    const r = el.getBoundingClientRect();
    const vw = document.documentElement.clientWidth;
    const vh = window.innerHeight;
    const inViewport = r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 &&
        r.left < vw && r.top < vh;
    let desc = el.tagName.toLowerCase();
    if (el.id) {
        desc += '#' + el.id;
    }
    for (const c of Array.from(el.classList).slice(0, 3)) {
        desc += '.' + c;
    }
    const href = el.getAttribute('href');
    if (href !== null) {
        desc += `[href="${href}"]`;
    }
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
        .replace(/\s+/g, ' ').trim().slice(0, 60);
    return {
        desc,
        text,
        outline,
        shadow,
        visible: outline || shadow,
        inViewport,
        outlineStyle: cs.outlineStyle,
        outlineWidth: cs.outlineWidth,
        boxShadow: cs.boxShadow,
    };
}

// Returns the description of the focused element (see describeFocusInPage), or null.
async function focusState(page) {
    return page.evaluate(describeFocusInPage, false);
}

// True when the element has the focus, or, for a radio button, when another radio of
// the same group has it (a group is one tab stop; arrow keys move inside it).
function isFocusTargetInPage(el) {
    const a = document.activeElement;
    if (a === el) {
        return true;
    }
    return Boolean(a && el.type === 'radio' && a.type === 'radio' && a.name !== '' &&
        a.name === el.name && a.form === el.form);
}

// Presses Tab until the element behind handle (or its radio group) has the focus.
// Returns the number of Tab presses; throws when it is not reached within maxTabs
// presses (the control is not in the tab order, or focus is trapped elsewhere).
async function tabTo(page, handle, what, maxTabs = DEFAULT_MAX_TABS) {
    if (await handle.evaluate(isFocusTargetInPage)) {
        return 0;
    }
    for (let i = 1; i <= maxTabs; i++) {
        await page.keyboard.press('Tab');
        if (await handle.evaluate(isFocusTargetInPage)) {
            return i;
        }
    }
    throw new Error(`${what}: not reached after ${maxTabs} Tab presses`);
}

// Walks every tab stop of the page from the current focus position (call it right
// after a page load to start at the top).  Stops when the focus leaves the document
// or comes back to a stop already seen.  Returns { stops: [...focusState], complete }
// where complete is false when maxTabs presses did not finish the walk (a keyboard
// trap, or more stops than maxTabs).
async function walkTabStops(page, maxTabs = DEFAULT_MAX_TABS) {
    await page.evaluate(() => {
        window.__tsunaguTabSeen = new WeakSet();
    });
    const stops = [];
    for (let i = 0; i < maxTabs; i++) {
        await page.keyboard.press('Tab');
        const state = await page.evaluate(describeFocusInPage, true);
        if (state === null || state.seen) {
            return { stops, complete: true };
        }
        stops.push(state);
    }
    return { stops, complete: false };
}

// Resolves a field spec ({ label } or { selector }) to exactly one element handle;
// throws when there is none or more than one.
async function resolveField(page, spec, timeoutMs) {
    let locator;
    if (spec.selector) {
        locator = page.locator(spec.selector);
    } else if (spec.label) {
        locator = page.getByLabel(spec.label, { exact: true });
    } else if (spec.button) {
        locator = page.getByRole('button', { name: spec.button, exact: true });
    } else {
        throw new Error('field spec needs label, selector or button');
    }
    const count = await locator.count();
    if (count !== 1) {
        throw new Error(`${fieldName(spec)}: ${count} matching elements (need exactly 1)`);
    }
    return locator.elementHandle({ timeout: timeoutMs });
}

function fieldName(spec) {
    return spec.label ? `field "${spec.label}"` : spec.button ? `button "${spec.button}"`
        : `field ${spec.selector}`;
}

// Sets the focused control to value with keys only; returns the value it then holds.
async function enterValue(page, handle, spec) {
    const kind = await handle.evaluate((el) => {
        const tag = el.tagName.toLowerCase();
        if (tag === 'select') {
            return el.multiple ? 'select-multiple' : 'select';
        }
        if (tag === 'textarea') {
            return 'text';
        }
        if (tag === 'input') {
            const t = (el.getAttribute('type') || 'text').toLowerCase();
            if (t === 'checkbox' || t === 'radio') {
                return t;
            }
            if (['button', 'submit', 'reset', 'image', 'file', 'hidden'].includes(t)) {
                return 'unsupported:' + t;
            }
            return 'text';
        }
        return 'unsupported:' + tag;
    });
    const name = fieldName(spec);
    if (kind === 'text') {
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.press('Backspace');
        if (spec.value !== '') {
            await page.keyboard.type(String(spec.value));
        }
        const got = await handle.evaluate((el) => el.value);
        if (got !== String(spec.value)) {
            throw new Error(`${name}: typed ${JSON.stringify(spec.value)} but it holds ` +
                JSON.stringify(got));
        }
        return got;
    }
    if (kind === 'checkbox') {
        const want = Boolean(spec.value);
        if ((await handle.evaluate((el) => el.checked)) !== want) {
            await page.keyboard.press('Space');
        }
        if ((await handle.evaluate((el) => el.checked)) !== want) {
            throw new Error(`${name}: Space did not ${want ? 'check' : 'uncheck'} it`);
        }
        return want;
    }
    if (kind === 'radio') {
        // The group has the focus; arrow keys move (and check) within it.
        const size = await handle.evaluate((el) => (el.form || document)
            .querySelectorAll(`input[type="radio"][name="${CSS.escape(el.name)}"]`).length);
        for (let i = 0; i <= size + 1; i++) {
            const done = await handle.evaluate((el) => el === document.activeElement &&
                el.checked);
            if (done) {
                return true;
            }
            const onIt = await handle.evaluate((el) => el === document.activeElement);
            await page.keyboard.press(onIt ? 'Space' : 'ArrowDown');
        }
        throw new Error(`${name}: arrow keys did not select this radio button`);
    }
    if (kind === 'select') {
        const labels = await handle.evaluate((el) => Array.from(el.options)
            .map((o) => o.label.replace(/\s+/g, ' ').trim()));
        const want = labels.indexOf(String(spec.value));
        if (want < 0) {
            throw new Error(`${name}: no option ${JSON.stringify(spec.value)} ` +
                `(options: ${labels.join(' / ')})`);
        }
        for (let i = 0; i <= labels.length; i++) {
            const cur = await handle.evaluate((el) => el.selectedIndex);
            if (cur === want) {
                return spec.value;
            }
            await page.keyboard.press(cur < want ? 'ArrowDown' : 'ArrowUp');
        }
        throw new Error(`${name}: arrow keys did not reach option ${JSON.stringify(spec.value)}`);
    }
    throw new Error(`${name}: cannot fill a ${kind.replace('unsupported:', '')} by keyboard`);
}

/**
 * fillFormByKeyboard(page, fields, opts): fills a form with the keyboard alone.
 *
 * fields: an array, in any order, of
 *   { label: 'visible label text' | selector: 'css', value }
 *   - text-like inputs and textareas: value (string) replaces what is there;
 *   - select: value is the visible text of the option, reached with arrow keys;
 *   - checkbox: value true / false, toggled with Space;
 *   - radio: name the radio button to choose (by its own label), value true; Tab
 *     reaches the group, arrow keys move to the radio.
 * opts.submit: optional { button: 'accessible name' } or { selector } of the submit
 *   button: tabbed to and pressed with Enter; then waits for the next page to load
 *   unless opts.expectNavigation is false.
 * opts.requireVisibleFocus (default true): every control reached must show a visible
 *   focus indicator (outline or box-shadow) while focused.
 * opts.maxTabs (default 400), opts.timeoutMs (default 30000).
 *
 * Returns [{ field, tabs, focus }] (focus = focusState when the control was reached).
 * Throws an Error naming the field when a control is missing or ambiguous, cannot be
 * reached with Tab, shows no focus, or does not take the value.
 */
async function fillFormByKeyboard(page, fields, opts = {}) {
    const maxTabs = opts.maxTabs || DEFAULT_MAX_TABS;
    const timeoutMs = opts.timeoutMs || 30000;
    const requireVisible = opts.requireVisibleFocus !== false;
    const steps = [];

    const reach = async (spec) => {
        const handle = await resolveField(page, spec, timeoutMs);
        const tabs = await tabTo(page, handle, fieldName(spec), maxTabs);
        const focus = await focusState(page);
        if (requireVisible && !(focus && focus.visible)) {
            throw new Error(`${fieldName(spec)}: focus indicator not visible ` +
                `(outline ${focus && focus.outlineStyle} ${focus && focus.outlineWidth}, ` +
                `box-shadow ${focus && focus.boxShadow})`);
        }
        return { handle, tabs, focus };
    };

    for (const spec of fields) {
        const { handle, tabs, focus } = await reach(spec);
        await enterValue(page, handle, spec);
        steps.push({ field: fieldName(spec), tabs, focus });
        await handle.dispose();
    }

    if (opts.submit) {
        const { handle, tabs, focus } = await reach(opts.submit);
        steps.push({ field: fieldName(opts.submit), tabs, focus });
        await handle.dispose();
        if (opts.expectNavigation === false) {
            await page.keyboard.press('Enter');
        } else {
            const main = page.mainFrame();
            const navigated = page.waitForEvent('framenavigated', {
                predicate: (f) => f === main,
                timeout: timeoutMs,
            });
            await page.keyboard.press('Enter');
            await navigated;
            await page.waitForLoadState('load', { timeout: timeoutMs });
        }
    }
    return steps;
}

module.exports = {
    focusState,
    tabTo,
    walkTabStops,
    fillFormByKeyboard,
};
