//! `voucherlink journal …`: what a till's journal holds, settling it, and the day's report.
//! `list`, `show` and `report` read the file without its lock, so they work while the POS runs;
//! `recover` opens the journal as a client does and needs the POS to have let go of it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use voucherlink::Operation;
use voucherlink::internals::support;
use voucherlink::model::JournalEntry;

use crate::output;

/// `voucherlink journal` subcommands.
#[derive(Subcommand)]
pub enum JournalCommand {
    /// The open entries (in doubt, queued, being sent); with --all the settled ones kept too.
    List {
        #[command(flatten)]
        source: Source,
        /// Settled entries too.
        #[arg(long)]
        all: bool,
        /// Print {"entries": [...]} as vl_pending does.
        #[arg(long)]
        json: bool,
    },
    /// Everything the journal holds about one entry.
    Show {
        /// The entry's id (vl-...).
        id: String,
        #[command(flatten)]
        source: Source,
        /// Print the entry as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Settle open entries with the provider (vl_recover), or one (ID), or one by hand
    /// (ID --outcome done|failed, after a look at the provider's back office). Needs --config,
    /// and the POS to have let go of the journal.
    Recover {
        /// One entry (vl-...).
        id: Option<String>,
        /// Settle ID by hand: "done" (it went through) or "failed" (it did not).
        #[arg(long, value_parser = ["done", "failed"], requires = "id")]
        outcome: Option<String>,
        /// The till's configuration (its journal_path, and the provider to ask).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Print the document of vl_recover.
        #[arg(long)]
        json: bool,
        /// Do not ask before settling by hand.
        #[arg(long)]
        yes: bool,
    },
    /// The end-of-day view for the Z-report: per provider, operation and currency, counts and
    /// totals of done / failed / reversed / still open; the open and hand-settled entries.
    Report {
        #[command(flatten)]
        source: Source,
        /// The day (YYYY-MM-DD), in the till's time zone (the configuration's time_zone, else
        /// UTC); default today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        day: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Which journal: a file, or a configuration's journal_path.
#[derive(Args)]
pub struct Source {
    /// The journal file.
    #[arg(long, value_name = "PATH", conflicts_with = "config")]
    journal: Option<PathBuf>,
    /// A till's configuration (its journal_path and time_zone).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl Source {
    /// The journal file, and the configuration's time zone (if any).
    fn resolve(&self) -> Result<(PathBuf, Option<String>), u8> {
        match (&self.journal, &self.config) {
            (Some(path), _) => Ok((path.clone(), None)),
            (None, Some(config)) => {
                let config = output::read_config(config).map_err(|e| output::usage_error(&e))?;
                let path = config["journal_path"].as_str().ok_or_else(|| {
                    output::usage_error("the configuration has no journal_path: its journal lives in memory only")
                })?;
                Ok((PathBuf::from(path), config["time_zone"].as_str().map(str::to_string)))
            }
            (None, None) => Err(output::usage_error("give --journal PATH or --config FILE")),
        }
    }

    fn entries(&self) -> Result<(Vec<JournalEntry>, Option<String>), u8> {
        let (path, zone) = self.resolve()?;
        match support::journal_entries(&path) {
            Ok(entries) => Ok((entries, zone)),
            Err(e) => {
                output::print_error(&e);
                Err(output::exit_code(&e))
            }
        }
    }
}

fn is_open(e: &JournalEntry) -> bool {
    matches!(state(e).as_str(), "sending" | "in_doubt" | "queued")
}

fn state(e: &JournalEntry) -> String {
    serde_json::to_value(e.state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn settled_by_hand(e: &JournalEntry) -> bool {
    e.note.as_deref().is_some_and(|n| n.starts_with("settled by hand"))
}

/// Runs a journal subcommand.
pub fn run(command: JournalCommand) -> u8 {
    match command {
        JournalCommand::List { source, all, json } => {
            let (entries, _) = match source.entries() {
                Ok(e) => e,
                Err(code) => return code,
            };
            let shown: Vec<&JournalEntry> = entries.iter().filter(|e| all || is_open(e)).collect();
            if json {
                println!("{}", json!({ "entries": shown }));
            } else if shown.is_empty() {
                println!("{}", if all { "the journal is empty" } else { "no open entries: nothing is in doubt" });
            } else {
                for e in shown {
                    println!("{}", line(e));
                }
            }
            0
        }
        JournalCommand::Show { id, source, json } => {
            let (entries, _) = match source.entries() {
                Ok(e) => e,
                Err(code) => return code,
            };
            let Some(entry) = entries.iter().find(|e| e.journal_id == id) else {
                return output::usage_error(&format!("the journal has no entry {id}"));
            };
            if json {
                println!("{}", json!(entry));
            } else {
                let value = json!(entry);
                for (key, v) in value.as_object().into_iter().flatten() {
                    if !v.is_null() {
                        println!("{key:<16} {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
                    }
                }
            }
            0
        }
        JournalCommand::Recover { id, outcome, config, json, yes } => recover(id, outcome, &config, json, yes),
        JournalCommand::Report { source, day, json } => report(&source, day.as_deref(), json),
    }
}

/// One entry on one line.
fn line(e: &JournalEntry) -> String {
    let amount = match (&e.amount, &e.currency) {
        (Some(a), Some(c)) => format!("{c} {a}"),
        (Some(a), None) => a.clone(),
        _ => "-".into(),
    };
    let mut text = format!(
        "{}  {:<9} {:<19} {:<18} {:>12}  {}  {}",
        e.journal_id,
        state(e),
        e.operation.name(),
        e.code,
        amount,
        e.created_at,
        e.reference.as_deref().unwrap_or("")
    );
    if let Some(why) = e.last_error.as_deref().filter(|_| is_open(e)) {
        text.push_str(&format!("\n    {why}"));
    }
    text
}

fn recover(id: Option<String>, outcome: Option<String>, config: &std::path::Path, json: bool, yes: bool) -> u8 {
    let (client, config_value) = match output::client(config) {
        Ok(c) => c,
        Err(code) => {
            if code == 2 && config_value_has_journal(config) {
                println!(
                    "  the POS probably holds the journal (it is running): settle from the POS (vl_recover), or stop it \
                     first; `voucherlink journal list --config …` works meanwhile"
                );
            }
            return code;
        }
    };
    if config_value["journal_path"].is_null() {
        return output::usage_error("the configuration has no journal_path: there is no journal file to recover");
    }
    let mut request = serde_json::Map::new();
    if let Some(id) = &id {
        request.insert("journal_id".into(), Value::String(id.clone()));
    }
    if let Some(outcome) = &outcome {
        let question = format!("settle {} by hand as {outcome}", id.as_deref().unwrap_or_default());
        if let Err(code) = output::confirm(&question, yes) {
            return code;
        }
        request.insert("outcome".into(), Value::String(outcome.clone()));
    }
    let result = client.execute(Operation::Recover, &Value::Object(request).to_string());
    if json {
        return output::print_result(&result, true);
    }
    match &result {
        Ok(data) => {
            for (title, key) in [("settled", "resolved"), ("still open", "still_pending")] {
                let entries = data[key].as_array().cloned().unwrap_or_default();
                println!("{title}: {}", entries.len());
                for e in entries.iter().filter_map(|e| serde_json::from_value::<Value>(e.clone()).ok()) {
                    println!("  {}", output::one_line(&e));
                }
            }
            0
        }
        Err(e) => {
            output::print_error(e);
            output::exit_code(e)
        }
    }
}

fn config_value_has_journal(path: &std::path::Path) -> bool {
    output::read_config(path).is_ok_and(|c| c["journal_path"].is_string())
}

/// Counts and totals of one state.
#[derive(Default, Clone)]
struct Tally {
    count: u64,
    total: Decimal,
}

fn report(source: &Source, day: Option<&str>, json: bool) -> u8 {
    let (entries, zone_name) = match source.entries() {
        Ok(e) => e,
        Err(code) => return code,
    };
    let zone = match zone_name.as_deref() {
        Some(name) => match support::time_zone(name) {
            Some(z) => z,
            None => return output::usage_error(&format!("the configuration's time_zone {name:?} is not known")),
        },
        None => jiff::tz::TimeZone::UTC,
    };
    let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
    let day = match day {
        None => today,
        Some(text) => match text.parse::<jiff::civil::Date>() {
            Ok(d) => d,
            Err(e) => return output::usage_error(&format!("--day {text:?} is not YYYY-MM-DD: {e}")),
        },
    };
    let on_day = |e: &JournalEntry| {
        e.created_at.parse::<jiff::Timestamp>().is_ok_and(|t| t.to_zoned(zone.clone()).date() == day)
    };
    let of_day: Vec<&JournalEntry> = entries.iter().filter(|e| on_day(e)).collect();
    let mut groups: BTreeMap<(String, String, String), BTreeMap<&'static str, Tally>> = BTreeMap::new();
    for e in &of_day {
        let kind = match state(e).as_str() {
            "done" => "done",
            "failed" => "failed",
            "reversed" => "reversed",
            _ => "open",
        };
        let key = (e.provider.clone(), e.operation.name().to_string(), e.currency.clone().unwrap_or_default());
        let tally = groups.entry(key).or_default().entry(kind).or_default();
        tally.count += 1;
        tally.total += e.amount.as_deref().and_then(|a| a.parse::<Decimal>().ok()).unwrap_or_default();
    }
    let open: Vec<&&JournalEntry> = of_day.iter().filter(|e| is_open(e)).collect();
    let by_hand: Vec<&&JournalEntry> = of_day.iter().filter(|e| settled_by_hand(e)).collect();
    let zone_shown = zone_name.unwrap_or_else(|| "UTC".into());
    if json {
        let groups: Vec<Value> = groups
            .iter()
            .map(|((provider, operation, currency), tallies)| {
                let mut g = json!({ "provider": provider, "operation": operation, "currency": currency });
                for kind in ["done", "failed", "reversed", "open"] {
                    let t = tallies.get(kind).cloned().unwrap_or_default();
                    g[kind] = json!({ "count": t.count, "total": t.total.to_string() });
                }
                g
            })
            .collect();
        println!(
            "{}",
            json!({ "day": day.to_string(), "time_zone": zone_shown, "groups": groups, "open": open, "settled_by_hand": by_hand })
        );
        return 0;
    }
    println!("Voucher operations of {day} ({zone_shown}), from the journal");
    if groups.is_empty() {
        println!("  none");
    }
    for ((provider, operation, currency), tallies) in &groups {
        let cell = |kind: &str| {
            let t = tallies.get(kind).cloned().unwrap_or_default();
            format!("{kind} {} ({currency} {})", t.count, t.total)
        };
        println!(
            "  {provider:<11} {operation:<19} {}  {}  {}  {}",
            cell("done"),
            cell("failed"),
            cell("reversed"),
            cell("open")
        );
    }
    println!("Still open (in doubt or queued): {}", open.len());
    for e in &open {
        println!("  {}", line(e));
    }
    println!("Settled by hand: {}", by_hand.len());
    for e in &by_hand {
        println!("  {}", line(e));
    }
    0
}
