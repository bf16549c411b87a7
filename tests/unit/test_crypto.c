/* Unit tests of src/crypto: passwords, tokens, base32/base64url, TOTP and
 * sealed values.  Password tests use small argon2 parameters (m=1024, t=1)
 * except one, so the suite stays quick under valgrind. */
#include <argon2.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fault.h"
#include "core/utf8.h"
#include "crypto/base32.h"
#include "crypto/password.h"
#include "crypto/sealbox.h"
#include "crypto/token.h"
#include "crypto/totp.h"
#include "tap.h"

static const password_params small = {1024, 1, 1};

/* ---- password ---- */

TEST(password_hash_round_trip_with_small_params)
{
    char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
    const char *pw = "correct horse battery staple";
    CHECK(password_hash(pw, strlen(pw), small, h1));
    static const char prefix[] = "$argon2id$v=19$m=1024,t=1,p=1$";
    CHECK(strncmp(h1, prefix, sizeof prefix - 1) == 0);
    /* 16-byte salt = 22 base64 characters, 32-byte hash = 43. */
    CHECK_INT(strlen(h1), sizeof prefix - 1 + 22 + 1 + 43);
    CHECK_INT(password_verify(h1, pw, strlen(pw)), PASSWORD_MATCH);
    CHECK_INT(password_verify(h1, "correct horse battery stapler", 29), PASSWORD_MISMATCH);
    CHECK_INT(password_verify(h1, pw, strlen(pw) - 1), PASSWORD_MISMATCH);
    CHECK_INT(password_verify(h1, "", 0), PASSWORD_MISMATCH);
    /* spec 3.1.6(2): a different salt each time, so equal passwords differ. */
    CHECK(password_hash(pw, strlen(pw), small, h2));
    CHECK(strcmp(h1, h2) != 0);
    CHECK_INT(password_verify(h2, pw, strlen(pw)), PASSWORD_MATCH);
}

TEST(password_hash_keeps_every_byte_including_nul_and_multibyte)
{
    char h[PASSWORD_HASH_MAX];
    const char pw[] = "pass\0word日本語";
    CHECK(password_hash(pw, sizeof pw - 1, small, h));
    CHECK_INT(password_verify(h, pw, sizeof pw - 1), PASSWORD_MATCH);
    CHECK_INT(password_verify(h, "pass", 4), PASSWORD_MISMATCH);
}

TEST(password_hash_with_default_params_is_the_owasp_minimum)
{
    /* The one argon2 call with the real cost (19 MiB, 2 passes). */
    char h[PASSWORD_HASH_MAX];
    CHECK(password_hash("defaults!", 9, PASSWORD_PARAMS_DEFAULT, h));
    static const char prefix[] = "$argon2id$v=19$m=19456,t=2,p=1$";
    CHECK(strncmp(h, prefix, sizeof prefix - 1) == 0);
    CHECK(!password_needs_rehash(h, PASSWORD_PARAMS_DEFAULT));
}

TEST(password_hash_max_holds_the_longest_phc_string)
{
    CHECK(argon2_encodedlen(UINT32_MAX, UINT32_MAX, ARGON2_MAX_LANES, 16, 32, Argon2_id) <=
          PASSWORD_HASH_MAX);
    CHECK(argon2_encodedlen(PASSWORD_T_COST_MAX, PASSWORD_M_KIB_MAX, PASSWORD_PARALLELISM_MAX, 16,
                            32, Argon2_id) <= PASSWORD_HASH_MAX);
}

TEST(password_hash_refuses_bad_params_and_long_input)
{
    char h[PASSWORD_HASH_MAX];
    static char big[PASSWORD_MAX_BYTES + 1];
    memset(big, 'a', sizeof big);
    CHECK(password_hash(big, PASSWORD_MAX_BYTES, small, h));
    CHECK_INT(password_verify(h, big, PASSWORD_MAX_BYTES), PASSWORD_MATCH);
    /* One byte more cannot have been stored: refused without hashing. */
    CHECK(!password_hash(big, PASSWORD_MAX_BYTES + 1, small, h));
    CHECK_STR(h, "");
    CHECK_INT(password_verify(h, big, PASSWORD_MAX_BYTES + 1), PASSWORD_BAD_HASH);
    CHECK(!password_hash("x", 1, (password_params){0, 1, 1}, h));
    CHECK(!password_hash("x", 1, (password_params){1024, 0, 1}, h));
    CHECK(!password_hash("x", 1, (password_params){1024, 1, 0}, h));
    CHECK(!password_hash("x", 1, (password_params){8, 1, 2}, h)); /* m < 8p */
    CHECK(!password_hash("x", 1, (password_params){PASSWORD_M_KIB_MAX + 1, 1, 1}, h));
    CHECK(!password_hash("x", 1, (password_params){1024, PASSWORD_T_COST_MAX + 1, 1}, h));
    CHECK(!password_hash("x", 1, (password_params){1024, 1, PASSWORD_PARALLELISM_MAX + 1}, h));
    CHECK(!password_hash(NULL, 1, small, h));
}

TEST(password_verify_too_long_is_a_mismatch_without_hashing)
{
    char h[PASSWORD_HASH_MAX];
    static char big[PASSWORD_MAX_BYTES + 2];
    memset(big, 'b', sizeof big);
    CHECK(password_hash("shortpass", 9, small, h));
    CHECK_INT(password_verify(h, big, sizeof big), PASSWORD_MISMATCH);
    CHECK_INT(password_verify(h, NULL, 3), PASSWORD_ERROR);
}

