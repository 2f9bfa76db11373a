/* structural_scan: the identifier shapes of harness/detect/structural.py (IMSI, IMEI, ICCID, MEID, MAC,
 * advertising ids, phone numbers, the '@'s of e-mail addresses); coordinates are in coordinates.c. */
#include "native.h"

/* ------------------------------------------------------------------------------------------------ */
/* Structural shapes                                                                                  */
/*                                                                                                    */
/* structural.py found its candidates with regular expressions on "views" of the layer (digits -> D,  */
/* hex digits -> h, every other byte a space).  Each pattern there is built so that its pieces never  */
/* compete for a byte class, which is what lets the loops below take whole runs greedily and still    */
/* find exactly the matches that the backtracking engine found.                                       */

static PyObject *type_imsi, *type_imei, *type_iccid, *type_meid, *type_wifi_mac, *type_advertising_id,
    *type_phone_number;
PyObject *type_location; /* coordinates.c */

#define LABEL_WINDOW 32
static const char *const imsi_labels[] = {"imsi", "subscriberid", "subscriber_id", NULL};
static const char *const ad_id_labels[] = {"adid",  "ad_id",       "gaid",   "aaid",
                                           "idfa",  "advertising", "adv_id", "advertiserid", NULL};
static const char *const not_macs[] = {"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:00", NULL};

enum { AS_IS, LOWER, UPPER, MAC };

static inline unsigned char ascii_lower(unsigned char byte)
{
    return byte >= 'A' && byte <= 'Z' ? (unsigned char)(byte + 32) : byte;
}

/* A str of an ASCII slice (every caller passes digits, hex, '+', '-', '.' or ':'), case-mapped as the
 * Python code did with .lower() / .upper() / .lower().replace("-", ":"). */
static PyObject *ascii_value(const unsigned char *bytes, Py_ssize_t length, int mode)
{
    PyObject *value = PyUnicode_New(length, 127);
    if (value == NULL) return NULL;
    Py_UCS1 *out = PyUnicode_1BYTE_DATA(value);
    for (Py_ssize_t k = 0; k < length; k++) {
        unsigned char byte = bytes[k];
        if (mode == LOWER || mode == MAC) byte = ascii_lower(byte);
        else if (mode == UPPER && byte >= 'a' && byte <= 'z') byte = (unsigned char)(byte - 32);
        if (mode == MAC && byte == '-') byte = ':';
        out[k] = byte;
    }
    return value;
}

/* Appends (type, value, start, end); takes over ``value`` (which may be NULL after a failure). */
int add_hit(PyObject *list, PyObject *type, PyObject *value, Py_ssize_t start, Py_ssize_t end)
{
    if (value == NULL) return -1;
    PyObject *hit = PyTuple_New(4);
    if (hit == NULL) {
        Py_DECREF(value);
        return -1;
    }
    PyTuple_SET_ITEM(hit, 0, Py_NewRef(type));
    PyTuple_SET_ITEM(hit, 1, value);
    PyObject *number = PyLong_FromSsize_t(start);
    if (number == NULL) {
        Py_DECREF(hit);
        return -1;
    }
    PyTuple_SET_ITEM(hit, 2, number);
    number = PyLong_FromSsize_t(end);
    if (number == NULL) {
        Py_DECREF(hit);
        return -1;
    }
    PyTuple_SET_ITEM(hit, 3, number);
    return append_new(list, hit);
}

static int luhn_valid(const unsigned char *digits, Py_ssize_t length)
{
    int total = 0;
    for (Py_ssize_t position = 0; position < length; position++) {
        int value = digits[length - 1 - position] - '0';
        if (position % 2) value = value > 4 ? value * 2 - 9 : value * 2;
        total += value;
    }
    return total % 10 == 0;
}

/* A label in the 32 bytes before ``start``, compared lower-cased without '-' and '.'; a label never
 * reaches across a NUL (prescan.py joins parts with one). */
