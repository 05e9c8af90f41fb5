//! The operator's commands: backups and tokens (`papi-server backup|restore|unit …`).
//! `serve` is parsed in lib.rs; everything here works on the database file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::enrol::{self, Part};
use crate::{backup, db, tokens};

pub const USAGE: &str = "\
papi-server backup [--db FILE] --out FILE [--force]
papi-server backup [--db FILE] --out DIR/ [--keep N]
    A consistent copy of the database, also while the server runs; checked
    before it is kept. Into a folder: named by the time, keeping the newest N.
papi-server restore --from BACKUP [--db FILE]
    With the server stopped: put a backup in place; the old file is kept as
    FILE.before-restore-<time>.
papi-server unit add CODE [--label TEXT] [--db FILE] [--url URL]
    Make a token for a unit (GSO code); it is printed once, only its hash is kept.
papi-server unit add-all --url URL [--level commune,district,province,body]
                         [--out SHEET.html] [--rotate] [--db FILE]
papi-server unit add --from LIST.csv --url URL [--out SHEET.html] [--rotate] [--db FILE]
    Tokens for every unit of the levels (default: the communes), or of a CSV
    list (a code or name per line, then an optional label), skipping units
    that have a live token unless --rotate (which replaces it). Writes an A4
    sheet to print: per unit its name, enrolment link and QR code.
papi-server unit list [UNIT] [--db FILE]
papi-server unit revoke ID|UNIT [--db FILE]
    UNIT is a code or a name (\"bang thanh\", \"Xã Bằng Thành\"); revoking a
    unit revokes all its live tokens.
papi-server unit keys [UNIT] [--db FILE]
    The device keys each unit's token introduced (the first batch a device
    posted): unit, device, fingerprint (read it to the commune to compare
    with its Settings screen), when, by which token, revoked or live.
papi-server unit revoke-key KEY|FINGERPRINT [--db FILE]
    Revoke a replaced device's key: batches in its name are refused from
    now on (signed by any key, or unsigned); those already stored stay. KEY
    is the hex key; a fingerprint may be given in full, with or without
    spaces.
papi-server unit lost-device KEY|FINGERPRINT [--url URL] [--db FILE]
    A lost or stolen device, in one step: revoke its key, revoke the token
    that introduced it (whoever holds the device can no longer post or
    read), and make the unit a new token, printed once with its enrolment
    link for the replacement device (which gets a new device id and key).
The database FILE defaults to $PAPI_DB, else papi-server.sqlite3. Units are
those of $PAPI_UNITS (as for serve; default bac-kan-2020, or thai-nguyen-2025).";

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Backup {
        db: PathBuf,
        out: PathBuf,
        force: bool,
        keep: Option<usize>,
    },
    Restore {
        db: PathBuf,
        from: PathBuf,
    },
    UnitAdd {
        db: PathBuf,
        code: String,
        label: String,
        url: Option<String>,
    },
    /// `unit add-all` (`from: None`) or `unit add --from LIST.csv`.
    UnitEnrol {
        db: PathBuf,
        from: Option<PathBuf>,
        parts: Vec<Part>,
        url: String,
        out: Option<PathBuf>,
        rotate: bool,
    },
    UnitList {
        db: PathBuf,
        unit: Option<String>,
    },
    UnitRevoke {
        db: PathBuf,
        target: String,
    },
    UnitKeys {
        db: PathBuf,
        unit: Option<String>,
    },
    UnitRevokeKey {
        db: PathBuf,
        key: String,
    },
    UnitLostDevice {
        db: PathBuf,
        key: String,
        url: Option<String>,
    },
}

/// A command's words after its name: positional ones, and `--flag value`s.
struct Args {
    positional: Vec<String>,
    values: BTreeMap<String, String>,
}

