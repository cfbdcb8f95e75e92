//! Byte masks of 64-byte blocks: bit `k` set where byte `k` is a given byte. The line splitter
//! runs on them, so they are computed with the widest vectors the CPU has: AVX2 where it was
//! detected at run time, SSE2 (the x86_64 baseline) otherwise, plain code elsewhere.

/// How masks are computed. Implemented by zero-sized types, so that code generic over it is
/// compiled once per instruction set.
pub trait Simd {
    /// Bit `k` of mask `j` set where `block[k]` is `needles[j]`.
    fn eq_masks64<const N: usize>(block: &[u8; 64], needles: [u8; N]) -> [u64; N];
}

/// What every x86_64 CPU has (or, elsewhere, plain code).
pub struct Baseline;

#[cfg(target_arch = "x86_64")]
impl Simd for Baseline {
    #[inline(always)]
    fn eq_masks64<const N: usize>(block: &[u8; 64], needles: [u8; N]) -> [u64; N] {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        let mut out = [0u64; N];
        // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are always
        // available; each load reads 16 bytes at offsets 0, 16, 32, 48 of a 64-byte array.
        unsafe {
            for k in 0..4 {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
                for (mask, &needle) in out.iter_mut().zip(&needles) {
                    let eq = _mm_cmpeq_epi8(v, _mm_set1_epi8(needle as i8));
                    *mask |= (_mm_movemask_epi8(eq) as u32 as u64) << (16 * k);
                }
            }
        }
        out
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl Simd for Baseline {
    #[inline(always)]
    fn eq_masks64<const N: usize>(block: &[u8; 64], needles: [u8; N]) -> [u64; N] {
        let mut out = [0u64; N];
        for (k, &b) in block.iter().enumerate() {
            for (mask, &needle) in out.iter_mut().zip(&needles) {
                *mask |= u64::from(b == needle) << k;
            }
        }
        out
    }
}

/// AVX2: two 32-byte compares a block instead of four 16-byte ones. Only code that runs after
/// [`has_avx2`] said yes, inside a `#[target_feature(enable = "avx2")]` function, uses it.
#[cfg(target_arch = "x86_64")]
pub struct Avx2;

#[cfg(target_arch = "x86_64")]
impl Simd for Avx2 {
    #[inline(always)]
    fn eq_masks64<const N: usize>(block: &[u8; 64], needles: [u8; N]) -> [u64; N] {
        use std::arch::x86_64::{
            __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
        };
        let mut out = [0u64; N];
        // SAFETY: `Avx2` is only used by functions compiled with AVX2 enabled and called after
        // `has_avx2()` returned true; the loads read bytes 0..32 and 32..64 of a 64-byte array.
        unsafe {
            let lo = _mm256_loadu_si256(block.as_ptr().cast::<__m256i>());
            let hi = _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>());
            for (mask, &needle) in out.iter_mut().zip(&needles) {
                let n = _mm256_set1_epi8(needle as i8);
                let a = _mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, n)) as u32 as u64;
                let b = _mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, n)) as u32 as u64;
                *mask = a | b << 32;
            }
        }
        out
    }
}

/// Whether this CPU has AVX2, and the bit instructions every AVX2 CPU has beside it (POPCNT,
/// BMI1, BMI2), which functions using [`Avx2`] enable too. std caches the answer.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("popcnt")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("bmi2")
}

/// Bit `k` of mask `j` set where `line[at + k]` is `needles[j]` (never 0), for the bytes from
/// `at` to the end of the line, at most 64; bits past the end are clear. A last block shorter
/// than 64 bytes is read as the line's last 64 bytes, shifted: nothing is copied.
#[inline(always)]
pub fn eq_masks_at<S: Simd, const N: usize>(line: &[u8], at: usize, needles: [u8; N]) -> [u64; N] {
    if let Some(block) = line.get(at..at + 64).and_then(|b| b.try_into().ok()) {
        return S::eq_masks64(block, needles);
    }
    let n = line.len();
    if let Some(last) = n
        .checked_sub(64)
        .and_then(|from| line[from..].try_into().ok())
    {
        // `at` is within the last 64 bytes: bit 0 of the shifted masks is byte `at`.
        let shift = at + 64 - n;
        return S::eq_masks64(last, needles).map(|m| m >> shift);
    }
    let mut block = [0u8; 64];
    let tail = &line[at.min(n)..];
    block[..tail.len()].copy_from_slice(tail);
    S::eq_masks64(&block, needles)
}

/// Bit `k` is the XOR of bits `0..=k`.
#[inline]
pub fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn plain<const N: usize>(line: &[u8], at: usize, needles: [u8; N]) -> [u64; N] {
        let mut out = [0u64; N];
        for (k, &b) in line.iter().skip(at).take(64).enumerate() {
            for (mask, &needle) in out.iter_mut().zip(&needles) {
                *mask |= u64::from(b == needle) << k;
            }
        }
        out
    }

    #[test]
    fn quotes_toggle_from_where_they_are() {
        // Quotes at bits 1, 4 and 7: inside from 1 to 3, and from 7 on.
        assert_eq!(prefix_xor(0b1001_0010), 0xFFFF_FFFF_FFFF_FF8E);
    }

    proptest! {
        /// Every block of every line, full, last or short, on every instruction set.
        #[test]
        fn masks_agree_with_a_byte_loop(
            line in prop::collection::vec(prop::sample::select(vec![b' ', b'"', b'\\', b'a']), 1..300),
            at in 0usize..300,
        ) {
            let at = at % line.len();
            let needles = [b' ', b'"', b'\\'];
            let want = plain(&line, at, needles);
            prop_assert_eq!(eq_masks_at::<Baseline, 3>(&line, at, needles), want);
            #[cfg(target_arch = "x86_64")]
            if has_avx2() {
                prop_assert_eq!(eq_masks_at::<Avx2, 3>(&line, at, needles), want);
            }
        }
    }
}
