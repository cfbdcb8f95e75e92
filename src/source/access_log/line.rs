//! One ALB access-log line: split into its fields without copying, then read the few fields
//! the SLIs need. Format: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html>

#[cfg(target_arch = "x86_64")]
use super::masks::{Avx2, has_avx2};
use super::masks::{Baseline, Simd, eq_masks_at, prefix_xor};
use std::fmt;

/// The fields of the current format, in order. AWS appends new fields at the end; lines with
/// more fields than this are read, the extra ones ignored.
pub const FIELD_NAMES: [&str; 33] = [
    "type",
    "time",
    "elb",
    "client:port",
    "target:port",
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
    "elb_status_code",
    "target_status_code",
    "received_bytes",
    "sent_bytes",
    "request",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
    "target_group_arn",
    "trace_id",
    "domain_name",
    "chosen_cert_arn",
    "matched_rule_priority",
    "request_creation_time",
    "actions_executed",
    "redirect_url",
    "error_reason",
    "target:port_list",
    "target_status_code_list",
    "classification",
    "classification_reason",
    "conn_trace_id",
    "transformed_host",
    "transformed_uri",
    "request_transform_status",
];

/// The fewest fields a line may have: ALB's first format ended with `trace_id`. AWS has
/// appended fields at the end ever since — `domain_name` and `chosen_cert_arn`,
/// `matched_rule_priority` … `error_reason`, the target lists, `classification` and
/// `classification_reason`, `conn_trace_id`, the `transformed_*` fields — and its access-log
/// page says new ones may come, so a line of any later generation is read by position (the
/// SLIs need fields up to `target_group_arn`) and whatever follows the known fields is ignored.
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html#access-log-entry-syntax>
pub const MIN_FIELDS: usize = 18;

pub mod field {
    pub const TYPE: usize = 0;
    pub const TIME: usize = 1;
    pub const ELB: usize = 2;
    pub const TARGET_PROCESSING_TIME: usize = 6;
    pub const ELB_STATUS_CODE: usize = 8;
    pub const TARGET_STATUS_CODE: usize = 9;
    pub const REQUEST: usize = 12;
    pub const USER_AGENT: usize = 13;
    pub const TARGET_GROUP_ARN: usize = 16;
    pub const CONN_TRACE_ID: usize = 29;
}

/// Why a line was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineError {
    FieldCount(usize),
    UnterminatedQuote,
    JunkAfterQuote,
    EmptyField,
    UnknownType,
    BadTime,
    BadStatus,
    BadTiming,
    BadElb,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::FieldCount(n) => write!(f, "{n} fields, expected at least {MIN_FIELDS}"),
            LineError::UnterminatedQuote => f.write_str("unterminated quoted field"),
            LineError::JunkAfterQuote => f.write_str("text right after a closing quote"),
            LineError::EmptyField => f.write_str("two spaces in a row (an empty field)"),
            LineError::UnknownType => {
                f.write_str("unknown entry type (expected http, https, h2, grpcs, ws or wss)")
            }
            LineError::BadTime => f.write_str("time is not an ISO 8601 UTC timestamp"),
            LineError::BadStatus => f.write_str("elb_status_code is not a status code"),
            LineError::BadTiming => f.write_str("target_processing_time is not a number"),
            LineError::BadElb => f.write_str("elb is not a load balancer id"),
        }
    }
}

/// A line split into fields. Quoted fields are given without their quotes (escapes kept).
///
/// Fields are kept as offsets: `starts[i]` is where field `i` begins (at its opening quote, if
/// quoted) and `starts[i + 1] - 1` where it ends. Compact, so passing an entry around is cheap.
#[derive(Debug)]
pub struct Entry<'a> {
    line: &'a [u8],
    starts: [u32; FIELD_NAMES.len() + 1],
    count: usize,
    /// Fields whose bounds are in `starts`: all of them, or (from [`Entry::parse`]) those up to
    /// `target_group_arn`, the last one the SLIs read.
    known: usize,
}

/// [`Entry::parse`] keeps the bounds of the fields before this one: the SLIs read none after.
const HEAD: usize = field::TARGET_GROUP_ARN + 1;

