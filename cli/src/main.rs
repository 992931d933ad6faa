//! The `voucherlink` command: every operation of the C API against a till's configuration, a
//! first-contact diagnosis (`doctor`), the journal tools, the provider simulator and the demo.
//!
//! Exit codes: 0 done; 1–10 the `VlStatus` of the answer (1 invalid argument, 2 configuration,
//! 3 unsupported, 4 not found, 5 rejected, 6 auth, 7 network, 8 in doubt, 9 provider,
//! 10 internal); 2 also for unusable command-line arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod demo;
mod doctor;
mod journal;
mod operation;
mod output;
mod sim;

/// voucherlink — vouchers, gift cards and coupons for point-of-sale systems.
///
/// Every operation of the library against a till's configuration (`voucherlink balance --config
/// till.json --code L4FU-5LQT-KJR3`), a first-contact check of a provider account (`doctor`), the
/// journal of in-doubt and settled operations (`journal`), and a provider simulator with a demo.
///
/// Exit codes: 0 done; 1–10 the status of the answer (1 invalid argument, 2 configuration,
/// 3 unsupported, 4 not found, 5 rejected, 6 auth, 7 network, 8 in doubt, 9 provider, 10 internal);
/// 2 also for unusable command-line arguments.
#[derive(Parser)]
#[command(name = "voucherlink", version, max_term_width = 100)]
struct Cli {
    /// Show every HTTP exchange on stderr (method, URL, headers, body, status, timing), secrets
    /// removed and voucher codes masked as in log lines: fit to mail to a provider.
    #[arg(long, global = true)]
    trace: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a till's configuration against its provider, step by step (never moves money).
    Doctor(doctor::DoctorArgs),
    /// The journal: list, show, recover, and the day's report.
    #[command(subcommand)]
    Journal(journal::JournalCommand),
    /// Serve the provider simulator until killed (prints one line of JSON with the URLs).
    Sim(sim::SimArgs),
    /// A complete checkout with each provider against the built-in simulator, through the C ABI.
    Demo,
    /// Print the library version.
    Version,
    /// vl_prepare: open the way to the provider(s) now (connection, TLS, token); a quick health check.
    Prepare(OpArgs),
    /// vl_capabilities: which operations the configured provider supports.
    Capabilities(OpArgs),
    /// vl_balance: look a voucher up (--code; Treazure also --serial-number + --scratch-code).
    Balance(OpArgs),
    /// vl_redeem: take --amount, or min(--remaining-to-pay, balance), from a voucher. Moves money.
    Redeem(OpArgs),
    /// vl_cancel_redemption: give a redemption back (--code, --transaction-id, --amount). Moves money.
    #[command(name = "cancel_redemption", alias = "cancel-redemption")]
    CancelRedemption(OpArgs),
    /// vl_activation_status: can this voucher be sold, and for how much (--code).
    #[command(name = "activation_status", alias = "activation-status")]
    ActivationStatus(OpArgs),
    /// vl_activate: sell (activate / load) a voucher (--code, --amount). Moves money.
    Activate(OpArgs),
    /// vl_cancel_activation: undo a sale (--code, --transaction-id). Moves money.
    #[command(name = "cancel_activation", alias = "cancel-activation")]
    CancelActivation(OpArgs),
    /// vl_deactivation_status: can a sold voucher be taken back (--code).
    #[command(name = "deactivation_status", alias = "deactivation-status")]
    DeactivationStatus(OpArgs),
    /// vl_deactivate: take a sold voucher back (--code, --reason). Moves money.
    Deactivate(OpArgs),
    /// vl_issue: issue a new virtual card (--amount). Moves money.
    Issue(OpArgs),
    /// vl_history: a card's balance mutations (--code, --condensed).
    History(OpArgs),
    /// vl_member_vouchers: a loyalty member's vouchers (--member-code / --phone-number / --search).
    #[command(name = "member_vouchers", alias = "member-vouchers")]
    MemberVouchers(OpArgs),
    /// vl_validate: what a voucher does to an order (--code, --order-total).
    Validate(OpArgs),
    /// vl_submit_order: report the finished order (--order-id, --order-total, --discount, ...). Moves money.
    #[command(name = "submit_order", alias = "submit-order")]
    SubmitOrder(OpArgs),
    /// vl_lock: reserve a coupon during checkout (--code).
    Lock(OpArgs),
    /// vl_unlock: release a reserved coupon (--code).
    Unlock(OpArgs),
    /// vl_pending: the journal entries not settled yet.
    Pending(OpArgs),
    /// vl_recover: settle open entries (or one: --journal-id; by hand: --outcome done|failed).
    Recover(OpArgs),
}

/// What every operation subcommand takes.
#[derive(Args)]
pub struct OpArgs {
    /// The till's configuration: a file holding the JSON of vl_client_new.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The whole request as JSON; the field flags below are added to it.
    #[arg(long, value_name = "JSON")]
    pub request: Option<String>,
    #[command(flatten)]
    pub fields: operation::RequestFields,
    /// Print the result document (JSON) instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Do not ask before moving money (needed without a terminal).
    #[arg(long)]
    pub yes: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The library's warnings on stderr for the tools; the simulator and the demo print their own
    // story (their refusals are part of it), unless --trace is asked for.
    if cli.trace || !matches!(cli.command, Command::Sim(_) | Command::Demo) {
        output::start_logging(cli.trace);
    }
    use voucherlink::Operation as Op;
    let code = match cli.command {
        Command::Doctor(args) => doctor::run(&args),
        Command::Journal(command) => journal::run(command),
        Command::Sim(args) => sim::run(&args),
        Command::Demo => demo::run(),
        Command::Version => {
            println!("voucherlink {}", voucherlink::VERSION);
            0
        }
        Command::Prepare(a) => operation::run(Op::Prepare, &a),
        Command::Capabilities(a) => operation::run(Op::Capabilities, &a),
        Command::Balance(a) => operation::run(Op::Balance, &a),
        Command::Redeem(a) => operation::run(Op::Redeem, &a),
        Command::CancelRedemption(a) => operation::run(Op::CancelRedemption, &a),
        Command::ActivationStatus(a) => operation::run(Op::ActivationStatus, &a),
        Command::Activate(a) => operation::run(Op::Activate, &a),
        Command::CancelActivation(a) => operation::run(Op::CancelActivation, &a),
        Command::DeactivationStatus(a) => operation::run(Op::DeactivationStatus, &a),
        Command::Deactivate(a) => operation::run(Op::Deactivate, &a),
        Command::Issue(a) => operation::run(Op::Issue, &a),
        Command::History(a) => operation::run(Op::History, &a),
        Command::MemberVouchers(a) => operation::run(Op::MemberVouchers, &a),
        Command::Validate(a) => operation::run(Op::Validate, &a),
        Command::SubmitOrder(a) => operation::run(Op::SubmitOrder, &a),
        Command::Lock(a) => operation::run(Op::Lock, &a),
        Command::Unlock(a) => operation::run(Op::Unlock, &a),
        Command::Pending(a) => operation::run(Op::Pending, &a),
        Command::Recover(a) => operation::run(Op::Recover, &a),
    };
    ExitCode::from(code)
}
