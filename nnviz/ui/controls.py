"""Widgets generated from a Config's declared metadata, kept in the page URL.

The URL is read once when a session opens the page: good parameters set the widgets, bad ones are
dropped with a visible notice and the defaults stand in. After that, every change is written back
to the URL (only values that differ from the defaults), so the address bar is always a shareable
link to exactly what is on screen.
"""

from __future__ import annotations

import streamlit as st

from nnviz.core.params import ConfigError, LabConfig, ParamSpec, specs

# Query parameters that belong to the page, not to the Config.
RESERVED = ("embed", "embed_options")


def _wkey(lab: str, name: str) -> str:
    return f"cfg.{lab}.{name}"


def _options(spec: ParamSpec, current) -> list:
    values = spec.slider_values()
    if current not in values:
        values = sorted(set(values) | {current})
    return values


def _render(spec: ParamSpec, lab: str, container) -> None:
    key = _wkey(lab, spec.name)
    help_text = f"{spec.help} ({spec.describe_range()})" if spec.help else spec.describe_range()
    if spec.kind == "choice":
        container.selectbox(spec.title, spec.choices, key=key, help=help_text)
    elif spec.kind == "bool":
        container.toggle(spec.title, key=key, help=help_text)
    elif spec.log:
        container.select_slider(
            spec.title, options=_options(spec, st.session_state[key]), key=key, help=help_text, format_func=lambda v: f"{v:g}"
        )
    elif spec.name == "seed":
        container.number_input(spec.title, min_value=int(spec.lo), max_value=int(spec.hi), step=1, key=key, help=help_text)
    elif spec.kind == "int":
        container.slider(spec.title, int(spec.lo), int(spec.hi), step=int(spec.step or 1), key=key, help=help_text)
    else:
        container.slider(
            spec.title, float(spec.lo), float(spec.hi), step=float(spec.step or (spec.hi - spec.lo) / 100), key=key, help=help_text
        )


def _set_widgets(lab: str, config: LabConfig) -> None:
    for spec in specs(config):
        st.session_state[_wkey(lab, spec.name)] = getattr(config, spec.name)


def _apply_preset(lab: str, presets: dict) -> None:
    name = st.session_state.get(f"preset.{lab}")
    if name in presets:
        _set_widgets(lab, presets[name])


def _new_seed(lab: str) -> None:
    key = _wkey(lab, "seed")
    st.session_state[key] = (int(st.session_state.get(key, 0)) + 1) % 100000


def config_controls(lab: str, config_cls: type[LabConfig], presets: dict | None = None) -> LabConfig:
    """Render the settings in the sidebar and return the Config they describe (always a valid one)."""
    ss = st.session_state
    all_specs = specs(config_cls)
    names = [s.name for s in all_specs]
    remembered = f"_config.{lab}"
    notices_key = f"_notices.{lab}"

    if f"_init.{lab}" not in ss:
        query = {k: st.query_params.get(k) for k in st.query_params if k not in RESERVED}
        known = {k: v for k, v in query.items() if k in names}
        config, notices = config_cls.from_strings(known, strict=False)
        notices += [f"{k}: not a setting of this page" for k in query if k not in names]
        ss[notices_key] = (notices, config)  # shown until the settings move away from this config
        ss[remembered] = config
        _set_widgets(lab, config)
        ss[f"_init.{lab}"] = True
    else:
        # widgets of a page not shown are forgotten by Streamlit; restore them from the last config
        for spec in all_specs:
            if _wkey(lab, spec.name) not in ss:
                ss[_wkey(lab, spec.name)] = getattr(ss[remembered], spec.name)

    sidebar = st.sidebar
    if presets:
        sidebar.selectbox(
            "Preset",
            ["(custom)", *presets],
            key=f"preset.{lab}",
            on_change=_apply_preset,
            args=(lab, presets),
            help="Load a named group of settings",
        )
    groups: dict[str, list[ParamSpec]] = {}
    for spec in all_specs:
        groups.setdefault("More settings" if spec.advanced else spec.group, []).append(spec)
    for group, members in groups.items():
        box = sidebar.expander(group, expanded=False) if group == "More settings" else sidebar
        if group != "More settings":
            box.markdown(f"**{group}**")
        for spec in members:
            _render(spec, lab, box)
    sidebar.button(
        "New seed", on_click=_new_seed, args=(lab,), help="Train the same settings again from another random start", key=f"newseed.{lab}"
    )

    values = {name: ss[_wkey(lab, name)] for name in names}
    try:
        config = config_cls(**values)
        ss[remembered] = config
    except ConfigError as err:
        config = ss[remembered]
        st.error(f"Setting not applied: {err}. Showing the last valid settings instead.", icon=":material/error:")

    notices, shown_for = ss.get(notices_key, ([], None))
    for notice in notices if config == shown_for else []:
        st.warning(f"Ignored a URL parameter ({notice}); the default is used instead.", icon=":material/link_off:")

    _write_url(config, names)
    return config


def _write_url(config: LabConfig, names: list[str]) -> None:
    wanted = config.to_strings(only_changed=True)
    current = {k: st.query_params.get(k) for k in st.query_params}
    target = {k: v for k, v in current.items() if k in RESERVED}
    target.update(wanted)
    if current != target:
        st.query_params.from_dict(target)
