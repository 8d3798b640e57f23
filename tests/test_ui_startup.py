"""ui._skip_bare_mode_check: the first page skips Streamlit's REPL check under `streamlit run`."""

from __future__ import annotations

import streamlit.delta_generator as delta_generator
import streamlit.runtime as runtime
from streamlit import env_util

import ui


def test_the_flag_it_sets_is_the_one_streamlit_reads():
    # a Streamlit upgrade that renames the flag would silently bring the 27-40 ms back
    assert hasattr(delta_generator, "_use_warning_has_been_displayed")
    assert "_use_warning_has_been_displayed" in delta_generator._maybe_print_use_warning.__code__.co_names
    assert "is_repl" in delta_generator._maybe_print_use_warning.__code__.co_names


def test_under_streamlit_run_the_check_is_marked_done(monkeypatch):
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    monkeypatch.setattr(runtime, "exists", lambda: True)
    calls = []
    monkeypatch.setattr(env_util, "is_repl", lambda: calls.append(1) or False)
    ui._skip_bare_mode_check()
    assert delta_generator._use_warning_has_been_displayed is True
    delta_generator._maybe_print_use_warning()
    assert calls == []  # the stack walk did not run


def test_without_streamlit_run_the_check_stays(monkeypatch):
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    monkeypatch.setattr(runtime, "exists", lambda: False)
    ui._skip_bare_mode_check()
    assert delta_generator._use_warning_has_been_displayed is False
