/* The extension module harness.detect._native: its method table and docstrings (the scanners are in
 * the other files of this folder, native.h says which). */
#include "native.h"

PyDoc_STRVAR(flatten_doc,
"flatten(data, /)\n--\n\n"
"(text fields joined by newlines, binary fields that are not messages), or None if not protobuf.");

PyDoc_STRVAR(length_delimited_fields_doc,
"length_delimited_fields(data, max_fields=100000)\n--\n\n"
"Payloads of the length-delimited fields (4 bytes or more), or None if data is not protobuf.");

PyDoc_STRVAR(base64_spans_doc,
"base64_spans(data, /)\n--\n\n"
"(start, end) of the maximal runs of [A-Za-z0-9+/_-] of 12 or more bytes that are not one-case\n"
"words or numbers (bytes.islower/isupper/isdigit all false).");

PyDoc_STRVAR(base64_runs_doc,
"base64_runs(data, /)\n--\n\n"
"(urlsafe, decoded bytes) of every run base64_spans finds, as base64.b64decode / urlsafe_b64decode "
"decode it padded.");

PyDoc_STRVAR(hex_spans_doc,
"hex_spans(data, /)\n--\n\n"
"(start, end) of the maximal runs of [0-9a-fA-F] of 16 or more bytes, of even length.");

PyDoc_STRVAR(percent_decode_doc,
"percent_decode(data, plus_as_space=False)\n--\n\n"
"urllib.parse.unquote_to_bytes(data), after '+' -> ' ' if plus_as_space (form bodies).");

PyDoc_STRVAR(structural_scan_doc,
"structural_scan(data, /)\n--\n\n"
"(hits before e-mail addresses, '@' positions to try the e-mail pattern at, phone-number hits):\n"
"each hit a (type, value, start, end) tuple, in structural.find_structural's order.");

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

PyMODINIT_FUNC PyInit__native(void)
{
    init_byte_classes();
    init_base64_values();
    if (init_structural() < 0) return NULL;
    return PyModule_Create(&native_module);
}