impl<'a> Entry<'a> {
    /// Splits `line` (without its newline) into fields, checking quotes and field count only.
    #[inline(always)]
    pub fn split(line: &'a [u8]) -> Result<Entry<'a>, LineError> {
        Entry::split_with(line, false)
    }

    /// With `fast`, a plain line (quotes only where fields start and end, but escaped ones;
    /// nothing malformed) is split 64 bytes at a time, keeping the bounds of the fields up to
    /// `target_group_arn` only; any other line is walked field by field, which says exactly
    /// what is wrong.
    #[inline(always)]
    fn split_with(line: &'a [u8], fast: bool) -> Result<Entry<'a>, LineError> {
        if u32::try_from(line.len()).is_err() {
            return Err(LineError::FieldCount(0));
        }
        let mut starts = [0u32; FIELD_NAMES.len() + 1];
        if fast && let Some(count) = plain_fields(line, &mut starts[..=HEAD]) {
            if count < MIN_FIELDS {
                return Err(LineError::FieldCount(count));
            }
            return Ok(Entry {
                line,
                starts,
                count,
                known: HEAD,
            });
        }
        Entry::walk(line, starts)
    }

    /// Field by field, from quote to quote and space to space.
    #[inline(never)]
    fn walk(
        line: &'a [u8],
        mut starts: [u32; FIELD_NAMES.len() + 1],
    ) -> Result<Entry<'a>, LineError> {
        let n = line.len();
        let mut scan = Blocks::new(line);
        let mut count = 0usize;
        let mut i = 0usize;
        while i < n {
            let end = if line[i] == b'"' {
                let mut q = scan.next_quote(i + 1).ok_or(LineError::UnterminatedQuote)?;
                while escaped(line, q) {
                    q = scan.next_quote(q + 1).ok_or(LineError::UnterminatedQuote)?;
                }
                if !matches!(line.get(q + 1), None | Some(b' ')) {
                    return Err(LineError::JunkAfterQuote);
                }
                q + 1
            } else {
                let end = scan.next_space(i).unwrap_or(n);
                if end == i {
                    return Err(LineError::EmptyField);
                }
                end
            };
            if count < starts.len() {
                starts[count] = i as u32;
            }
            count += 1;
            i = end + 1;
        }
        if count < starts.len() {
            starts[count] = i.max(n + 1) as u32;
        }
        if count < MIN_FIELDS {
            return Err(LineError::FieldCount(count));
        }
        Ok(Entry {
            line,
            starts,
            count,
            known: FIELD_NAMES.len().min(count),
        })
    }

    /// Splits and reads the fields the SLIs need.
    #[inline(always)]
    pub fn parse(line: &'a [u8]) -> Result<Request<'a>, LineError> {
        let e = Entry::split_with(line, true)?;
        e.kind()?;
        let elb = e.elb();
        if !elb.starts_with(b"app/") {
            return Err(LineError::BadElb);
        }
        Ok(Request {
            time: e.time_unix()?,
            elb,
            elb_status: e.elb_status()?,
            target_ms: e.target_ms()?,
            target_group: e.target_group(),
        })
    }

    /// Number of fields on the line (may exceed the known ones).
    pub fn field_count(&self) -> usize {
        self.count
    }

    /// Field `i` of [`FIELD_NAMES`]; empty if the line is of an older, shorter format (or,
    /// from [`Entry::parse`], past `target_group_arn`).
    pub fn field(&self, i: usize) -> &'a [u8] {
        if i >= self.known {
            return &[];
        }
        let (start, end) = (self.starts[i] as usize, self.starts[i + 1] as usize - 1);
        let raw = &self.line[start..end.min(self.line.len())];
        match raw {
            [b'"', inner @ .., b'"'] => inner,
            _ => raw,
        }
    }

    pub fn kind(&self) -> Result<&'a [u8], LineError> {
        let t = self.field(field::TYPE);
        match t {
            b"http" | b"https" | b"h2" | b"grpcs" | b"ws" | b"wss" => Ok(t),
            _ => Err(LineError::UnknownType),
        }
    }

    pub fn elb(&self) -> &'a [u8] {
        self.field(field::ELB)
    }

    /// `time` (when the load balancer answered) as Unix seconds.
    pub fn time_unix(&self) -> Result<i64, LineError> {
        parse_time(self.field(field::TIME)).ok_or(LineError::BadTime)
    }

    /// The load balancer's status code; `None` for `-` (no response sent).
    pub fn elb_status(&self) -> Result<Option<u16>, LineError> {
        parse_status(self.field(field::ELB_STATUS_CODE))
    }

    /// `target_processing_time` in whole milliseconds (rounded up); `None` for `-1`, when the
    /// target never answered.
    pub fn target_ms(&self) -> Result<Option<u64>, LineError> {
        parse_seconds_as_ms(self.field(field::TARGET_PROCESSING_TIME))
    }

    /// The target group as CloudWatch names it (`targetgroup/<name>/<id>`), from the ARN.
    pub fn target_group(&self) -> Option<&'a [u8]> {
        let arn = self.field(field::TARGET_GROUP_ARN);
        let i = memchr::memrchr(b':', arn)?;
        Some(&arn[i + 1..])
    }
}