impl Args {
    /// `valued` flags take a value, `switches` none; others are refused.
    fn parse(rest: &[String], valued: &[&str], switches: &[&str]) -> Result<Args, String> {
        let mut out = Args {
            positional: vec![],
            values: BTreeMap::new(),
        };
        let mut it = rest.iter();
        while let Some(a) = it.next() {
            if valued.contains(&a.as_str()) {
                let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
                out.values.insert(a.clone(), v.clone());
            } else if switches.contains(&a.as_str()) {
                out.values.insert(a.clone(), String::new());
            } else if a == "-h" || a == "--help" {
                return Err("help".into());
            } else if a.starts_with("--") {
                return Err(format!("unknown argument {a:?} (try --help)"));
            } else {
                out.positional.push(a.clone());
            }
        }
        Ok(out)
    }

    fn value(&self, flag: &str) -> Option<String> {
        self.values.get(flag).cloned()
    }

    fn switch(&self, flag: &str) -> bool {
        self.values.contains_key(flag)
    }

    fn db(&self) -> PathBuf {
        self.value("--db")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(crate::env_or("PAPI_DB", "papi-server.sqlite3")))
    }

    fn required(&self, flag: &str, what: &str) -> Result<String, String> {
        self.value(flag)
            .ok_or_else(|| format!("{what} needs {flag}"))
    }

    /// Exactly one positional word, or the message.
    fn one(&self, message: &str) -> Result<String, String> {
        match self.positional.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(message.into()),
        }
    }

    fn none(&self) -> Result<(), String> {
        match self.positional.first() {
            Some(p) => Err(format!("unknown argument {p:?} (try --help)")),
            None => Ok(()),
        }
    }
}

/// Parse `backup …`, `restore …` or `unit …` (the whole command line
/// without the program name).
pub fn parse(args: &[String]) -> Result<Command, String> {
    let word = |i: usize| args.get(i).map(String::as_str);
    match (word(0), word(1)) {
        (Some("backup"), _) => parse_backup(&args[1..]),
        (Some("restore"), _) => {
            let a = Args::parse(&args[1..], &["--db", "--from"], &[])?;
            a.none()?;
            Ok(Command::Restore {
                db: a.db(),
                from: a.required("--from", "restore")?.into(),
            })
        }
        (Some("unit"), Some(w @ ("add" | "add-all")))
            if w == "add-all" || args.iter().any(|a| a == "--from") =>
        {
            parse_enrol(&args[2..], w == "add-all")
        }
        (Some("unit"), Some("add")) => {
            let a = Args::parse(&args[2..], &["--db", "--label", "--url"], &[])?;
            Ok(Command::UnitAdd {
                db: a.db(),
                code: a.one("unit add needs one unit code, e.g. papi-server unit add 02194")?,
                label: a.value("--label").unwrap_or_default(),
                url: a.value("--url"),
            })
        }
        (Some("unit"), Some("list")) => {
            let a = Args::parse(&args[2..], &["--db"], &[])?;
            Ok(Command::UnitList {
                db: a.db(),
                unit: a.positional.first().cloned(),
            })
        }
        (Some("unit"), Some("revoke")) => {
            let a = Args::parse(&args[2..], &["--db"], &[])?;
            Ok(Command::UnitRevoke {
                db: a.db(),
                target: a.one(
                    "unit revoke needs one token id, unit code or unit name (see unit list)",
                )?,
            })
        }
        (Some("unit"), Some("keys")) => {
            let a = Args::parse(&args[2..], &["--db"], &[])?;
            Ok(Command::UnitKeys {
                db: a.db(),
                unit: a.positional.first().cloned(),
            })
        }
        (Some("unit"), Some("revoke-key")) => {
            let a = Args::parse(&args[2..], &["--db"], &[])?;
            Ok(Command::UnitRevokeKey {
                db: a.db(),
                key: a.positional.join(" "),
            })
            .and_then(|c| match &c {
                Command::UnitRevokeKey { key, .. } if key.trim().is_empty() => Err(
                    "unit revoke-key needs a key or its fingerprint (see unit keys)".to_string(),
                ),
                _ => Ok(c),
            })
        }
        (Some("unit"), Some("lost-device")) => {
            let a = Args::parse(&args[2..], &["--db", "--url"], &[])?;
            let key = a.positional.join(" ");
            if key.trim().is_empty() {
                return Err(
                    "unit lost-device needs the device's key or its fingerprint (see unit keys)"
                        .into(),
                );
            }
            Ok(Command::UnitLostDevice {
                db: a.db(),
                key,
                url: a.value("--url"),
            })
        }
        (Some("unit"), Some(other)) => Err(format!(
            "unknown unit command {other:?} (add, add-all, list, revoke, keys, revoke-key, lost-device)"
        )),
        (Some("unit"), None) => Err("unit needs a command: add, list or revoke".into()),
        _ => Err("unknown command (try --help)".into()),
    }
}

