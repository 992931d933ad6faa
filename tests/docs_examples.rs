//! Docs that cannot go stale (issue 28): every result document the README and docs/ show
//! (`{"ok":...}`) must be one a real run against the simulator gives. A change that alters an
//! answer fails here until the docs follow.
//!
//! An example may leave things out: members it does not show, `...` for the rest of an object
//! (`{...}` for all of it), a string with `...` in it for any value (`"b83d60f5-..."`). What it shows must be what the
//! library answers.

mod common;

use serde_json::{Value, json};
use voucherlink::{Client, Operation as Op};

/// The result documents of the calls the docs show, made for real.
fn real_documents() -> Vec<Value> {
    let sim = common::simulator();
    let document = |result: Result<Value, voucherlink::Error>| match result {
        Ok(data) => json!({"ok": true, "data": data}),
        Err(e) => json!({"ok": false, "error": e}),
    };
    let mut out = Vec::new();
    // The README's till: e-guma and Treazure (a `codes` rule for its cards).
    let mut treazure = common::entry(&sim, "treazure");
    treazure["codes"] = json!({"prefixes": ["628"]});
    let till_config = json!({"providers": [common::entry(&sim, "eguma"), treazure.clone()], "pos_id": "KASSE-1"});
    let mut missing_key = till_config.clone();
    missing_key["providers"][0].as_object_mut().unwrap().remove("api_key");
    out.push(document(Client::new(&missing_key.to_string()).map(|_| Value::Null)));
    let single = common::eguma_config(&sim);
    for config in [till_config, single] {
        let client = Client::new(&config.to_string()).unwrap();
        let call = |op: Op, request: Value| document(client.execute(op, &request.to_string()));
        out.push(call(Op::Balance, json!({"code": "L4FU-5LQT-KJR3"})));
        out.push(call(Op::Redeem, json!({"code": "L4FU5LQTKJR3", "remaining_to_pay": "80.00", "reference": "R-1001"})));
        out.push(call(Op::Balance, json!({"code": "USED00000001"})));
        out.push(call(Op::Redeem, json!({"code": "USED00000001", "amount": "5.00"})));
    }
    out
}

/// Every `{"ok":...}` document of a markdown text, as JSON: line breaks inside it (a document
/// wrapped in a C comment or a paragraph) are spaces; `...` members are dropped (`{...}`: any object).
fn examples(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("{\"ok\":") {
        let start = &rest[at..];
        let (mut depth, mut in_string, mut escaped, mut end) = (0i32, false, false, None);
        for (i, c) in start.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_string => escaped = true,
                '"' => in_string = !in_string,
                '{' | '[' if !in_string => depth += 1,
                '}' | ']' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        let mut example = String::new();
        let mut lines = start[..end].lines();
        if let Some(first) = lines.next() {
            example.push_str(first);
        }
        for line in lines {
            example.push(' ');
            example.push_str(line.trim_start().trim_start_matches("* ").trim_start());
        }
        for elided in [",...}", ", ...}", ",…}", "{...}", "{…}"] {
            example = example.replace(elided, if elided.starts_with('{') { "{}" } else { "}" });
        }
        found.push(example);
        rest = &rest[at + end..];
    }
    found
}

/// Whether a real value is what an example shows.
fn shows(example: &Value, real: &Value) -> bool {
    match (example, real) {
        (Value::String(e), Value::String(r)) => e.contains("...") || e.contains('…') || e == r,
        (Value::Object(e), Value::Object(r)) => e.iter().all(|(k, v)| r.get(k).is_some_and(|rv| shows(v, rv))),
        (Value::Array(e), Value::Array(r)) => e.len() == r.len() && e.iter().zip(r).all(|(a, b)| shows(a, b)),
        _ => example == real,
    }
}

#[test]
fn every_result_document_the_docs_show_is_a_real_one() {
    let real = real_documents();
    let mut files = vec![common::repo().join("README.md")];
    for entry in std::fs::read_dir(common::repo().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        // docs/api.md is the contract (../shared/API.md): its documents are shapes, not answers.
        if path.extension().is_some_and(|e| e == "md") && !path.ends_with("api.md") {
            files.push(path);
        }
    }
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for example in examples(&text) {
            let parsed: Value = serde_json::from_str(&example)
                .unwrap_or_else(|e| panic!("{}: an example that is not JSON ({e}):\n{example}", file.display()));
            assert!(
                real.iter().any(|r| shows(&parsed, r)),
                "{}: no real answer is this example:\n{example}\nreal answers:\n{}",
                file.display(),
                real.iter().map(Value::to_string).collect::<Vec<_>>().join("\n")
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} examples found: is the extraction broken?");
}

#[test]
fn the_check_itself_tells_a_stale_example() {
    let real = json!({"ok": false, "error": {"code": 5, "http_status": null, "message": "x"}});
    let stale: Value =
        serde_json::from_str(&examples(r#"text `{"ok":false,"error":{"code":5,"http_status":400,...}}`"#)[0]).unwrap();
    assert!(!shows(&stale, &real));
    let fine: Value =
        serde_json::from_str(&examples("/* {\"ok\":false,\n   \"error\":{\"code\":5,\"message\":\"...\"}} */")[0])
            .unwrap();
    assert!(shows(&fine, &real));
}

/// The README's table of the simulator's demo data names only what the simulator has: every
/// credential and code of a provider's row is in that provider's fixtures (e-guma codes with or
/// without dashes; of a QR URL, its coupon and session).
#[test]
fn the_readme_demo_data_is_the_simulators() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let fixtures: Value =
        serde_json::from_str(&std::fs::read_to_string(common::repo().join("sim/src/demo_fixtures.json")).unwrap())
            .unwrap();
    let table = readme.split("| provider | credentials | codes |").nth(1).expect("the README's demo-data table");
    let configuration = std::fs::read_to_string(common::repo().join("docs/configuration.md")).unwrap();
    let mut checked = 0;
    for row in table.lines().skip(2).take_while(|line| line.starts_with('|')) {
        let provider = row.split('|').nth(1).unwrap().trim().to_lowercase().replace('-', "");
        let section = fixtures.get(&provider).unwrap_or_else(|| panic!("no fixtures for the README's row {provider}"));
        let text = section.to_string();
        for token in row.split('`').skip(1).step_by(2) {
            let parts: Vec<&str> = match token.split_once("://") {
                Some((_, rest)) => rest.rsplit('/').take(2).collect(), // …/<coupon>/<session>
                None => vec![token],
            };
            for part in parts {
                let known = [part.to_string(), part.replace('-', "")]
                    .iter()
                    .any(|p| text.contains(&format!("\"{p}\"")) || text.contains(&format!(":{p},")));
                // The credentials column names configuration keys too (`api_key`): those of docs/configuration.md.
                let a_key = configuration.contains(&format!("`{part}`"))
                    && part.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                assert!(known || a_key, "README: `{token}` of the {provider} row is not in the simulator's demo data");
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} tokens checked: is the table still there?");
}
