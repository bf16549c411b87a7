'use strict';
// The Nu HTML Checker (vnu.jar from the vnu-jar package) over the saved HTML files,
// all in one JVM: errors only, JSON on stdout.

const { spawn } = require('child_process');
const { fileURLToPath } = require('url');

const VNU_JAR = String(require('vnu-jar'));

// Runs the checker on files.  Resolves to { ok, byFile: Map(file -> [messages]),
// general: [messages not tied to a file], raw, stderr, code }.  ok is false when the
// JVM failed or did not produce JSON (then every page counts as failed).
function runVnu(files, timeoutMs) {
    return new Promise((resolve) => {
        const args = ['-Xss4m', '-jar', VNU_JAR, '--format', 'json', '--stdout', '--errors-only',
            '--exit-zero-always', ...files];
        const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8');
        child.stderr.setEncoding('utf8');
        child.stdout.on('data', (d) => { out += d; });
        child.stderr.on('data', (d) => { err += d; });
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        const finish = (code, spawnError) => {
            clearTimeout(timer);
            const result = { ok: false, byFile: new Map(), general: [], raw: out, stderr: err,
                code };
            if (spawnError) {
                result.stderr += String(spawnError);
                resolve(result);
                return;
            }
            let parsed;
            try {
                parsed = JSON.parse(out);
            } catch (e) {
                resolve(result);
                return;
            }
            for (const m of parsed.messages || []) {
                // Errors and non-document errors (I/O, schema) fail; warnings are only
                // reported when --errors-only is dropped.
                if (m.type !== 'error' && m.type !== 'non-document-error') {
                    continue;
                }
                let file = null;
                if (m.url && m.url.startsWith('file:')) {
                    try {
                        file = fileURLToPath(m.url);
                    } catch (e) {
                        file = null;
                    }
                }
                if (file) {
                    result.byFile.set(file, [...(result.byFile.get(file) || []), m]);
                } else {
                    result.general.push(m);
                }
            }
            result.ok = true;
            resolve(result);
        };
        child.on('error', (e) => finish(null, e));
        child.on('close', (code) => finish(code, null));
    });
}

// One readable line per message: "line L col C: message  «extract»".
function formatVnu(m) {
    const where = m.lastLine ? `line ${m.lastLine}` + (m.lastColumn ? ` col ${m.lastColumn}` : '')
        : 'document';
    const extract = m.extract ? `  «${m.extract.replace(/\s+/g, ' ').trim().slice(0, 120)}»` : '';
    return `${where}: ${m.type === 'error' ? '' : m.type + ': '}${m.message}${extract}`;
}

// The checker's version string ("26.9.27"), or 'unknown'.
function vnuVersion() {
    try {
        return require('vnu-jar/package.json').version;
    } catch (e) {
        return 'unknown';
    }
}

module.exports = { runVnu, formatVnu, vnuVersion, VNU_JAR };
