"""Requests as JSON, for both frontiers (SQLite and Redis): nothing persisted is a pickle.

A pickle runs code when loaded, so anyone who can write the job folder or reach Redis could run
code as the crawler. Here a request is Scrapy's request dict (`Request.to_dict`: callbacks by
name) as JSON, bytes base64-encoded; loading checks every field, accepts callbacks only as
public methods of the spider and request classes only from Scrapy, and refuses anything else
with BadRequestData. Meta values that are not plain data are left out (they are runtime state
that components set again).

The module is also scrapy-redis's SCHEDULER_SERIALIZER (`dumps`, `loads`).
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

from scrapy import Request
from scrapy.utils.misc import load_object
from scrapy.utils.request import request_from_dict

logger = logging.getLogger(__name__)

_BYTES = "__bytes__"  # {"__bytes__": base64}
_PAIRS = "__pairs__"  # {"__pairs__": [[key, value], ...]}: a dict with keys that are not strings
_ALLOWED_CLASS_PREFIXES = ("scrapy.http.", "scrapy.Request")
_FIELDS = {
    "url": str,
    "callback": (str, type(None)),
    "errback": (str, type(None)),
    "method": str,
    "headers": dict,
    "body": (bytes, str),
    "cookies": (dict, list),
    "meta": dict,
    "encoding": str,
    "priority": int,
    "dont_filter": bool,
    "flags": list,
    "cb_kwargs": dict,
    "_class": str,
}


class BadRequestData(ValueError):
    """Stored data that is not a request this crawler wrote."""


class _Unencodable(TypeError):
    pass


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {_BYTES: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and _BYTES not in value and _PAIRS not in value:
            return {k: _encode(v) for k, v in value.items()}
        return {_PAIRS: [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise _Unencodable(type(value).__name__)


def _plain_headers(headers: dict) -> Any:
    """Headers as {name: [values]} of ASCII text, as requests nearly always have; else tagged bytes."""
    try:
        return {k.decode("ascii"): [v.decode("ascii") for v in values] for k, values in headers.items()}
    except (AttributeError, UnicodeDecodeError):
        return _encode(headers)


def _default(value: Any) -> Any:
    """json.dumps' hook for what JSON has no type for."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {_BYTES: base64.b64encode(bytes(value)).decode("ascii")}
    raise _Unencodable(type(value).__name__)


def _object_hook(value: dict) -> Any:
    """json.loads' hook: the tagged objects back to bytes and dicts with keys that are not strings."""
    if len(value) != 1:
        return value
    if _BYTES in value:
        try:
            return base64.b64decode(value[_BYTES], validate=True)
        except (ValueError, TypeError):
            raise BadRequestData("bad base64") from None
    if _PAIRS in value:
        pairs = value[_PAIRS]
        if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise BadRequestData("bad key-value pairs")
        return {_hashable(k): v for k, v in pairs}
    return value


def _hashable(key: Any) -> Any:
    if isinstance(key, (list, dict)):
        raise BadRequestData("a list as a dict key")
    return key


def dumps(request_dict: dict) -> bytes:
    """A request dict (Request.to_dict) as JSON; meta values that are not plain data are left out."""
    data = dict(request_dict)
    data["headers"] = _plain_headers(data.get("headers") or {})
    if not data.get("body"):
        data["body"] = ""
    try:  # the common case, in C: plain values (bytes tagged by _default)
        return json.dumps(data, default=_default, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    except (_Unencodable, TypeError, ValueError):
        pass  # runtime objects in meta, or dict keys that are not strings: value by value
    meta = {}
    for key, value in (data.get("meta") or {}).items():
        try:
            meta[key] = _encode(value)
        except _Unencodable as exc:
            logger.debug("Request meta %r (%s) is runtime state, not stored in the frontier", key, exc)
    data["meta"] = meta
    try:
        encoded = {k: v if k in ("meta", "headers") else _encode(v) for k, v in data.items()}
    except _Unencodable as exc:
        raise ValueError(f"cannot store a request with a {exc} in {request_dict.get('url')}") from None
    return json.dumps(encoded, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def loads(data: bytes | str) -> dict:
    """A request dict from dumps(); BadRequestData for anything else (a pickle, damage, a forged row)."""
    tagged = isinstance(data, (bytes, bytearray)) and (_BYTES.encode() in data or _PAIRS.encode() in data)
    try:
        decoded = json.loads(data, object_hook=_object_hook if tagged or isinstance(data, str) else None)
    except BadRequestData:
        raise
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError):
        raise BadRequestData("not JSON") from None
    if not isinstance(decoded, dict):
        raise BadRequestData("not a JSON object")
    for key, kinds in _FIELDS.items():
        if key in decoded and not isinstance(decoded[key], kinds):
            raise BadRequestData(f"{key} has the wrong type")
    if not isinstance(decoded.get("url"), str) or not decoded["url"].startswith(("http://", "https://")):
        raise BadRequestData("no http(s) URL")
    return decoded


def _checked_method(spider, name: str | None) -> None:
    if name is None:
        return
    if not name.isidentifier() or name.startswith("_") or not callable(getattr(type(spider), name, None)):
        raise BadRequestData(f"callback {name!r} is not a method of the spider")


def request_from_data(data: bytes | str, spider) -> Request:
    """The Request stored as data; BadRequestData if it is not one this crawler could have written."""
    request_dict = loads(data)
    cls_name = request_dict.get("_class")
    if cls_name is not None:
        if not cls_name.startswith(_ALLOWED_CLASS_PREFIXES):
            raise BadRequestData(f"request class {cls_name!r} is not one of Scrapy's")
        try:
            cls = load_object(cls_name)
        except (ImportError, AttributeError, ValueError, NameError):
            raise BadRequestData(f"no request class {cls_name!r}") from None
        if not (isinstance(cls, type) and issubclass(cls, Request)):
            raise BadRequestData(f"{cls_name!r} is not a request class")
    if spider is not None:
        _checked_method(spider, request_dict.get("callback"))
        _checked_method(spider, request_dict.get("errback"))
    try:
        return request_from_dict(request_dict, spider=spider)
    except (TypeError, ValueError) as exc:
        raise BadRequestData(f"not a request: {exc}") from None
