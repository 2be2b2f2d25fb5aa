"""Slider metadata: one declaration per field drives validation, the URL, the CLI and the widgets."""

from __future__ import annotations

import dataclasses
import math

import pytest

from nnviz.core.params import ConfigError, LabConfig, ParamSpec, diff, param, spec_map, specs
from nnviz.labs.attention import Config as AttnConfig


@dataclasses.dataclass(frozen=True)
class Tiny(LabConfig):
    width: int = param(4, lo=1, hi=16, help="units")
    rate: float = param(0.01, lo=1e-3, hi=1.0, log=True, help="learning rate")
    scale: float = param(0.5, lo=0.0, hi=2.0, step=0.25)
    bias: bool = param(True, help="use a bias")
    act: str = param("relu", choices=("relu", "tanh", "gelu"))
    power: int = param(2, choices=(1, 2, 3))

    def validate(self) -> None:
        if self.act == "gelu" and self.width < 2:
            raise ConfigError("width", "gelu needs width >= 2")


# ----------------------------------------------------------------------------- param() and specs


def test_param_kinds_inferred_from_default():
    kinds = {s.name: s.kind for s in specs(Tiny)}
    assert kinds == {
        "seed": "int",
        "width": "int",
        "rate": "float",
        "scale": "float",
        "bias": "bool",
        "act": "choice",
        "power": "choice",
    }


def test_specs_keep_declaration_order_and_metadata():
    smap = spec_map(Tiny)
    assert list(smap) == ["seed", "width", "rate", "scale", "bias", "act", "power"]
    assert smap["width"].step == 1  # int fields default to step 1
    assert smap["scale"].step == 0.25
    assert smap["rate"].log is True and smap["width"].log is False
    assert smap["act"].choices == ("relu", "tanh", "gelu")
    assert smap["rate"].help == "learning rate"
    assert smap["seed"].advanced is True
    # spec_map works on an instance too
    assert spec_map(Tiny(width=3))["width"].default == 4


@pytest.mark.parametrize(
    "default, kw",
    [
        (1, {}),  # numeric without range
        (1.0, {"lo": 0.0}),  # numeric without hi
        ("x", {}),  # text without choices
        (None, {}),
    ],
)
def test_param_rejects_incomplete_declarations(default, kw):
    with pytest.raises(TypeError):
        param(default, **kw)


def test_title_and_describe_range():
    smap = spec_map(AttnConfig)
    assert smap["seq_len"].title == "Sequence length"  # explicit label
    assert spec_map(Tiny)["width"].title == "Width"  # from the name
    assert smap["seq_len"].describe_range() == "from 4 to 16"
    assert smap["lr"].describe_range() == "from 0.0001 to 10"
    assert spec_map(Tiny)["act"].describe_range() == "one of relu, tanh, gelu"
    assert spec_map(Tiny)["bias"].describe_range() == "true or false"


# ----------------------------------------------------------------------------- ParamSpec.check


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("width", 1, 1),
        ("width", 16, 16),  # both ends are allowed
        ("width", 6.0, 6),  # a whole float becomes an int
        ("rate", 1, 1.0),  # an int becomes a float
        ("rate", 1e-3, 1e-3),
        ("bias", False, False),
        ("act", "tanh", "tanh"),
        ("power", 3, 3),
    ],
)
def test_check_accepts_and_coerces(field, value, expected):
    out = spec_map(Tiny)[field].check(value)
    assert out == expected
    assert type(out) is type(expected)


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("width", 0, "out of range"),
        ("width", 17, "out of range"),
        ("width", 2.5, "not a whole number"),
        ("width", True, "not a number"),  # bool is not a number here
        ("width", "3", "not a number"),
        ("rate", 0.0, "out of range"),
        ("rate", 1.5, "out of range"),
        ("rate", math.nan, "not a finite number"),
        ("rate", math.inf, "not a finite number"),
        ("bias", 1, "not true or false"),
        ("bias", "true", "not true or false"),
        ("act", "swish", "not allowed"),
        ("power", 4, "not allowed"),
        ("power", "2", "not allowed"),  # check() wants the real value, parse() takes text
    ],
)
def test_check_rejects_with_field_name(field, value, fragment):
    s = spec_map(Tiny)[field]
    with pytest.raises(ConfigError) as info:
        s.check(value)
    assert info.value.name == field
    assert str(info.value).startswith(f"{field}: ")
    assert fragment in str(info.value)


