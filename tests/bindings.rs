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

/// Each `vl_*` declaration of the header: its name, whether it returns something, and for each
/// parameter whether the library writes through it (`T **`: a VB `ByRef`) or reads it (`ByVal`).
fn header_declarations() -> Vec<(String, bool, Vec<bool>)> {
    let header = read("include/voucherlink.h");
    let mut out = Vec::new();
    for line in header.lines().filter(|l| l.contains("VL_CALL vl_") && l.ends_with(");")) {
        let (head, rest) = line.split_once("VL_CALL ").unwrap();
        let (name, params) = rest.trim_end_matches(");").split_once('(').unwrap();
        let by_ref = match params {
            "void" => Vec::new(),
            _ => params.split(',').map(|p| p.contains("**")).collect(),
        };
        out.push((name.to_string(), head.trim() != "void", by_ref));
    }
    out.sort();
    out
}

#[test]
fn vb6_declares_every_export_once_per_branch_as_the_header_does() {
    let module = read("bindings/vb6/VoucherLink.bas");
    let declarations = header_declarations();
    assert_eq!(declarations.len(), header_functions().len(), "every header function was read");
    // The VBA 7 branch (PtrSafe, LongPtr) and the VB6 / VBA 6 branch (Long).
    let block = &module[module.find("#If VBA7 Then").unwrap()..module.find("#End If").unwrap()];
    let (vba7, vb6) = block.split_once("#Else").unwrap();
    for (branch, text, pointer) in [("VBA7", vba7, "LongPtr"), ("VB6", vb6, "Long")] {
        let mut declared: Vec<(String, bool, Vec<bool>)> = Vec::new();
        for line in text.lines().filter(|l| l.starts_with("Public Declare ")) {
            assert!(line.contains("Lib \"voucherlink.dll\""), "{branch}: {line}");
            assert_eq!(line.contains(" PtrSafe "), branch == "VBA7", "{branch}: {line}");
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "Function" || *w == "Sub").unwrap();
            let name = words[at + 1].to_string();
            let params = &line[line.find('(').unwrap() + 1..line.rfind(')').unwrap()];
            let by_ref: Vec<bool> = params
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| {
                    let p = p.trim();
                    assert!(
                        p.starts_with("ByVal ") || p.starts_with("ByRef "),
                        "{branch} {name}: say ByVal or ByRef: {p}"
                    );
                    assert!(p.ends_with(" As Long") || p.ends_with(&format!(" As {pointer}")), "{branch} {name}: {p}");
                    p.starts_with("ByRef ")
                })
                .collect();
            declared.push((name, words[at] == "Function", by_ref));
        }
        declared.sort();
        assert_eq!(
            declared, declarations,
            "{branch}: each export once, parameters by value or by reference as the header"
        );
    }
}

#[test]
fn pascal_declares_every_export_under_its_c_name_as_the_header_does() {
    let unit = read("bindings/pascal/VoucherLink.pas");
    let mut declared: Vec<(String, bool, Vec<bool>)> = Vec::new();
    for line in unit.lines().filter(|l| l.contains("external VoucherLinkLibrary;")) {
        assert!(line.contains("{$IFDEF VL_STDCALL}stdcall{$ELSE}cdecl{$ENDIF};"), "the library's convention: {line}");
        let (kind, rest) = line.split_once(' ').unwrap();
        let name = rest.split(['(', ':', ';']).next().unwrap().trim().to_string();
        let params = rest.split_once('(').map(|(_, p)| p.split_once(')').unwrap().0).unwrap_or("");
        let by_ref: Vec<bool> =
            params.split(';').filter(|p| !p.trim().is_empty()).map(|p| p.trim().starts_with("out ")).collect();
        declared.push((name, kind == "function", by_ref));
    }
    declared.sort();
    assert_eq!(declared, header_declarations(), "each export once, `out` exactly where the header has `T **`");
}

fn camel(snake: &str) -> String {
    let pascal = pascal(snake);
    pascal[..1].to_lowercase() + &pascal[1..]
}

#[test]
fn java_binds_every_function_and_operation() {
    let native = read("bindings/java/src/main/java/io/voucherlink/NativeLibrary.java");
    let client = read("bindings/java/src/main/java/io/voucherlink/VoucherLinkClient.java");
    for function in header_functions() {
        assert!(native.contains(&format!(" {function}(")), "NativeLibrary.java does not declare {function}");
    }
    for op in voucherlink::Operation::ALL.iter().map(|op| op.name()).chain(["prepare"]) {
        let method = format!("public String {}(String requestJson) throws VoucherLinkException", camel(op));
        assert!(client.contains(&method), "VoucherLinkClient has no `{method}`");
    }
}

