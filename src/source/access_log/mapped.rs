//! Plain log files read through memory maps, a window at a time: the parser reads the page
//! cache directly, so the copy `read` makes (as much time as the parsing itself on one core)
//! is gone, while memory stays bounded by the window.
//!
//! A mapped file that shrinks while it is read (truncated, rewritten in place) raises SIGBUS
//! on the pages it lost; [`explain_sigbus`] turns that into a clear error.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;

/// Part of a file mapped read-only; unmapped when dropped.
pub struct Mapped {
    ptr: NonNull<libc::c_void>,
    len: usize,
    /// Where the asked-for bytes start within the mapping (the map starts on a page).
    skip: usize,
}

impl Mapped {
    /// Bytes `[offset, offset + len)` of `file`, which must lie within it.
    pub fn new(file: &File, offset: u64, len: usize) -> io::Result<Mapped> {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
        let start = offset - offset % page;
        let skip = (offset - start) as usize;
        let total = skip + len;
        if len == 0 {
            return Ok(Mapped {
                ptr: NonNull::dangling(),
                len: 0,
                skip: 0,
            });
        }
        let at = libc::off_t::try_from(start)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
        // SAFETY: a fresh private read-only mapping of an open file; the kernel picks the
        // address. Errors come back as MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                total,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                at,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `ptr` is the mapping just made, `total` bytes long. The advice only tunes
        // read-ahead; failing it is harmless.
        unsafe { libc::madvise(ptr, total, libc::MADV_SEQUENTIAL) };
        let ptr = NonNull::new(ptr).ok_or_else(io::Error::last_os_error)?;
        Ok(Mapped {
            ptr,
            len: total,
            skip,
        })
    }

    pub fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: the mapping is `len` readable bytes, alive as long as `self`.
        unsafe {
            &std::slice::from_raw_parts(self.ptr.as_ptr().cast::<u8>(), self.len)[self.skip..]
        }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: the mapping made in `new`, unmapped once, here.
            unsafe { libc::munmap(self.ptr.as_ptr(), self.len) };
        }
    }
}

/// Makes SIGBUS, which only a mapped file that shrank while it was read raises here, end the
/// process with a message and exit status 2 (a runtime error) instead of "Bus error". Nothing
/// is left half-done: a report writes its output only at the end.
pub fn explain_sigbus() {
    extern "C" fn on_sigbus(_: libc::c_int) {
        const MESSAGE: &[u8] = b"slo: error: an access-log file shrank while it was read \
(truncated or rewritten in place); run the report again once the files are complete\n";
        // SAFETY: write(2) and _exit(2) are async-signal-safe; the message is a static buffer.
        unsafe {
            libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
            libc::_exit(2);
        }
    }
    // SAFETY: a zeroed sigaction is valid (no flags, empty mask once sigemptyset ran); the
    // handler only calls async-signal-safe functions.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_window_is_the_bytes_asked_for_wherever_it_starts() {
        let mut f = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        f.write_all(&data).unwrap();
        for (offset, len) in [
            (0, 20_000),
            (1, 100),
            (4095, 2),
            (4096, 5000),
            (12_345, 7655),
            (100, 0),
        ] {
            let m = Mapped::new(&f, offset, len).unwrap();
            assert_eq!(m.bytes(), &data[offset as usize..offset as usize + len]);
        }
    }

    const CHILD: &str = "SLO_SIGBUS_CHILD";

    /// Run by `a_file_that_shrinks_while_mapped_is_a_clear_error` in a child process: maps a
    /// file, truncates it, reads the lost pages.
    #[test]
    fn shrinking_child() {
        if std::env::var_os(CHILD).is_none() {
            return;
        }
        explain_sigbus();
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&vec![b'a'; 64 << 10]).unwrap();
        let m = Mapped::new(&f, 0, 64 << 10).unwrap();
        f.set_len(0).unwrap();
        let sum: u64 = m.bytes().iter().map(|&b| u64::from(b)).sum();
        panic!("read {sum} from a truncated file without SIGBUS");
    }

    #[test]
    fn a_file_that_shrinks_while_mapped_is_a_clear_error() {
        let name = concat!(module_path!(), "::shrinking_child");
        let name = name.split_once("::").map_or(name, |(_, rest)| rest);
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--nocapture", "--test-threads", "1"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("shrank while it was read"), "{stderr}");
    }
}
