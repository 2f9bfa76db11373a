/* Latitude,longitude pairs for structural_scan: structural.py's _coordinate_pairs, _decimals and
 * _COORDINATE_GAP.  structural.c's opening comment tells why greedy loops over whole runs find what
 * those patterns found. */
#include "native.h"

#include <math.h>

/* The next match of rb"D\.DDD+ {1,30}D{1,3}\.DDD" in the digit view (digits D, '.' itself, any other
 * byte a space) at or after *cursor, as re.finditer finds them.  D+ and D{1,3} can only end where
 * the digits do and ' '{1,30} where the other bytes do, so the match is found greedily: a run of
 * more than 30 spaces or more than 3 digits fails at that start, whatever the engine backtracks. */
static int next_decimal_pair(const unsigned char *data, Py_ssize_t length, Py_ssize_t *cursor, Py_ssize_t *start,
                             Py_ssize_t *end)
{
    for (Py_ssize_t point = *cursor + 1; point < length; point++) {
        const unsigned char *found = memchr(data + point, '.', (size_t)(length - point));
        if (found == NULL) break;
        point = found - data;
        if (!IS_DIGIT(data[point - 1])) continue;
        Py_ssize_t k = point + 1, from = k;
        while (k < length && IS_DIGIT(data[k])) k++;
        if (k - from < 3) continue;
        for (from = k; k < length && !IS_DIGIT(data[k]) && data[k] != '.' && k - from <= 30; k++) {}
        if (k - from < 1 || k - from > 30) continue;
        for (from = k; k < length && IS_DIGIT(data[k]); k++) {}
        if (k - from < 1 || k - from > 3 || k >= length || data[k] != '.') continue;
        if (length - k < 4 || !IS_DIGIT(data[k + 1]) || !IS_DIGIT(data[k + 2]) || !IS_DIGIT(data[k + 3])) continue;
        *start = point - 1;
        *end = *cursor = k + 4;
        return 1;
    }
    return 0;
}

/* Whether data[from:to] is in the language of _COORDINATE_GAP,
 *   ["']?\s*[,;&/ ]\s*(?:["']?[A-Za-z_]{1,12}["']?\s*[:=]\s*)?["']?
 * (what re.fullmatch answers), by running its position automaton: bit k of a state set means "the
 * last byte was matched by pattern position k". */
enum {
    G_QUOTE1, G_SPACE2, G_SEPARATOR, G_SPACE4, G_QUOTE5, G_LETTER1, /* ... G_LETTER1 + 11 */
    G_QUOTE7 = G_LETTER1 + 12, G_SPACE8, G_ASSIGN, G_SPACE10, G_QUOTE11, G_POSITIONS
};
#define BIT(k) (UINT32_C(1) << (k))
#define G_LETTERS (((BIT(12) - 1)) << G_LETTER1)
#define G_ACCEPTING (BIT(G_SEPARATOR) | BIT(G_SPACE4) | BIT(G_ASSIGN) | BIT(G_SPACE10) | BIT(G_QUOTE11))
static uint32_t gap_follow[G_POSITIONS];
static uint32_t gap_start;
static uint32_t gap_bytes[256]; /* the positions each byte can be matched by */

