//! Reads every .gz file named on stdin into memory, then decompresses them all with each decoder
//! `RUNS` times, printing the best MB/s of decompressed bytes for each.

use std::io::{BufRead, Read};
use std::time::Instant;

fn zlib_rs_streaming(files: &[Vec<u8>], buf: &mut [u8]) -> u64 {
    let mut total = 0u64;
    for f in files {
        let mut d = flate2::read::MultiGzDecoder::new(&f[..]);
        loop {
            let n = d.read(buf).expect("zlib-rs");
            if n == 0 {
                break;
            }
            total += n as u64;
        }
    }
    total
}

fn libdeflate_whole(files: &[Vec<u8>], out: &mut Vec<u8>, d: &mut libdeflater::Decompressor) -> u64 {
    let mut total = 0u64;
    for f in files {
        // ISIZE, the gzip trailer's length of the (single) member, sizes the reused buffer.
        let isize = u32::from_le_bytes(f[f.len() - 4..].try_into().unwrap()) as usize;
        if out.len() < isize {
            out.resize(isize, 0);
        }
        let n = d.gzip_decompress(f, &mut out[..isize]).expect("libdeflate");
        total += n as u64;
    }
    total
}

fn main() {
    let runs: usize = std::env::var("RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let files: Vec<Vec<u8>> = std::io::stdin()
        .lock()
        .lines()
        .map(|p| std::fs::read(p.unwrap()).unwrap())
        .collect();
    let compressed: usize = files.iter().map(Vec::len).sum();
    println!("{} files, {:.1} MB compressed", files.len(), compressed as f64 / 1e6);
    let mut buf = vec![0u8; 1 << 20];
    let mut out = Vec::new();
    let mut d = libdeflater::Decompressor::new();
    let best = |name: &str, f: &mut dyn FnMut() -> u64| {
        let mut best = f64::MAX;
        let mut bytes = 0;
        for _ in 0..runs {
            let t = Instant::now();
            bytes = f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("| {name} | {best:.3} | {:.0} |", bytes as f64 / 1e6 / best);
    };
    println!("| decoder | best s | MB/s of log |\n|---|---|---|");
    best("zlib-rs, streaming (flate2 MultiGzDecoder, 1 MiB reads)", &mut || {
        zlib_rs_streaming(&files, &mut buf)
    });
    best("libdeflate, whole member into a reused buffer", &mut || {
        libdeflate_whole(&files, &mut out, &mut d)
    });
}
