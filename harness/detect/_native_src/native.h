/* Byte-level scanners of the leak detector, in C because they touch every byte of every layer.
 *
 * Each function gives exactly what the pure-Python version it replaced gave (that version is kept in
 * tests/detect/reference_scans.py, and tests/detect/test_detect_native.py checks the two against each
 * other); where the Python code leaned on regular-expression semantics, the comments say which
 * reading of the pattern the C code relies on.
 *
 *   flatten, length_delimited_fields       protobuf wire format (protobuf.py)       protobuf.c
 *   base64_spans, hex_spans, base64_runs   encoded runs (decoders.py)               runs.c
 *   percent_decode, is_text, has_binary    layer decoding and tests (decoders.py)   runs.c
 *   structural_scan                        identifier shapes (structural.py)        structural.c, coordinates.c
 *
 * (the Python files in harness/detect/)
 *
 * The files make one extension module, harness.detect._native: module.c has its method table and
 * docstrings, common.c what the scanners share.  This private header declares what crosses files and
 * nothing else; everything else stays static to its file.  setup.py builds with -fvisibility=hidden,
 * so PyInit__native remains the only symbol the shared object exports.
 */
#ifndef HARNESS_DETECT_NATIVE_H
#define HARNESS_DETECT_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

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

extern unsigned char byte_class[256];
void init_byte_classes(void);

static inline int is_class(unsigned char byte, int cls) { return (byte_class[byte] & cls) != 0; }
#define IS_DIGIT(b) ((unsigned char)((b) - '0') < 10)

/* ------------------------------------------------------------------------------------------------ */
/* Spans, lists and buffers (common.c)                                                                */

/* A growable array of (start, length) spans; PyMem_Realloc keeps the old block on failure. */
typedef struct {
    Py_ssize_t start, length;
} Span;

typedef struct {
    Span *items;
    Py_ssize_t length, capacity;
} SpanVec;

int spans_push(SpanVec *vec, Py_ssize_t start, Py_ssize_t length);
/* Appends ``item`` (a new reference, possibly NULL after a failed constructor) and drops it. */
int append_new(PyObject *list, PyObject *item);
/* Appends the tuple (start, end). */
int append_span(PyObject *list, Py_ssize_t start, Py_ssize_t end);

static inline int get_buffer(PyObject *object, Py_buffer *view)
{
    return PyObject_GetBuffer(object, view, PyBUF_SIMPLE);
}

/* ------------------------------------------------------------------------------------------------ */
/* UTF-8, exactly as strict as bytes.decode("utf-8") (common.c)                                       */

Py_ssize_t utf8_error_at(const unsigned char *data, Py_ssize_t length);

static inline int utf8_valid(const unsigned char *data, Py_ssize_t length) { return utf8_error_at(data, length) < 0; }

/* ------------------------------------------------------------------------------------------------ */
/* Structural shapes (structural.c, coordinates.c)                                                    */

typedef struct {
    const unsigned char *data;
    Py_ssize_t length;
    PyObject *hits;
} Scan;

extern PyObject *type_location;
/* Appends (type, value, start, end); takes over ``value`` (which may be NULL after a failure). */
int add_hit(PyObject *list, PyObject *type, PyObject *value, Py_ssize_t start, Py_ssize_t end);
void init_gap_automaton(void);
int scan_coordinates(Scan *scan);

/* ------------------------------------------------------------------------------------------------ */
/* What module.c puts in the method table, and what PyInit__native sets up                          */

PyObject *native_flatten(PyObject *module, PyObject *argument);
PyObject *native_length_delimited_fields(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *native_base64_spans(PyObject *module, PyObject *argument);
PyObject *native_hex_spans(PyObject *module, PyObject *argument);
PyObject *native_base64_runs(PyObject *module, PyObject *argument);
PyObject *native_percent_decode(PyObject *module, PyObject *args, PyObject *kwargs);
PyObject *native_is_text(PyObject *module, PyObject *argument);
PyObject *native_has_binary(PyObject *module, PyObject *argument);
PyObject *native_structural_scan(PyObject *module, PyObject *argument);

void init_base64_values(void);
/* The structural scan's tables and interned type names: 0, or -1 with an exception. */
int init_structural(void);

#endif /* HARNESS_DETECT_NATIVE_H */
