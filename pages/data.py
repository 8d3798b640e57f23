"""Data: import files into the canonical tables, check data health, see and undo imports."""

from __future__ import annotations

import streamlit as st

import ui
from icp_core import health, ingest, schema
from icp_core.i18n import t
from icp_core.store import SAMPLE_PREFIX

tr = ui.tr
lang = ui.lang()
store = ui.get_store()

st.title(tr("data.title"))
st.caption(tr("data.intro"))


# format_func callbacks use the language of this run (AppTest may call them outside the run)
def _table_label(name: str) -> str:
    spec = schema.TABLES[name]
    return f"{t(f'table.{name}', lang)}: {spec.description_de if lang == 'de' else spec.description_en}"


@st.cache_data(show_spinner=False, max_entries=16)
def _read(name: str, data: bytes) -> ingest.RawTable:
    return ingest.read_file(data, name)


def _field_label(option: str | None) -> str:
    return t("data.keep_extra", lang) if option is None else option


def _issue_rows(issues: list[dict]) -> list[dict]:
    return [
        {
            tr("data.col_row"): ui.fmt_number(i["row"]),
            tr("data.col_column"): i["column"],
            tr("data.col_value"): "" if i["value"] is None else str(i["value"]),
            tr("data.col_reason"): tr(i["reason"], **i["params"]),
        }
        for i in issues
    ]


def _show_report(report: dict) -> None:
    """The validation report of one import: counts, every issue, the quarantine as CSV."""
    st.success(tr("data.report_done", id=report["import_id"], table=tr(f"table.{report['table']}")), icon=":material/task_alt:")
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("data.rows_read"), ui.fmt_number(report["rows_read"]))
    c2.metric(tr("data.rows_imported"), ui.fmt_number(report["rows_imported"]))
    c3.metric(tr("data.rows_rejected"), ui.fmt_number(report["rows_rejected"]))
    if report["issues"]:
        st.caption(tr("data.issues_title", n=ui.fmt_number(len(report["issues"]))))
        st.dataframe(_issue_rows(report["issues"]), hide_index=True, width="stretch")
        import_id = report["import_id"]
        st.download_button(
            tr("data.download_quarantine"),
            data=lambda: health.safe_csv(store.quarantine(import_id, lang)),
            file_name=f"quarantine_{import_id}.csv",
            mime="text/csv",
            key=f"quarantine|{import_id}",
            icon=":material/download:",
            on_click="ignore",
        )
    else:
        st.caption(tr("data.no_issues"))


def _import(raw: ingest.RawTable, table: str, mapping: dict, mode: str, report_key: str, clear_sample: bool) -> None:
    with st.status(tr("data.importing", file=raw.file_name or ""), expanded=True) as status:
        try:
            st.write(tr("data.step_check"))
            prepared = ingest.prepare(raw, table, mapping)
            if clear_sample and ui.sample_tables():
                st.write(tr("data.step_clear_sample"))
                ui.clear_sample()
            st.write(tr("data.step_save", n=ui.fmt_number(prepared.rows_imported)))
            result = store.import_prepared(prepared, mode=mode)
        except Exception as err:  # IcpError: one sentence; anything else: the generic message
            status.update(label=tr("data.import_failed"), state="error", expanded=True)
            ui.show_error(err)
            return
        status.update(label=tr("data.import_done"), state="complete", expanded=False)
    st.session_state.setdefault("data_reports", {})[report_key] = {
        "import_id": result.import_id,
        "table": table,
        "rows_read": result.rows_read,
        "rows_imported": result.rows_imported,
        "rows_rejected": result.rows_rejected,
        "issues": [{"row": i.row, "column": i.column, "value": i.value, "reason": i.reason, "params": dict(i.params)} for i in result.issues],
    }
    st.rerun()  # the sidebar, banner and every cached figure follow the new data


