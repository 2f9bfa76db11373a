"""harness.ui.matching without a phone: the selector rules, and dumps that apps made hostile."""

from __future__ import annotations

import contextlib
import time
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import ConfigError, UiError
from harness.ui import Point, Selector, make_ui
from harness.ui.keyboard import first_untypeable, input_text_words, typeable
from harness.ui.keys import keycode
from harness.ui.matching import MAX_HIERARCHY_CHARS, MAX_NODES, find, on_screen, parse_hierarchy, select

SERIAL = "emulator-5554"
PKG = "com.example.messenger"


def node(text: str = "", rid: str = "", bounds: str = "[0,0][100,100]", desc: str = "", children: str = "",
         **extra: str) -> str:
    attrs = {"index": "0", "text": text, "resource-id": rid, "class": "android.widget.Button", "package": PKG,
             "content-desc": desc, "clickable": "true", "bounds": bounds, **extra}
    body = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
    return f"<node {body}>{children}</node>" if children else f"<node {body} />"


def dump(*nodes: str, rotation: str = "0") -> str:
    return (f"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"{rotation}\">"
            f"{''.join(nodes)}</hierarchy>")


CONSENT = dump(node(bounds="[0,0][1080,2400]", children="".join([
    node("Help us improve Messenger", f"{PKG}:id/title", "[48,200][1032,300]"),
    node("Accept", f"{PKG}:id/accept", "[48,400][1032,500]"),
    node("Reject", f"{PKG}:id/reject", "[48,600][1032,700]"),
    node("", f"{PKG}:id/icon", "[0,800][100,900]", desc="Settings"),
    node("Price (USD)", f"{PKG}:id/price", "[0,1000][100,1100]"),
    node("two\nlines", f"{PKG}:id/multi", "[0,1200][100,1300]"),
])))


def texts(selector: Selector, xml: str = CONSENT) -> list[str]:
    return [e.text or e.content_desc for e in find(parse_hierarchy(xml, serial=SERIAL), selector)]


@pytest.mark.parametrize(("selector", "expected"), [
    (Selector(text="Reject"), ["Reject"]),
    (Selector(text="rej.*"), ["Reject"]),                       # Maestro's flags: case-insensitive
    (Selector(text="Re"), []),                                  # the whole text, not a part
    (Selector(text="Accept|Reject"), ["Accept", "Reject"]),
    (Selector(text="Price (USD)"), ["Price (USD)"]),            # equal to the pattern
    (Selector(text="Price (USD"), []),                          # invalid pattern: equality only
    (Selector(text="Settings"), ["Settings"]),                  # the content description
    (Selector(text="two lines"), ["two\nlines"]),               # newlines read as spaces
    (Selector(text="two.lines"), ["two\nlines"]),               # "." matches a newline
    (Selector(id="reject"), ["Reject"]),                        # the part after :id/
    (Selector(id=f"{PKG}:id/reject"), ["Reject"]),
    (Selector(id=".*:id/(accept|reject)"), ["Accept", "Reject"]),
    (Selector(id="acc"), []),
    (Selector(text="Accept", id="reject"), []),                 # both must match
    (Selector(text="Reject", id="reject"), ["Reject"]),
    (Selector(point=Point(0.5, 0.5, True)), []),                # a point matches no element
])
def test_selector_rules(selector: Selector, expected: list[str]) -> None:
    assert texts(selector) == expected


def test_index_picks_the_nth_match_in_document_order() -> None:
    hierarchy = parse_hierarchy(CONSENT, serial=SERIAL)
    assert select(hierarchy, Selector(text="Accept|Reject", index=1)).text == "Reject"  # type: ignore[union-attr]
    assert select(hierarchy, Selector(id=".*:id/.*", index=0)).text == "Help us improve Messenger"  # type: ignore[union-attr]
    assert select(hierarchy, Selector(text="Accept|Reject", index=2)) is None
    assert select(hierarchy, Selector(text="Accept", index=-1)) is None
    element = select(hierarchy, Selector(text="Reject"))
    assert element is not None and element.center == (540, 650) and element.clickable


def test_only_visible_nodes_with_bounds_match() -> None:
    xml = dump(node(bounds="[0,0][1080,2400]", children="".join([
        node("Gone", bounds="[10,10][10,50]"),                              # no width
        node("Gone", bounds="not bounds"),
        node("Gone", **{"visible-to-user": "false"}),
        node(bounds="[0,0][50,50]", children=node("Gone"), **{"visible-to-user": "false"}),
        node("Here", bounds="[0,0][5,5]"),
    ])))
    assert texts(Selector(text="Gone"), xml) == []
    assert texts(Selector(text="Here"), xml) == ["Here"]


def test_rotation_and_escaped_text_are_read() -> None:
    hierarchy = parse_hierarchy(dump(node('a<b>&"c"\n\'d\''), rotation="1"), serial=SERIAL)
    assert hierarchy.rotation == 1
    assert hierarchy.elements[0].text == 'a<b>&"c"\n\'d\''


BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<hierarchy rotation="0"><node text="&lol3;" bounds="[0,0][1,1]"/></hierarchy>')