def test_check_message_states_allowed_range():
    with pytest.raises(ConfigError, match=r"seq_len: 99 is out of range; allowed from 4 to 16"):
        spec_map(AttnConfig)["seq_len"].check(99)
    with pytest.raises(ConfigError, match=r"one of copy, reverse, sort, shift"):
        spec_map(AttnConfig)["task"].check("rotate")


# ----------------------------------------------------------------------------- ParamSpec.parse


@pytest.mark.parametrize(
    "field, text, expected",
    [
        ("width", "7", 7),
        ("width", " 7 ", 7),
        ("width", "7.0", 7),
        ("rate", "1e-2", 0.01),
        ("rate", "0.5", 0.5),
        ("act", "gelu", "gelu"),
        ("power", "2", 2),  # non-string choices match their text
        ("bias", "true", True),
        ("bias", "TRUE", True),
        ("bias", "1", True),
        ("bias", "yes", True),
        ("bias", "on", True),
        ("bias", "false", False),
        ("bias", "0", False),
        ("bias", "No", False),
        ("bias", "off", False),
    ],
)
def test_parse_text(field, text, expected):
    out = spec_map(Tiny)[field].parse(text)
    assert out == expected
    assert type(out) is type(expected)


@pytest.mark.parametrize(
    "field, text",
    [
        ("width", "banana"),
        ("width", ""),
        ("width", "7.5"),
        ("width", "99"),
        ("rate", "fast"),
        ("rate", "nan"),
        ("rate", "inf"),
        ("rate", "1e400"),
        ("bias", "maybe"),
        ("bias", "2"),
        ("act", "RELU"),
        ("power", "5"),
    ],
)
def test_parse_bad_text_raises_config_error(field, text):
    with pytest.raises(ConfigError) as info:
        spec_map(Tiny)[field].parse(text)
    assert info.value.name == field


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e400"])
def test_parse_non_finite_text_for_int_field_raises_config_error(text):
    """A URL like ?seq_len=nan must give a notice, not crash the page.

    bug: ParamSpec.check converts with int(value) before checking finiteness, so int(nan) raises a bare
    ValueError and int(inf) an OverflowError, neither of which from_strings(strict=False) catches.
    """
    with pytest.raises(ConfigError) as info:
        spec_map(AttnConfig)["seq_len"].parse(text)
    assert info.value.name == "seq_len"


def test_lenient_from_strings_survives_non_finite_int():
    config, notices = AttnConfig.from_strings({"seq_len": "nan", "vocab": "12"}, strict=False)
    assert config.seq_len == 8 and config.vocab == 12
    assert len(notices) == 1 and notices[0].startswith("seq_len:")


@pytest.mark.parametrize("field", ["width", "rate", "scale", "bias", "act", "power", "seed"])
def test_format_parse_roundtrip(field):
    s = spec_map(Tiny)[field]
    value = getattr(Tiny(width=9, rate=0.0316, scale=1.75, bias=False, act="tanh", power=3, seed=42), field)
    assert s.parse(s.format(value)) == value


# ----------------------------------------------------------------------------- LabConfig validation


def test_config_defaults_are_valid_and_frozen():
    c = AttnConfig()
    assert c.task == "reverse" and c.seq_len == 8 and c.lr == 3e-3
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.seq_len = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    "kw, field, rng",
    [
        ({"seq_len": 3}, "seq_len", "from 4 to 16"),
        ({"seq_len": 17}, "seq_len", "from 4 to 16"),
        ({"lr": 20.0}, "lr", "from 0.0001 to 10"),
        ({"lr": 0.0}, "lr", "from 0.0001 to 10"),
        ({"steps": 5}, "steps", "from 20 to 3000"),
        ({"vocab": 2.5}, "vocab", ""),
        ({"task": "rotate"}, "task", "one of copy, reverse, sort, shift"),
        ({"variant": "flash"}, "variant", "one of scaled, dot, additive, local, sparse, relative"),
        ({"seed": -1}, "seed", "from 0 to 99999"),
    ],
)
def test_config_validation_names_field_and_range(kw, field, rng):
    with pytest.raises(ConfigError) as info:
        AttnConfig(**kw)
    assert info.value.name == field
    assert str(info.value).startswith(f"{field}:")
    assert rng in str(info.value)