def handle_file(name: str, data: bytes, table: str, mode: str, clear_sample: bool = False) -> None:
    """One uploaded file: how it was read, a preview, the mapping, the import and its report."""
    with st.container(border=True):
        st.markdown(f"#### :material/description: {ui.md_escape(name)}")
        try:
            raw = _read(name, data)
        except Exception as err:
            ui.show_error(err)
            return
        file_key = f"{table}|{name}|{raw.sha256[:16]}"

        left, right = st.columns([1, 1], gap="medium")
        with left:
            st.caption(tr("data.detected"))
            st.dataframe(
                [{tr("data.col_property"): k, tr("data.col_value"): v} for k, v in ingest.describe(raw.detected, lang)],
                hide_index=True,
                width="stretch",
            )
        with right:
            st.caption(tr("data.preview", n=ui.fmt_number(min(10, raw.data.height)), total=ui.fmt_number(raw.data.height)))
            st.dataframe(raw.data.head(10), hide_index=True, width="stretch")

        saved = store.saved_mapping(table, raw.columns)
        suggested = saved or ingest.suggest_mapping(raw.columns, table)
        st.markdown(f"**{tr('data.mapping_title')}**")
        st.caption(tr("data.mapping_saved_applied") if saved else tr("data.mapping_suggested"))
        options: list[str | None] = [None, *schema.TABLES[table].field_names]
        mapping: dict[str, str | None] = {}
        grid = st.columns(3)
        for index, column in enumerate(raw.columns):
            chosen = suggested.get(column)
            base = f"map|{file_key}|{column}"
            mapping[column] = ui.remember(base, grid[index % 3].selectbox(
                ui.md_escape(column),
                options,
                format_func=_field_label,
                key=ui.choice_key(base, chosen if chosen in options else None),
            ))

        used: dict[str, int] = {}
        for target in mapping.values():
            if target:
                used[target] = used.get(target, 0) + 1
        twice = [f for f, n in used.items() if n > 1]
        missing = [f for f in schema.TABLES[table].required if f not in used]
        if twice:
            st.error(tr("data.mapping_twice", fields=", ".join(twice)))
        if missing:
            st.error(tr("data.mapping_required", fields=", ".join(missing)))

        b1, b2, _ = st.columns([1, 1, 2])
        if b1.button(tr("data.save_mapping"), key=f"save|{file_key}", icon=":material/bookmark_add:", disabled=bool(twice)):
            try:
                store.save_mapping(table, raw.columns, mapping)
                st.toast(tr("data.mapping_saved"), icon=":material/bookmark_added:")
            except Exception as err:
                ui.show_error(err)
        if b2.button(
            tr("data.import_button", mode=tr(f"data.mode.{mode}")),
            key=f"import|{file_key}",
            type="primary",
            icon=":material/upload:",
            disabled=bool(twice or missing),
        ):
            _import(raw, table, mapping, mode, file_key, clear_sample)

        report = st.session_state.get("data_reports", {}).get(file_key)
        if report:
            _show_report(report)


def _history() -> None:
    """The import history with undo (confirmed) and the raw file to download again."""
    pending = st.session_state.get("undo_pending")
    if pending is not None:
        with st.container(border=True):
            st.warning(tr("data.undo_confirm", id=pending), icon=":material/undo:")
            yes, no, _ = st.columns([1, 1, 3])
            if yes.button(tr("data.undo_yes"), key="undo_yes", type="primary"):
                try:
                    store.undo(pending)
                    st.session_state["undo_done"] = pending
                except Exception as err:
                    ui.show_error(err)
                del st.session_state["undo_pending"]
                st.rerun()
            if no.button(tr("data.undo_no"), key="undo_no"):
                del st.session_state["undo_pending"]
                st.rerun()
    if "undo_done" in st.session_state:
        st.success(tr("data.undo_done", id=st.session_state.pop("undo_done")), icon=":material/undo:")

    imports = ui.store_call("imports")
    if not imports:
        st.info(tr("data.history_empty"))
        return
    yes_no = {True: tr("data.yes"), False: tr("data.no")}
    st.dataframe(
        [
            {
                tr("data.col_id"): str(r["import_id"]),
                tr("data.col_table"): tr(f"table.{r['table']}"),
                tr("data.col_file"): r["file"] or tr("data.cleared"),
                tr("data.col_time"): ui.fmt_datetime(r["at"]),
                tr("data.col_imported"): ui.fmt_number(r["rows_imported"]),
                tr("data.col_rejected"): ui.fmt_number(r["rows_rejected"]),
                tr("data.col_mode"): tr(f"data.mode.{r['mode']}"),
                tr("data.col_undone"): yes_no[bool(r["undone"])],
            }
            for r in imports
        ],
        hide_index=True,
        width="stretch",
    )
    st.caption(tr("data.history_actions"))
    for r in imports:
        import_id = r["import_id"]
        label, raw_col, undo_col = st.columns([4, 1.3, 1.3], vertical_alignment="center")
        table_name = tr("table." + r["table"])
        label.text(f"#{import_id} · {table_name} · {r['file'] or tr('data.cleared')}")
        if r["mode"] != "clear" and not (r["file"] or "").startswith(SAMPLE_PREFIX):  # an uploaded file was kept
            raw_col.download_button(
                tr("data.download_raw"),
                data=lambda i=import_id: store.raw_file(i),
                file_name=r["file"] or f"import_{import_id}",
                key=f"raw|{import_id}",
                icon=":material/download:",
                on_click="ignore",
                width="stretch",
            )
        if undo_col.button(tr("data.undo"), key=f"undo|{import_id}", icon=":material/undo:", disabled=bool(r["undone"]), width="stretch"):
            st.session_state["undo_pending"] = import_id
            st.rerun()