fn parse_enrol(rest: &[String], all: bool) -> Result<Command, String> {
    let valued: &[&str] = if all {
        &["--db", "--url", "--out", "--level"]
    } else {
        &["--db", "--url", "--out", "--from"]
    };
    let a = Args::parse(rest, valued, &["--rotate"])?;
    a.none()?;
    let url = a.required("--url", "the enrolment sheet")?;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!(
            "--url {url:?}: the server's address as the units reach it, e.g. https://papi.backan.gov.vn"
        ));
    }
    Ok(Command::UnitEnrol {
        db: a.db(),
        from: a.value("--from").map(PathBuf::from),
        parts: enrol::parse_parts(&a.value("--level").unwrap_or("commune".into()))?,
        url,
        out: a.value("--out").map(PathBuf::from),
        rotate: a.switch("--rotate"),
    })
}

fn parse_backup(rest: &[String]) -> Result<Command, String> {
    let a = Args::parse(rest, &["--db", "--out", "--keep"], &["--force"])?;
    a.none()?;
    let keep =
        match a.value("--keep") {
            Some(k) => Some(k.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("--keep needs a number of copies (1 or more), not {k:?}")
            })?),
            None => None,
        };
    let out = PathBuf::from(a.required("--out", "backup")?);
    if keep.is_some() && !out.is_dir() {
        return Err(format!(
            "--keep goes with --out DIR, an existing folder ({} is not one)",
            out.display()
        ));
    }
    Ok(Command::Backup {
        db: a.db(),
        out,
        force: a.switch("--force"),
        keep,
    })
}

/// The database, for the operator's commands on the server's units.
fn admin(path: &Path) -> Result<db::Admin, String> {
    db::Admin::open_for(path, &ops_units().id)
}

/// The units the operator's commands name: the server's dataset
/// (`PAPI_UNITS`, as `serve` reads it), with the shipped plans' bodies.
fn ops_units() -> papi_core::Units {
    let units = crate::env_or("PAPI_UNITS", crate::DEFAULT_UNITS);
    match papi_core::catalogue::Catalogue::shipped_for(&units) {
        Some(catalogue) => crate::units_of(&catalogue, &units),
        None => crate::units_of(
            &papi_core::catalogue::Catalogue::shipped(),
            crate::DEFAULT_UNITS,
        ),
    }
}

pub fn now() -> String {
    papi_core::dates::format_instant(chrono::Utc::now())
}

/// The time as a file name part: `YYYYMMDD-HHMMSS` (UTC).
fn stamp() -> String {
    chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string()
}