/// The library's own lists of the words its documents use: (what, words).
fn library_vocabularies() -> Vec<(&'static str, Vec<String>)> {
    use voucherlink::model::{DiscountKind, JournalState, VoucherStatus};
    fn words<T: serde::Serialize>(all: &[T]) -> Vec<String> {
        all.iter().map(|v| serde_json::to_value(v).unwrap().as_str().unwrap().to_string()).collect()
    }
    vec![
        ("VoucherStatus", words(&VoucherStatus::all())),
        ("JournalState", words(&JournalState::all())),
        ("DiscountType", words(&DiscountKind::all())),
    ]
}

/// The members of `enum <name>` in C# source (`Name,` or `Name = 3,` lines).
fn csharp_enum(source: &str, name: &str) -> Vec<String> {
    let start = source.find(&format!("public enum {name}")).unwrap_or_else(|| panic!("C# has no enum {name}"));
    let body = &source[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .map(|l| l.split([',', ' ']).next().unwrap().to_string())
        .collect()
}

/// The strings of `<name> = Literal[...]` in Python source.
fn python_literal(source: &str, name: &str) -> Vec<String> {
    let start = source.find(&format!("\n{name} = Literal[")).unwrap_or_else(|| panic!("Python has no {name} Literal"));
    let body = &source[start..];
    let body = &body[body.find('[').unwrap() + 1..body.find(']').unwrap()];
    body.split(',').map(|w| w.trim().trim_matches('"').to_string()).filter(|w| !w.is_empty()).collect()
}

fn sorted(mut words: Vec<String>) -> Vec<String> {
    words.sort();
    words
}

#[test]
fn the_bindings_copies_of_statuses_and_words_are_the_librarys() {
    let csharp = read("bindings/csharp/VoucherLink.cs");
    let python = read("bindings/python/voucherlink/__init__.py");
    let types = read("bindings/python/voucherlink/types.py");
    let java = read("bindings/java/src/main/java/io/voucherlink/VoucherLinkException.java");
    let vb6 = read("bindings/vb6/VoucherLink.bas");
    let delphi = read("bindings/pascal/VoucherLink.pas");
    let statuses = voucherlink::VlStatus::ALL;
    // The status numbers: every binding names each, with its number, and no other.
    let csharp_statuses = csharp_enum(&csharp, "VoucherLinkStatus");
    assert_eq!(csharp_statuses.len(), statuses.len(), "C# VoucherLinkStatus: {csharp_statuses:?}");
    for status in statuses {
        let (number, name) = (status as u32, status.name());
        let upper = name.to_ascii_uppercase();
        let pascal_name = pascal(name);
        assert!(csharp.contains(&format!("public const uint {pascal_name} = {number};")), "C# VlStatus.{pascal_name}");
        assert!(csharp.contains(&format!("        {pascal_name} = {number},")), "C# VoucherLinkStatus.{pascal_name}");
        assert!(
            vb6.contains(&format!("Public Const VL_{upper} As Long = {number}\r\n"))
                || vb6.contains(&format!("Public Const VL_{upper} As Long = {number}\n")),
            "VB6 VL_{upper}"
        );
        assert!(delphi.contains(&format!("VL_{upper} = {number};")), "Pascal VL_{upper}");
        if number > 0 {
            assert!(
                python.contains(&format!("    status = {number}\n")),
                "Python has no exception of status {number} ({name})"
            );
            assert!(
                java.contains(&format!("case {number}: return new {pascal_name}Exception(document);")),
                "Java maps no {pascal_name}Exception to {number}"
            );
        }
    }
    let python_classes =
        python.lines().filter(|l| l.strip_prefix("    status = ").is_some_and(|n| n.parse::<u32>().is_ok())).count();
    assert_eq!(python_classes, statuses.len() - 1, "Python: an exception per status but VL_OK");
    // The words of the documents: C# enums (plus their Unknown for a word this binding does not
    // know yet) and Python Literals hold exactly the library's.
    for (what, words) in library_vocabularies() {
        let mut expected: Vec<String> = words.iter().map(|w| pascal(w)).collect();
        if !words.iter().any(|w| w == "unknown") {
            expected.push("Unknown".into());
        }
        // C# reads a word into its member by name (Json.Enum: underscores dropped, any case).
        assert_eq!(sorted(csharp_enum(&csharp, what)), sorted(expected), "C# enum {what}");
        let literal = if what == "DiscountType" {
            let start = types.find("type: Literal[").expect("Python's discount type");
            python_literal(&format!("\nX = {}", &types[start + "type: ".len()..]), "X")
        } else {
            python_literal(&types, what)
        };
        assert_eq!(sorted(literal), sorted(words.clone()), "Python {what}");
    }
}
