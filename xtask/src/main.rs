//! `cargo xtask ...`: project automation. The perf commands are not written yet (see the xtask issue).

fn main() -> std::process::ExitCode {
    eprintln!("xtask: no commands yet (`cargo xtask perf` is still being built)");
    std::process::ExitCode::from(1)
}