static int labelled(const unsigned char *data, Py_ssize_t start, const char *const *labels)
{
    Py_ssize_t from = start > LABEL_WINDOW ? start - LABEL_WINDOW : 0;
    for (Py_ssize_t k = start; k > from; k--) {
        if (data[k - 1] == 0) {
            from = k;
            break;
        }
    }
    char window[LABEL_WINDOW];
    size_t size = 0;
    for (Py_ssize_t k = from; k < start; k++) {
        if (data[k] != '-' && data[k] != '.') window[size++] = (char)ascii_lower(data[k]);
    }
    for (; *labels != NULL; labels++) {
        size_t label_size = strlen(*labels);
        for (size_t at = 0; at + label_size <= size; at++) {
            if (window[at] == **labels && memcmp(window + at, *labels, label_size) == 0) return 1;
        }
    }
    return 0;
}

/* Digit runs of 14 or more that are a token of their own: IMSI (labelled), IMEI, ICCID. */
static int scan_numbers(Scan *scan)
{
    const unsigned char *data = scan->data;
    Py_ssize_t length = scan->length, probe = 13;
    /* every run of 14 or more covers one of every 14 positions: probe those, then widen */
    while (probe < length) {
        if (!IS_DIGIT(data[probe])) {
            probe += 14;
            continue;
        }
        Py_ssize_t start = probe, end = probe + 1;
        while (start > 0 && IS_DIGIT(data[start - 1])) start--;
        while (end < length && IS_DIGIT(data[end])) end++;
        probe = end + 14;
        Py_ssize_t size = end - start;
        if (size < 14) continue;
        /* part of a token such as a hex string or a base64 run, not a number on its own */
        if ((start > 0 && is_class(data[start - 1], C_ALNUM)) || (end < length && is_class(data[end], C_ALNUM)))
            continue;
        const unsigned char *digits = data + start;
        PyObject *type = NULL;
        if (size == 15 && labelled(data, start, imsi_labels)) {
            /* test networks: a labelled one is no IMEI either */
            if (memcmp(digits, "000", 3) != 0 && memcmp(digits, "001", 3) != 0 && memcmp(digits, "999", 3) != 0)
                type = type_imsi;
        }
        else if (size == 15 && luhn_valid(digits, size) && memcmp(digits, "00", 2) != 0) {
            type = type_imei;
        }
        else if ((size == 19 || size == 20) && memcmp(digits, "89", 2) == 0 && luhn_valid(digits, size)) {
            type = type_iccid;
        }
        if (type != NULL && add_hit(scan->hits, type, ascii_value(digits, size, AS_IS), start, end) < 0) return -1;
    }
    return 0;
}

/* rb"(?i:meid)[\"' :=]{1,4}([0-9A-Fa-f]{14})(?![0-9A-Za-z])".  The separators and the hex digits are disjoint
 * classes, so the separator run must be whole and 1-4 long, and no match can start inside another. */
static int meid_at(const unsigned char *data, Py_ssize_t length, Py_ssize_t at, Py_ssize_t *hex)
{
    /* byte | 0x20 folds exactly the ASCII upper-case letter onto its lower case */
    if (at + 4 > length || (data[at] | 0x20) != 'm' || (data[at + 1] | 0x20) != 'e' || (data[at + 2] | 0x20) != 'i' ||
        (data[at + 3] | 0x20) != 'd')
        return 0;
    Py_ssize_t digits = at + 4;
    while (digits < length && (data[digits] == '"' || data[digits] == '\'' || data[digits] == ' ' ||
                               data[digits] == ':' || data[digits] == '='))
        digits++;
    if (digits - (at + 4) < 1 || digits - (at + 4) > 4 || length - digits < 14) return 0;
    for (Py_ssize_t k = digits; k < digits + 14; k++) {
        if (!is_class(data[k], C_HEX)) return 0;
    }
    if (digits + 14 < length && is_class(data[digits + 14], C_ALNUM)) return 0;
    *hex = digits;
    return 1;
}

