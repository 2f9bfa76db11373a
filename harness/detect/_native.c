/* Byte-level scanners of the leak detector, in C because they touch every byte of every layer.
 *
 * Each function gives exactly what the pure-Python version it replaced gave (that version is kept in
 * tests/detect/reference_scans.py, and tests/detect/test_detect_native.py checks the two against each
 * other); where the Python code leaned on regular-expression semantics, the comments say which
 * reading of the pattern the C code relies on.
 *
 *   flatten, length_delimited_fields   protobuf wire format (harness/detect/protobuf.py)
 *   base64_spans, hex_spans            encoded runs (harness/detect/decoders.py)
 *   structural_scan                    identifier shapes (harness/detect/structural.py)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* Byte classes                                                                                       */

enum {
    C_DIGIT = 1 << 0,     /* 0-9 */
    C_UPPER = 1 << 1,     /* A-Z */
    C_LOWER = 1 << 2,     /* a-z */
    C_HEX = 1 << 3,       /* 0-9 a-f A-F */
    C_BASE64 = 1 << 4,    /* A-Z a-z 0-9 + / _ - (both alphabets) */
    C_LOCAL = 1 << 5,     /* an e-mail local part: alnum . _ % + - */
    C_PRINT = 1 << 6,     /* 0x20-0x7e, \t \n \r */
    C_HEXVIEW = 1 << 7,   /* not a space in structural.py's hex view: hex digits, ':' and '-' */
};
#define C_ALNUM (C_DIGIT | C_UPPER | C_LOWER)

static unsigned char byte_class[256];

static inline int is_class(unsigned char byte, int cls) { return (byte_class[byte] & cls) != 0; }
#define IS_DIGIT(b) ((unsigned char)((b) - '0') < 10)