pub fn run(cmd: Command) -> Result<(), String> {
    match cmd {
        Command::Backup {
            db,
            out,
            force,
            keep,
        } => run_backup(&db, &out, force, keep),
        Command::Restore { db, from } => {
            let (summary, aside) = backup::restore(&from, &db, &stamp())?;
            println!(
                "Restored {} from {}: {summary}.",
                db.display(),
                from.display()
            );
            if let Some(a) = aside {
                println!("The previous file is kept as {}.", a.display());
            }
            // Evidence files the backup holds and this folder lacks (a
            // disk lost with its files); none is replaced or removed.
            let files = backup::files_beside(&db);
            let copied = backup::copy_files(&backup::files_beside(&from), &files)?;
            println!("Evidence files in {}: {copied}.", files.display());
            println!("Start the server again (systemctl start papi-server).");
            Ok(())
        }
        Command::UnitAdd {
            db,
            code,
            label,
            url,
        } => unit_add(&db, &code, &label, url.as_deref()),
        Command::UnitEnrol {
            db,
            from,
            parts,
            url,
            out,
            rotate,
        } => unit_enrol(&db, from.as_deref(), &parts, &url, out, rotate),
        Command::UnitList { db, unit } => unit_list(&db, unit.as_deref()),
        Command::UnitRevoke { db, target } => unit_revoke(&db, &target),
        Command::UnitKeys { db, unit } => unit_keys(&db, unit.as_deref()),
        Command::UnitRevokeKey { db, key } => unit_revoke_key(&db, &key),
        Command::UnitLostDevice { db, key, url } => unit_lost_device(&db, &key, url.as_deref()),
    }
}

fn unit_keys(path: &Path, unit: Option<&str>) -> Result<(), String> {
    let units = ops_units();
    let only = match unit {
        Some(q) => Some(enrol::find(&units, q)?.code.clone()),
        None => None,
    };
    let rows = admin(path)?.keys(only.as_deref())?;
    println!(
        "{:<6} {:<28} {:<12} {:<35} {:<25} {:<16} state",
        "unit", "name", "device", "fingerprint", "introduced", "token"
    );
    for k in &rows {
        let state = match &k.revoked_at {
            Some(at) => format!("revoked {at}"),
            None => "live".into(),
        };
        println!(
            "{:<6} {:<28} {:<12} {:<35} {:<25} {:<16} {state}",
            k.unit_code,
            units.name_or_code(&k.unit_code),
            k.device_id.chars().take(12).collect::<String>(),
            papi_core::signature::fingerprint(&k.key).unwrap_or_default(),
            k.introduced_at,
            k.token_label,
        );
    }
    if rows.is_empty() {
        println!("(no device key yet: a device's first signed batch introduces its key)");
    }
    Ok(())
}

/// The device key named by its hex or its fingerprint.
fn find_key(admin: &db::Admin, given: &str) -> Result<db::KeyRow, String> {
    let digits: String = given.chars().filter(|c| !c.is_whitespace()).collect();
    let mut matches: Vec<db::KeyRow> = admin
        .keys(None)?
        .into_iter()
        .filter(|k| {
            k.key == digits
                || papi_core::signature::fingerprint(&k.key)
                    .is_some_and(|f| f.replace(' ', "") == digits)
        })
        .collect();
    match matches.len() {
        1 => Ok(matches.remove(0)),
        _ => Err(format!(
            "no device key is {given:?} (see: papi-server unit keys); give the whole key or fingerprint"
        )),
    }
}

/// Revoke a device key named by its hex or its fingerprint.
fn unit_revoke_key(path: &Path, given: &str) -> Result<(), String> {
    let admin = admin(path)?;
    let k = find_key(&admin, given)?;
    if !admin.revoke_key(&k.key, &now())? {
        return Err(format!(
            "the key of device {} is revoked already",
            k.device_id
        ));
    }
    println!(
        "Key of device {} of unit {} revoked: batches in its name are refused from now on.",
        k.device_id, k.unit_code
    );
    println!(
        "If the device was lost or stolen, also revoke its token and re-enrol the unit: papi-server unit lost-device {}",
        k.key
    );
    Ok(())
}

