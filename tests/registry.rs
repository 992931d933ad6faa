//! A provider is one folder and one line in each registry (docs/adding-a-provider.md): these
//! tests take every provider from the registries and hold each to the same bar, so a new one is
//! covered by being registered, not by editing tests.

mod common;

use serde_json::{Value, json};
use voucherlink::internals::support;
use voucherlink::{Client, VlStatus};
use voucherlink_sim::providers::SIMULATED;

#[test]
fn every_provider_of_the_library_is_simulated_in_the_same_order() {
    let simulated: Vec<&str> = SIMULATED.iter().map(|slot| slot.id).collect();
    assert_eq!(support::providers(), simulated, "the library's registry and the simulator's differ");
    let demo = voucherlink_sim::demo_fixtures();
    for slot in SIMULATED {
        assert!(demo.get(slot.id).is_some(), "the demo fixtures have no {} section", slot.id);
        assert_eq!(slot.demo_entry()["provider"], slot.id, "{}'s demo entry names another provider", slot.id);
    }
}

/// Against the simulator, every provider's doctor probe proves its demo credentials (the made-up
/// code is unknown, nothing else), and its lookup of a real demo code answers that code's
/// document, named for the provider; a client of all of them finds each code's provider.
#[test]
fn every_provider_answers_its_probe_and_looks_up_its_demo_codes() {
    let sim = common::simulator();
    let state = sim.state();
    let mut till = Vec::new();
    let mut codes = Vec::new();
    for slot in SIMULATED {
        let entry = sim.demo_entry(slot.id);
        let client = Client::new(&entry.to_string()).unwrap_or_else(|e| panic!("{}: {}", slot.id, e.message));
        let probe = support::probe(slot.id).expect("the library has a probe for every provider");
        let err =
            client.execute(probe.operation, probe.request).expect_err(&format!("{}: the probe's code exists", slot.id));
        assert_eq!(
            err.status(),
            VlStatus::VL_NOT_FOUND,
            "{}: the probe proves the credentials: {}",
            slot.id,
            err.message
        );
        // The first thing its demo state lists under its first item list: a real code.
        let (list, key) = slot.items[0];
        let code =
            state[slot.id][list][0][key].as_str().unwrap_or_else(|| panic!("{}: no demo {list}", slot.id)).to_string();
        let (operation, fields) = probe.lookup;
        let mut request: Value = serde_json::from_str(fields).unwrap();
        request["code"] = json!(code);
        let found = client
            .execute(operation, &request.to_string())
            .unwrap_or_else(|e| panic!("{}: {code}: {}", slot.id, e.message));
        assert_eq!(found["provider"], slot.id, "{}: {found}", slot.id);
        assert!(sim.item(slot.id, &code).is_some(), "{}: the simulator finds its own item {code}", slot.id);
        till.push(entry);
        codes.push((slot.id, operation, request));
    }
    let client = Client::new(&json!({"providers": till}).to_string()).unwrap();
    for (provider, operation, request) in codes {
        let found =
            client.execute(operation, &request.to_string()).unwrap_or_else(|e| panic!("{provider}: {}", e.message));
        assert_eq!(found["provider"], provider, "a till of every provider: {request}");
    }
}

/// The code files that may list every provider: the two registries, and the demo, which shows
/// each one to a person.
const MAY_NAME_EVERY_PROVIDER: [&str; 3] = ["src/providers/mod.rs", "sim/src/providers/mod.rs", "cli/src/demo.rs"];

/// No other code file names all the providers (by id or by name): knowledge of a provider lives
/// in its folder and its slot, so nothing else has to change when one is added.
#[test]
fn no_code_file_but_the_registries_and_the_demo_names_every_provider() {
    let names: Vec<[String; 2]> = support::providers()
        .into_iter()
        .map(|id| [id.to_string(), support::provider_name(id).unwrap().to_ascii_lowercase()])
        .collect();
    let repo = common::repo();
    let mut listing = Vec::new();
    for dir in ["src", "sim/src", "cli/src"] {
        for file in rust_files(&repo.join(dir)) {
            let relative = file.strip_prefix(&repo).unwrap().to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&file).unwrap().to_ascii_lowercase();
            let named =
                names.iter().filter(|[id, name]| text.contains(id.as_str()) || text.contains(name.as_str())).count();
            if named == names.len() && !MAY_NAME_EVERY_PROVIDER.contains(&relative.as_str()) {
                listing.push(relative);
            }
        }
    }
    assert!(listing.is_empty(), "these files name every provider: {listing:?}");
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