static void init_byte_classes(void)
{
    for (int b = 0; b < 256; b++) {
        int cls = 0;
        if (b >= '0' && b <= '9') cls |= C_DIGIT | C_HEX;
        if (b >= 'A' && b <= 'Z') cls |= C_UPPER;
        if (b >= 'a' && b <= 'z') cls |= C_LOWER;
        if ((b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')) cls |= C_HEX;
        if ((cls & C_ALNUM) || b == '+' || b == '/' || b == '_' || b == '-') cls |= C_BASE64;
        if ((cls & C_ALNUM) || b == '.' || b == '_' || b == '%' || b == '+' || b == '-') cls |= C_LOCAL;
        if ((b >= 0x20 && b < 0x7f) || b == '\t' || b == '\n' || b == '\r') cls |= C_PRINT;
        if ((cls & C_HEX) || b == ':' || b == '-') cls |= C_HEXVIEW;
        byte_class[b] = (unsigned char)cls;
    }
}

/* ------------------------------------------------------------------------------------------------ */
/* Small helpers                                                                                      */

/* A growable array of (start, length) spans; PyMem_Realloc keeps the old block on failure. */
typedef struct {
    Py_ssize_t start, length;
} Span;

typedef struct {
    Span *items;
    Py_ssize_t length, capacity;
} SpanVec;

static int spans_push(SpanVec *vec, Py_ssize_t start, Py_ssize_t length)
{
    if (vec->length == vec->capacity) {
        Py_ssize_t capacity = vec->capacity ? vec->capacity * 2 : 64;
        if (capacity > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(Span)) {
            PyErr_NoMemory();
            return -1;
        }
        Span *items = PyMem_Realloc(vec->items, (size_t)capacity * sizeof(Span));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        vec->items = items;
        vec->capacity = capacity;
    }
    vec->items[vec->length].start = start;
    vec->items[vec->length].length = length;
    vec->length++;
    return 0;
}

/* Appends ``item`` (a new reference, possibly NULL after a failed constructor) and drops it. */
static int append_new(PyObject *list, PyObject *item)
{
    if (item == NULL) return -1;
    int result = PyList_Append(list, item);
    Py_DECREF(item);
    return result;
}

static int append_span(PyObject *list, Py_ssize_t start, Py_ssize_t end)
{
    PyObject *tuple = PyTuple_New(2);
    if (tuple == NULL) return -1;
    PyObject *first = PyLong_FromSsize_t(start);
    if (first == NULL) {
        Py_DECREF(tuple);
        return -1;
    }
    PyTuple_SET_ITEM(tuple, 0, first);
    PyObject *second = PyLong_FromSsize_t(end);
    if (second == NULL) {
        Py_DECREF(tuple);
        return -1;
    }
    PyTuple_SET_ITEM(tuple, 1, second);
    return append_new(list, tuple);
}

static int get_buffer(PyObject *object, Py_buffer *view)
{
    return PyObject_GetBuffer(object, view, PyBUF_SIMPLE);
}

/* ------------------------------------------------------------------------------------------------ */
/* UTF-8, exactly as strict as bytes.decode("utf-8"): no overlong forms, no surrogates, nothing past */
/* U+10FFFF, no truncated sequence.                                                                   */

/* Where bytes.decode("utf-8") fails: the index of the first byte of the first invalid (or truncated)
 * sequence, which is UnicodeDecodeError.start; -1 if the whole is valid. */
static Py_ssize_t utf8_error_at(const unsigned char *data, Py_ssize_t length)
{
    Py_ssize_t i = 0;
    while (i < length) {
        unsigned char lead = data[i];
        if (lead < 0x80) {
            i++;
            continue;
        }
        Py_ssize_t size;
        unsigned char low = 0x80, high = 0xbf; /* allowed range of the second byte */
        if (lead >= 0xc2 && lead <= 0xdf) {
            size = 2;
        }
        else if (lead >= 0xe0 && lead <= 0xef) {
            size = 3;
            if (lead == 0xe0) low = 0xa0;       /* overlong */
            else if (lead == 0xed) high = 0x9f; /* UTF-16 surrogates */
        }
        else if (lead >= 0xf0 && lead <= 0xf4) {
            size = 4;
            if (lead == 0xf0) low = 0x90;       /* overlong */
            else if (lead == 0xf4) high = 0x8f; /* past U+10FFFF */
        }
        else {
            return i;
        }
        if (length - i < size) return i;
        if (data[i + 1] < low || data[i + 1] > high) return i;
        for (Py_ssize_t k = 2; k < size; k++) {
            if ((data[i + k] & 0xc0) != 0x80) return i;
        }
        i += size;
    }
    return -1;
}

static int utf8_valid(const unsigned char *data, Py_ssize_t length) { return utf8_error_at(data, length) < 0; }

static inline int is_printable(unsigned char byte)
{
    return (byte >= 0x20 && byte < 0x7f) || byte == '\t' || byte == '\n' || byte == '\r';
}

#define TEXT_SAMPLE 4096

/* decoders.is_text: mostly printable ASCII, or valid UTF-8 with few control bytes, judged on the first
 * 4 KiB (a full sample may end inside a character).  Called on every layer, binary ones included,
 * where Python's version paid for a UnicodeDecodeError each time. */
static PyObject *native_is_text(PyObject *module, PyObject *argument)
{
    Py_buffer view;
    (void)module;
    if (get_buffer(argument, &view) < 0) return NULL;
    const unsigned char *data = view.buf;
    Py_ssize_t length = view.len < TEXT_SAMPLE ? view.len : TEXT_SAMPLE, unprintable = 0;
    int text = 0;
    if (length > 0) {
        for (Py_ssize_t i = 0; i < length; i++) unprintable += !is_printable(data[i]);
        if (unprintable <= length / 10) {
            text = 1;
        }
        else {
            Py_ssize_t error = utf8_error_at(data, length);
            if (error >= 0) {
                text = error >= length - 3 && length == TEXT_SAMPLE;
            }
            else {
                Py_ssize_t head = length < 256 ? length : 256, control = 0;
                for (Py_ssize_t i = 0; i < head; i++) control += data[i] < 0x80 && !is_printable(data[i]);
                text = control <= 8;
            }
        }
    }
    PyBuffer_Release(&view);
    return PyBool_FromLong(text);
}

/* decoders.has_binary: any byte that is not printable ASCII, tab or newline; stops at the first. */
static PyObject *native_has_binary(PyObject *module, PyObject *argument)
{
    Py_buffer view;
    (void)module;
    if (get_buffer(argument, &view) < 0) return NULL;
    const unsigned char *data = view.buf;
    int binary = 0;
    for (Py_ssize_t i = 0; i < view.len && !binary; i++) binary = !is_printable(data[i]);
    PyBuffer_Release(&view);
    return PyBool_FromLong(binary);
}

/* ------------------------------------------------------------------------------------------------ */
/* Protobuf                                                                                           */

#define PB_MAX_FIELD ((1u << 29) - 1)
#define PB_MIN_PAYLOAD 4
#define PB_MAX_NESTING 16
#define PB_MAX_FIELDS 100000

/* A varint of at most 10 bytes, as protobuf.py's _varint: 0, or -1 if it runs off the end or is longer.
 * Python's integers do not overflow, so a value of 2**64 or more is flagged in *huge rather than
 * wrapped: every caller rejects such a value, as the Python comparisons did. */
static int read_varint(const unsigned char *data, Py_ssize_t end, Py_ssize_t *pos, uint64_t *value, int *huge)
{
    uint64_t result = 0;
    int shift = 0;
    *huge = 0;
    for (;;) {
        if (*pos >= end) return -1;
        unsigned char byte = data[(*pos)++];
        uint64_t bits = byte & 0x7f;
        result |= bits << shift;
        if (shift == 63 && bits > 1) *huge = 1;
        if (!(byte & 0x80)) {
            *value = result;
            return 0;
        }
        shift += 7;
        if (shift >= 64) return -1;
    }
}

/* The length-delimited payloads (4 bytes or more) of the message data[base:base+length], appended to
 * ``out`` as absolute spans: 1 if it parses completely, 0 (and ``out`` as it was) if it is not
 * protobuf.  Where the Python version let ``pos`` overshoot the end and rejected the message after
 * the loop, this rejects at once: the outcome is the same. */
static int parse_fields(const unsigned char *data, Py_ssize_t base, Py_ssize_t length, long long max_fields,
                        SpanVec *out)
{
    const unsigned char *message = data + base;
    Py_ssize_t mark = out->length, pos = 0;
    long long fields = 0;
    int huge;
    if (length < 2) return 0;
    unsigned char first = message[0], first_wire = first & 0x07;
    if (first < 8 || !(first_wire == 0 || first_wire == 1 || first_wire == 2 || first_wire == 5)) return 0;
    while (pos < length) {
        uint64_t key = message[pos++];
        if (key & 0x80) {
            pos--;
            if (read_varint(message, length, &pos, &key, &huge) < 0 || huge || key < 8 || (key >> 3) > PB_MAX_FIELD)
                goto reject;
        }
        else if (key < 8) {
            goto reject;
        }
        switch (key & 0x07) {
        case 2: {
            if (pos >= length) goto reject;
            uint64_t size = message[pos++];
            if (size & 0x80) {
                pos--;
                if (read_varint(message, length, &pos, &size, &huge) < 0 || huge) goto reject;
            }
            if (size > (uint64_t)(length - pos)) goto reject;
            if (size >= PB_MIN_PAYLOAD && spans_push(out, base + pos, (Py_ssize_t)size) < 0) return -1;
            pos += (Py_ssize_t)size;
            break;
        }
        case 0: /* the value varint has no length limit in the Python version either */
            for (;;) {
                if (pos >= length) goto reject;
                if (!(message[pos++] & 0x80)) break;
            }
            break;
        case 1:
            if (length - pos < 8) goto reject;
            pos += 8;
            break;
        case 5:
            if (length - pos < 4) goto reject;
            pos += 4;
            break;
        default: /* groups (3, 4) are deprecated and 6, 7 do not exist */
            goto reject;
        }
        if (++fields > max_fields) goto reject;
    }
    return 1;
reject:
    out->length = mark;
    return 0;
}

/* Mostly printable (at most a tenth of the bytes not), or valid UTF-8. */
static int field_is_text(const unsigned char *data, Py_ssize_t length)
{
    Py_ssize_t allowed = length / 10, binary = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        if (!is_class(data[i], C_PRINT) && ++binary > allowed) return utf8_valid(data, length);
    }
    return 1;
}

typedef struct {
    const unsigned char *data;
    SpanVec fields; /* a stack: each nesting level pushes its fields above its parent's and pops them */
    SpanVec texts;
    SpanVec blobs;
} Flattening;

static int collect(Flattening *flat, Py_ssize_t first, Py_ssize_t last, int depth)
{
    int deeper = depth < PB_MAX_NESTING;
    for (Py_ssize_t i = first; i < last; i++) {
        /* a copy: pushing nested fields may move the stack */
        Span field = flat->fields.items[i];
        const unsigned char *bytes = flat->data + field.start;
        Py_ssize_t mark = flat->fields.length;
        int nested = 0;
        /* a short message can look like text, but its first byte (a key of field 1-3) rarely can */
        int control_first = bytes[0] < 0x20;
        if (control_first && deeper) {
            nested = parse_fields(flat->data, field.start, field.length, PB_MAX_FIELDS, &flat->fields);
            if (nested < 0) return -1;
        }
        if (!nested) {
            if (field_is_text(bytes, field.length)) {
                if (spans_push(&flat->texts, field.start, field.length) < 0) return -1;
                continue;
            }
            if (!control_first && deeper) {
                nested = parse_fields(flat->data, field.start, field.length, PB_MAX_FIELDS, &flat->fields);
                if (nested < 0) return -1;
            }
        }
        if (nested) {
            if (collect(flat, mark, flat->fields.length, depth + 1) < 0) return -1;
            flat->fields.length = mark;
        }
        else if (spans_push(&flat->blobs, field.start, field.length) < 0) {
            return -1;
        }
    }
    return 0;
}

static PyObject *bytes_list(const unsigned char *data, const SpanVec *spans)
{
    PyObject *list = PyList_New(spans->length);
    if (list == NULL) return NULL;
    for (Py_ssize_t i = 0; i < spans->length; i++) {
        PyObject *item = PyBytes_FromStringAndSize((const char *)data + spans->items[i].start, spans->items[i].length);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyObject *joined_lines(const unsigned char *data, const SpanVec *spans)
{
    Py_ssize_t total = spans->length ? spans->length - 1 : 0;
    for (Py_ssize_t i = 0; i < spans->length; i++) {
        if (spans->items[i].length > PY_SSIZE_T_MAX - total) return PyErr_NoMemory();
        total += spans->items[i].length;
    }
    PyObject *joined = PyBytes_FromStringAndSize(NULL, total);
    if (joined == NULL) return NULL;
    char *out = PyBytes_AS_STRING(joined);
    for (Py_ssize_t i = 0; i < spans->length; i++) {
        if (i) *out++ = '\n';
        memcpy(out, data + spans->items[i].start, (size_t)spans->items[i].length);
        out += spans->items[i].length;
    }
    return joined;
}

PyDoc_STRVAR(flatten_doc,
"flatten(data, /)\n--\n\n"
"(text fields joined by newlines, binary fields that are not messages), or None if not protobuf.");

static PyObject *native_flatten(PyObject *module, PyObject *argument)
{
    (void)module;
    Py_buffer view;
    if (get_buffer(argument, &view) < 0) return NULL;
    Flattening flat = {.data = view.buf};
    PyObject *result = NULL;
    int parsed = parse_fields(flat.data, 0, view.len, PB_MAX_FIELDS, &flat.fields);
    if (parsed == 0) {
        result = Py_NewRef(Py_None);
    }
    else if (parsed > 0 && collect(&flat, 0, flat.fields.length, 0) == 0) {
        PyObject *texts = joined_lines(flat.data, &flat.texts);
        PyObject *blobs = texts ? bytes_list(flat.data, &flat.blobs) : NULL;
        if (blobs != NULL) result = PyTuple_Pack(2, texts, blobs);
        Py_XDECREF(texts);
        Py_XDECREF(blobs);
    }
    PyMem_Free(flat.fields.items);
    PyMem_Free(flat.texts.items);
    PyMem_Free(flat.blobs.items);
    PyBuffer_Release(&view);
    return result;
}

PyDoc_STRVAR(length_delimited_fields_doc,
"length_delimited_fields(data, max_fields=100000)\n--\n\n"
"Payloads of the length-delimited fields (4 bytes or more), or None if data is not protobuf.");

static PyObject *native_length_delimited_fields(PyObject *module, PyObject *args, PyObject *kwargs)
{
    (void)module;
    static char *keywords[] = {"data", "max_fields", NULL};
    Py_buffer view;
    PyObject *max_object = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*|O!:length_delimited_fields", keywords, &view,
                                     &PyLong_Type, &max_object))
        return NULL;
    long long max_fields = PB_MAX_FIELDS;
    if (max_object != NULL) {
        /* any Python int compares with the field count; clamping changes no comparison */
        int overflow;
        max_fields = PyLong_AsLongLongAndOverflow(max_object, &overflow);
        if (overflow) max_fields = overflow > 0 ? LLONG_MAX : LLONG_MIN;
        else if (max_fields == -1 && PyErr_Occurred()) {
            PyBuffer_Release(&view);
            return NULL;
        }
    }
    SpanVec fields = {0};
    PyObject *result = NULL;
    int parsed = parse_fields(view.buf, 0, view.len, max_fields, &fields);
    if (parsed == 0) result = Py_NewRef(Py_None);
    else if (parsed > 0) result = bytes_list(view.buf, &fields);
    PyMem_Free(fields.items);
    PyBuffer_Release(&view);
    return result;
}

/* ------------------------------------------------------------------------------------------------ */
/* Base64 and hex runs                                                                                */

PyDoc_STRVAR(base64_spans_doc,
"base64_spans(data, /)\n--\n\n"
"(start, end) of the maximal runs of [A-Za-z0-9+/_-] of 12 or more bytes that are not one-case\n"
"words or numbers (bytes.islower/isupper/isdigit all false).");

static PyObject *native_base64_spans(PyObject *module, PyObject *argument)
{
    (void)module;
    Py_buffer view;
    if (get_buffer(argument, &view) < 0) return NULL;
    const unsigned char *data = view.buf;
    Py_ssize_t length = view.len, i = 11;
    PyObject *spans = PyList_New(0);
    /* every run of 12 or more covers one of every 12 positions: probe those, then widen */
    while (spans != NULL && i < length) {
        if (!is_class(data[i], C_BASE64)) {
            i += 12;
            continue;
        }
        Py_ssize_t start = i, end = i;
        while (start > 0 && is_class(data[start - 1], C_BASE64)) start--;
        int any = 0, every = 0xff;
        for (; end < length && is_class(data[end], C_BASE64); end++) {
            any |= byte_class[data[end]];
            every &= byte_class[data[end]];
        }
        for (Py_ssize_t k = start; k < i; k++) {
            any |= byte_class[data[k]];
            every &= byte_class[data[k]];
        }
        i = end + 12;
        if (end - start < 12) continue;
        /* bytes.islower() and isupper() need a cased byte and none of the other case, isdigit() all
         * digits; '+' '/' '_' '-' count as neither */
        int lower = (any & C_LOWER) != 0, upper = (any & C_UPPER) != 0;
        if ((lower && !upper) || (upper && !lower) || (every & C_DIGIT)) continue;
        if (append_span(spans, start, end) < 0) Py_CLEAR(spans);
    }
    PyBuffer_Release(&view);
    return spans;
}

/* decoders.base64_runs: every run base64_spans finds, decoded the way base64.b64decode (standard
 * alphabet) or base64.urlsafe_b64decode ('-' or '_' in the run) decodes it once padded, a trailing
 * character that cannot end a group dropped; a run mixing both alphabets is skipped.  Runs are many
 * (tokens, blobs, ids) and each cost a handful of Python calls. */
static signed char base64_value[256];

static void init_base64_values(void)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(base64_value, -1, sizeof base64_value);
    for (int k = 0; k < 64; k++) base64_value[(unsigned char)alphabet[k]] = (signed char)k;
    base64_value['-'] = 62;
    base64_value['_'] = 63;
}

