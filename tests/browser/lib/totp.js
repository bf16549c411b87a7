'use strict';
// Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps), as
// the staff's authenticator app computes them, for the sign-in's second factor.

const crypto = require('crypto');

const PERIOD_S = 30;
const DIGITS = 6;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// Decodes RFC 4648 base32 as people copy it from a screen: spaces, hyphens and '='
// padding are ignored, lower case is accepted.  Throws on any other character.
function base32Decode(text) {
    const s = String(text).replace(/[\s=-]/g, '').toUpperCase();
    const out = [];
    let bits = 0;
    let value = 0;
    for (const ch of s) {
        const v = BASE32.indexOf(ch);
        if (v < 0) {
            throw new Error(`not base32: ${JSON.stringify(ch)}`);
        }
        value = (value << 5) | v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out.push((value >> bits) & 0xff);
        }
        value &= (1 << bits) - 1;
    }
    return Buffer.from(out);
}

// The step number of a moment (milliseconds since the epoch).
function totpStep(ms = Date.now()) {
    return Math.floor(ms / 1000 / PERIOD_S);
}

// The code of step for the key (a Buffer): RFC 4226 dynamic truncation.
function hotp(key, step) {
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(step));
    const mac = crypto.createHmac('sha1', key).update(counter).digest();
    const off = mac[mac.length - 1] & 0x0f;
    const n = mac.readUInt32BE(off) & 0x7fffffff;
    return String(n % 10 ** DIGITS).padStart(DIGITS, '0');
}

// The code for the base32 secret at step (default: now).
function totpCode(secretBase32, step = totpStep()) {
    return hotp(base32Decode(secretBase32), step);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Chooses the step of the next code to type.  The server accepts the current step and
// one either side, and each step once (a later step also spends the earlier ones), so
// after lastStep the next sign-in needs a later step: the current one, else the next
// (accepted early), else it waits for time to catch up.  Resolves to the step.
async function nextStep(lastStep) {
    for (;;) {
        const now = Date.now();
        const cur = totpStep(now);
        const step = lastStep === undefined || lastStep === null ? cur
            : Math.max(cur, lastStep + 1);
        if (step <= cur + 1) {
            return step;
        }
        await sleep((step - 1) * PERIOD_S * 1000 - now + 50);
    }
}

module.exports = { base32Decode, hotp, totpCode, totpStep, nextStep, PERIOD_S };