static int scan_meid(Scan *scan)
{
    const unsigned char *data = scan->data;
    Py_ssize_t length = scan->length, hex;
    const unsigned char *lower = memchr(data, 'm', (size_t)length), *upper = memchr(data, 'M', (size_t)length);
    /* the 'm's and the 'M's, in order: memchr skips text faster than any loop over its bytes */
    while (lower != NULL || upper != NULL) {
        const unsigned char *found = upper == NULL || (lower != NULL && lower < upper) ? lower : upper;
        Py_ssize_t at = found - data, rest = length - at - 1;
        if (found == lower) lower = rest > 0 ? memchr(found + 1, 'm', (size_t)rest) : NULL;
        else upper = rest > 0 ? memchr(found + 1, 'M', (size_t)rest) : NULL;
        if (!meid_at(data, length, at, &hex)) continue;
        if (add_hit(scan->hits, type_meid, ascii_value(data + hex, 14, UPPER), hex, hex + 14) < 0) return -1;
    }
    return 0;
}

/* A literal shape of the hex view ('h' a hex digit, else the byte itself) at ``start``, standing
 * alone: the view bytes either side are spaces (neither hex digits nor ':' nor '-').  Occurrences
 * that overlap an earlier one never stand alone, so finding them one by one gives what the
 * non-overlapping search in structural.py kept. */
static inline int standalone_shape(const unsigned char *data, Py_ssize_t length, Py_ssize_t start,
                                   const char *shape, Py_ssize_t size)
{
    if (start < 0 || size > length - start) return 0;
    for (Py_ssize_t k = 0; k < size; k++) {
        if (shape[k] == 'h' ? !is_class(data[start + k], C_HEX) : data[start + k] != (unsigned char)shape[k]) return 0;
    }
    return !(start > 0 && is_class(data[start - 1], C_HEXVIEW)) &&
           !(start + size < length && is_class(data[start + size], C_HEXVIEW));
}

#define MAC_COLONS "hh:hh:hh:hh:hh:hh"
#define MAC_DASHES "hh-hh-hh-hh-hh-hh"
#define UUID_SHAPE "hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh"

static int add_mac(PyObject *list, const unsigned char *data, Py_ssize_t start)
{
    PyObject *mac = ascii_value(data + start, 17, MAC);
    if (mac == NULL) return -1;
    for (const char *const *fake = not_macs; *fake != NULL; fake++) {
        if (memcmp(PyUnicode_1BYTE_DATA(mac), *fake, 17) == 0) {
            Py_DECREF(mac);
            return 0;
        }
    }
    return add_hit(list, type_wifi_mac, mac, start, start + 17);
}

/* MAC addresses with ':' then with '-', then labelled version-4 UUIDs, in that order. */
static int scan_hex_shapes(Scan *scan)
{
    const unsigned char *data = scan->data, *found;
    Py_ssize_t length = scan->length, at;
    for (at = 0; at < length && (found = memchr(data + at, ':', (size_t)(length - at))) != NULL;
         at = found - data + 1) {
        Py_ssize_t start = found - data - 2;
        if (standalone_shape(data, length, start, MAC_COLONS, 17) && add_mac(scan->hits, data, start) < 0)
            return -1;
    }
    PyObject *uuids = PyList_New(0);
    if (uuids == NULL) return -1;
    for (at = 0; at < length && (found = memchr(data + at, '-', (size_t)(length - at))) != NULL;
         at = found - data + 1) {
        Py_ssize_t dash = found - data;
        if (standalone_shape(data, length, dash - 2, MAC_DASHES, 17) && add_mac(scan->hits, data, dash - 2) < 0)
            goto error;
        Py_ssize_t start = dash - 8;
        if (standalone_shape(data, length, start, UUID_SHAPE, 36) && data[start + 14] == '4' &&
            memchr("89abAB", data[start + 19], 6) != NULL &&
            labelled(data, start, ad_id_labels) &&
            add_hit(uuids, type_advertising_id, ascii_value(data + start, 36, LOWER), start, start + 36) < 0)
            goto error;
    }
    Py_ssize_t size = PyList_GET_SIZE(scan->hits);
    if (PyList_SetSlice(scan->hits, size, size, uuids) < 0) goto error;
    Py_DECREF(uuids);
    return 0;
error:
    Py_DECREF(uuids);
    return -1;
}

/* rb"(?<![0-9A-Za-z+])\+[1-9][0-9]{7,14}(?![0-9])" matched at each '+': the digit run after the
 * first digit must be whole, so 7-14 long. */