static PyObject *decoded_run(const unsigned char *run, Py_ssize_t length)
{
    if (length % 4 == 1) length--;
    Py_ssize_t size = length / 4 * 3 + (length % 4 == 2 ? 1 : length % 4 == 3 ? 2 : 0);
    PyObject *out = PyBytes_FromStringAndSize(NULL, size);
    if (out == NULL) return NULL;
    unsigned char *write = (unsigned char *)PyBytes_AS_STRING(out);
    uint32_t bits = 0;
    int held = 0;
    for (Py_ssize_t k = 0; k < length; k++) {
        bits = bits << 6 | (uint32_t)base64_value[run[k]];
        held += 6;
        if (held >= 8) {
            held -= 8;
            *write++ = (unsigned char)(bits >> held);
        }
    }
    return out;
}

static PyObject *native_base64_runs(PyObject *module, PyObject *argument)
{
    PyObject *spans = native_base64_spans(module, argument);
    if (spans == NULL) return NULL;
    Py_buffer view;
    if (get_buffer(argument, &view) < 0) {
        Py_DECREF(spans);
        return NULL;
    }
    const unsigned char *data = view.buf;
    PyObject *runs = PyList_New(0);
    for (Py_ssize_t n = 0; runs != NULL && n < PyList_GET_SIZE(spans); n++) {
        PyObject *span = PyList_GET_ITEM(spans, n);
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 0)), end = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 1));
        int urlsafe = 0, standard = 0;
        for (Py_ssize_t k = start; k < end; k++) {
            urlsafe |= data[k] == '-' || data[k] == '_';
            standard |= data[k] == '+' || data[k] == '/';
        }
        if (urlsafe && standard) continue;
        PyObject *decoded = decoded_run(data + start, end - start);
        PyObject *item = decoded == NULL ? NULL : Py_BuildValue("(ON)", urlsafe ? Py_True : Py_False, decoded);
        if (item == NULL || PyList_Append(runs, item) < 0) Py_CLEAR(runs);
        Py_XDECREF(item);
    }
    PyBuffer_Release(&view);
    Py_DECREF(spans);
    return runs;
}

