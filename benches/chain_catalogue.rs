//! Writes the chain catalogue of the scale benches as CSV:
//!
//! ```sh
//! cargo run --release --example chain-catalogue -- 1 /tmp/chain     # scale 1 into /tmp/chain
//! cargo run --release -- --now 2026-12-01 run /tmp/chain --out /tmp/chain-out --all
//! ```
//!
//! Scale 1 is 3,000 ingredients, 20,000 recipes, 5,000 bundles and 500 events of 400 targets
//! (about 12 MB of CSV); every count scales linearly (0.25, 0.5, 2, …). By default recipe
//! lines draw from the whole ingredient list, so one event reaches more ingredients in a
//! bigger catalogue; a third argument, e.g. `300`, gives each kitchen (400 recipes, the
//! menu of its events) a pool of that many ingredients instead, so what one event reaches
//! stays the same at every scale.

#![allow(clippy::print_stderr)]

mod chain;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(scale), Some(dir)) = (
        args.first().and_then(|s| s.parse::<f64>().ok()),
        args.get(1),
    ) else {
        eprintln!(
            "usage: chain-catalogue SCALE DIR [POOL]   (e.g. chain-catalogue 0.25 /tmp/chain)"
        );
        return ExitCode::from(2);
    };
    let mut shape = chain::Shape::at(scale);
    match args.get(2).map(|p| p.parse::<usize>()) {
        None => {}
        Some(Ok(pool)) => shape = shape.pooled(pool),
        Some(Err(_)) => {
            eprintln!("POOL is a number of ingredients per kitchen, e.g. 300");
            return ExitCode::from(2);
        }
    }
    match chain::write(std::path::Path::new(dir), shape) {
        Ok(bytes) => {
            eprintln!("wrote {bytes} bytes of CSV to {dir} (scale {scale})");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("cannot write {dir}: {error}");
            ExitCode::from(3)
        }
    }
}