def test_config_error_is_a_value_error():
    with pytest.raises(ValueError):
        AttnConfig(seq_len=0)


@pytest.mark.parametrize("d_model, n_heads, ok", [(32, 2, True), (32, 8, True), (48, 3, True), (32, 3, False), (48, 5, False)])
def test_attention_cross_field_validation(d_model, n_heads, ok):
    if ok:
        assert AttnConfig(d_model=d_model, n_heads=n_heads).n_heads == n_heads
        return
    with pytest.raises(ConfigError) as info:
        AttnConfig(d_model=d_model, n_heads=n_heads)
    assert info.value.name == "n_heads"
    assert f"d_model={d_model}" in str(info.value)
    allowed = [h for h in range(1, 9) if d_model % h == 0]
    assert str(allowed) in str(info.value)


def test_tiny_cross_field_validation_and_coercion():
    with pytest.raises(ConfigError, match="^width: gelu needs"):
        Tiny(act="gelu", width=1)
    c = Tiny(width=8.0, rate=1)
    assert c.width == 8 and isinstance(c.width, int)
    assert c.rate == 1.0 and isinstance(c.rate, float)


def test_replace_validates():
    c = AttnConfig().replace(seq_len=6)
    assert c.seq_len == 6
    with pytest.raises(ConfigError):
        AttnConfig().replace(seq_len=1)


def test_configs_hash_by_value():
    """The UI cache keys Results by the frozen Config: equal settings must hit the same entry."""
    assert AttnConfig(seq_len=6) == AttnConfig(seq_len=6.0)
    assert hash(AttnConfig(seq_len=6)) == hash(AttnConfig(seq_len=6.0))
    assert AttnConfig(seq_len=6) != AttnConfig(seq_len=7)


# ----------------------------------------------------------------------------- strings: URL and CLI


def test_from_strings_strict_parses_everything():
    config, notices = AttnConfig.from_strings({"seq_len": "6", "lr": "1e-2", "task": "copy", "seed": "3"})
    assert notices == []
    assert config == AttnConfig(seq_len=6, lr=0.01, task="copy", seed=3)


@pytest.mark.parametrize(
    "mapping, field",
    [
        ({"seq_len": "banana"}, "seq_len"),
        ({"seq_len": "999"}, "seq_len"),
        ({"nonsense": "1"}, "nonsense"),
        ({"d_model": "48", "n_heads": "5"}, "n_heads"),
    ],
)
def test_from_strings_strict_raises(mapping, field):
    with pytest.raises(ConfigError) as info:
        AttnConfig.from_strings(mapping, strict=True)
    assert info.value.name == field


def test_from_strings_unknown_key_lists_known_ones():
    with pytest.raises(ConfigError, match="unknown setting; known: seed, task, seq_len"):
        AttnConfig.from_strings({"nonsense": "1"})


def test_from_strings_lenient_keeps_good_values_and_reports_bad():
    config, notices = AttnConfig.from_strings({"seq_len": "banana", "vocab": "999", "lr": "0.01", "zzz": "1"}, strict=False)
    assert config.lr == 0.01  # the good value is kept
    assert config.seq_len == 8 and config.vocab == 10  # the defaults stand in
    assert len(notices) == 2  # unknown keys are skipped silently here (the UI reports them itself)
    assert notices[0].startswith("seq_len: 'banana' is not a number; allowed from 4 to 16")
    assert notices[1].startswith("vocab: 999 is out of range; allowed from 4 to 32")