@pytest.mark.parametrize(("xml", "reason"), [
    (BOMB, "DOCTYPE"),
    ('<!DOCTYPE h [<!ENTITY x SYSTEM "file:///etc/passwd">]><hierarchy><node text="&x;"/></hierarchy>', "DOCTYPE"),
    ('<?xml version="1.0"?><!DOCTYPE hierarchy SYSTEM "http://example.invalid/x.dtd"><hierarchy/>', "DOCTYPE"),
    ('<hierarchy><node text="&undefined;" /></hierarchy>', "undefined entity"),
    ('<hierarchy><node text="a"></hierarchy>', "mismatched tag"),
    ("<hierarchy><node text='\x01' /></hierarchy>", "not well-formed"),
    ('<hierarchy><node text="&#1;" /></hierarchy>', "reference to invalid character"),
    ("", "no element found"),
    ("UI hierchary dumped to: /dev/tty", "syntax error"),
    ('<html><node text="x"/></html>', "<html>"),
    ("<hierarchy/><hierarchy/>", "junk after document element"),
])
def test_hostile_or_broken_dumps_are_ui_errors(xml: str, reason: str) -> None:
    with pytest.raises(UiError, match=reason) as caught:
        parse_hierarchy(xml, serial=SERIAL)
    assert caught.value.serial == SERIAL and str(caught.value).startswith(f"{SERIAL}: ")


def test_huge_dumps_are_refused_before_parsing() -> None:
    started = time.monotonic()
    with pytest.raises(UiError, match="too large"):
        parse_hierarchy(dump(node("x" * (MAX_HIERARCHY_CHARS + 1))), serial=SERIAL)
    with pytest.raises(UiError, match=f"more than {MAX_NODES} nodes"):
        parse_hierarchy(dump(*[node("n")] * (MAX_NODES + 1)), serial=SERIAL)
    assert time.monotonic() - started < 30


def test_deep_nesting_and_long_texts_parse() -> None:
    depth = 20_000
    deep = "<hierarchy>" + '<node bounds="[0,0][9,9]">' * depth + "</node>" * depth + "</hierarchy>"
    assert len(parse_hierarchy(deep, serial=SERIAL).elements) == depth
    long_text = "y" * 1_000_000
    assert texts(Selector(text="y+"), dump(node(long_text))) == [long_text]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.text(alphabet="<>/=\"'&;#!?[]hierarchynode x", max_size=300)))
def test_anything_is_a_hierarchy_or_a_ui_error(xml: str) -> None:
    with contextlib.suppress(UiError):
        parse_hierarchy(xml, serial=SERIAL)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), st.text(max_size=30))
def test_hostile_texts_and_patterns_never_break_matching(text: str, pattern: str) -> None:
    xml = dump(node(text.replace("\r", "")))
    try:
        hierarchy = parse_hierarchy(xml, serial=SERIAL)
    except UiError:
        return                                     # characters XML cannot carry
    find(hierarchy, Selector(text=pattern))
    find(hierarchy, Selector(id=pattern))
    assert texts(Selector(text=hierarchy.elements[0].text), xml) in ([], [hierarchy.elements[0].text])


def test_on_screen_escapes_what_it_shows() -> None:
    hierarchy = parse_hierarchy(dump(node("evil\u202e\n" + "z" * 100), node("ok")), serial=SERIAL)
    summary = on_screen(hierarchy)
    assert "\u202e" not in summary and "\n" not in summary and "\\u202e" in summary
    assert "..." in summary and "'ok'" in summary


@pytest.mark.parametrize(("name", "code"), [
    ("Enter", 66), ("Backspace", 67), ("Back", 4), ("Home", 3), ("Lock", 276), ("Tab", 61),
    ("Volume Up", 24), ("volume_down", 25), ("POWER", 26), ("KEYCODE_DEL", 67), ("82", 82), ("Nope", None),
    ("KEYCODE_NOPE", None), ("", None),
])
def test_key_names(name: str, code: int | None) -> None:
    assert keycode(name) == code


def android_input_text(arg: str) -> str:
    """What Android's InputShellCommand.sendText types for one ``input text`` argument."""
    chars = list(arg)
    escape = False
    i = 0
    while i < len(chars):
        if escape:
            escape = False
            if chars[i] == "s":
                chars[i] = " "
                del chars[i - 1]
                i -= 1
        if chars[i] == "%":
            escape = True
        i += 1
    return "".join(chars)


@pytest.mark.parametrize("text", ["a b", "100%s", "50% off", "%%s s%", "%", "s", " %s%s% s ", "x" * 450])
def test_input_text_words_type_the_text(text: str) -> None:
    words = input_text_words(text)
    assert "".join(android_input_text(w) for w in words) == text
    assert all(" " not in w and len(w) <= 2 * 200 for w in words)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("\n\t%s ")))
def test_input_text_words_round_trip(text: str) -> None:
    assert all(typeable(c) for c in text)
    assert "".join(android_input_text(w) for w in input_text_words(text, chunk=7)) == text


def test_untypeable_characters() -> None:
    assert first_untypeable("plain ASCII ;$`'\"\n\t") is None
    assert first_untypeable("héllo") == "é"
    assert first_untypeable("a\x00") == "\x00"
    assert first_untypeable("\r") == "\r"


def test_make_ui_refuses_an_unknown_kind() -> None:
    with pytest.raises(ConfigError, match="unknown UI adapter 'appium': use one of uiautomator2, shell"):
        make_ui("appium", None)  # type: ignore[arg-type]
