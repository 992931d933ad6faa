//! The bindings follow the C surface: every function of include/voucherlink.h is reachable from
//! Python and C#, and every operation has its method. Fails when a function is added to the header
//! but not to a binding.

mod common;

fn read(path: &str) -> String {
    std::fs::read_to_string(common::repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `vl_*` functions the header declares.
fn header_functions() -> Vec<String> {
    let header = read("include/voucherlink.h");
    let mut names: Vec<String> = header
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('*') && !l.starts_with("typedef"))
        .filter_map(|l| {
            let start = l.find("vl_")?;
            let end = start + l[start..].find('(')?;
            Some(l[start..end].to_string())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn pascal(snake: &str) -> String {
    snake.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect()
}

#[test]
fn the_header_declares_what_the_library_exports() {
    let functions = header_functions();
    // vl_version, vl_abi_version, vl_status_name, vl_client_new, vl_client_free, vl_string_free,
    // vl_set_logger, vl_prepare, and one per operation.
    assert_eq!(functions.len(), 8 + voucherlink::Operation::ALL.len(), "{functions:?}");
}

#[test]
fn python_binds_every_function_and_operation() {
    let native = read("bindings/python/voucherlink/_native.py");
    let package = read("bindings/python/voucherlink/__init__.py");
    for function in header_functions() {
        let name = function.trim_start_matches("vl_");
        let declared = native.contains(&format!("lib.{function}.")) || native.contains(&format!("\"{name}\","));
        assert!(declared, "bindings/python/voucherlink/_native.py does not declare {function}");
    }
    for op in voucherlink::Operation::ALL {
        assert!(
            package.contains(&format!("    def {}(\n        self,", op.name())),
            "Python Client has no method {}",
            op.name()
        );
    }
}

#[test]
fn csharp_binds_every_function_and_operation() {
    let source = read("bindings/csharp/VoucherLink.cs");
    for function in header_functions() {
        assert!(
            source.contains(&format!("(library, \"{function}\")")),
            "bindings/csharp/VoucherLink.cs does not bind {function}"
        );
    }
    for op in voucherlink::Operation::ALL {
        let method = format!("public string {}(string requestJson)", pascal(op.name()));
        assert!(source.contains(&method), "VoucherLinkClient has no `{method}`");
    }
}
