/* What the scanners share: the byte class table, the span vector, list helpers, UTF-8 validation. */
#include "native.h"

/* ------------------------------------------------------------------------------------------------ */
/* Byte classes                                                                                       */

unsigned char byte_class[256];

void init_byte_classes(void)
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

/* PyMem_Realloc keeps the old block on failure, so ``vec`` stays as it was. */
int spans_push(SpanVec *vec, Py_ssize_t start, Py_ssize_t length)
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
int append_new(PyObject *list, PyObject *item)
{
    if (item == NULL) return -1;
    int result = PyList_Append(list, item);
    Py_DECREF(item);
    return result;
}

int append_span(PyObject *list, Py_ssize_t start, Py_ssize_t end)
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

/* ------------------------------------------------------------------------------------------------ */
/* UTF-8, exactly as strict as bytes.decode("utf-8"): no overlong forms, no surrogates, nothing past */
/* U+10FFFF, no truncated sequence.                                                                   */

/* Where bytes.decode("utf-8") fails: the index of the first byte of the first invalid (or truncated)
 * sequence, which is UnicodeDecodeError.start; -1 if the whole is valid. */
Py_ssize_t utf8_error_at(const unsigned char *data, Py_ssize_t length)
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
