//! The `faafo` command. All logic lives in `faafo_backend::cli`.

fn main() -> std::process::ExitCode {
    faafo_backend::cli::main()
}
