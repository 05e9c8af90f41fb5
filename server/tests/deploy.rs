//! The systemd units in deploy/: the hardening they promise, commands the
//! binary accepts, and a clean `systemd-analyze verify` (Debian's systemd,
//! which scripts/setup.sh test installs where it is missing).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use papi_server::{ops, parse_args};

const BIN: &str = env!("CARGO_BIN_EXE_papi-server");

fn deploy(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy")
        .join(name)
}

/// `key → values` of one unit file (a key may repeat).
fn unit(name: &str) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(deploy(name)).unwrap();
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with(['#', '[']) {
            continue;
        }
        let (k, v) = line.split_once('=').expect("key=value");
        keys.entry(k.into()).or_default().push(v.into());
    }
    keys
}

fn has(u: &BTreeMap<String, Vec<String>>, key: &str, value: &str) -> bool {
    u.get(key).is_some_and(|vs| vs.iter().any(|v| v == value))
}

fn env(u: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, String> {
    u["Environment"]
        .iter()
        .map(|e| {
            let (k, v) = e.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

const HARDENING: &[(&str, &str)] = &[
    ("User", "papi"),
    ("NoNewPrivileges", "yes"),
    ("ProtectSystem", "strict"),
    ("ProtectHome", "yes"),
    ("PrivateTmp", "yes"),
    ("PrivateDevices", "yes"),
    ("StateDirectory", "papi-server"),
    ("SystemCallFilter", "@system-service"),
    ("RestrictNamespaces", "yes"),
    ("MemoryDenyWriteExecute", "yes"),
    ("MemoryMax", "1G"),
    ("UMask", "0077"),
];

fn assert_hardened(u: &BTreeMap<String, Vec<String>>) {
    for (k, v) in HARDENING {
        assert!(has(u, k, v), "{k}={v}");
    }
}

#[test]
fn the_service_is_hardened_and_reads_the_servers_variables() {
    let u = unit("papi-server.service");
    assert_hardened(&u);
    assert!(has(&u, "CapabilityBoundingSet", "CAP_NET_BIND_SERVICE"));
    assert!(has(
        &u,
        "RestrictAddressFamilies",
        "AF_INET AF_INET6 AF_UNIX"
    ));
    assert!(has(&u, "ExecReload", "/bin/kill -HUP $MAINPID"));
    assert!(has(&u, "EnvironmentFile", "-/etc/papi-server/env"));
    let vars = env(&u);
    let names: Vec<&str> = vars.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "PAPI_ADDR",
            "PAPI_DB",
            "PAPI_DIST",
            "PAPI_TLS_CERT",
            "PAPI_TLS_KEY"
        ]
    );
    assert!(
        vars["PAPI_DB"].starts_with("/var/lib/papi-server/"),
        "in StateDirectory"
    );
    // The example settings file names the same variables.
    let example = std::fs::read_to_string(deploy("papi-server.env")).unwrap();
    for name in names {
        assert!(example.contains(&format!("#{name}=")), "{name}");
    }
}

#[test]
fn the_nightly_backup_keeps_copies_and_its_command_parses() {
    let u = unit("papi-server-backup.service");
    assert_hardened(&u);
    assert!(has(&u, "Type", "oneshot"));
    assert!(has(&u, "ReadWritePaths", "/var/backups/papi-server"));
    let vars = env(&u);
    let exec = &u["ExecStart"][0];
    let dir = std::env::temp_dir().join(format!("papi-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let line = exec
        .replace("${PAPI_BACKUP_KEEP}", &vars["PAPI_BACKUP_KEEP"])
        .replace("/var/backups/papi-server/", dir.to_str().unwrap());
    let args = line.split_whitespace().skip(1).map(String::from);
    match parse_args(args).unwrap() {
        papi_server::Command::Ops(ops::Command::Backup { keep, .. }) => {
            assert_eq!(keep, Some(14))
        }
        other => panic!("{other:?}"),
    }
    let t = unit("papi-server-backup.timer");
    assert!(has(&t, "OnCalendar", "*-*-* 02:30:00"));
    assert!(has(&t, "Persistent", "true"));
}

#[test]
fn systemd_analyze_verify_finds_nothing_to_say() {
    let probe = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .expect(
            "systemd-analyze is not installed: scripts/setup.sh test installs Debian's systemd",
        );
    assert!(probe.status.success());
    let dir = std::env::temp_dir().join(format!("papi-units-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let names = [
        "papi-server.service",
        "papi-server-backup.service",
        "papi-server-backup.timer",
    ];
    for name in names {
        // verify checks that ExecStart's program exists: the one just built.
        let text = std::fs::read_to_string(deploy(name))
            .unwrap()
            .replace("/usr/local/bin/papi-server", BIN);
        std::fs::write(dir.join(name), text).unwrap();
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(names.iter().map(|n| dir.join(n)))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}

#[test]
fn the_settings_file_documents_every_variable_the_server_reads() {
    let env = std::fs::read_to_string(deploy("papi-server.env")).unwrap();
    for name in [
        "PAPI_ADDR",
        "PAPI_DB",
        "PAPI_DIST",
        "PAPI_TLS_CERT",
        "PAPI_TLS_KEY",
        "PAPI_LOG_FORMAT",
        "RUST_LOG",
        "PAPI_METRICS_ALLOW",
        "PAPI_BACKUP_KEEP",
    ] {
        assert!(
            env.contains(&format!("#{name}=")),
            "{name} in papi-server.env"
        );
    }
}
