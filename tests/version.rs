//! One version (issue 27): Cargo.toml's `[workspace.package] version` is the project's. The
//! library, the command and the simulator inherit it; scripts/dist.sh reads it for every package
//! and the C# assembly; the files that must carry it as text (a pom, a pyproject, a Python
//! `__version__`, the README's package names) are checked against it here, so a release bumps one
//! line and this test lists whatever else still says the old version.

mod common;

/// Cargo.toml's version.
fn version() -> String {
    let manifest = std::fs::read_to_string(common::repo().join("Cargo.toml")).unwrap();
    let section = manifest.split("[workspace.package]").nth(1).expect("Cargo.toml has [workspace.package]");
    let line = section.lines().find(|l| l.starts_with("version = ")).expect("[workspace.package] has a version");
    line.trim_start_matches("version = ").trim_matches('"').to_string()
}

#[test]
fn every_copy_of_the_version_is_cargos() {
    let version = version();
    assert_eq!(version, voucherlink::VERSION, "the library does not inherit the workspace's version");
    let read = |path: &str| std::fs::read_to_string(common::repo().join(path)).unwrap();
    let mut stale = Vec::new();
    for member in ["sim/Cargo.toml", "cli/Cargo.toml"] {
        if !read(member).contains("version.workspace = true") {
            stale.push(format!("{member}: not version.workspace = true"));
        }
    }
    let mut expect = |path: &str, found: Option<&str>| {
        if found != Some(version.as_str()) {
            stale.push(format!("{path}: {found:?}"));
        }
    };
    let pom = read("bindings/java/pom.xml");
    let project = pom.split("<artifactId>voucherlink</artifactId>").nth(1).unwrap_or_default();
    expect("bindings/java/pom.xml", between(project, "<version>", "</version>"));
    expect("bindings/python/pyproject.toml", between(&read("bindings/python/pyproject.toml"), "\nversion = \"", "\""));
    expect(
        "bindings/python/voucherlink/__init__.py",
        between(&read("bindings/python/voucherlink/__init__.py"), "__version__ = \"", "\""),
    );
    // The README names the release packages with their version.
    let readme = read("README.md");
    for name in ["voucherlink-", "VoucherLink."] {
        for (at, _) in readme.match_indices(name) {
            let rest = &readme[at + name.len()..];
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                let number: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
                expect("README.md", Some(number.trim_end_matches('.')));
            }
        }
    }
    assert!(stale.is_empty(), "not Cargo.toml's version {version}:\n{}", stale.join("\n"));
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    text[from..].find(end).map(|to| &text[from..from + to])
}
