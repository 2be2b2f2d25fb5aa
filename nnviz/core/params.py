"""Slider metadata declared once, beside each Config field.

One declaration per parameter (TF Playground's state table) feeds the Streamlit widgets, the
shareable URL, ``--set key=value`` in the CLI and validation. No torch, no streamlit here.

    @dataclass(frozen=True)
    class Config(LabConfig):
        lr: float = param(3e-3, lo=1e-4, hi=10.0, log=True, help="Adam learning rate")
        task: str = param("reverse", choices=("copy", "reverse"), help="toy task")
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

_META = "nnviz"


class ConfigError(ValueError):
    """A setting is outside what its field allows; the message names the field and its range."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name


@dataclass(frozen=True)
class ParamSpec:
    """What the UI, URL and CLI need to know about one Config field."""

    name: str
    default: Any
    kind: str  # "int" | "float" | "bool" | "choice"
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    log: bool = False
    choices: tuple = ()
    help: str = ""
    label: str = ""
    group: str = "Settings"
    advanced: bool = False

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def describe_range(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(map(str, self.choices))
        if self.kind == "bool":
            return "true or false"
        return f"from {_fmt(self.lo)} to {_fmt(self.hi)}"

    def check(self, value: Any) -> Any:
        """Return the value coerced to the field's type, or raise ConfigError."""
        if self.kind == "choice":
            if value not in self.choices:
                raise ConfigError(self.name, f"{value!r} is not allowed; {self.describe_range()}")
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(self.name, f"{value!r} is not true or false")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(self.name, f"{value!r} is not a number; allowed {self.describe_range()}")
        if not math.isfinite(float(value)):
            raise ConfigError(self.name, f"{value!r} is not a finite number; allowed {self.describe_range()}")
        if self.kind == "int":
            if float(value) != int(value):
                raise ConfigError(self.name, f"{value!r} is not a whole number")
            value = int(value)
        else:
            value = float(value)
        if not math.isfinite(value) or value < self.lo or value > self.hi:
            raise ConfigError(self.name, f"{_fmt(value)} is out of range; allowed {self.describe_range()}")
        return value

    def parse(self, text: str) -> Any:
        """Parse a URL or CLI string into a checked value (ConfigError when malformed)."""
        text = str(text).strip()
        if self.kind == "choice":
            for c in self.choices:
                if str(c) == text:
                    return c
            return self.check(text)
        if self.kind == "bool":
            low = text.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ConfigError(self.name, f"{text!r} is not true or false")
        try:
            number = float(text)
        except ValueError:
            raise ConfigError(self.name, f"{text!r} is not a number; allowed {self.describe_range()}") from None
        return self.check(number)

    def format(self, value: Any) -> str:
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind == "float":
            return f"{value:.6g}"
        return str(value)

    def slider_values(self) -> list:
        """The discrete values a log-scale slider offers: about 4 per decade, ends included."""
        if not self.log:
            raise ValueError("only log-scale fields have a value ladder")
        lo, hi = math.log10(self.lo), math.log10(self.hi)
        n = max(2, int(round((hi - lo) * 4)) + 1)
        values = [float(f"{10 ** (lo + (hi - lo) * i / (n - 1)):.3g}") for i in range(n)]
        if self.default not in values:
            values = sorted(set(values) | {self.default})
        return values


def _fmt(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def param(
    default: Any,
    *,
    lo: float | None = None,
    hi: float | None = None,
    step: float | None = None,
    log: bool = False,
    choices: tuple | list | None = None,
    help: str = "",
    label: str = "",
    group: str = "Settings",
    advanced: bool = False,
):
    """A dataclass field carrying its slider metadata."""
    if choices is not None:
        kind = "choice"
    elif isinstance(default, bool):
        kind = "bool"
    elif isinstance(default, int):
        kind = "int"
    elif isinstance(default, float):
        kind = "float"
    else:
        raise TypeError(f"param default {default!r}: give choices for non-numeric fields")
    if kind in ("int", "float") and (lo is None or hi is None):
        raise TypeError("numeric params need lo and hi")
    if step is None and kind == "int":
        step = 1
    meta = dict(
        kind=kind,
        lo=lo,
        hi=hi,
        step=step,
        log=log,
        choices=tuple(choices or ()),
        help=help,
        label=label,
        group=group,
        advanced=advanced,
    )
    return field(default=default, metadata={_META: meta})


def specs(config_or_cls) -> list[ParamSpec]:
    """The ParamSpec of every declared field, in declaration order."""
    cls = config_or_cls if isinstance(config_or_cls, type) else type(config_or_cls)
    out = []
    for f in dataclasses.fields(cls):
        meta = f.metadata.get(_META)
        if meta is not None:
            out.append(ParamSpec(name=f.name, default=f.default, **meta))
    return out


def spec_map(config_or_cls) -> dict[str, ParamSpec]:
    return {s.name: s for s in specs(config_or_cls)}


@dataclass(frozen=True)
class LabConfig:
    """Base of every lab's frozen Config: validates each field on construction."""

    # Every run is repeatable for its seed; the UI's "new seed" button only changes this field.
    seed: int = param(0, lo=0, hi=99999, help="Random seed: same seed, same run", group="Training", advanced=True)

    def __post_init__(self):
        for s in specs(self):
            value = getattr(self, s.name)
            checked = s.check(value)
            if checked is not value:
                object.__setattr__(self, s.name, checked)
        self.validate()

    def validate(self) -> None:
        """Cross-field checks; override and raise ConfigError naming the field."""

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return {s.name: getattr(self, s.name) for s in specs(self)}

    def to_strings(self, only_changed: bool = False) -> dict[str, str]:
        out = {}
        for s in specs(self):
            value = getattr(self, s.name)
            if only_changed and value == s.default:
                continue
            out[s.name] = s.format(value)
        return out

    @classmethod
    def from_strings(cls, mapping: dict[str, str], *, strict: bool = True):
        """Build a Config from text (URL query or CLI ``--set``).

        strict: raise ConfigError on the first unknown or malformed key.
        lenient: skip bad keys and return them as notices; the defaults stand in.
        Returns (config, notices).
        """
        smap = spec_map(cls)
        values, notices = {}, []
        for key, text in mapping.items():
            if key not in smap:
                if strict:
                    raise ConfigError(key, f"unknown setting; known: {', '.join(smap)}")
                continue
            try:
                values[key] = smap[key].parse(text)
            except ConfigError as err:
                if strict:
                    raise
                notices.append(str(err))
        while True:  # a cross-field check failed: drop the field it names, keep the other good ones
            try:
                return cls(**values), notices
            except ConfigError as err:
                if strict:
                    raise
                notices.append(str(err))
                if err.name not in values:
                    return cls(), notices
                values.pop(err.name)

    def cli_args(self) -> str:
        return " ".join(f"--set {k}={v}" for k, v in self.to_strings(only_changed=True).items())


def diff(a: LabConfig, b: LabConfig) -> list[tuple[str, Any, Any]]:
    """Fields whose values differ between two configs of the same lab."""
    return [(s.name, getattr(a, s.name), getattr(b, s.name)) for s in specs(a) if getattr(a, s.name) != getattr(b, s.name)]