PyDoc_STRVAR(base64_runs_doc,
"base64_runs(data, /)\n--\n\n"
"(urlsafe, decoded bytes) of every run base64_spans finds, as base64.b64decode / urlsafe_b64decode "
"decode it padded.");

PyDoc_STRVAR(hex_spans_doc,
"hex_spans(data, /)\n--\n\n"
"(start, end) of the maximal runs of [0-9a-fA-F] of 16 or more bytes, of even length.");

static PyObject *native_hex_spans(PyObject *module, PyObject *argument)
{
    (void)module;
    Py_buffer view;
    if (get_buffer(argument, &view) < 0) return NULL;
    const unsigned char *data = view.buf;
    Py_ssize_t length = view.len, i = 15;
    PyObject *spans = PyList_New(0);
    /* every run of 16 or more covers one of every 16 positions: probe those, then widen */
    while (spans != NULL && i < length) {
        if (!is_class(data[i], C_HEX)) {
            i += 16;
            continue;
        }
        Py_ssize_t start = i, end = i + 1;
        while (start > 0 && is_class(data[start - 1], C_HEX)) start--;
        while (end < length && is_class(data[end], C_HEX)) end++;
        if (end - start >= 16 && (end - start) % 2 == 0 && append_span(spans, start, end) < 0) Py_CLEAR(spans);
        i = end + 16;
    }
    PyBuffer_Release(&view);
    return spans;
}