def _health() -> None:
    report = ui.cached(health.check)
    st.caption(tr("data.health_intro"))
    for name in schema.TABLES:
        rows = report.rows.get(name, 0)
        fields = report.table_fields(name)
        title = tr("data.health_table", table=tr(f"table.{name}"), rows=ui.fmt_number(rows)) if rows else tr(
            "data.health_table_missing", table=tr(f"table.{name}")
        )
        with st.expander(title, expanded=(name == "accounts"), icon=":material/check_circle:" if rows else ":material/radio_button_unchecked:"):
            if not rows:
                unlocks = sorted({fig for fh in fields for fig in fh.unlocks})
                st.write(tr("data.health_unlocks", figures=", ".join(tr(f"health.fig.{f}") for f in unlocks) or "–"))
                st.caption(tr(f"health.add_table.{name}"))
                continue
            st.dataframe(
                [
                    {
                        tr("data.col_field"): fh.field,
                        tr("data.col_filled"): ui.fmt_number(fh.filled),
                        tr("data.col_share"): ui.fmt_pct(fh.share, 0),
                        tr("data.col_state"): tr("data.state.partly" if fh.partly else "data.state.ok" if fh.present else "data.state.empty"),
                        tr("data.col_unlocks"): ", ".join(tr(f"health.fig.{f}") for f in fh.unlocks),
                    }
                    for fh in fields
                ],
                hide_index=True,
                width="stretch",
                height="content",
                column_config={
                    tr("data.col_field"): st.column_config.TextColumn(width="medium"),
                    tr("data.col_filled"): st.column_config.TextColumn(width="small"),
                    tr("data.col_share"): st.column_config.TextColumn(width="small"),
                    tr("data.col_state"): st.column_config.TextColumn(width="small"),
                    tr("data.col_unlocks"): st.column_config.TextColumn(width="large"),
                },
            )
            blocked = report.blocked_messages(name, lang)
            if blocked:  # our own sentences (canonical field names, no user values)
                st.warning(tr("data.health_blocked_title") + "\n\n" + "\n".join(f"- {m}" for m in blocked), icon=":material/lock:")


# the open tab, the table and the mode live in the URL (a shared link opens the same view)
_, (tab_import, tab_health, tab_history) = ui.url_tabs(
    "data_tab", "tab", {"import": tr("data.tab_import"), "health": tr("data.tab_health"), "history": tr("data.tab_history")}
)

with tab_import:
    table = ui.remember("data_table", st.selectbox(
        tr("data.table"), schema.table_names(), format_func=_table_label,
        key=ui.url_choice("data_table", "accounts", "table", options=schema.table_names()),
    ), "table")
    required = schema.TABLES[table].required
    st.caption(tr("data.table_fields", required=", ".join(required) or "–", fields=", ".join(f.name for f in schema.stored_fields(table))))
    mode = ui.remember("data_mode", st.radio(
        tr("data.mode"), ["replace", "append"], format_func=lambda m: t(f"data.mode_long.{m}", lang),
        key=ui.url_choice("data_mode", "replace", "mode", options=["replace", "append"]), horizontal=True,
    ), "mode")
    clear_sample = False
    if ui.sample_tables():
        clear_sample = st.checkbox(tr("data.clear_sample_first"), value=True, key="data_clear_sample", help=tr("data.clear_sample_help"))
    files = st.file_uploader(tr("data.upload"), accept_multiple_files=True, key="data_files", help=tr("data.upload_help"))
    for uploaded in files or []:
        handle_file(uploaded.name, uploaded.getvalue(), table, mode, clear_sample)

with tab_health:
    try:
        _health()
    except Exception as err:
        ui.show_error(err)

with tab_history:
    try:
        _history()
    except Exception as err:
        ui.show_error(err)