/// A lost or stolen device: its key and the token that introduced it
/// revoked, and a new token (and link) for the unit's replacement device.
fn unit_lost_device(path: &Path, given: &str, url: Option<&str>) -> Result<(), String> {
    let admin = admin(path)?;
    let k = find_key(&admin, given)?;
    let at = now();
    let key_now = admin.revoke_key(&k.key, &at)?;
    let token_now = admin.revoke(k.token_id, &at)?;
    println!(
        "Device {} of unit {}: key {}, token {} (\"{}\") {}.",
        k.device_id,
        k.unit_code,
        if key_now {
            "revoked"
        } else {
            "was revoked already"
        },
        k.token_id,
        k.token_label,
        if token_now {
            "revoked"
        } else {
            "was revoked already"
        },
    );
    let others: Vec<String> = admin
        .keys(Some(&k.unit_code))?
        .into_iter()
        .filter(|o| o.token_id == k.token_id && o.key != k.key && o.revoked_at.is_none())
        .map(|o| o.device_id)
        .collect();
    if !others.is_empty() {
        println!(
            "Other devices used that token and must be enrolled again with the new link: {}",
            others.join(", ")
        );
    }
    drop(admin);
    unit_add(
        path,
        &k.unit_code,
        &format!(
            "thay thiết bị {}",
            k.device_id.chars().take(12).collect::<String>()
        ),
        url,
    )
}

fn run_backup(db: &Path, out: &Path, force: bool, keep: Option<usize>) -> Result<(), String> {
    let (out, summary, removed) = if out.is_dir() {
        backup::backup_into(db, out, &stamp(), keep)?
    } else {
        let s = backup::backup(db, out, force)?;
        (out.to_path_buf(), s, vec![])
    };
    println!(
        "Backup of {} in {}: {summary}.",
        db.display(),
        out.display()
    );
    // The evidence files beside it, shared by the backups of one folder.
    let files = backup::files_beside(&out);
    let copied = backup::copy_files(&backup::files_beside(db), &files)?;
    println!("Evidence files in {}: {copied}.", files.display());
    for r in removed {
        println!("Removed the older backup {}.", r.display());
    }
    Ok(())
}

fn unit_add(path: &Path, code: &str, label: &str, url: Option<&str>) -> Result<(), String> {
    let units = ops_units();
    let unit = units.get(code).ok_or_else(|| {
        format!(
            "{code} is not a unit code of the unit dataset ({})",
            units.id
        )
    })?;
    let admin = admin(path)?;
    let token = tokens::generate()?;
    let label = if label.is_empty() {
        unit.name.as_str()
    } else {
        label
    };
    let id = admin.add_token(code, label, &tokens::hash(&token), &now())?;
    println!(
        "Token {id} for {} ({code}). It is shown only this once:",
        unit.name
    );
    println!("{token}");
    if let Some(url) = url {
        println!(
            "Enrolment link: {}/#enrol={token}",
            url.trim_end_matches('/')
        );
    }
    Ok(())
}

fn unit_enrol(
    path: &Path,
    from: Option<&Path>,
    parts: &[Part],
    url: &str,
    out: Option<PathBuf>,
    rotate: bool,
) -> Result<(), String> {
    let units = ops_units();
    let wanted = match from {
        Some(f) => {
            let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
            enrol::read_list(&units, &f.display().to_string(), &text)?
        }
        None => enrol::select(&units, parts)
            .into_iter()
            .map(|u| (u, String::new()))
            .collect(),
    };
    let out = out.unwrap_or_else(|| format!("enrolment-{}.html", stamp()).into());
    let admin = admin(path)?;
    let today = chrono::Local::now().date_naive();
    let done = enrol::enrol(&admin, &units, &wanted, url, rotate, &out, (&now(), today))?;
    if !done.kept.is_empty() {
        println!(
            "{} units already have a live token and keep it (--rotate replaces them): {}",
            done.kept.len(),
            short_list(&done.kept)
        );
    }
    if done.made == 0 {
        println!("No token made; no sheet written.");
        return Ok(());
    }
    println!(
        "{} tokens made{}. The sheet {} (readable by you only) holds their links:",
        done.made,
        if rotate {
            ", older tokens of these units revoked"
        } else {
            ""
        },
        out.display()
    );
    println!("print it, hand each unit its page, then delete the file (shred -u).");
    Ok(())
}

