/* Encoded runs and layer tests of harness/detect/decoders.py: base64 and hex runs, percent decoding,
 * is_text and has_binary. */
#include "native.h"

/* ------------------------------------------------------------------------------------------------ */
/* Base64 and hex runs                                                                                */

PyObject *native_base64_spans(PyObject *module, PyObject *argument)
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

void init_base64_values(void)
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

PyObject *native_base64_runs(PyObject *module, PyObject *argument)
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

PyObject *native_hex_spans(PyObject *module, PyObject *argument)
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
PyObject *native_percent_decode(PyObject *module, PyObject *args, PyObject *kwargs)
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

/* ------------------------------------------------------------------------------------------------ */
/* Text or binary                                                                                     */

static inline int is_printable(unsigned char byte)
{
    return (byte >= 0x20 && byte < 0x7f) || byte == '\t' || byte == '\n' || byte == '\r';
}

#define TEXT_SAMPLE 4096

/* decoders.is_text: mostly printable ASCII, or valid UTF-8 with few control bytes, judged on the first
 * 4 KiB (a full sample may end inside a character).  Called on every layer, binary ones included,
 * where Python's version paid for a UnicodeDecodeError each time. */
PyObject *native_is_text(PyObject *module, PyObject *argument)
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
PyObject *native_has_binary(PyObject *module, PyObject *argument)
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
