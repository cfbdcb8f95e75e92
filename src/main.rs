//! The `slo` binary: everything lives in the library; `cli` turns arguments into calls.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