/// Up to 12 codes, then how many more.
fn short_list(codes: &[String]) -> String {
    let mut out = codes.iter().take(12).cloned().collect::<Vec<_>>().join(" ");
    if codes.len() > 12 {
        out.push_str(&format!(" and {} more", codes.len() - 12));
    }
    out
}

fn unit_list(path: &Path, unit: Option<&str>) -> Result<(), String> {
    let units = ops_units();
    let only = match unit {
        Some(q) => Some(enrol::find(&units, q)?.code.clone()),
        None => None,
    };
    let admin = admin(path)?;
    // A code names a unit only with its dataset: say which.
    println!("tokens of units of {}", units.id);
    println!(
        "{:>4}  {:<6} {:<32} {:<25} state",
        "id", "unit", "name", "created"
    );
    let rows = admin.list()?;
    for t in rows
        .iter()
        .filter(|t| only.as_ref().is_none_or(|c| *c == t.unit_code))
    {
        let name = units
            .get(&t.unit_code)
            .map(|u| u.name.as_str())
            .unwrap_or("?");
        let state = match &t.revoked_at {
            Some(at) => format!("revoked {at}"),
            None => "live".into(),
        };
        println!(
            "{:>4}  {:<6} {:<32} {:<25} {state}",
            t.id, t.unit_code, name, t.created_at
        );
    }
    Ok(())
}

/// Revoke by unit (code or name: all its live tokens) or by token id.
fn unit_revoke(path: &Path, target: &str) -> Result<(), String> {
    let units = ops_units();
    let is_id = !target.is_empty() && target.bytes().all(|b| b.is_ascii_digit());
    if units.get(target).is_some() || !is_id {
        let unit = enrol::find(&units, target)?;
        let n = admin(path)?.revoke_unit(&unit.code, &now())?;
        if n == 0 {
            return Err(format!("{} ({}) has no live token", unit.name, unit.code));
        }
        println!(
            "{n} token(s) of {} ({}) revoked: refused from now on.",
            unit.name, unit.code
        );
        return Ok(());
    }
    let id: i64 = target
        .parse()
        .map_err(|_| format!("no token with id {target}"))?;
    let done = admin(path)?.revoke(id, &now())?;
    if done {
        println!("Token {id} revoked: it is refused from now on.");
        Ok(())
    } else {
        Err(format!(
            "no live token with id {id} (see: papi-server unit list)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Command, String> {
        parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn operator_commands_say_what_is_wrong() {
        assert!(args(&["unit"]).unwrap_err().contains("add, list or revoke"));
        assert!(args(&["unit", "add"])
            .unwrap_err()
            .contains("one unit code"));
        assert!(args(&["unit", "drop"])
            .unwrap_err()
            .contains("unknown unit command"));
        assert_eq!(args(&["unit", "list", "--help"]).unwrap_err(), "help");
        assert!(args(&["backup", "--db", "x"])
            .unwrap_err()
            .contains("needs --out"));
        assert!(args(&["backup", "--out", "x", "--keep", "0"])
            .unwrap_err()
            .contains("1 or more"));
        assert!(
            args(&["backup", "--out", "/nonexistent-dir", "--keep", "3"])
                .unwrap_err()
                .contains("an existing folder")
        );
        assert!(args(&["restore", "--db", "x"])
            .unwrap_err()
            .contains("needs --from"));
        assert!(args(&["restore", "--from", "a", "b"])
            .unwrap_err()
            .contains("unknown argument \"b\""));
        assert_eq!(
            args(&["unit", "add", "02194", "--label", "Đổng Xá", "--db", "p.db"]).unwrap(),
            Command::UnitAdd {
                db: "p.db".into(),
                code: "02194".into(),
                label: "Đổng Xá".into(),
                url: None
            }
        );
        assert_eq!(
            args(&["backup", "--db", "p.db", "--out", "b.db", "--force"]).unwrap(),
            Command::Backup {
                db: "p.db".into(),
                out: "b.db".into(),
                force: true,
                keep: None
            }
        );
    }
}
