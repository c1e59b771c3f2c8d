//! The bot binary. Not written yet: see the "bot core" issue.
//! Until then it says so and exits non-zero rather than pretend to run.

fn main() -> std::process::ExitCode {
    eprintln!("bot: not implemented yet (the bot core is still being built)");
    std::process::ExitCode::from(1)
}