void init_gap_automaton(void)
{
    const uint32_t after_separator =
        BIT(G_SPACE4) | BIT(G_QUOTE5) | BIT(G_LETTER1) | BIT(G_QUOTE11);
    const uint32_t after_label = BIT(G_QUOTE7) | BIT(G_SPACE8) | BIT(G_ASSIGN);
    gap_start = BIT(G_QUOTE1) | BIT(G_SPACE2) | BIT(G_SEPARATOR);
    gap_follow[G_QUOTE1] = BIT(G_SPACE2) | BIT(G_SEPARATOR);
    gap_follow[G_SPACE2] = BIT(G_SPACE2) | BIT(G_SEPARATOR);
    gap_follow[G_SEPARATOR] = after_separator;
    gap_follow[G_SPACE4] = after_separator;
    gap_follow[G_QUOTE5] = BIT(G_LETTER1);
    for (int k = 0; k < 12; k++) gap_follow[G_LETTER1 + k] = (k < 11 ? BIT(G_LETTER1 + k + 1) : 0) | after_label;
    gap_follow[G_QUOTE7] = BIT(G_SPACE8) | BIT(G_ASSIGN);
    gap_follow[G_SPACE8] = BIT(G_SPACE8) | BIT(G_ASSIGN);
    gap_follow[G_ASSIGN] = BIT(G_SPACE10) | BIT(G_QUOTE11);
    gap_follow[G_SPACE10] = BIT(G_SPACE10) | BIT(G_QUOTE11);
    gap_follow[G_QUOTE11] = 0;
    for (int b = 0; b < 256; b++) {
        uint32_t positions = 0;
        if (b == '"' || b == '\'') positions |= BIT(G_QUOTE1) | BIT(G_QUOTE5) | BIT(G_QUOTE7) | BIT(G_QUOTE11);
        /* \s of a bytes pattern: ASCII whitespace, \v and \f included */
        if (b == ' ' || (b >= '\t' && b <= '\r')) positions |= BIT(G_SPACE2) | BIT(G_SPACE4) | BIT(G_SPACE8) | BIT(G_SPACE10);
        if (b == ',' || b == ';' || b == '&' || b == '/' || b == ' ') positions |= BIT(G_SEPARATOR);
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || b == '_') positions |= G_LETTERS;
        if (b == ':' || b == '=') positions |= BIT(G_ASSIGN);
        gap_bytes[b] = positions;
    }
}

static int coordinate_gap(const unsigned char *data, Py_ssize_t from, Py_ssize_t to)
{
    uint32_t state = 0, follow = gap_start;
    if (to <= from) return 0;
    for (Py_ssize_t k = from; k < to; k++) {
        state = follow & gap_bytes[data[k]];
        if (state == 0) return 0;
        follow = 0;
        for (uint32_t bits = state; bits; bits &= bits - 1) follow |= gap_follow[__builtin_ctz(bits)];
    }
    return (state & G_ACCEPTING) != 0;
}

/* float(text) exactly: PyOS_string_to_double is what float() of bytes calls, and it ignores the
 * locale (strtod would not). */
