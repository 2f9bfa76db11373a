/* The protobuf wire format, as harness/detect/protobuf.py walks it: flatten and length_delimited_fields. */
#include "native.h"

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

PyObject *native_flatten(PyObject *module, PyObject *argument)
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

PyObject *native_length_delimited_fields(PyObject *module, PyObject *args, PyObject *kwargs)
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
