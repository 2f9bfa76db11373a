"""Profiles: what makes one virtual phone differ from another ("ROM builds").

``spec`` is the model (build, identifiers, screen, packages), ``load`` reads it from YAML with
``fields``' strict field reader, ``buildprops`` derives the system properties; the shipped
profiles are ``profiles/<name>.yaml``.
"""