TEST(password_verify_refuses_malformed_and_hostile_phc_strings)
{
    /* A fixed 16-byte salt and an all-zero 32-byte hash, in argon2's base64. */
#define SALT "c2FsdHNhbHRzYWx0c2FsdA"
#define ZERO "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    /* One string per line. */
    // clang-format off
    static const char *const bad[] = {
        "",
        "$",
        "plaintext-password",
        "$argon2i$v=19$m=1024,t=1,p=1$" SALT "$" ZERO,
        "$argon2d$v=19$m=1024,t=1,p=1$" SALT "$" ZERO,
        "$argon2id$v=16$m=1024,t=1,p=1$" SALT "$" ZERO,
        "$argon2id$m=1024,t=1,p=1$" SALT "$" ZERO,
        "$argon2id$v=19$m=0,t=1,p=1$" SALT "$" ZERO,
        "$argon2id$v=19$m=01024,t=1,p=1$" SALT "$" ZERO,
        "$argon2id$v=19$m=-1024,t=1,p=1$" SALT "$" ZERO,
        /* 4 GiB and 4 billion passes: refused before libargon2 allocates. */
        "$argon2id$v=19$m=4194304,t=1,p=1$" SALT "$" ZERO,
        "$argon2id$v=19$m=4294967295,t=1,p=1$" SALT "$" ZERO,
        "$argon2id$v=19$m=99999999999,t=1,p=1$" SALT "$" ZERO,
        "$argon2id$v=19$m=1024,t=4294967295,p=1$" SALT "$" ZERO,
        "$argon2id$v=19$m=1024,t=0,p=1$" SALT "$" ZERO,
        "$argon2id$v=19$m=1024,t=1,p=0$" SALT "$" ZERO,
        "$argon2id$v=19$m=1024,t=1,p=255$" SALT "$" ZERO,
        "$argon2id$v=19$m=1024,t=1$" SALT "$" ZERO,
        "$argon2id$v=19$t=1,m=1024,p=1$" SALT "$" ZERO,
        "$argon2id$v=19$m=1024,t=1,p=1$c2Fsd$" ZERO,       /* 3-byte salt */
        "$argon2id$v=19$m=1024,t=1,p=1$" SALT "$AAAAAAAA", /* 6-byte hash */
        "$argon2id$v=19$m=1024,t=1,p=1$" SALT "$" ZERO "=",
        "$argon2id$v=19$m=1024,t=1,p=1$" SALT "$" ZERO "$",
        "$argon2id$v=19$m=1024,t=1,p=1$" SALT "$" ZERO " ",
        "$argon2id$v=19$m=1024,t=1,p=1$" SALT "$-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=1024,t=1,p=1$$" ZERO,
        "$argon2id$v=19$m=1024,t=1,p=1$" SALT "$" ZERO ZERO ZERO, /* 96-byte hash */
    };
    // clang-format on
#undef SALT
#undef ZERO
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (password_verify(bad[i], "password", 8) != PASSWORD_BAD_HASH) {
            printf("# accepted: %s\n", bad[i]);
            CHECK(0);
        }
        CHECK(password_needs_rehash(bad[i], small));
    }
    CHECK_INT(password_verify(NULL, "password", 8), PASSWORD_BAD_HASH);
    CHECK(password_needs_rehash(NULL, small));
}

TEST(password_verify_never_matches_a_truncated_hash)
{
    char h[PASSWORD_HASH_MAX], cut[PASSWORD_HASH_MAX];
    CHECK(password_hash("truncate me", 11, small, h));
    for (size_t n = 0; n < strlen(h); n++) {
        memcpy(cut, h, n);
        cut[n] = '\0';
        password_result r = password_verify(cut, "truncate me", 11);
        CHECK(r == PASSWORD_BAD_HASH || r == PASSWORD_MISMATCH);
    }
}

