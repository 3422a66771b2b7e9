"""Reading policies from plain mappings (the setup document) with error messages that say where.

Every policy has ``from_mapping(dict)`` and ``to_mapping()``; they share these readers.  A reader checks the
type of one key and raises :class:`PolicyError` naming its path (``pob_templates[1].ratable_method``);
:func:`check_keys` refuses unknown keys so that a typo in the setup document is an error, not a silent
default.  Numbers are read as exact Decimals (ints or strings; floats are refused, as everywhere in revrec).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import Enum
from typing import TypeVar

from .errors import PolicyError
from .money import MoneyError, to_decimal

E = TypeVar("E", bound=Enum)
Raw = Mapping[str, object]


def as_mapping(value: object, path: str) -> Raw:
    """``value`` as a mapping with string keys, or a PolicyError."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise PolicyError(path, f"expected a mapping, got {type(value).__name__}")
    return value


def check_keys(raw: Raw, path: str, *, required: Sequence[str] = (), optional: Sequence[str] = ()) -> None:
    """Refuse missing required keys and unknown keys (all unknown keys are named at once)."""
    missing = [k for k in required if k not in raw]
    if missing:
        raise PolicyError(path, f"missing required key(s): {', '.join(missing)}")
    allowed = set(required) | set(optional)
    unknown = sorted(k for k in raw if k not in allowed)
    if unknown:
        raise PolicyError(
            path, f"unknown key(s): {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
        )


def join(path: str, key: str | int) -> str:
    """The path of ``key`` inside ``path``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def get_str(raw: Raw, key: str, path: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise PolicyError(join(path, key), f"expected text, got {type(value).__name__}")
    return value


def get_opt_str(raw: Raw, key: str, path: str) -> str | None:
    return None if raw.get(key) is None else get_str(raw, key, path)


def get_bool(raw: Raw, key: str, path: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise PolicyError(join(path, key), f"expected true or false, got {value!r}")
    return value


def get_int(raw: Raw, key: str, path: str, default: int | None = None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(join(path, key), f"expected an integer, got {value!r}")
    return value


def to_dec(value: object, path: str) -> Decimal:
    """An exact Decimal from an int, a Decimal or numeric text."""
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        try:
            return to_decimal(value)
        except MoneyError as exc:
            raise PolicyError(path, str(exc)) from None
    raise PolicyError(path, f"expected a number (integer or quoted decimal), got {value!r}")


def get_decimal(raw: Raw, key: str, path: str, default: Decimal | None = None) -> Decimal:
    value = raw.get(key, default)
    return to_dec(value, join(path, key))


def get_opt_decimal(raw: Raw, key: str, path: str) -> Decimal | None:
    return None if raw.get(key) is None else get_decimal(raw, key, path)


def get_date(raw: Raw, key: str, path: str) -> dt.date | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise PolicyError(join(path, key), f"expected a date YYYY-MM-DD, got {value!r}")


def get_enum(raw: Raw, key: str, path: str, enum: type[E], default: E | None = None) -> E:
    value = raw.get(key, default)
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        wanted = value.strip().upper().replace(" ", "_").replace("-", "_")
        for member in enum:
            if wanted in (member.name, str(member.value).upper().replace(" ", "_")):
                return member
    choices = ", ".join(str(m.value) for m in enum)
    raise PolicyError(join(path, key), f"unknown value {value!r} (expected one of: {choices})")


def get_list(raw: Raw, key: str, path: str) -> list[object]:
    value = raw.get(key, [])
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise PolicyError(join(path, key), f"expected a list, got {type(value).__name__}")
    return list(value)


def get_str_list(raw: Raw, key: str, path: str) -> tuple[str, ...]:
    items = get_list(raw, key, path)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise PolicyError(join(join(path, key), index), f"expected text, got {item!r}")
    return tuple(str(item) for item in items)


def get_str_mapping(raw: Raw, key: str, path: str) -> dict[str, str]:
    value = as_mapping(raw.get(key, {}), join(path, key))
    result: dict[str, str] = {}
    for name, item in value.items():
        if not isinstance(item, str):
            raise PolicyError(join(join(path, key), name), f"expected text, got {item!r}")
        result[name] = item
    return result


def dec_text(value: Decimal) -> str:
    """A Decimal as it appears in a mapping (exact text, never a float)."""
    return str(value)
