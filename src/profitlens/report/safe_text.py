"""Text made safe for the page and the chart renderer, whatever the data held.

Staging quarantines rows whose text holds a control character (:mod:`profitlens.staging.controls`),
but the report also shows text from elsewhere (the cost model's resource and activity names, the
run information, an output folder written by another version), and the chart renderer aborts the
whole process on a character XML does not allow (``NonXmlChar('\\0')``). So every string of a
chart's specification, and the finished page, has such characters replaced by U+FFFD; HTML
escaping stays the job of the code that builds the markup (``html.escape``).
"""

from __future__ import annotations

import re

#: characters XML 1.0 does not allow: C0 controls but tab, LF and CR; lone surrogates;
#: U+FFFE and U+FFFF
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def xml_safe(text: str) -> str:
    """``text`` with every character XML does not allow replaced by U+FFFD.

    >>> xml_safe("ent\\x00erprise\\tA")
    'ent\\ufffderprise\\tA'
    """
    return NOT_XML.sub(REPLACEMENT, text)


def xml_safe_spec(spec: object) -> object:
    """A chart specification (dicts, lists, strings, numbers) with :func:`xml_safe` applied to
    every string in it, keys and values, including the rows of its inline data.

    >>> xml_safe_spec({"data": {"values": [{"segment": "a\\x00b", "n": 1}]}})
    {'data': {'values': [{'segment': 'a\\ufffdb', 'n': 1}]}}
    """
    if isinstance(spec, str):
        return xml_safe(spec)
    if isinstance(spec, dict):
        return {xml_safe_spec(k): xml_safe_spec(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [xml_safe_spec(v) for v in spec]
    return spec