static int scan_phones(Scan *scan, PyObject *phones)
{
    const unsigned char *data = scan->data, *found;
    Py_ssize_t length = scan->length;
    for (Py_ssize_t at = 0; at < length && (found = memchr(data + at, '+', (size_t)(length - at))) != NULL;
         at = found - data + 1) {
        Py_ssize_t plus = found - data;
        if (plus > 0 && (is_class(data[plus - 1], C_ALNUM) || data[plus - 1] == '+')) continue;
        if (length - plus < 2 || data[plus + 1] < '1' || data[plus + 1] > '9') continue;
        Py_ssize_t end = plus + 2;
        while (end < length && IS_DIGIT(data[end])) end++;
        if (end - (plus + 2) < 7 || end - (plus + 2) > 14) continue;
        if (add_hit(phones, type_phone_number, ascii_value(data + plus, end - plus, AS_IS), plus, end) < 0) return -1;
    }
    return 0;
}

/* The '@'s worth running the e-mail pattern around (binary is full of '@'s): structural.py's cheap test
 * (an address byte either side, not too near the end), narrowed to what any match holding this '@'
 * needs: the whole run of local-part bytes before it, at most 64 long (the pattern's look-behind makes
 * a match start where the run does), then a first domain label of 1-63 bytes ending at a '.'.  An '@'
 * that no match can hold changed nothing in structural.py, which only kept a match holding it. */
static int scan_at_signs(Scan *scan, PyObject *positions)
{
    const unsigned char *data = scan->data, *found;
    Py_ssize_t length = scan->length;
    for (Py_ssize_t at = 0; at < length && (found = memchr(data + at, '@', (size_t)(length - at))) != NULL;
         at = found - data + 1) {
        Py_ssize_t sign = found - data;
        if (!(0 < sign && sign < length - 4 && is_class(data[sign - 1], C_LOCAL) && is_class(data[sign + 1], C_ALNUM)))
            continue;
        Py_ssize_t local = sign - 1;
        while (local > 0 && is_class(data[local - 1], C_LOCAL) && sign - local <= 64) local--;
        if (sign - local > 64) continue;
        Py_ssize_t label = sign + 1;
        while (label < length && (is_class(data[label], C_ALNUM) || data[label] == '-') && label - sign <= 64) label++;
        if (label - sign > 64 || label >= length || data[label] != '.') continue;
        if (append_new(positions, PyLong_FromSsize_t(sign)) < 0) return -1;
    }
    return 0;
}

PyObject *native_structural_scan(PyObject *module, PyObject *argument)
{
    (void)module;
    Py_buffer view;
    if (get_buffer(argument, &view) < 0) return NULL;
    Scan scan = {.data = view.buf, .length = view.len, .hits = PyList_New(0)};
    PyObject *at_signs = PyList_New(0), *phones = PyList_New(0), *result = NULL;
    if (scan.hits != NULL && at_signs != NULL && phones != NULL && scan_numbers(&scan) == 0 &&
        scan_coordinates(&scan) == 0 && scan_meid(&scan) == 0 && scan_hex_shapes(&scan) == 0 &&
        scan_at_signs(&scan, at_signs) == 0 && scan_phones(&scan, phones) == 0)
        result = PyTuple_Pack(3, scan.hits, at_signs, phones);
    Py_XDECREF(scan.hits);
    Py_XDECREF(at_signs);
    Py_XDECREF(phones);
    PyBuffer_Release(&view);
    return result;
}

static int intern_type(PyObject **slot, const char *name)
{
    if (*slot == NULL) *slot = PyUnicode_InternFromString(name);
    return *slot == NULL ? -1 : 0;
}

int init_structural(void)
{
    init_gap_automaton();
    /* kept for the life of the process, like the module's other static tables */
    if (intern_type(&type_imsi, "imsi") < 0 || intern_type(&type_imei, "imei") < 0 ||
        intern_type(&type_iccid, "iccid") < 0 || intern_type(&type_location, "location") < 0 ||
        intern_type(&type_meid, "meid") < 0 || intern_type(&type_wifi_mac, "wifi_mac") < 0 ||
        intern_type(&type_advertising_id, "advertising_id") < 0 ||
        intern_type(&type_phone_number, "phone_number") < 0)
        return -1;
    return 0;
}