/* ------------------------------------------------------------------------------------------------ */
/* Structural shapes                                                                                  */
/*                                                                                                    */
/* structural.py found its candidates with regular expressions on "views" of the layer (digits -> D,  */
/* hex digits -> h, every other byte a space).  Each pattern there is built so that its pieces never  */
/* compete for a byte class, which is what lets the loops below take whole runs greedily and still    */
/* find exactly the matches that the backtracking engine found.                                       */

static PyObject *type_imsi, *type_imei, *type_iccid, *type_location, *type_meid, *type_wifi_mac,
    *type_advertising_id, *type_phone_number;

#define LABEL_WINDOW 32
static const char *const imsi_labels[] = {"imsi", "subscriberid", "subscriber_id", NULL};
static const char *const ad_id_labels[] = {"adid",  "ad_id",       "gaid",   "aaid",
                                           "idfa",  "advertising", "adv_id", "advertiserid", NULL};
static const char *const not_macs[] = {"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:00", NULL};

typedef struct {
    const unsigned char *data;
    Py_ssize_t length;
    PyObject *hits;
} Scan;

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
static int add_hit(PyObject *list, PyObject *type, PyObject *value, Py_ssize_t start, Py_ssize_t end)
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

static void init_gap_automaton(void)
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
static int scan_coordinates(Scan *scan)
{
    Py_ssize_t cursor = 0, reached = 0, start, end;
    while (next_decimal_pair(scan->data, scan->length, &cursor, &start, &end)) {
        if (coordinate_pairs(scan, reached > start - 1 ? reached : start - 1, end, &reached) < 0) return -1;
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

PyDoc_STRVAR(structural_scan_doc,
"structural_scan(data, /)\n--\n\n"
"(hits before e-mail addresses, '@' positions to try the e-mail pattern at, phone-number hits):\n"
"each hit a (type, value, start, end) tuple, in structural.find_structural's order.");

static PyObject *native_structural_scan(PyObject *module, PyObject *argument)
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

/* ------------------------------------------------------------------------------------------------ */

/* ---- percent decoding ------------------------------------------------------------------------ */

static int hex_value(unsigned char byte)
{
    if (byte >= '0' && byte <= '9') return byte - '0';
    if (byte >= 'a' && byte <= 'f') return byte - 'a' + 10;
    if (byte >= 'A' && byte <= 'F') return byte - 'A' + 10;
    return -1;
}

/* urllib.parse.unquote_to_bytes, optionally after '+' -> ' ' (a form body): every "%XX" with two hex
 * digits becomes its byte, any other '%' stays.  Form bodies carry hundreds of escapes; the Python
 * version costs a dict lookup and two appends for each. */
static PyObject *native_percent_decode(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"data", "plus_as_space", NULL};
    Py_buffer view;
    int plus_as_space = 0;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*|p:percent_decode", keywords, &view, &plus_as_space))
        return NULL;
    const unsigned char *data = view.buf;
    Py_ssize_t length = view.len;
    PyObject *out = PyBytes_FromStringAndSize(NULL, length);
    if (out == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    unsigned char *write = (unsigned char *)PyBytes_AS_STRING(out);
    Py_ssize_t used = 0;
    for (Py_ssize_t pos = 0; pos < length; pos++) {
        unsigned char byte = data[pos];
        if (byte == '%' && length - pos >= 3) {
            int high = hex_value(data[pos + 1]), low = hex_value(data[pos + 2]);
            if (high >= 0 && low >= 0) {
                write[used++] = (unsigned char)(high << 4 | low);
                pos += 2;
                continue;
            }
        }
        write[used++] = (plus_as_space && byte == '+') ? ' ' : byte;
    }
    PyBuffer_Release(&view);
    if (used != length && _PyBytes_Resize(&out, used) < 0)
        return NULL;
    return out;
}

PyDoc_STRVAR(percent_decode_doc,
"percent_decode(data, plus_as_space=False)\n--\n\n"
"urllib.parse.unquote_to_bytes(data), after '+' -> ' ' if plus_as_space (form bodies).");

static PyMethodDef native_methods[] = {
    {"flatten", native_flatten, METH_O, flatten_doc},
    {"length_delimited_fields", (PyCFunction)(void (*)(void))native_length_delimited_fields,
     METH_VARARGS | METH_KEYWORDS, length_delimited_fields_doc},
    {"base64_spans", native_base64_spans, METH_O, base64_spans_doc},
    {"hex_spans", native_hex_spans, METH_O, hex_spans_doc},
    {"base64_runs", native_base64_runs, METH_O, base64_runs_doc},
    {"structural_scan", native_structural_scan, METH_O, structural_scan_doc},
    {"is_text", native_is_text, METH_O, "is_text(data)\n--\n\nMostly printable ASCII, or valid UTF-8 (on a 4 KiB sample)."},
    {"has_binary", native_has_binary, METH_O, "has_binary(data)\n--\n\nAny byte other than printable ASCII, tab, CR, LF."},
    {"percent_decode", (PyCFunction)(void (*)(void))native_percent_decode, METH_VARARGS | METH_KEYWORDS,
     percent_decode_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "harness.detect._native",
    .m_doc = "Byte-level scanners of the leak detector (protobuf, base64/hex runs, structural shapes).",
    .m_size = -1,
    .m_methods = native_methods,
};

static int intern_type(PyObject **slot, const char *name)
{
    if (*slot == NULL) *slot = PyUnicode_InternFromString(name);
    return *slot == NULL ? -1 : 0;
}

PyMODINIT_FUNC PyInit__native(void)
{
    init_byte_classes();
    init_base64_values();
    init_gap_automaton();
    /* kept for the life of the process, like the module's other static tables */
    if (intern_type(&type_imsi, "imsi") < 0 || intern_type(&type_imei, "imei") < 0 ||
        intern_type(&type_iccid, "iccid") < 0 || intern_type(&type_location, "location") < 0 ||
        intern_type(&type_meid, "meid") < 0 || intern_type(&type_wifi_mac, "wifi_mac") < 0 ||
        intern_type(&type_advertising_id, "advertising_id") < 0 ||
        intern_type(&type_phone_number, "phone_number") < 0)
        return NULL;
    return PyModule_Create(&native_module);
}
