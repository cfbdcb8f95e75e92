//! Whole-file gzip decompression with libdeflate into buffers a worker keeps from file to file.
//! ALB writes files of a few MB: decompressing each in one call is about 1.5× zlib-rs streaming
//! here (BENCHMARKS.md), and no decoder state is allocated per file. Larger files, and any the
//! bounded buffers cannot take, are streamed by the caller instead, so memory stays bounded.

use std::io;
use std::ptr::NonNull;

/// Compressed files up to this size are read whole.
pub const MAX_COMPRESSED: u64 = 4 << 20;
/// Their decompressed bytes must fit in this; past it the file is streamed. With the 1 MiB
/// line buffer, a thread holds at most ~17 MiB, so two stay well under 64 MB in all.
pub const MAX_DECOMPRESSED: usize = 12 << 20;

/// A libdeflate decompressor, and the buffers it reads from and writes to.
pub struct Gunzip {
    decompressor: NonNull<libdeflate_sys::libdeflate_decompressor>,
    pub input: Vec<u8>,
    output: Vec<u8>,
}

// SAFETY: the decompressor is owned by this value alone (no shared state in libdeflate), so it
// may move to another thread with it.
unsafe impl Send for Gunzip {}

impl Drop for Gunzip {
    fn drop(&mut self) {
        // SAFETY: allocated by libdeflate_alloc_decompressor in `new`, freed once, here.
        unsafe { libdeflate_sys::libdeflate_free_decompressor(self.decompressor.as_ptr()) }
    }
}

/// What became of a file given to [`Gunzip::inflate`].
pub enum Inflated<'a> {
    /// Every member, decompressed.
    Done(&'a [u8]),
    /// Larger than [`MAX_DECOMPRESSED`]: stream it.
    TooLarge,
}

impl Gunzip {
    pub fn new() -> Gunzip {
        // SAFETY: no preconditions; a null result means out of memory.
        let raw = unsafe { libdeflate_sys::libdeflate_alloc_decompressor() };
        let decompressor = NonNull::new(raw).expect("libdeflate could not allocate a decompressor");
        Gunzip {
            decompressor,
            input: Vec::new(),
            output: Vec::new(),
        }
    }

    /// Decompresses `self.input`, every gzip member of it in turn (as `gzip -d` and
    /// `MultiGzDecoder` do), into the reused output buffer.
    pub fn inflate(&mut self) -> io::Result<Inflated<'_>> {
        let input = &self.input[..];
        // A single member's size is in the last four bytes (modulo 4 GiB): start there.
        let hint = input.len().checked_sub(4).map_or(0, |at| {
            u32::from_le_bytes(input[at..].try_into().unwrap_or([0; 4])) as usize
        });
        let mut capacity = hint.clamp(64 << 10, MAX_DECOMPRESSED);
        let (mut read, mut written) = (0usize, 0usize);
        while read < input.len() {
            if self.output.len() < capacity {
                self.output.resize(capacity, 0);
            }
            let (mut used_in, mut used_out) = (0usize, 0usize);
            // SAFETY: the pointers and lengths describe live, initialised slices that do not
            // overlap (`input` is self.input, the output is self.output's tail); libdeflate
            // writes at most `capacity - written` bytes and reports how many it read and wrote.
            let result = unsafe {
                libdeflate_sys::libdeflate_gzip_decompress_ex(
                    self.decompressor.as_ptr(),
                    input[read..].as_ptr().cast(),
                    input.len() - read,
                    self.output[written..].as_mut_ptr().cast(),
                    capacity - written,
                    &mut used_in,
                    &mut used_out,
                )
            };
            match result {
                libdeflate_sys::libdeflate_result_LIBDEFLATE_SUCCESS => {
                    read += used_in;
                    written += used_out;
                }
                libdeflate_sys::libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => {
                    if capacity >= MAX_DECOMPRESSED {
                        return Ok(Inflated::TooLarge);
                    }
                    // The member is decompressed again from its start with more room.
                    capacity = (capacity * 2).min(MAX_DECOMPRESSED);
                }
                _ => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("corrupt gzip data at byte {read}"),
                    ));
                }
            }
        }
        Ok(Inflated::Done(&self.output[..written]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write as _;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn inflate(g: &mut Gunzip, bytes: Vec<u8>) -> io::Result<Option<Vec<u8>>> {
        g.input = bytes;
        Ok(match g.inflate()? {
            Inflated::Done(out) => Some(out.to_vec()),
            Inflated::TooLarge => None,
        })
    }

    #[test]
    fn every_member_of_a_concatenated_file_is_read_with_one_reused_decompressor() {
        let mut g = Gunzip::new();
        let (a, b) = (b"first line\n".repeat(1000), b"second\n".repeat(20_000));
        assert_eq!(inflate(&mut g, gz(&a)).unwrap(), Some(a.clone()));
        // Two members whose last trailer's size is not the first member's.
        let mut both = gz(&a);
        both.extend(gz(&b));
        let mut want = a.clone();
        want.extend(&b);
        assert_eq!(inflate(&mut g, both).unwrap(), Some(want));
        // The same member twice: sizes match, yet both are read.
        let mut twice = gz(&b);
        twice.extend(gz(&b));
        assert_eq!(inflate(&mut g, twice).unwrap().unwrap().len(), 2 * b.len());
        assert_eq!(inflate(&mut g, Vec::new()).unwrap(), Some(Vec::new()));
    }

    #[test]
    fn corrupt_data_is_an_error_and_too_large_says_so() {
        let mut g = Gunzip::new();
        let mut bad = gz(&b"x".repeat(10_000));
        let n = bad.len();
        bad[n / 2] ^= 0x5a;
        bad[n - 6] ^= 0x5a;
        assert!(inflate(&mut g, bad).is_err());
        assert!(inflate(&mut g, b"not gzip at all".to_vec()).is_err());
        let big = vec![b'a'; MAX_DECOMPRESSED + 1];
        assert_eq!(inflate(&mut g, gz(&big)).unwrap(), None);
    }
}