def test_from_strings_lenient_invalid_combination_uses_default_for_named_field():
    config, notices = AttnConfig.from_strings({"d_model": "48", "n_heads": "5"}, strict=False)
    assert config.n_heads == 2  # the default stands in for the field the error names
    assert config.d_model % config.n_heads == 0
    assert len(notices) == 1 and notices[0].startswith("n_heads:")


def test_from_strings_lenient_invalid_combination_keeps_other_settings():
    config, notices = AttnConfig.from_strings({"seq_len": "6", "d_model": "48", "n_heads": "5"}, strict=False)
    assert len(notices) == 1 and notices[0].startswith("n_heads:")
    assert (config.seq_len, config.d_model, config.n_heads) == (6, 48, 2)


def test_to_strings_all_and_only_changed():
    c = AttnConfig(seq_len=6, lr=0.01)
    full = c.to_strings()
    assert list(full) == [s.name for s in specs(AttnConfig)]
    assert full["seq_len"] == "6" and full["lr"] == "0.01" and full["task"] == "reverse" and full["seed"] == "0"
    assert c.to_strings(only_changed=True) == {"seq_len": "6", "lr": "0.01"}
    assert AttnConfig().to_strings(only_changed=True) == {}


def test_to_strings_tiny_bool_and_choice():
    assert Tiny(bias=False, power=3).to_strings(only_changed=True) == {"bias": "false", "power": "3"}


@pytest.mark.parametrize(
    "config",
    [
        AttnConfig(),
        AttnConfig(seq_len=5, lr=0.0316, task="sort", n_layers=2, seed=7),
        AttnConfig(variant="relative", d_model=48, n_heads=3),
    ],
)
def test_strings_roundtrip(config):
    back, notices = AttnConfig.from_strings(config.to_strings(only_changed=True))
    assert notices == [] and back == config
    back, _ = AttnConfig.from_strings(config.to_strings())
    assert back == config


def test_cli_args():
    assert AttnConfig().cli_args() == ""
    assert AttnConfig(task="copy", lr=0.01).cli_args() == "--set task=copy --set lr=0.01"
    # the CLI text parses back to the same config
    args = AttnConfig(seq_len=5, seed=9).cli_args().split()
    pairs = dict(a.split("=", 1) for a in args if a != "--set")
    assert AttnConfig.from_strings(pairs)[0] == AttnConfig(seq_len=5, seed=9)


def test_to_dict():
    d = AttnConfig(seq_len=6).to_dict()
    assert d["seq_len"] == 6 and d["lr"] == 3e-3 and len(d) == len(specs(AttnConfig))


def test_diff():
    a, b = AttnConfig(), AttnConfig(seq_len=6, lr=0.01)
    assert diff(a, b) == [("seq_len", 8, 6), ("lr", 0.003, 0.01)]
    assert diff(b, b) == []


# ----------------------------------------------------------------------------- log-scale ladders


@pytest.mark.parametrize("config_cls, field", [(AttnConfig, "lr"), (Tiny, "rate")])
def test_slider_values_for_log_fields(config_cls, field):
    s = spec_map(config_cls)[field]
    values = s.slider_values()
    assert values[0] == s.lo and values[-1] == s.hi  # ends included
    assert s.default in values  # default included
    assert values == sorted(values) and len(set(values)) == len(values)
    decades = math.log10(s.hi / s.lo)
    assert len(values) >= 4 * decades  # about four per decade
    assert all(s.check(v) == v for v in values)  # every rung is a valid value
    ratios = [b / a for a, b in zip(values, values[1:])]
    assert max(ratios) < 2.0  # no big holes in the ladder


def test_slider_values_attention_lr_has_divergence_end():
    values = spec_map(AttnConfig)["lr"].slider_values()
    assert 10.0 in values and 3e-3 in values and 1e-3 in values and 1e-2 in values


def test_slider_values_off_ladder_default_is_inserted():
    s = ParamSpec(name="x", default=0.0042, kind="float", lo=1e-3, hi=1.0, log=True)
    values = s.slider_values()
    assert 0.0042 in values and values == sorted(values)


def test_slider_values_only_for_log_fields():
    with pytest.raises(ValueError):
        spec_map(Tiny)["scale"].slider_values()
