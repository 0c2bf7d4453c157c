use std::process::ExitCode;

// Records, rows and reassembled messages are many small, short-lived
// allocations spread over threads: mimalloc spends about half the
// instructions of the system allocator on them (callgrind, make bench).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    otwatch::cli::main()
}
