"""AppTest of pages/segments.py on the sample company, in English and German."""

from __future__ import annotations

import pytest
from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "segments.py")


@pytest.fixture
def sample_db(tmp_path, monkeypatch):
    from icp_core.sample import load_sample
    from icp_core.store import Store

    db = str(tmp_path / "seg.duckdb")
    monkeypatch.setenv("ICP_DB", db)
    store = Store(db)
    load_sample(store)
    store.close()
    return db


@pytest.mark.parametrize("lang, title, want", [("en", "Segment explorer", "want more of"), ("de", "Segment-Explorer", "mehr davon")])
def test_page_renders(sample_db, lang, title, want):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == title
    assert at.metric[0].value == ("2,500" if lang == "en" else "2.500")
    # the first row of the segment table is the planted best segment on ARPA
    table = at.dataframe[0].value
    assert list(table.iloc[0][["industry", "size_band"]]) == ["Maschinenbau", "51-200"]
    # the what-if table: retention of the want-more group
    whatif = at.dataframe[1].value
    assert "96.5%" in " ".join(map(str, whatif.iloc[0])) or "96,5 %" in " ".join(map(str, whatif.iloc[0]))


def test_filter_and_save(sample_db):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    at.text_input(key="seg_filters").set_value("country=DE,AT,CH; start_date=2022..").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].value == "2,113"  # DACH customers since 2022
    at.button[0].click().run()
    assert at.success
    from icp_core.groups import load_segmentation
    from icp_core.store import Store

    saved = load_segmentation(Store(sample_db))
    assert saved["filters"] == ["country=DE,AT,CH", "start_date=2022-01-01.."]
    assert any(g["group"] == "want_more" for g in saved["groups"])


def test_bad_filter_shows_message(sample_db):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    at.text_input(key="seg_filters").set_value("nope=1").run()
    assert not at.exception
    assert "nope" in at.error[0].value