TEST(password_needs_rehash_when_weaker_than_the_configured_cost)
{
    char h[PASSWORD_HASH_MAX];
    CHECK(password_hash("rehash-me", 9, small, h));
    CHECK(!password_needs_rehash(h, small));
    CHECK(password_needs_rehash(h, PASSWORD_PARAMS_DEFAULT));
    CHECK(password_needs_rehash(h, (password_params){2048, 1, 1}));
    CHECK(password_needs_rehash(h, (password_params){1024, 2, 1}));
    CHECK(password_needs_rehash(h, (password_params){1024, 1, 2})); /* lanes differ */
    CHECK(!password_needs_rehash(h, (password_params){512, 1, 1})); /* stronger than asked */
    /* A shorter salt or hash than ours is replaced even at the same cost. */
    CHECK(password_needs_rehash("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ"
                                "$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                small));
}

TEST(spec_3_1_5_password_verify_dummy_runs_a_full_verification)
{
    /* It must not crash on any input and must cost about what a real
     * verification costs; the timing itself is left to the login tests. */
    password_verify_dummy("whatever", 8, small);
    password_verify_dummy("", 0, small);
    password_verify_dummy(NULL, 0, small);
    password_verify_dummy("x", 1, (password_params){0, 0, 0});
    static char big[PASSWORD_MAX_BYTES + 1];
    password_verify_dummy(big, sizeof big, small);
    CHECK(1);
}

TEST(spec_3_1_3_password_acceptable_counts_characters_not_bytes)
{
    char err[256];
    err[0] = '\0';
    CHECK(!password_acceptable("abcdefg", 7, err, sizeof err));
    CHECK_STR(err, "パスワードは 8 文字以上で入力してください");
    CHECK(password_acceptable("abcdefgh", 8, err, sizeof err));
    CHECK(password_acceptable("A1!b c#d", 8, err, sizeof err)); /* any mix, spaces too */
    CHECK(password_acceptable("aaaaaaaa", 8, NULL, 0));         /* no composition rule */
    static char sixty_four[65];
    memset(sixty_four, 'Z', 64);
    CHECK(password_acceptable(sixty_four, 64, err, sizeof err));
    /* 7 kana are 21 bytes but 7 characters: refused; 8 kana accepted. */
    const char *seven = "あいうえおかき", *eight = "あいうえおかきく";
    CHECK(!password_acceptable(seven, strlen(seven), err, sizeof err));
    CHECK(password_acceptable(eight, strlen(eight), err, sizeof err));
    /* An emoji (4 bytes) is one character. */
    const char *emoji = "abcdef\xF0\x9F\x98\x80";
    CHECK(!password_acceptable(emoji, strlen(emoji), err, sizeof err));
    static char limit[PASSWORD_MAX_BYTES + 1];
    memset(limit, 'x', sizeof limit);
    CHECK(password_acceptable(limit, PASSWORD_MAX_BYTES, err, sizeof err));
    CHECK(!password_acceptable(limit, PASSWORD_MAX_BYTES + 1, err, sizeof err));
    CHECK(strstr(err, "長すぎます") != NULL);
}

TEST(password_acceptable_refuses_control_characters_and_bad_utf8)
{
    static const char *const bad[] = {
        "password\t1",
        "password\n1",
        "password\r1",
        "password\x7f"
        "1",
        "password\xC2\x85"
        "1", /* U+0085 NEL (C1) */
        "password\xC2\x9F"
        "1",                /* U+009F (C1) */
        "password\xC0\xAF", /* overlong */
        "password\xE3\x81", /* truncated */
        "password\xFF",
    };
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK(!password_acceptable(bad[i], strlen(bad[i]), err, sizeof err));
        CHECK(err[0] != '\0' && utf8_valid(err, strlen(err)));
    }
    CHECK(!password_acceptable("pass\0word", 9, err, sizeof err));
    CHECK(password_acceptable("password\xC2\xA0"
                              "1",
                              11, err, sizeof err)); /* U+00A0 is fine */
    /* A tiny message buffer gets a whole-character prefix. */
    char tiny[8];
    CHECK(!password_acceptable("short", 5, tiny, sizeof tiny));
    CHECK(utf8_valid(tiny, strlen(tiny)));
}

/* ---- token ---- */

TEST(token_new_is_well_formed_and_unique)
{
    enum { N = 200 };
    static char t[N][TOKEN_CHARS + 1];
    for (int i = 0; i < N; i++) {
        CHECK(token_new(t[i]));
        CHECK_INT(strlen(t[i]), TOKEN_CHARS);
        CHECK(token_well_formed(t[i]));
        for (int j = 0; j < i; j++)
            CHECK(strcmp(t[i], t[j]) != 0);
    }
}

TEST(token_well_formed_refuses_anything_else)
{
    const char *ok = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-";
    CHECK_INT(strlen(ok), 43);
    CHECK(token_well_formed(ok));
    CHECK(token_well_formed("abcdefghijklmnopqrstuvwxyz0123456789_-ABCDE"));
    CHECK(!token_well_formed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));   /* 42 */
    CHECK(!token_well_formed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")); /* 44 */
    CHECK(!token_well_formed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    CHECK(!token_well_formed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+"));
    CHECK(!token_well_formed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/"));
    CHECK(!token_well_formed("AAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAA"));
    CHECK(!token_well_formed(""));
    CHECK(!token_well_formed(NULL));
}

TEST(token_hash_is_sha256_hex_of_the_text)
{
    char h[TOKEN_HASH_HEX];
    CHECK(token_hash("abc", h));
    CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(token_hash("", h));
    CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(!token_hash(NULL, h));
    CHECK_STR(h, "");
}

TEST(token_equal_compares_whole_strings)
{
    char a[TOKEN_CHARS + 1], b[TOKEN_CHARS + 1];
    CHECK(token_new(a));
    memcpy(b, a, sizeof b);
    CHECK(token_equal(a, b));
    b[42] = b[42] == 'A' ? 'B' : 'A';
    CHECK(!token_equal(a, b));
    b[0] = '\0';
    CHECK(!token_equal(a, b));
    CHECK(!token_equal(a, "abc"));
    CHECK(token_equal("", ""));
    CHECK(!token_equal(NULL, a));
    CHECK(!token_equal(a, NULL));
}

/* ---- base32 / base64url ---- */

TEST(base32_rfc4648_section_10_vectors)
{
    static const struct {
        const char *raw, *padded, *bare;
    } v[] = {
        {"", "", ""},
        {"f", "MY======", "MY"},
        {"fo", "MZXQ====", "MZXQ"},
        {"foo", "MZXW6===", "MZXW6"},
        {"foob", "MZXW6YQ=", "MZXW6YQ"},
        {"fooba", "MZXW6YTB", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI======", "MZXW6YTBOI"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char enc[32];
        uint8_t dec[16];
        size_t n = 99, len = strlen(v[i].raw);
        CHECK(base32_encode((const uint8_t *)v[i].raw, len, enc, sizeof enc));
        CHECK_STR(enc, v[i].bare);
        CHECK_INT(strlen(enc), BASE32_ENCODED_LEN(len));
        CHECK(base32_decode(v[i].padded, strlen(v[i].padded), dec, sizeof dec, &n));
        CHECK(n == len && memcmp(dec, v[i].raw, len) == 0);
        n = 99;
        CHECK(base32_decode(v[i].bare, strlen(v[i].bare), dec, sizeof dec, &n));
        CHECK(n == len && memcmp(dec, v[i].raw, len) == 0);
    }
}

TEST(base32_decode_accepts_what_people_type)
{
    uint8_t dec[32];
    size_t n = 0;
    const char *typed = "gezd gnbv gy3t qojq GEZD GNBV GY3T QOJQ ";
    CHECK(base32_decode(typed, strlen(typed), dec, sizeof dec, &n));
    CHECK(n == 20 && memcmp(dec, "12345678901234567890", 20) == 0);
    CHECK(base32_decode("mzxw6===", 8, dec, sizeof dec, &n));
    CHECK(n == 3 && memcmp(dec, "foo", 3) == 0);
    CHECK(base32_decode("MZ XW 6= ==", 11, dec, sizeof dec, &n));
    CHECK(n == 3);
}

TEST(base32_decode_refuses_everything_else)
{
    static const char *const bad[] = {
        "M",
        "MZX",
        "MZXW6Y",
        "MY=====",
        "MY=======",
        "MY======A",
        "MZXW6YTB========",
        "=",
        "MZ",
        /* non-zero unused bits */ "MY1=====",
        "MY0",
        "MY8",
        "MY-",
        "MY\n",
        "MY======\t",
        "M=Y",
    };
    uint8_t dec[32];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = 777;
        if (base32_decode(bad[i], strlen(bad[i]), dec, sizeof dec, &n)) {
            printf("# accepted: \"%s\"\n", bad[i]);
            CHECK(0);
        }
        CHECK_INT(n, 777);
    }
    /* Output bounded by outmax. */
    size_t n;
    CHECK(!base32_decode("MZXW6YTBOI", 10, dec, 5, &n));
    CHECK(base32_decode("MZXW6YTBOI", 10, dec, 6, &n));
    CHECK(!base32_decode("MZXW6", 5, dec, 0, &n));
    char enc[9];
    CHECK(!base32_encode((const uint8_t *)"fooba", 5, enc, 8)); /* needs 9 */
    CHECK(base32_encode((const uint8_t *)"fooba", 5, enc, 9));
}

TEST(base64url_vectors_and_strictness)
{
    static const struct {
        const char *raw, *enc;
    } v[] = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char enc[16];
        uint8_t dec[16];
        size_t n = 0, len = strlen(v[i].raw);
        CHECK(base64url_encode((const uint8_t *)v[i].raw, len, enc, sizeof enc));
        CHECK_STR(enc, v[i].enc);
        CHECK(base64url_decode(v[i].enc, strlen(v[i].enc), dec, sizeof dec, &n));
        CHECK(n == len && memcmp(dec, v[i].raw, len) == 0);
    }
    static const char *const bad[] = {"Z", "Zg==", "Zh", "+/8", "Zm9v Yg", "Zm9vY", "Zm8="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t dec[16];
        size_t n;
        CHECK(!base64url_decode(bad[i], strlen(bad[i]), dec, sizeof dec, &n));
    }
    uint8_t dec[2];
    size_t n;
    CHECK(!base64url_decode("Zm9v", 4, dec, sizeof dec, &n));
}

/* ---- TOTP ---- */

static const uint8_t rfc_key[] = "12345678901234567890";

TEST(totp_rfc6238_appendix_b_sha1_vectors)
{
    /* The RFC's 8-digit values, of which a 6-digit code is the last six. */
    static const struct {
        int64_t t;
        const char *code8;
    } v[] = {
        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[7];
        CHECK(totp_code(rfc_key, 20, v[i].t, out));
        CHECK_STR(out, v[i].code8 + 2);
    }
}

TEST(totp_rfc4226_appendix_d_hotp_vectors)
{
    static const char *const hotp[] = {"755224", "287082", "359152", "969429", "338314",
                                       "254676", "287922", "162583", "399871", "520489"};
    for (int c = 0; c < 10; c++) {
        char out[7];
        CHECK(totp_code(rfc_key, 20, (int64_t)c * 30 + 29, out));
        CHECK_STR(out, hotp[c]);
    }
}

TEST(totp_code_refuses_short_keys_and_negative_time)
{
    char out[7] = "x";
    CHECK(!totp_code(rfc_key, 15, 59, out));
    CHECK_STR(out, "");
    CHECK(!totp_code(rfc_key, 20, -1, out));
    CHECK(!totp_code(NULL, 20, 59, out));
    uint8_t key64[64] = {0};
    CHECK(totp_code(key64, 64, 59, out));
    uint8_t key65[65] = {0};
    CHECK(!totp_code(key65, 65, 59, out));
}

TEST(totp_verify_window_and_replay)
{
    const int64_t t = 1111111109; /* step 37037036 */
    const int64_t step = t / 30;
    char prev[7], cur[7], next[7], far[7];
    CHECK(totp_code(rfc_key, 20, t - 30, prev));
    CHECK(totp_code(rfc_key, 20, t, cur));
    CHECK(totp_code(rfc_key, 20, t + 30, next));
    CHECK(totp_code(rfc_key, 20, t + 60, far));

    int64_t last = 0;
    CHECK(totp_verify(rfc_key, 20, cur, t, &last));
    CHECK_INT(last, step);
    /* The same code again is a replay. */
    CHECK(!totp_verify(rfc_key, 20, cur, t, &last));
    CHECK(!totp_verify(rfc_key, 20, cur, t + 10, &last));
    /* The previous step's code is inside the window but already spent. */
    CHECK(!totp_verify(rfc_key, 20, prev, t, &last));
    CHECK_INT(last, step);
    /* The next step's code (phone clock ahead) is accepted once. */
    CHECK(totp_verify(rfc_key, 20, next, t, &last));
    CHECK_INT(last, step + 1);
    CHECK(!totp_verify(rfc_key, 20, next, t, &last));
    /* Two steps ahead is outside the window. */
    int64_t fresh = 0;
    CHECK(!totp_verify(rfc_key, 20, far, t, &fresh));
    CHECK_INT(fresh, 0);
    /* A fresh user: the previous step's code works (phone clock behind). */
    CHECK(totp_verify(rfc_key, 20, prev, t, &fresh));
    CHECK_INT(fresh, step - 1);
}

TEST(totp_verify_accepts_spaces_and_refuses_other_forms)
{
    const int64_t t = 59;
    int64_t last;
    static const char *const good[] = {"287082", "287 082", " 287082 ", "2 8 7 0 8 2"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        last = 0;
        CHECK(totp_verify(rfc_key, 20, good[i], t, &last));
    }
    static const char *const bad[] = {
        "",
        "28708",
        "2870822",
        "28708a",
        "287-082",
        "287\t082",
        "０２８７０８２",
        "287082                                                 ",
        "+287082",
        "94287082",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        last = 0;
        CHECK(!totp_verify(rfc_key, 20, bad[i], t, &last));
        CHECK_INT(last, 0);
    }
    last = 0;
    CHECK(!totp_verify(rfc_key, 20, NULL, t, &last));
    CHECK(!totp_verify(rfc_key, 20, "287082", t, NULL));
    CHECK(!totp_verify(rfc_key, 10, "287082", t, &last));
    CHECK(!totp_verify(rfc_key, 20, "287082", -30, &last));
    /* At time 0 there is no step -1; step 0 and 1 still work. */
    char c0[7];
    CHECK(totp_code(rfc_key, 20, 0, c0));
    last = -1;
    CHECK(totp_verify(rfc_key, 20, c0, 0, &last));
    CHECK_INT(last, 0);
}

TEST(totp_uri_percent_encodes_utf8_labels)
{
    buf b = BUF_INIT;
    CHECK(totp_uri("つなぐ", "staff@example.jp", rfc_key, 20, &b));
    CHECK_STR(b.data, "otpauth://totp/%E3%81%A4%E3%81%AA%E3%81%90:staff%40example.jp"
                      "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                      "&issuer=%E3%81%A4%E3%81%AA%E3%81%90&algorithm=SHA1&digits=6&period=30");
    buf_reset(&b);
    CHECK(totp_uri("Super Net", "a b&c=d?e/f", rfc_key, 20, &b));
    CHECK_STR(b.data, "otpauth://totp/Super%20Net:a%20b%26c%3Dd%3Fe%2Ff"
                      "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                      "&issuer=Super%20Net&algorithm=SHA1&digits=6&period=30");
    buf_free(&b);
}

TEST(totp_uri_refuses_bad_labels_and_reports_buffer_failure)
{
    buf b = BUF_INIT;
    CHECK(!totp_uri("Tsunagu", "a:b", rfc_key, 20, &b));
    CHECK(!totp_uri("Tsu:nagu", "ab", rfc_key, 20, &b));
    CHECK(!totp_uri("", "ab", rfc_key, 20, &b));
    CHECK(!totp_uri("Tsunagu", "", rfc_key, 20, &b));
    CHECK(!totp_uri("Tsunagu", "\xff", rfc_key, 20, &b));
    CHECK(!totp_uri(NULL, "ab", rfc_key, 20, &b));
    CHECK(!totp_uri("Tsunagu", "ab", rfc_key, 8, &b));
    static char longname[258];
    memset(longname, 'n', 257);
    CHECK(!totp_uri("Tsunagu", longname, rfc_key, 20, &b));
    longname[256] = '\0';
    CHECK(totp_uri("Tsunagu", longname, rfc_key, 20, &b));
    buf_free(&b);

    buf small_buf;
    buf_init(&small_buf, 40);
    CHECK(!totp_uri("Tsunagu", "ab", rfc_key, 20, &small_buf));
    buf_free(&small_buf);

    buf c = BUF_INIT;
    fault_fail_nth(1);
    CHECK(!totp_uri("Tsunagu", "ab", rfc_key, 20, &c));
    CHECK(fault_fired());
    fault_fail_nth(0);
    buf_free(&c);
}

/* ---- sealbox ---- */

static char tmp_root[64];

/* A fresh scratch directory for key files; removed by rm_tree(). */
static const char *scratch_dir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/tsunagu-crypto-XXXXXX",
             base && strlen(base) < 30 ? base : "/tmp");
    return mkdtemp(tmp_root);
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                rm_tree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void path_in(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static void write_file(const char *path, const void *data, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd >= 0) {
        if (write(fd, data, n) != (ssize_t)n)
            perror("write");
        close(fd);
    }
    chmod(path, mode);
}

static const uint8_t fixed_key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                      12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                      23, 24, 25, 26, 27, 28, 29, 30, 31};

static bool opens_to(const sealbox_keyring *k, const char *sealed, const char *aad,
                     const char *want)
{
    buf b = BUF_INIT;
    bool ok = sealbox_open(k, sealed, aad, &b) && b.len == strlen(want) &&
              memcmp(b.data, want, b.len) == 0;
    buf_free(&b);
    return ok;
}

TEST(sealbox_load_creates_the_directory_and_first_key)
{
    const char *root = scratch_dir();
    CHECK(root != NULL);
    char dir[256], key[300], err[256] = "";
    path_in(dir, sizeof dir, root, "keys");
    sealbox_keyring *k = sealbox_keyring_load(dir, err, sizeof err);
    CHECK(k != NULL);
    CHECK_STR(err, "");
    CHECK_INT(sealbox_current_key_id(k), 1);
    struct stat st;
    CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
    path_in(key, sizeof key, dir, "0001.key");
    CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 32);
    sealbox_keyring_free(k);
    rm_tree(root);
}

TEST(spec_3_6_2_sealbox_round_trip_binds_aad)
{
    sealbox_keyring *k = sealbox_keyring_from_key(1, fixed_key);
    CHECK(k != NULL);
    buf s = BUF_INIT, s2 = BUF_INIT;
    const char *secret = "JBSWY3DPEHPK3PXP";
    CHECK(sealbox_seal(k, (const uint8_t *)secret, strlen(secret), "user:42:totp", &s));
    CHECK(strncmp(s.data, "tsb1.1.", 7) == 0);
    CHECK_INT(strlen(s.data), 7 + BASE64URL_ENCODED_LEN(12 + strlen(secret) + 16));
    CHECK(strstr(s.data, secret) == NULL);
    CHECK_INT(sealbox_key_id_of(s.data), 1);
    CHECK(opens_to(k, s.data, "user:42:totp", secret));
    /* Copied to another row: does not open. */
    CHECK(!opens_to(k, s.data, "user:43:totp", secret));
    CHECK(!opens_to(k, s.data, "", secret));
    CHECK(!opens_to(k, s.data, NULL, secret));
    /* A fresh nonce each time. */
    CHECK(sealbox_seal(k, (const uint8_t *)secret, strlen(secret), "user:42:totp", &s2));
    CHECK(strcmp(s.data, s2.data) != 0);
    CHECK(opens_to(k, s2.data, "user:42:totp", secret));
    /* Open appends after what the buffer holds and keeps the NUL. */
    buf o = BUF_INIT;
    buf_puts(&o, "pre:");
    CHECK(sealbox_open(k, s.data, "user:42:totp", &o));
    CHECK_STR(o.data, "pre:JBSWY3DPEHPK3PXP");
    /* A failed open leaves the buffer as it was. */
    CHECK(!sealbox_open(k, s.data, "wrong", &o));
    CHECK_STR(o.data, "pre:JBSWY3DPEHPK3PXP");
    CHECK_INT(o.len, 20);
    buf_free(&o);
    buf_free(&s);
    buf_free(&s2);
    sealbox_keyring_free(k);
}

TEST(sealbox_empty_and_largest_plaintexts)
{
    sealbox_keyring *k = sealbox_keyring_from_key(9999, fixed_key);
    buf s = BUF_INIT, o = BUF_INIT;
    CHECK(sealbox_seal(k, NULL, 0, "a", &s));
    CHECK(strncmp(s.data, "tsb1.9999.", 10) == 0);
    CHECK(sealbox_open(k, s.data, "a", &o));
    CHECK_INT(o.len, 0);
    CHECK(o.data && o.data[0] == '\0');
    uint8_t *big = calloc(1, SEALBOX_MAX_PLAINTEXT + 1);
    CHECK(big != NULL);
    if (big) {
        big[0] = 7;
        big[SEALBOX_MAX_PLAINTEXT - 1] = 9;
        buf_reset(&s);
        buf_reset(&o);
        CHECK(sealbox_seal(k, big, SEALBOX_MAX_PLAINTEXT, "big", &s));
        CHECK(sealbox_open(k, s.data, "big", &o));
        CHECK(o.len == SEALBOX_MAX_PLAINTEXT && memcmp(o.data, big, o.len) == 0);
        buf_reset(&s);
        CHECK(!sealbox_seal(k, big, SEALBOX_MAX_PLAINTEXT + 1, "big", &s));
        CHECK_INT(s.len, 0);
        free(big);
    }
    buf_free(&s);
    buf_free(&o);
    sealbox_keyring_free(k);
}

TEST(sealbox_refuses_every_tampered_character)
{
    sealbox_keyring *k = sealbox_keyring_from_key(3, fixed_key);
    buf s = BUF_INIT;
    CHECK(sealbox_seal(k, (const uint8_t *)"secret", 6, "row", &s));
    char *t = strdup(s.data);
    CHECK(t != NULL);
    size_t n = strlen(t);
    for (size_t i = 0; t && i < n; i++) {
        char was = t[i];
        static const char subst[] = {'A', 'B', 'g', '-', '_', '.', '=', '2', '3', '\0'};
        for (size_t j = 0; j < sizeof subst; j++) {
            if (subst[j] == was)
                continue;
            t[i] = subst[j];
            if (opens_to(k, t, "row", "secret")) {
                printf("# opened after t[%zu] = '%c'\n", i, subst[j]);
                CHECK(0);
            }
        }
        t[i] = was;
    }
    CHECK(t && opens_to(k, t, "row", "secret"));
    free(t);
    buf_free(&s);
    sealbox_keyring_free(k);
}

TEST(sealbox_refuses_malformed_text_and_unknown_keys)
{
    sealbox_keyring *k = sealbox_keyring_from_key(1, fixed_key);
    buf s = BUF_INIT;
    CHECK(sealbox_seal(k, (const uint8_t *)"x", 1, "r", &s));
    /* The same bytes under key id 2, which k does not hold. */
    char *other = strdup(s.data);
    CHECK(other != NULL);
    if (other) {
        other[5] = '2';
        CHECK_INT(sealbox_key_id_of(other), 2);
        CHECK(!opens_to(k, other, "r", "x"));
    }
    free(other);
    static const char *const bad[] = {
        "",
        "tsb1",
        "tsb1.",
        "tsb1.1",
        "tsb1.1.",
        "tsb1.0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "tsb1.01.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "tsb1.10000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "tsb1.-1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "tsb1.+1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "tsb2.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "TSB1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "tsb1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 27 bytes: no room for a tag */
        "tsb1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "tsb1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", /* non-zero unused bits */
        "tsb1.1.AAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAA",
        "tsb1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sealbox_key_id_of(bad[i]) != -1) {
            printf("# parsed: \"%s\"\n", bad[i]);
            CHECK(0);
        }
        CHECK(!opens_to(k, bad[i], "r", "x"));
    }
    /* Well-formed but never sealed: parses, does not open. */
    const char *forged = "tsb1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    CHECK_INT(sealbox_key_id_of(forged), 1);
    CHECK(!opens_to(k, forged, "r", ""));
    CHECK_INT(sealbox_key_id_of(NULL), -1);
    buf o = BUF_INIT;
    CHECK(!sealbox_open(k, NULL, "r", &o));
    CHECK(!sealbox_open(NULL, s.data, "r", &o));
    CHECK(!sealbox_seal(NULL, (const uint8_t *)"x", 1, "r", &o));
    CHECK(!sealbox_seal(k, NULL, 1, "r", &o));
    buf_free(&o);
    CHECK(sealbox_keyring_from_key(0, fixed_key) == NULL);
    CHECK(sealbox_keyring_from_key(10000, fixed_key) == NULL);
    CHECK_INT(sealbox_current_key_id(NULL), -1);
    sealbox_keyring_free(NULL);
    buf_free(&s);
    sealbox_keyring_free(k);
}

TEST(sealbox_rotation_keeps_old_values_open)
{
    const char *root = scratch_dir();
    char err[256] = "";
    sealbox_keyring *k = sealbox_keyring_load(root, err, sizeof err);
    CHECK(k != NULL);
    if (!k) {
        printf("# %s\n", err);
        rm_tree(root);
        return;
    }
    buf v1 = BUF_INIT, v2 = BUF_INIT;
    CHECK(sealbox_seal(k, (const uint8_t *)"old", 3, "user:1:totp", &v1));
    CHECK(sealbox_keyring_rotate(k, root, err, sizeof err));
    CHECK_INT(sealbox_current_key_id(k), 2);
    CHECK(sealbox_seal(k, (const uint8_t *)"new", 3, "user:2:totp", &v2));
    CHECK(strncmp(v1.data, "tsb1.1.", 7) == 0);
    CHECK(strncmp(v2.data, "tsb1.2.", 7) == 0);
    CHECK_INT(sealbox_key_id_of(v1.data), 1);
    CHECK(opens_to(k, v1.data, "user:1:totp", "old"));
    CHECK(opens_to(k, v2.data, "user:2:totp", "new"));
    char key2[300];
    path_in(key2, sizeof key2, root, "0002.key");
    struct stat st;
    CHECK(stat(key2, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 32);
    /* Another process loading the directory sees both keys. */
    sealbox_keyring *k2 = sealbox_keyring_load(root, err, sizeof err);
    CHECK(k2 != NULL);
    CHECK_INT(sealbox_current_key_id(k2), 2);
    CHECK(opens_to(k2, v1.data, "user:1:totp", "old"));
    CHECK(opens_to(k2, v2.data, "user:2:totp", "new"));
    /* A rotation that finds the next file already there (someone else
     * rotated) fails and leaves the keyring alone. */
    char key3[300];
    path_in(key3, sizeof key3, root, "0003.key");
    write_file(key3, fixed_key, 32, 0600);
    err[0] = '\0';
    CHECK(!sealbox_keyring_rotate(k2, root, err, sizeof err));
    CHECK(strstr(err, "既に存在します") != NULL);
    CHECK_INT(sealbox_current_key_id(k2), 2);
    sealbox_keyring_free(k2);
    k2 = sealbox_keyring_load(root, err, sizeof err);
    CHECK_INT(sealbox_current_key_id(k2), 3);
    sealbox_keyring_free(k2);
    /* The last id cannot be passed. */
    sealbox_keyring *top = sealbox_keyring_from_key(SEALBOX_KEY_ID_MAX, fixed_key);
    CHECK(!sealbox_keyring_rotate(top, root, err, sizeof err));
    sealbox_keyring_free(top);
    buf_free(&v1);
    buf_free(&v2);
    sealbox_keyring_free(k);
    rm_tree(root);
}

/* Loads dir and expects a refusal whose message contains `want`. */
static void expect_refused(const char *dir, const char *want)
{
    char err[512] = "";
    sealbox_keyring *k = sealbox_keyring_load(dir, err, sizeof err);
    CHECK(k == NULL);
    if (!strstr(err, want)) {
        printf("# message \"%s\" lacks \"%s\"\n", err, want);
        CHECK(0);
    }
    CHECK(utf8_valid(err, strlen(err)));
    sealbox_keyring_free(k);
}

TEST(spec_3_6_2_sealbox_refuses_unsafe_key_files)
{
    const char *root = scratch_dir();
    char err[256], key1[300], extra[300];
    sealbox_keyring *k = sealbox_keyring_load(root, err, sizeof err);
    CHECK(k != NULL);
    sealbox_keyring_free(k);
    path_in(key1, sizeof key1, root, "0001.key");

    /* Readable by group or others. */
    CHECK(chmod(key1, 0644) == 0);
    expect_refused(root, "0600");
    CHECK(chmod(key1, 0640) == 0);
    expect_refused(root, "0600");
    CHECK(chmod(key1, 0600) == 0);

    /* A symlink, even to a good key file. */
    path_in(extra, sizeof extra, root, "0002.key");
    CHECK(symlink(key1, extra) == 0);
    expect_refused(root, "シンボリックリンク");
    unlink(extra);

    /* Wrong sizes. */
    write_file(extra, fixed_key, 31, 0600);
    expect_refused(root, "32");
    write_file(extra, "0123456789012345678901234567890123", 33, 0600);
    expect_refused(root, "32");
    unlink(extra);

    /* Id 0000, a directory named like a key. */
    path_in(extra, sizeof extra, root, "0000.key");
    write_file(extra, fixed_key, 32, 0600);
    expect_refused(root, "0001");
    unlink(extra);
    path_in(extra, sizeof extra, root, "0007.key");
    CHECK(mkdir(extra, 0700) == 0);
    expect_refused(root, "0600");
    rmdir(extra);

    /* A directory others may write. */
    CHECK(chmod(root, 0777) == 0);
    expect_refused(root, "0700");
    CHECK(chmod(root, 0700) == 0);

    /* Not a directory at all. */
    expect_refused(key1, "ディレクトリ");

    /* Other names are ignored; everything is fine again. */
    path_in(extra, sizeof extra, root, "README");
    write_file(extra, "x", 1, 0644);
    path_in(extra, sizeof extra, root, "0002.key.bak");
    write_file(extra, "x", 1, 0644);
    k = sealbox_keyring_load(root, err, sizeof err);
    CHECK(k != NULL);
    CHECK_INT(sealbox_current_key_id(k), 1);
    sealbox_keyring_free(k);
    rm_tree(root);
}

TEST(sealbox_survives_allocation_failures)
{
    const char *root = scratch_dir();
    char err[256], dir[256];
    /* Fail the 1st, 2nd, ... allocation of a fresh load until none fails. */
    for (long nth = 1; nth < 50; nth++) {
        snprintf(dir, sizeof dir, "%s/k%ld", root, nth);
        fault_fail_nth(nth);
        sealbox_keyring *k = sealbox_keyring_load(dir, err, sizeof err);
        bool fired = fault_fired();
        fault_fail_nth(0);
        if (!fired) {
            CHECK(k != NULL);
            sealbox_keyring_free(k);
            break;
        }
        CHECK(k == NULL);
        /* A second attempt after the failure works. */
        k = sealbox_keyring_load(dir, err, sizeof err);
        CHECK(k != NULL);
        sealbox_keyring_free(k);
    }
    /* Rotation: a failed allocation leaves the keyring as it was. */
    snprintf(dir, sizeof dir, "%s/k1", root);
    sealbox_keyring *k = sealbox_keyring_load(dir, err, sizeof err);
    CHECK(k != NULL);
    fault_fail_nth(1);
    CHECK(!sealbox_keyring_rotate(k, dir, err, sizeof err));
    CHECK(fault_fired());
    fault_fail_nth(0);
    CHECK_INT(sealbox_current_key_id(k), 1);
    CHECK(sealbox_keyring_rotate(k, dir, err, sizeof err));
    CHECK_INT(sealbox_current_key_id(k), 2);

    /* Seal and open: each allocation failing in turn. */
    buf s = BUF_INIT;
    for (long nth = 1; nth < 10; nth++) {
        buf_free(&s);
        fault_fail_nth(nth);
        bool ok = sealbox_seal(k, (const uint8_t *)"payload", 7, "aad", &s);
        bool fired = fault_fired();
        fault_fail_nth(0);
        CHECK(ok == !fired);
        if (!fired)
            break;
    }
    for (long nth = 1; nth < 10; nth++) {
        buf o = BUF_INIT;
        fault_fail_nth(nth);
        bool ok = sealbox_open(k, s.data, "aad", &o);
        bool fired = fault_fired();
        fault_fail_nth(0);
        CHECK(ok == !fired);
        CHECK(ok ? strcmp(o.data, "payload") == 0 : o.len == 0);
        buf_free(&o);
        if (!fired)
            break;
    }
    /* An output buffer with a max too small: refused, nothing left in it. */
    buf o;
    buf_init(&o, 4);
    CHECK(!sealbox_open(k, s.data, "aad", &o));
    CHECK_INT(o.len, 0);
    buf_free(&o);
    buf_free(&s);
    sealbox_keyring_free(k);
    rm_tree(root);
}

int main(void)
{
    return tap_run();
}
