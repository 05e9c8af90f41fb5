//! docs/sync-api.md's "Status codes" table lists every refusal the server
//! can send (`ServerError::every_kind`), each under its status, and nothing
//! the server never sends.

use std::collections::BTreeSet;

use papi_server::error::ServerError;

/// The table's rows: (status column, the `error` codes of the row).
fn table() -> Vec<(String, BTreeSet<String>)> {
    let doc = include_str!("../../docs/sync-api.md");
    let section = doc
        .split("## Status codes")
        .nth(1)
        .expect("docs/sync-api.md has a \"Status codes\" section");
    section
        .lines()
        .skip_while(|l| !l.starts_with("| status |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let codes = cells[2]
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            (cells[1].to_string(), codes)
        })
        .collect()
}

#[test]
fn every_refusal_is_in_the_status_table_under_its_status() {
    let rows = table();
    assert!(rows.len() >= 10, "{rows:?}");
    for e in ServerError::every_kind() {
        let status = e.status().as_u16().to_string();
        let row = rows
            .iter()
            .find(|(_, codes)| codes.contains(e.code()))
            .unwrap_or_else(|| {
                panic!(
                    "`{}` is missing from docs/sync-api.md's status table",
                    e.code()
                )
            });
        let under_its_status = match e {
            ServerError::Http(_) => row.0.starts_with("any other"),
            _ => row.0 == status,
        };
        assert!(
            under_its_status,
            "`{}` is sent with {status}, but the table lists it under {}",
            e.code(),
            row.0
        );
    }
}

#[test]
fn the_status_table_names_no_code_the_server_never_sends() {
    let sent: BTreeSet<&str> = ServerError::every_kind().iter().map(|e| e.code()).collect();
    for (status, codes) in table() {
        for code in codes {
            assert!(
                sent.contains(code.as_str()),
                "docs/sync-api.md lists `{code}` under {status}: the server has no such code"
            );
        }
    }
}