static int parse_float(const unsigned char *text, Py_ssize_t length, double *value)
{
    char small[64], *buffer = small, *end;
    if (length >= (Py_ssize_t)sizeof small) {
        buffer = PyMem_Malloc((size_t)length + 1);
        if (buffer == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    memcpy(buffer, text, (size_t)length);
    buffer[length] = '\0';
    *value = PyOS_string_to_double(buffer, &end, NULL);
    int failed = *value == -1.0 && PyErr_Occurred();
    if (buffer != small) PyMem_Free(buffer);
    return failed ? -1 : 0;
}

/* The integer part of a decimal of _decimals (a sign, 1-4 digits, '.', 3 or more digits). */
static long whole_part(const unsigned char *text, Py_ssize_t size, Py_ssize_t *point)
{
    long whole = 0;
    Py_ssize_t k = text[0] == '-';
    for (; k < size && text[k] != '.'; k++) whole = whole * 10 + (text[k] - '0');
    *point = k;
    return whole;
}

/* The range tests of structural.py on float(text), settled from the text where they can be: rounding
 * to nearest is monotonic, so a decimal below (above) a bound never converts to a float above (below)
 * it.  Only a decimal equal to the bound in its integer part, or below 0.01, is converted (which is
 * slow: PyOS_string_to_double switches the x87 precision each time).  1 or 0, -1 with an exception. */
static int abs_at_most(const unsigned char *text, Py_ssize_t size, long bound)
{
    Py_ssize_t point;
    long whole = whole_part(text, size, &point);
    if (whole != bound) return whole < bound;
    double value;
    if (parse_float(text, size, &value) < 0) return -1;
    return fabs(value) <= (double)bound;
}

static int abs_at_least_a_hundredth(const unsigned char *text, Py_ssize_t size)
{
    Py_ssize_t point;
    if (whole_part(text, size, &point) > 0 || text[point + 1] != '0' || text[point + 2] != '0') return 1;
    double value;
    if (parse_float(text, size, &value) < 0) return -1;
    return fabs(value) >= 0.01;
}

/* abs(lat) <= 90 and abs(lon) <= 180 and (abs(lat) >= 0.01 or abs(lon) >= 0.01), lat with at most
 * two integer digits. */
static int plausible_location(const unsigned char *latitude, Py_ssize_t latitude_size, const unsigned char *longitude,
                              Py_ssize_t longitude_size)
{
    Py_ssize_t point;
    whole_part(latitude, latitude_size, &point);
    if (point - (latitude[0] == '-') > 2) return 0;
    int result = abs_at_most(latitude, latitude_size, 90);
    if (result != 1) return result;
    result = abs_at_most(longitude, longitude_size, 180);
    if (result != 1) return result;
    result = abs_at_least_a_hundredth(latitude, latitude_size);
    if (result != 0) return result;
    return abs_at_least_a_hundredth(longitude, longitude_size);
}

/* A latitude,longitude pair of decimals with a short separator between them, in data[pos:endpos]
 * (one region of next_decimal_pair): structural.py's _coordinate_pairs and _decimals. */
static int coordinate_pairs(Scan *scan, Py_ssize_t pos, Py_ssize_t endpos, Py_ssize_t *reached)
{
    const unsigned char *data = scan->data;
    Py_ssize_t length = scan->length, previous_start = 0, previous_end = 0;
    int have_previous = 0;
    /* rb"D\.DDD" with finditer(view, pos, endpos): non-overlapping, wholly before endpos */
    for (Py_ssize_t at = pos; at + 5 <= endpos; at++) {
        if (!(IS_DIGIT(data[at]) && data[at + 1] == '.' && IS_DIGIT(data[at + 2]) && IS_DIGIT(data[at + 3]) &&
              IS_DIGIT(data[at + 4])))
            continue;
        /* widened over the whole of data, not the region: a sign, up to 4 integer digits (structural.py's
         * docstring says 1-3, its loop takes 4; a 4-digit one never passes the range tests), all decimals */
        Py_ssize_t point = at + 1, start = at, end = at + 5;
        while (start > 0 && IS_DIGIT(data[start - 1]) && point - start < 4) start--;
        if (start > 0 && data[start - 1] == '-') start--;
        while (end < length && IS_DIGIT(data[end])) end++;
        at += 4;
        unsigned char before = start > 0 ? data[start - 1] : 0;
        if (IS_DIGIT(before) || before == '.' || (end < length && data[end] == '.')) continue;
        if (have_previous && start - previous_end <= 30 && coordinate_gap(data, previous_end, start)) {
            int plausible = plausible_location(data + previous_start, previous_end - previous_start, data + start,
                                               end - start);
            if (plausible < 0) return -1;
            if (plausible) {
                Py_ssize_t latitude_size = previous_end - previous_start, longitude_size = end - start;
                PyObject *label = PyUnicode_New(latitude_size + 1 + longitude_size, 127);
                if (label != NULL) {
                    Py_UCS1 *out = PyUnicode_1BYTE_DATA(label);
                    memcpy(out, data + previous_start, (size_t)latitude_size);
                    out[latitude_size] = ',';
                    memcpy(out + latitude_size + 1, data + start, (size_t)longitude_size);
                }
                if (add_hit(scan->hits, type_location, label, previous_start, end) < 0) return -1;
                *reached = end;
                have_previous = 0;
                continue;
            }
        }
        have_previous = 1;
        previous_start = start;
        previous_end = end;
    }
    return 0;
}

/* ``reached`` never moves a region's start in fact (a longitude ends where its digits do, the next pair
 * starts later on a digit before a '.'), but it is kept as structural.py had it. */
int scan_coordinates(Scan *scan)
{
    Py_ssize_t cursor = 0, reached = 0, start, end;
    while (next_decimal_pair(scan->data, scan->length, &cursor, &start, &end)) {
        if (coordinate_pairs(scan, reached > start - 1 ? reached : start - 1, end, &reached) < 0) return -1;
    }
    return 0;
}