/// What the SLIs read from one valid line.
#[derive(Debug)]
pub struct Request<'a> {
    /// `time`, as Unix seconds.
    pub time: i64,
    pub elb: &'a [u8],
    /// `None` for `-`: no response was sent.
    pub elb_status: Option<u16>,
    /// `None` when the target never answered (`-1`).
    pub target_ms: Option<u64>,
    /// The target group as CloudWatch names it ([`Entry::target_group`]).
    pub target_group: Option<&'a [u8]>,
}

impl Request<'_> {
    /// A 5xx from the load balancer: the definition of a bad request for availability.
    pub fn is_server_error(&self) -> bool {
        matches!(self.elb_status, Some(500..=599))
    }
}

/// Finds spaces and quotes in a line, one 64-byte block at a time, as the field walk moves
/// forward (it never moves back).
struct Blocks<'a> {
    line: &'a [u8],
    block: usize,
    spaces: u64,
    quotes: u64,
}

impl<'a> Blocks<'a> {
    fn new(line: &'a [u8]) -> Blocks<'a> {
        let [spaces, quotes] = eq_masks_at::<Baseline, 2>(line, 0, [b' ', b'"']);
        Blocks {
            line,
            block: 0,
            spaces,
            quotes,
        }
    }

    fn load(&mut self, block: usize) -> bool {
        let start = block * 64;
        if start >= self.line.len() {
            return false;
        }
        [self.spaces, self.quotes] = eq_masks_at::<Baseline, 2>(self.line, start, [b' ', b'"']);
        self.block = block;
        true
    }

    #[inline]
    fn next_space(&mut self, from: usize) -> Option<usize> {
        self.next(from, false)
    }

    #[inline]
    fn next_quote(&mut self, from: usize) -> Option<usize> {
        self.next(from, true)
    }

    /// The first space (or quote) at or after `from`.
    #[inline]
    fn next(&mut self, from: usize, quote: bool) -> Option<usize> {
        let mut block = from / 64;
        if block != self.block && !self.load(block) {
            return None;
        }
        let mut bits = if quote { self.quotes } else { self.spaces } & (u64::MAX << (from % 64));
        loop {
            if bits != 0 {
                return Some(block * 64 + bits.trailing_zeros() as usize);
            }
            block += 1;
            if !self.load(block) {
                return None;
            }
            bits = if quote { self.quotes } else { self.spaces };
        }
    }
}

/// How many fields `line` holds, if it is plain: every quote (but escaped ones) opens a field
/// or closes one, no empty field, no quote left open; the first `starts.len()` of them start
/// where `starts` says. `None` otherwise: the caller walks the
/// fields to find out exactly what is wrong.
#[inline]
fn plain_fields(line: &[u8], starts: &mut [u32]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2, POPCNT, BMI1 and BMI2, checked just above.
        return unsafe { plain_fields_avx2(line, starts) };
    }
    plain_fields_with::<Baseline>(line, starts)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi1,bmi2")]
fn plain_fields_avx2(line: &[u8], starts: &mut [u32]) -> Option<usize> {
    plain_fields_with::<Avx2>(line, starts)
}

#[inline(always)]
fn plain_fields_with<S: Simd>(line: &[u8], starts: &mut [u32]) -> Option<usize> {
    let n = line.len();
    if n == 0 || line[n - 1] == b' ' {
        return None;
    }
    let mut state = Carry {
        fields: 0,
        inside: 0,
        after_separator: 1,
        after_close: 0,
        after_backslash: 0,
    };
    let mut at = 0;
    // Full blocks apart from the last one, so that their shifts are by constants.
    while at + 64 <= n {
        state.block::<S>(line, at, 64, starts)?;
        at += 64;
    }
    if at < n {
        state.block::<S>(line, at, n - at, starts)?;
    }
    (state.inside == 0).then_some(state.fields)
}

/// What one block of [`plain_fields`] hands the next: fields so far, and whether its last
/// byte was inside quotes (all ones or 0), a separator, a closing quote, a backslash (1 or 0).
struct Carry {
    fields: usize,
    inside: u64,
    after_separator: u64,
    after_close: u64,
    after_backslash: u64,
}

impl Carry {
    /// The `len` (1..=64) bytes of `line` from `at`; `None` if they are not plain.
    #[inline(always)]
    fn block<S: Simd>(
        &mut self,
        line: &[u8],
        at: usize,
        len: usize,
        starts: &mut [u32],
    ) -> Option<()> {
        let valid = if len == 64 {
            u64::MAX
        } else {
            (1u64 << len) - 1
        };
        let [spaces, mut quotes, backslashes] = eq_masks_at::<S, 3>(line, at, [b' ', b'"', b'\\']);
        // A quote right after a backslash may be escaped (`\"` in user agents): rare, so each
        // is settled by the walk's own rule.
        let mut maybe_escaped = quotes & ((backslashes << 1) | self.after_backslash);
        while maybe_escaped != 0 {
            let k = maybe_escaped.trailing_zeros();
            if escaped(line, at + k as usize) {
                quotes &= !(1 << k);
            }
            maybe_escaped &= maybe_escaped - 1;
        }
        // Bit k set while inside quotes after byte k: a quote opens where it turns on.
        let within = prefix_xor(quotes) ^ self.inside;
        let opens = quotes & within;
        let closes = quotes & !within;
        let separators = spaces & !within & valid;
        let field_starts = (separators << 1) | self.after_separator;
        let after_closes = (closes << 1) | self.after_close;
        // A quote inside a field, text right after a closing quote, two separators in a row.
        if opens & !field_starts != 0
            || after_closes & valid & !separators != 0
            || separators & field_starts != 0
        {
            return None;
        }
        let mut new = field_starts & valid;
        while self.fields < starts.len() && new != 0 {
            starts[self.fields] = (at + new.trailing_zeros() as usize) as u32;
            self.fields += 1;
            new &= new - 1;
        }
        self.fields += new.count_ones() as usize;
        let last = len - 1;
        // Bit `last`, as 1 or 0; `inside` spreads it to every bit.
        let bit = |m: u64| m >> last & 1;
        self.inside = bit(within).wrapping_neg();
        self.after_separator = bit(separators);
        self.after_close = bit(closes);
        self.after_backslash = bit(backslashes);
        Some(())
    }
}

/// A quote preceded by an odd number of backslashes is escaped (`\"` in user agents).
fn escaped(line: &[u8], quote: usize) -> bool {
    line[..quote]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
}

fn parse_status(s: &[u8]) -> Result<Option<u16>, LineError> {
    match s {
        b"-" => Ok(None),
        [a, b, c] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => Ok(Some(
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'),
        )),
        _ => Err(LineError::BadStatus),
    }
}

/// `0.048` → 48, `12` → 12000, `0.0005` → 1 (any fraction of a millisecond rounds up, so a
/// threshold is never met by rounding). `-1` → None.
fn parse_seconds_as_ms(s: &[u8]) -> Result<Option<u64>, LineError> {
    // What ALB writes for anything under ten seconds: one digit and three decimals.
    if let &[i, b'.', a, b, c] = s
        && [i, a, b, c].iter().all(u8::is_ascii_digit)
    {
        let d = |x: u8| u64::from(x - b'0');
        return Ok(Some(d(i) * 1000 + d(a) * 100 + d(b) * 10 + d(c)));
    }
    if s == b"-1" {
        return Ok(None);
    }
    let (int, frac) = match memchr::memchr(b'.', s) {
        Some(p) => (&s[..p], &s[p + 1..]),
        None => (s, &[][..]),
    };
    if int.is_empty() || int.len() > 9 || !int.iter().all(u8::is_ascii_digit) {
        return Err(LineError::BadTiming);
    }
    if !frac.iter().all(u8::is_ascii_digit) {
        return Err(LineError::BadTiming);
    }
    let mut ms = int.iter().fold(0u64, |a, d| a * 10 + u64::from(d - b'0')) * 1000;
    for (k, d) in frac.iter().take(3).enumerate() {
        ms += u64::from(d - b'0') * [100, 10, 1][k];
    }
    if frac.len() > 3 && frac[3..].iter().any(|&d| d != b'0') {
        ms += 1;
    }
    Ok(Some(ms))
}

/// `2018-07-02T22:23:00.186641Z` → Unix seconds (fraction dropped).
#[inline]
pub fn parse_time(s: &[u8]) -> Option<i64> {
    parse_alb_time(s).or_else(|| parse_any_time(s))
}

/// The shape ALB writes (microseconds, 27 bytes), checked and read eight bytes at a time;
/// `None` for anything else, which [`parse_any_time`] reads or rejects.
#[inline]
fn parse_alb_time(s: &[u8]) -> Option<i64> {
    /// Each template's `0`s stand for digits; its other bytes must be there as they are.
    const TEMPLATES: [&[u8; 8]; 4] = [b"0000-00-", b"00T00:00", b":00.0000", b".000000Z"];
    const fn fixed(t: &[u8; 8]) -> u64 {
        let (mut mask, mut i) = (0u64, 0);
        while i < 8 {
            if t[i] != b'0' {
                mask |= 0xFF << (8 * i);
            }
            i += 1;
        }
        mask
    }
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const SIX: u64 = 0x0606_0606_0606_0606;
    if s.len() != 27 {
        return None;
    }
    let mut words = [0u64; 4];
    for (k, (word, from)) in words.iter_mut().zip([0, 8, 16, 19]).enumerate() {
        let w = u64::from_le_bytes(s[from..from + 8].try_into().ok()?);
        // Digits become 0..=9 and fixed bytes 0: any other byte has a high nibble, or gets
        // one when 6 is added.
        let d = w ^ u64::from_le_bytes(*TEMPLATES[k]);
        if d & HIGH != 0 || (d + SIX) & HIGH != 0 || d & fixed(TEMPLATES[k]) != 0 {
            return None;
        }
        *word = d;
    }
    let digit = |w: usize, i: usize| (words[w] >> (8 * i) & 0xFF) as i64;
    let two = |w: usize, i: usize| digit(w, i) * 10 + digit(w, i + 1);
    let y = two(0, 0) * 100 + two(0, 2);
    let (m, d) = (two(0, 5), two(1, 0));
    let (hh, mm, ss) = (two(1, 3), two(1, 6), two(2, 1));
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Any ISO 8601 UTC time with whole or fractional seconds.
#[cold]
fn parse_any_time(s: &[u8]) -> Option<i64> {
    if s.len() < 20
        || s[4] != b'-'
        || s[7] != b'-'
        || s[10] != b'T'
        || s[13] != b':'
        || s[16] != b':'
    {
        return None;
    }
    if *s.last()? != b'Z' {
        return None;
    }
    let num = |a: usize, b: usize| -> Option<i64> {
        s[a..b].iter().try_fold(0i64, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let frac_ok =
        s.len() == 20 || (s[19] == b'.' && s[20..s.len() - 1].iter().all(u8::is_ascii_digit));
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 || !frac_ok
    {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The example entries of AWS's access-log documentation.
    pub const AWS_HTTP: &str = r#"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90 "-" "-" "-""#;
    pub const AWS_HTTPS: &str = r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90 "m.example.com" "-" "TransformSuccess""#;
    pub const AWS_H2: &str = r#"h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "-" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-" TID_1234abcd5678ef90 "-" "-" "-""#;
    pub const AWS_WS: &str = r#"ws 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.0.140:40914 10.0.1.192:8010 0.001 0.003 0.000 101 101 218 587 "GET http://10.0.0.30:80/ HTTP/1.1" "-" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.1.192:8010" "101" "-" "-" TID_1234abcd5678ef90 "-" "-" "-""#;
    pub const AWS_WSS: &str = r#"wss 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.0.140:44244 10.0.0.171:8010 0.000 0.001 0.000 101 101 218 786 "GET https://10.0.0.30:443/ HTTP/1.1" "-" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.171:8010" "101" "-" "-" TID_1234abcd5678ef90 "-" "-" "-""#;
    pub const AWS_LAMBDA: &str = r#"http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "-" "-" "-" "-" "-" TID_1234abcd5678ef90 "-" "-" "-""#;
    pub const AWS_LAMBDA_FAILED: &str = r#"http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 0.001 0.000 502 - 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "LambdaInvalidResponse" "-" "-" "-" "-" TID_1234abcd5678ef90 "-" "-" "-""#;

    #[test]
    fn a_plain_line_is_split_a_block_at_a_time() {
        let line = AWS_HTTPS.as_bytes();
        let walked = Entry::split(line).unwrap();
        let mut starts = [0u32; HEAD + 1];
        assert_eq!(plain_fields(line, &mut starts), Some(FIELD_NAMES.len()));
        assert_eq!(starts, walked.starts[..=HEAD]);
        // What needs the walk: a quote inside a field, an empty field, a quote left open.
        for bad in [r#" a"b"#, "  x", r#" "open"#, " x "] {
            let longer = [line, bad.as_bytes()].concat();
            assert_eq!(plain_fields(&longer, &mut []), None, "{bad}");
        }
        let escaped = [line, br#" "a\"b""#].concat();
        assert_eq!(plain_fields(&escaped, &mut []), Some(FIELD_NAMES.len() + 1));
    }

    /// Runs of backslashes before a quote in the user agent, ending on every byte of two block
    /// edges: odd runs escape the quote, even ones do not, in blocks as in the walk.
    #[test]
    fn escaped_quotes_are_read_alike_across_block_edges() {
        for pad in 0..80 {
            for run in 1..=4 {
                let agent = format!(r#""{}{}" x""#, "a".repeat(pad), "\\".repeat(run));
                let line = AWS_HTTPS.replace(r#""curl/7.46.0""#, &agent);
                let (walked, fast) = (
                    Entry::split(line.as_bytes()),
                    Entry::split_with(line.as_bytes(), true),
                );
                match (walked, fast) {
                    (Ok(w), Ok(f)) => {
                        assert_eq!(w.count, f.count, "{pad} {run}");
                        for i in 0..HEAD {
                            assert_eq!(w.field(i), f.field(i), "{pad} {run} field {i}");
                        }
                    }
                    (w, f) => assert_eq!(w.map(|e| e.count), f.map(|e| e.count), "{pad} {run}"),
                }
            }
        }
    }

    #[test]
    fn every_documented_example_parses() {
        for line in [
            AWS_HTTP,
            AWS_HTTPS,
            AWS_H2,
            AWS_WS,
            AWS_WSS,
            AWS_LAMBDA,
            AWS_LAMBDA_FAILED,
        ] {
            let r = Entry::parse(line.as_bytes()).unwrap_or_else(|err| panic!("{err}: {line}"));
            let e = Entry::split_with(line.as_bytes(), true).unwrap();
            assert_eq!(e.field_count(), 33);
            assert_eq!(r.elb, b"app/my-loadbalancer/50dc6c495c0c9188");
            assert_eq!(
                r.target_group,
                Some(&b"targetgroup/my-targets/73e2d6bc24d8a067"[..])
            );
            // Split for `parse`, a line keeps the bounds up to target_group_arn; `split` keeps
            // them all.
            assert_eq!(e.field(field::CONN_TRACE_ID), b"");
            let all = Entry::split(line.as_bytes()).unwrap();
            assert_eq!(all.field(field::CONN_TRACE_ID), b"TID_1234abcd5678ef90");
        }
    }

    /// The line cut to its first `n` fields, or with fields appended up to `n`.
    fn with_fields(line: &str, n: usize) -> String {
        let all = Entry::split(line.as_bytes()).unwrap();
        if n <= all.count {
            let end = if n == all.count {
                line.len()
            } else {
                all.starts[n] as usize - 1
            };
            line[..end].to_owned()
        } else {
            let extra: Vec<String> = (all.count..n).map(|i| format!("\"new-{i}\"")).collect();
            format!("{line} {}", extra.join(" "))
        }
    }

    /// Every generation of the format, 18 fields (ALB's first, through `trace_id`) to 36
    /// (three more than today's), gives each documented example the verdict the field
    /// definitions give it: the same as today's 33-field line, and 29 fields (the line before
    /// `conn_trace_id`) the same as 30.
    #[test]
    fn every_generation_of_the_format_gives_the_same_verdict() {
        let verdicts = [
            (AWS_HTTP, Some(200), Some(1)),
            (AWS_HTTPS, Some(200), Some(48)),
            (AWS_H2, Some(200), Some(2)),
            (AWS_WS, Some(101), Some(3)),
            (AWS_WSS, Some(101), Some(1)),
            (AWS_LAMBDA, Some(200), Some(1)),
            (AWS_LAMBDA_FAILED, Some(502), Some(1)),
        ];
        for (line, status, target_ms) in verdicts {
            for n in MIN_FIELDS..=36 {
                let cut = with_fields(line, n);
                let r = Entry::parse(cut.as_bytes()).unwrap_or_else(|e| panic!("{n}: {e}: {cut}"));
                assert_eq!(
                    (r.elb_status, r.target_ms),
                    (status, target_ms),
                    "{n}: {cut}"
                );
                assert_eq!(r.is_server_error(), status == Some(502), "{n}");
                assert_eq!(r.time, Entry::parse(line.as_bytes()).unwrap().time);
                assert_eq!(
                    r.target_group,
                    Some(&b"targetgroup/my-targets/73e2d6bc24d8a067"[..])
                );
            }
            let short = with_fields(line, MIN_FIELDS - 1);
            assert_eq!(
                Entry::parse(short.as_bytes()).map(|_| ()),
                Err(LineError::FieldCount(MIN_FIELDS - 1))
            );
        }
    }

    #[test]
    fn the_documented_https_entry_reads_field_by_field() {
        let r = Entry::parse(AWS_HTTPS.as_bytes()).unwrap();
        let e = Entry::split_with(AWS_HTTPS.as_bytes(), true).unwrap();
        assert_eq!(e.kind(), Ok(&b"https"[..]));
        assert_eq!(r.time, 1_530_570_180);
        assert_eq!(r.target_ms, Some(48));
        assert_eq!(r.elb_status, Some(200));
        assert!(!r.is_server_error());
        assert_eq!(
            e.field(field::REQUEST),
            b"GET https://www.example.com:443/ HTTP/1.1"
        );
        let all = Entry::split(AWS_HTTPS.as_bytes()).unwrap();
        assert_eq!(all.field(22), b"authenticate,forward");
        assert_eq!(all.field(32), b"TransformSuccess");
    }

    #[test]
    fn a_failed_lambda_is_a_502_with_no_target_status() {
        let r = Entry::parse(AWS_LAMBDA_FAILED.as_bytes()).unwrap();
        assert!(r.is_server_error());
        let e = Entry::split_with(AWS_LAMBDA_FAILED.as_bytes(), true).unwrap();
        assert_eq!(e.field(field::TARGET_STATUS_CODE), b"-");
        let all = Entry::split(AWS_LAMBDA_FAILED.as_bytes()).unwrap();
        assert_eq!(all.field(24), b"LambdaInvalidResponse");
    }

    #[test]
    fn quoted_fields_keep_spaces_and_escaped_quotes() {
        let line = AWS_HTTP.replace(
            r#""curl/7.46.0""#,
            r#""Mozilla/5.0 (X11; Linux) \"quoted\" C:\\dir\\""#,
        );
        assert!(Entry::parse(line.as_bytes()).is_ok());
        let e = Entry::split_with(line.as_bytes(), true).unwrap();
        assert_eq!(
            e.field(field::USER_AGENT),
            br#"Mozilla/5.0 (X11; Linux) \"quoted\" C:\\dir\\"#
        );
        assert_eq!(e.field_count(), 33);
    }

    #[test]
    fn a_target_that_never_answered_has_no_latency() {
        let line = AWS_HTTP.replace(" 0.000 0.001 0.000 200 200 ", " 0.000 -1 -1 504 - ");
        let r = Entry::parse(line.as_bytes()).unwrap();
        assert_eq!(r.target_ms, None);
        assert_eq!(r.elb_status, Some(504));
        assert!(r.is_server_error());
    }

    #[test]
    fn fields_appended_by_aws_later_are_tolerated() {
        let line = format!("{AWS_HTTP} \"new-field\" 42");
        assert!(Entry::parse(line.as_bytes()).is_ok());
        let e = Entry::split_with(line.as_bytes(), true).unwrap();
        assert_eq!(e.field_count(), 35);
        let older: Vec<&str> = AWS_HTTP.split(' ').collect();
        let without_transforms = older[..older.len() - 3].join(" ");
        assert!(Entry::parse(without_transforms.as_bytes()).is_ok());
    }

    #[test]
    fn broken_lines_are_rejected_with_a_reason() {
        let half = &AWS_HTTP[..AWS_HTTP.find("curl/7").unwrap()];
        assert_eq!(
            Entry::parse(half.as_bytes()).unwrap_err(),
            LineError::UnterminatedQuote
        );
        // Cut before `trace_id`: shorter than ALB's first format.
        let cut = &AWS_HTTP[..AWS_HTTP.find("\"Root=").unwrap()];
        assert!(matches!(
            Entry::parse(cut.trim_end().as_bytes()),
            Err(LineError::FieldCount(17))
        ));
        for (from, to, err) in [
            ("http ", "ftp ", LineError::UnknownType),
            (
                "2018-07-02T22:23:00.186641Z",
                "yesterday",
                LineError::BadTime,
            ),
            (" 200 200 ", " 2x0 200 ", LineError::BadStatus),
            (" 0.001 0.000 ", " fast 0.000 ", LineError::BadTiming),
            (
                "app/my-loadbalancer",
                "net/my-loadbalancer",
                LineError::BadElb,
            ),
            (
                "\"curl/7.46.0\"",
                "\"curl/7.46.0\"x",
                LineError::JunkAfterQuote,
            ),
        ] {
            let line = AWS_HTTP.replacen(from, to, 1);
            assert_eq!(
                Entry::parse(line.as_bytes()).unwrap_err(),
                err,
                "{from} → {to}"
            );
        }
        assert!(Entry::parse(b"").is_err());
        assert!(Entry::parse(b"\x00\x01\xff junk").is_err());
    }

    #[test]
    fn times_convert_to_unix_seconds() {
        assert_eq!(parse_time(b"1970-01-01T00:00:00.000000Z"), Some(0));
        assert_eq!(parse_time(b"2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(
            parse_time(b"2026-11-22T05:30:59.999999Z"),
            Some(1_795_325_459)
        );
        assert_eq!(parse_time(b"2026-13-01T00:00:00.0Z"), None);
        assert_eq!(parse_time(b"2026-11-22T05:30:59.999999"), None);
        assert_eq!(parse_time(b"2026-11-22T05:30:5x.9Z"), None);
        // ALB's own shape, read eight bytes at a time, with each kind of damage.
        let alb = b"2026-11-22T05:30:59.999999Z";
        assert_eq!(parse_alb_time(alb), Some(1_795_325_459));
        for (at, byte) in [
            (0, b'x'),
            (4, b'/'),
            (7, b'.'),
            (10, b't'),
            (13, b'-'),
            (16, b';'),
            (19, b','),
            (22, b':'),
            (26, b'z'),
        ] {
            let mut bad = *alb;
            bad[at] = byte;
            assert_eq!(
                parse_alb_time(&bad),
                None,
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
    }

    #[test]
    fn seconds_become_milliseconds_rounded_up() {
        assert_eq!(parse_seconds_as_ms(b"0.048"), Ok(Some(48)));
        assert_eq!(parse_seconds_as_ms(b"1.000"), Ok(Some(1000)));
        assert_eq!(parse_seconds_as_ms(b"12"), Ok(Some(12_000)));
        assert_eq!(parse_seconds_as_ms(b"0.0001"), Ok(Some(1)));
        assert_eq!(parse_seconds_as_ms(b"0.0010"), Ok(Some(1)));
        assert_eq!(parse_seconds_as_ms(b"-1"), Ok(None));
        assert!(parse_seconds_as_ms(b"-2").is_err());
        assert!(parse_seconds_as_ms(b"").is_err());
        assert!(parse_seconds_as_ms(b"1.2.3").is_err());
    }

    proptest! {
        /// The eight-bytes-at-a-time reader accepts nothing the general one rejects, and
        /// reads the same time.
        #[test]
        fn alb_times_read_as_any_time(
            secs in 0i64..4_000_000_000,
            micros in 0u32..1_000_000,
            edits in prop::collection::vec((0usize..27, any::<u8>()), 0..3),
        ) {
            let t = chrono::DateTime::from_timestamp(secs, micros * 1000).unwrap();
            let mut s = t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string().into_bytes();
            for (at, byte) in edits {
                s[at] = byte;
            }
            if let Some(fast) = parse_alb_time(&s) {
                prop_assert_eq!(Some(fast), parse_any_time(&s));
            }
        }

        /// `D.DDD`, read directly, is what the general reader makes of `D.DDD0`.
        #[test]
        fn three_decimals_read_as_any_decimals(text in "[0-9x]\\.[0-9x][0-9][0-9]") {
            let longer = format!("{text}0");
            prop_assert_eq!(
                parse_seconds_as_ms(text.as_bytes()),
                parse_seconds_as_ms(longer.as_bytes())
            );
        }

        #[test]
        fn times_agree_with_chrono(secs in 0i64..4_000_000_000, micros in 0u32..1_000_000) {
            let t = chrono::DateTime::from_timestamp(secs, micros * 1000).unwrap();
            let text = t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
            prop_assert_eq!(parse_time(text.as_bytes()), Some(secs));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = Entry::parse(&bytes);
        }

        /// Splitting a block at a time finds what the field-by-field walk finds.
        #[test]
        fn splitting_by_blocks_agrees_with_walking(
            which in 0usize..7,
            edits in prop::collection::vec((0usize..800, prop::sample::select(vec![b' ', b'"', b'\\', b'x', b'-'])), 0..4),
            cut in 0usize..900,
        ) {
            let examples = [AWS_HTTP, AWS_HTTPS, AWS_H2, AWS_WS, AWS_WSS, AWS_LAMBDA, AWS_LAMBDA_FAILED];
            let mut line = examples[which].as_bytes().to_vec();
            // Lines of more than one 64-byte block of tail, and of every length.
            line.extend_from_slice(br#" "extra field with spaces" more"#);
            for (at, byte) in edits {
                if at < line.len() {
                    line[at] = byte;
                }
            }
            line.truncate(cut.max(1));
            // The baseline (SSE2) splitter finds what the one this CPU runs finds.
            let (mut baseline, mut here) = ([0u32; HEAD + 1], [0u32; HEAD + 1]);
            prop_assert_eq!(
                plain_fields_with::<Baseline>(&line, &mut baseline),
                plain_fields(&line, &mut here)
            );
            prop_assert_eq!(baseline, here);
            let walked = Entry::split(&line);
            let counted = Entry::split_with(&line, true);
            match (walked, counted) {
                (Ok(w), Ok(c)) => {
                    prop_assert_eq!(w.count, c.count);
                    for f in 0..HEAD {
                        prop_assert_eq!(w.field(f), c.field(f));
                    }
                }
                (Err(w), Err(c)) => prop_assert_eq!(w, c),
                (w, c) => prop_assert!(false, "walked {:?}, counted {:?}", w.map(|e| e.count), c.map(|e| e.count)),
            }
        }

        #[test]
        fn damaged_real_lines_never_panic(cut in 0usize..700, byte in any::<u8>()) {
            let mut line = AWS_HTTPS.as_bytes().to_vec();
            if cut < line.len() {
                line[cut] = byte;
            }
            let _ = Entry::parse(&line);
            let _ = Entry::parse(&line[..cut.min(line.len())]);
        }
    }
}
