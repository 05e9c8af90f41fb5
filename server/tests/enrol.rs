//! Enrolment in one step with the real binary: `unit add-all`, `unit add
//! --from LIST.csv`, the printed sheet's links working against the server,
//! and `unit list|revoke` by name.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use common::*;
use reqwest::StatusCode;

const BIN: &str = env!("CARGO_BIN_EXE_papi-server");

fn papi(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn live_tokens(db: &Path) -> usize {
    let list = stdout(&papi(db, &["unit", "list"]));
    list.lines().filter(|l| l.ends_with(" live")).count()
}

/// The tokens of a sheet's enrolment links, in order.
fn sheet_tokens(html: &str) -> Vec<String> {
    html.split("#enrol=")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_all_prints_a_sheet_whose_links_sync() {
    let s = start(&temp_dir("enrol")).await;
    let sheet = s.dir.join("communes.html");
    let sheet_arg = sheet.to_str().unwrap();
    let out = stdout(&papi(
        &s.db_path,
        &["unit", "add-all", "--url", &s.url, "--out", sheet_arg],
    ));
    assert!(out.contains("108 tokens made"), "{out}");
    let mode = std::fs::metadata(&sheet).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the sheet is readable by its owner only"
    );
    let html = std::fs::read_to_string(&sheet).unwrap();
    assert_eq!(html.matches("<section class=\"page\">").count(), 108);
    assert!(html.contains("<h1>Xã Bằng Thành</h1>"));
    let tokens = sheet_tokens(&html);
    assert_eq!(tokens.len(), 108);
    assert!(!out.contains(&tokens[0]), "tokens appear on the sheet only");
    let db_text = std::fs::read(&s.db_path).unwrap();
    assert!(!String::from_utf8_lossy(&db_text).contains(&tokens[0][5..]));

    // The link printed for Xã Đổng Xá is its token: a batch posts.
    let page = html.split("<h1>Xã Đổng Xá</h1>").nth(1).unwrap();
    let token = &sheet_tokens(page)[0];
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/batches", s.url))
        .bearer_auth(token)
        .body(batch("02194", "dev-a", 1, 2).to_json())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    // Again: every commune keeps its token, nothing is written.
    let again = s.dir.join("again.html");
    let out = stdout(&papi(
        &s.db_path,
        &[
            "unit",
            "add-all",
            "--url",
            &s.url,
            "--out",
            again.to_str().unwrap(),
        ],
    ));
    assert!(out.contains("108 units already have a live token"), "{out}");
    assert!(!again.exists());

    // An existing sheet is never overwritten, and no token is made.
    let e = stderr(&papi(
        &s.db_path,
        &[
            "unit",
            "add-all",
            "--level",
            "district,province",
            "--url",
            &s.url,
            "--out",
            sheet_arg,
        ],
    ));
    assert!(e.contains("exists already"), "{e}");
    assert_eq!(live_tokens(&s.db_path), 108);
    assert_eq!(std::fs::read_to_string(&sheet).unwrap(), html);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_list_is_checked_and_rotation_replaces_tokens() {
    let s = start(&temp_dir("enrol-csv")).await;
    let (old_id, old) = token(&s.db_path, "02194");
    let dir = &s.dir;
    std::fs::write(
        dir.join("bad.csv"),
        "code,label\n02194,Đổng Xá\n99999,Không có\n",
    )
    .unwrap();
    let e = stderr(&papi(
        &s.db_path,
        &[
            "unit",
            "add",
            "--from",
            dir.join("bad.csv").to_str().unwrap(),
            "--url",
            &s.url,
        ],
    ));
    assert!(
        e.contains("bad.csv, line 3, column 1: no unit is called \"99999\""),
        "{e}"
    );
    assert_eq!(live_tokens(&s.db_path), 1, "a bad list makes no token");

    std::fs::write(dir.join("list.csv"), "02194,UBND xã Đổng Xá\nbang thanh\n").unwrap();
    let sheet = dir.join("list.html");
    let list_arg = dir.join("list.csv");
    let args = [
        "unit",
        "add",
        "--from",
        list_arg.to_str().unwrap(),
        "--url",
        &s.url,
        "--rotate",
        "--out",
        sheet.to_str().unwrap(),
    ];
    let out = stdout(&papi(&s.db_path, &args));
    assert!(
        out.contains("2 tokens made, older tokens of these units revoked"),
        "{out}"
    );
    let html = std::fs::read_to_string(&sheet).unwrap();
    assert!(html.contains("<h1>Xã Đổng Xá</h1>") && html.contains("<h1>Xã Bằng Thành</h1>"));
    let list = stdout(&papi(&s.db_path, &["unit", "list"]));
    assert!(
        list.lines()
            .any(|l| l.starts_with(&format!("{old_id:>4}")) && l.contains("revoked")),
        "{list}"
    );
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/batches", s.url))
        .bearer_auth(&old)
        .body(batch("02194", "dev-a", 1, 1).to_json())
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the rotated token is refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_revoke_take_unit_names() {
    let dir = temp_dir("enrol-names");
    let db = dir.join("papi.sqlite3");
    token(&db, "01858"); // Xã Bằng Thành
    token(&db, "02194");
    let bang_thanh = stdout(&papi(&db, &["unit", "list", "bang thanh"]));
    assert_eq!(
        bang_thanh.lines().count(),
        3,
        "the dataset, the header and one token: {bang_thanh}"
    );
    assert!(bang_thanh.contains("Xã Bằng Thành"), "{bang_thanh}");
    assert!(
        bang_thanh.starts_with("tokens of units of bac-kan-2020"),
        "{bang_thanh}"
    );
    // The database is of the 2020 units: the operator's commands for
    // another dataset are refused (GSO reuses codes), and change nothing.
    let other = Command::new(BIN)
        .args(["unit", "list", "--db"])
        .arg(&db)
        .env("PAPI_UNITS", "thai-nguyen-2025")
        .output()
        .unwrap();
    assert!(!other.status.success());
    let e = String::from_utf8_lossy(&other.stderr);
    assert!(
        e.contains("bac-kan-2020") && e.contains("thai-nguyen-2025"),
        "{e}"
    );

    let e = stderr(&papi(&db, &["unit", "revoke", "bac kan"]));
    assert!(
        e.contains("matches 2 units") && e.contains("Tỉnh Bắc Kạn (06)"),
        "{e}"
    );
    let out = stdout(&papi(&db, &["unit", "revoke", "Xã Bằng Thành"]));
    assert!(out.contains("1 token(s) of Xã Bằng Thành"), "{out}");
    let e = stderr(&papi(&db, &["unit", "revoke", "bang thanh"]));
    assert!(e.contains("has no live token"), "{e}");
    let out = stdout(&papi(&db, &["unit", "revoke", "02194"]));
    assert!(out.contains("Xã Đổng Xá (02194)"), "{out}");
    assert_eq!(live_tokens(&db), 0);
    let e = stderr(&papi(&db, &["unit", "revoke", "1"]));
    assert!(e.contains("no live token with id 1"), "{e}");
}
