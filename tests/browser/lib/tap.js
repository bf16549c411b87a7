'use strict';
// TAP output for the browser checks: "ok N - name" / "not ok N - name", diagnostics as
// "# " lines right after a failed result (after every result when verbose), and a
// closing "1..N" then "N passed, N failed".  Results are printed as soon as they are
// known so a slow run shows progress; all of them, with their diagnostics, are kept in
// results for the JSON report.

class Tap {
    constructor(verbose = false, out = process.stdout) {
        this.verbose = verbose;
        this.out = out;
        this.passed = 0;
        this.failed = 0;
        this.failures = [];
        this.results = [];
    }

    // Records one test.  pass is a boolean; diag is an array of strings (or one string)
    // printed as comments under the result, whether it passed or not.
    result(name, pass, diag = []) {
        const n = this.passed + this.failed + 1;
        if (pass) {
            this.passed++;
        } else {
            this.failed++;
            this.failures.push(name);
        }
        this.results.push({ n, name, pass, diag: Array.isArray(diag) ? diag : [diag] });
        this.out.write(`${pass ? 'ok' : 'not ok'} ${n} - ${name}\n`);
        if (!pass || this.verbose) {
            this.comment(diag);
        }
        return pass;
    }

    // Prints free text as TAP comments; multi-line strings become several comment lines.
    comment(lines) {
        const list = Array.isArray(lines) ? lines : [lines];
        for (const item of list) {
            for (const line of String(item).split('\n')) {
                if (line !== '') {
                    this.out.write(`#   ${line}\n`);
                }
            }
        }
    }

    // Prints a top-level comment (no indent): progress notes, versions, timings.
    note(text) {
        this.out.write(`# ${text}\n`);
    }

    // Prints the plan and the final summary line; returns the process exit status.
    finish() {
        const total = this.passed + this.failed;
        if (this.failed > 0) {
            this.note('failed:');
            for (const name of this.failures) {
                this.note(`  ${name}`);
            }
        }
        this.out.write(`1..${total}\n`);
        this.out.write(`${this.passed} passed, ${this.failed} failed\n`);
        return this.failed > 0 ? 1 : 0;
    }
}

module.exports = { Tap };
