//! A template's JSON text, printed from its tree byte for byte as `serde_json` prints it
//! (`to_writer_pretty`: two spaces per level, `": "` after a key, `[]` and `{}` when
//! empty; `to_writer`: no whitespace), in fewer instructions: serde_json's pretty
//! printer writes the indentation one level at a time through its formatter, which at
//! a few hundred thousand lines per split run is a tenth of the whole process. Here the
//! indentation is one slice of a run of spaces, and a string without a character to
//! escape (nearly all of a template's) is copied whole.

use super::json::Json as Value;

/// Appends `value` to `out` as `serde_json::to_writer_pretty` would write it.
pub fn write_pretty(out: &mut String, value: &Value) {
    pretty(out, value, 0, &mut Uncounted);
}

/// [`write_pretty`], returning the bytes of whitespace it wrote (line breaks,
/// indentation, the space after each key's colon): the text less these is what
/// [`write_compact`] writes. Validation names that size of a template that may be
/// deployed inline (the `--minify` hint); counting it here, a few instructions per
/// object or array, spares a walk of the whole tree ([`compact_len`]), a tenth of a
/// 2-user run's instructions.
pub fn write_pretty_counted(out: &mut String, value: &Value) -> usize {
    let mut whitespace = 0;
    pretty(out, value, 0, &mut whitespace);
    whitespace
}

/// What the printer does with the bytes of whitespace it writes: counts them or not.
trait Whitespace {
    fn add(&mut self, bytes: usize);
}

impl Whitespace for usize {
    fn add(&mut self, bytes: usize) {
        *self += bytes;
    }
}

/// Whitespace not counted: the printer that has no use for the count (every template
/// never deployed inline, a split run's children) pays nothing for it.
struct Uncounted;

impl Whitespace for Uncounted {
    fn add(&mut self, _: usize) {}
}

/// Appends `value` to `out` as `serde_json::to_writer` would write it.
pub fn write_compact(out: &mut String, value: &Value) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, key);
                out.push(':');
                write_compact(out, item);
            }
            out.push('}');
        }
        scalar => write_scalar(out, scalar),
    }
}

/// The length in bytes of `value` as `serde_json::to_writer` writes it, counted without
/// writing it: validation measures whole templates (the `--minify` size) and every
/// policy document (IAM's size limits) this way.
pub fn compact_len(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => n.to_string().len(),
        Value::String(s) => string_len(s),
        // The brackets, and a comma between items.
        Value::Array(items) => {
            2 + items.len().saturating_sub(1) + items.iter().map(compact_len).sum::<usize>()
        }
        // The braces, a colon per entry, and a comma between entries.
        Value::Object(map) => {
            2 + map.len()
                + map.len().saturating_sub(1)
                + map
                    .iter()
                    .map(|(key, item)| string_len(key) + compact_len(item))
                    .sum::<usize>()
        }
    }
}

/// The length of `s` quoted and escaped as [`string`] writes it.
fn string_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    if !any_needs_escape(bytes) {
        return bytes.len() + 2;
    }
    let mut escapes = 0;
    for_each_escaped(bytes, |at| escapes += escape_sequence(bytes[at]).1 - 1);
    bytes.len() + 2 + escapes
}

/// A comma, a line break and the indentation of the deepest lines: each line's start is
/// one slice of it (`,` only after an item; deeper lines, which no template has, take
/// more slices of spaces).
const LINE_START: &str = ",\n                                                                ";

/// Starts a line at `level`: after an item a comma ends the item first (`after_item`);
/// after an opening bracket or before a closing one, the line break alone.
fn new_line(out: &mut String, after_item: bool, level: usize) {
    let width = 2 * level;
    let from = usize::from(!after_item);
    let shallow = width.min(LINE_START.len() - 2);
    append(out, &LINE_START[from..2 + shallow]);
    let mut deeper = width - shallow;
    while deeper > 0 {
        let n = deeper.min(LINE_START.len() - 2);
        append(out, &LINE_START[2..2 + n]);
        deeper -= n;
    }
}

/// Appends `s` to `out`.
#[inline]
fn append(out: &mut String, s: &str) {
    out.reserve(s.len());
    // SAFETY: `reserve` left room for `s.len()` more bytes; `s` is UTF-8 and is not
    // `out`, which is borrowed mutably.
    unsafe {
        let bytes = out.as_mut_vec();
        let at = bytes.len();
        copy(s.as_bytes(), bytes.as_mut_ptr().add(at));
        bytes.set_len(at + s.len());
    }
}

/// Copies `src` to `dst`. Text of up to 64 bytes (a key, most values, a line's
/// indentation: nearly every piece of a template) is copied with two fixed-size moves,
/// not with a call to the C library's `memcpy`, whose cost per call outweighs such a
/// copy: musl's, which the static Linux builds link, most of all (it starts a `rep movsq`
/// for any size).
///
/// # Safety
/// `dst` is valid for writes of `src.len()` bytes and does not overlap `src`.
#[inline]
unsafe fn copy(src: &[u8], dst: *mut u8) {
    let len = src.len();
    let from = src.as_ptr();
    // SAFETY (of each move): it writes inside `dst[..len]` what is at the same offsets of
    // `src[..len]`, as the caller allows. A pair of `n`-byte moves covers `[0, n)` and
    // `[len - n, len)`, all of `len` when `n <= len <= 2n`, as each arm has; the three
    // bytes of the last arm cover lengths 1 to 3. So `src` is copied whole.
    unsafe {
        let pair = |n: usize| {
            std::ptr::copy_nonoverlapping(from, dst, n);
            std::ptr::copy_nonoverlapping(from.add(len - n), dst.add(len - n), n);
        };
        match len {
            65.. => std::ptr::copy_nonoverlapping(from, dst, len),
            32..=64 => pair(32),
            16..=31 => pair(16),
            8..=15 => pair(8),
            4..=7 => pair(4),
            1..=3 => {
                *dst = *from;
                *dst.add(len / 2) = *from.add(len / 2);
                *dst.add(len - 1) = *from.add(len - 1);
            }
            0 => {}
        }
    }
}

/// Writes `src` between quotes at `dst` (`src.len() + 2` bytes), as [`copy`] copies.
///
/// # Safety
/// `dst` is valid for writes of `src.len() + 2` bytes and does not overlap `src`.
#[inline]
unsafe fn copy_quoted(src: &[u8], dst: *mut u8) {
    // SAFETY: the quotes go to `dst[0]` and `dst[src.len() + 1]`, `src` in between, all
    // inside what the caller allows.
    unsafe {
        *dst = b'"';
        copy(src, dst.add(1));
        *dst.add(1 + src.len()) = b'"';
    }
}

/// Starts the line of an object's entry at `level` ([`new_line`]) and writes its key and
/// `": "`. A key with nothing to escape on a line no deeper than the run of spaces (every
/// entry of a template) takes one reservation for all of it: 54.16 → 52.86 M
/// instructions at 1,000 users, against the line, the key and `": "` each on its own.
/// Always inlined: with two printers ([`Whitespace`] counted or not) the compiler
/// stopped inlining it, a call per entry (45.54 M at 1,000 users, against 44.89 M
/// inlined).
#[inline(always)]
fn entry_start(out: &mut String, after_item: bool, level: usize, key: &str) {
    let width = 2 * level;
    if width > LINE_START.len() - 2 || any_needs_escape(key.as_bytes()) {
        new_line(out, after_item, level);
        string(out, key);
        out.push_str(": ");
        return;
    }
    let line = &LINE_START.as_bytes()[usize::from(!after_item)..2 + width];
    let len = line.len() + key.len() + 4;
    out.reserve(len);
    // SAFETY: `reserve` left room for the `len` bytes written: the line's start, the
    // quoted key and `": "`, each copied from a slice that is not `out` (borrowed
    // mutably). The line's start and the quotes are ASCII and the key UTF-8, so
    // `set_len` leaves `out` UTF-8.
    unsafe {
        let bytes = out.as_mut_vec();
        let at = bytes.len();
        let dst = bytes.as_mut_ptr().add(at);
        copy(line, dst);
        copy_quoted(key.as_bytes(), dst.add(line.len()));
        copy(b": ", dst.add(line.len() + key.len() + 2));
        bytes.set_len(at + len);
    }
}

/// Prints `value` at `level`, adding to `whitespace` the bytes of whitespace written
/// (see [`write_pretty`]): for `n` items or entries, `n + 1` line breaks, `n` lines
/// indented one level deeper and the closing line at `level`, and after each key a space.
fn pretty<W: Whitespace>(out: &mut String, value: &Value, level: usize, whitespace: &mut W) {
    let lines = |n: usize| n * (1 + 2 * (level + 1)) + 1 + 2 * level;
    match value {
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            whitespace.add(lines(items.len()));
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                new_line(out, i > 0, level + 1);
                pretty(out, item, level + 1, whitespace);
            }
            new_line(out, false, level);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            whitespace.add(lines(map.len()) + map.len());
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                entry_start(out, i > 0, level + 1, key);
                pretty(out, item, level + 1, whitespace);
            }
            new_line(out, false, level);
            out.push('}');
        }
        scalar => write_scalar(out, scalar),
    }
}

fn write_scalar(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        // Numbers are rare in a template; serde_json prints them, so they match exactly.
        Value::Number(n) => {
            use std::fmt::Write as _;
            write!(out, "{n}").expect("a String takes any text");
        }
        Value::String(s) => string(out, s),
        Value::Array(_) | Value::Object(_) => unreachable!("containers are printed by the caller"),
    }
}

/// Whether byte `b` is escaped in a JSON string as serde_json escapes: `"`, `\` and the
/// control characters below 0x20.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// A byte of 1 in each of a word's 8 bytes, and each byte's top bit: the masks of the
/// word-at-a-time checks (here, in [`super::logical_id`] and in the reader of
/// definitions).
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether any of the 8 bytes of `word` is escaped ([`needs_escape`]). A byte is below
/// 0x20 where subtracting 0x20 from it borrows into its top bit, and is `"` or `\` where
/// it becomes zero when compared (xor) with that byte, and so borrows when 1 is
/// subtracted; `& !word` drops the bytes whose top bit was set already (non-ASCII, never
/// escaped; comparing with an ASCII byte keeps a top bit as it is, so one mask serves
/// all three tests). Exact as a yes or no: a borrow can also mark the byte above a
/// match, never a word without one.
fn word_needs_escape(word: u64) -> bool {
    let control = word.wrapping_sub(ONES * 0x20);
    let quote = (word ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES);
    let backslash = (word ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES);
    (control | quote | backslash) & !word & HIGH != 0
}

/// Whether any byte of `bytes` is escaped ([`needs_escape`]). Nearly every string of a
/// template has nothing to escape, and this settles it in a few instructions, so that it
/// is copied whole: on x86-64 16 bytes at a time with SSE2 ([`any_needs_escape_sse2`]),
/// elsewhere 8 at a time ([`any_needs_escape_by_words`]).
#[inline]
fn any_needs_escape(bytes: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        any_needs_escape_sse2(bytes)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        any_needs_escape_by_words(bytes)
    }
}

/// [`any_needs_escape`] a word at a time: a string of 8 bytes or more a word at a time,
/// its last word overlapping the one before (no copy of a remainder, which cost a
/// `memcpy` call per string); one of 4 to 7 bytes (most keys: `Type`, `Value`, `Key`,
/// `Tags`) and shorter ones as [`short_needs_escape`] does.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn any_needs_escape_by_words(bytes: &[u8]) -> bool {
    let Some(last) = bytes.last_chunk::<8>() else {
        return short_needs_escape(bytes);
    };
    let (words, _) = bytes.as_chunks::<8>();
    words
        .iter()
        .any(|word| word_needs_escape(u64::from_le_bytes(*word)))
        || word_needs_escape(u64::from_le_bytes(*last))
}

/// [`any_needs_escape`] of a string shorter than 8 bytes: one of 4 to 7 bytes as one
/// word of its first and last 4 bytes (which overlap, so that a byte is in the word
/// exactly when it is in the string), a shorter one a byte at a time.
fn short_needs_escape(bytes: &[u8]) -> bool {
    match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        (Some(first), Some(last)) => word_needs_escape(
            u64::from(u32::from_le_bytes(*first)) | (u64::from(u32::from_le_bytes(*last)) << 32),
        ),
        _ => bytes.iter().any(|&b| needs_escape(b)),
    }
}

/// [`any_needs_escape`] 16 bytes at a time (SSE2, which every x86-64 processor has): a
/// string of 16 bytes or more in 16-byte blocks, its last block overlapping the one
/// before; one of 8 to 15 bytes as one block of its first and last 8 bytes; one of 4 to 7
/// bytes as [`short_needs_escape`] does. Against a word at a time: 56.6 → 55.0 M
/// instructions at 1,000 users.
#[cfg(target_arch = "x86_64")]
fn any_needs_escape_sse2(bytes: &[u8]) -> bool {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x,
        _mm_set1_epi8,
    };
    // Whether any of the 16 bytes `low` then `high` is escaped: a byte is a control
    // character when the smaller of it and 0x1f (compared unsigned) is itself.
    let block_needs_escape = |low: u64, high: u64| {
        // SAFETY: SSE2 is part of the x86-64 baseline, and these take no pointers.
        unsafe {
            let block = _mm_set_epi64x(high.cast_signed(), low.cast_signed());
            let control = _mm_cmpeq_epi8(_mm_min_epu8(block, _mm_set1_epi8(0x1f)), block);
            let quote = _mm_cmpeq_epi8(block, _mm_set1_epi8(b'"'.cast_signed()));
            let backslash = _mm_cmpeq_epi8(block, _mm_set1_epi8(b'\\'.cast_signed()));
            _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) != 0
        }
    };
    let halves = |block: &[u8; 16]| {
        let (low, high) = block.split_at(8);
        (
            u64::from_le_bytes(low.try_into().expect("8 bytes")),
            u64::from_le_bytes(high.try_into().expect("8 bytes")),
        )
    };
    if let Some(last) = bytes.last_chunk::<16>() {
        let (blocks, _) = bytes.as_chunks::<16>();
        return blocks.iter().chain([last]).any(|block| {
            let (low, high) = halves(block);
            block_needs_escape(low, high)
        });
    }
    if let (Some(first), Some(last)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        return block_needs_escape(u64::from_le_bytes(*first), u64::from_le_bytes(*last));
    }
    short_needs_escape(bytes)
}

/// Calls `each` with the place in `bytes` of each byte to escape ([`needs_escape`]), in
/// order: a word at a time from the exact mask of each word ([`escape_mask`]), then the
/// last bytes one by one. Only long strings have any (a function's inline code: line
/// breaks and quotes), and they are long: going byte by byte through each word that had
/// one cost a twentieth of a 2-user run. Loops, not an iterator: the compiler kept a
/// flattening iterator's `next` out of line, a call per word.
#[inline(always)]
fn for_each_escaped(bytes: &[u8], mut each: impl FnMut(usize)) {
    let (words, tail) = bytes.as_chunks::<8>();
    for (i, word) in words.iter().enumerate() {
        let mut mask = escape_mask(u64::from_le_bytes(*word));
        while mask != 0 {
            each(8 * i + mask.trailing_zeros() as usize / 8);
            mask &= mask - 1;
        }
    }
    let tail_start = 8 * words.len();
    for (i, &b) in tail.iter().enumerate() {
        if needs_escape(b) {
            each(tail_start + i);
        }
    }
}

/// The top bit of each byte of `word` that is escaped ([`needs_escape`]), exactly (no
/// borrow from one byte to the next, unlike [`word_needs_escape`]): a byte's low seven
/// bits plus 0x60 reach its top bit when they are 0x20 or more, and plus 0x7f when they
/// are not zero, never carrying out of the byte; a byte with its top bit set is neither.
fn escape_mask(word: u64) -> u64 {
    const LOW: u64 = !HIGH;
    let below_space = !((word & LOW).wrapping_add(ONES * 0x60) | word);
    let zero = |w: u64| !((w & LOW).wrapping_add(LOW) | w);
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    (below_space | quote | backslash) & HIGH
}

/// How serde_json escapes byte `b` (one that [`needs_escape`]): `\"`, `\\`, `\b`, `\f`,
/// `\n`, `\r`, `\t`, and `\u00XX` (lower-case hex) for the other control characters;
/// the sequence's bytes and its length.
fn escape_sequence(b: u8) -> ([u8; 6], usize) {
    let short = |c: u8| ([b'\\', c, 0, 0, 0, 0], 2);
    match b {
        b'"' => short(b'"'),
        b'\\' => short(b'\\'),
        0x08 => short(b'b'),
        0x0c => short(b'f'),
        b'\n' => short(b'n'),
        b'\r' => short(b'r'),
        b'\t' => short(b't'),
        control => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let hex = |nibble: u8| HEX[usize::from(nibble)];
            (
                [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    hex(control >> 4),
                    hex(control & 0xf),
                ],
                6,
            )
        }
    }
}

/// `s` as a quoted JSON string, escaped as serde_json escapes it ([`escape_sequence`]);
/// everything else, non-ASCII included, as it is. A string with nothing to escape (nearly
/// every one) takes one reservation and is written with its quotes in one go (against a
/// quote, the text and a quote appended each with its own check: 57.6 → 56.6 M
/// instructions at 1,000 users).
#[inline]
fn string(out: &mut String, s: &str) {
    if any_needs_escape(s.as_bytes()) {
        return escaped_string(out, s);
    }
    out.reserve(s.len() + 2);
    // SAFETY: `reserve` left room for the two quotes and `s`; `s` is UTF-8 and is not
    // `out`, which is borrowed mutably, and the quotes are ASCII.
    unsafe {
        let bytes = out.as_mut_vec();
        let at = bytes.len();
        copy_quoted(s.as_bytes(), bytes.as_mut_ptr().add(at));
        bytes.set_len(at + s.len() + 2);
    }
}

/// [`string`] of a string with something to escape: rare, and kept out of line so that
/// the common case stays small.
#[cold]
#[inline(never)]
fn escaped_string(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push('"');
    let mut start = 0;
    for_each_escaped(bytes, |at| {
        // The text since the last escape, then this one's sequence, in one reservation.
        let plain = &bytes[start..at];
        let (sequence, len) = escape_sequence(bytes[at]);
        out.reserve(plain.len() + len);
        // SAFETY: `reserve` left room for both; `plain` ends before the ASCII byte at
        // `at` and starts after one (or at the start), so it is whole characters, and
        // the sequence is ASCII: `out` stays UTF-8. Neither source is `out`.
        unsafe {
            let text = out.as_mut_vec();
            let end = text.len();
            copy(plain, text.as_mut_ptr().add(end));
            copy(&sequence[..len], text.as_mut_ptr().add(end + plain.len()));
            text.set_len(end + plain.len() + len);
        }
        start = at + 1;
    });
    append(out, &s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value as SerdeValue, json};

    /// The pretty and the compact text of `value`; checks that the pretty text less the
    /// whitespace its printer counted is as long as the compact text.
    fn both(value: &SerdeValue) -> (String, String) {
        let value = Value::from(value);
        let mut pretty = String::new();
        write_pretty(&mut pretty, &value);
        let mut counted = String::new();
        let whitespace = write_pretty_counted(&mut counted, &value);
        assert_eq!(counted, pretty);
        let mut compact = String::new();
        write_compact(&mut compact, &value);
        assert_eq!(pretty.len() - whitespace, compact.len(), "{pretty}");
        (pretty, compact)
    }

    fn assert_as_serde_json(value: &SerdeValue) {
        let (pretty, compact) = both(value);
        assert_eq!(pretty, serde_json::to_string_pretty(value).unwrap());
        assert_eq!(compact, serde_json::to_string(value).unwrap());
        assert_eq!(compact_len(&Value::from(value)), compact.len());
    }

    #[test]
    fn every_kind_of_value_prints_as_serde_json_prints_it() {
        let value = json!({
            "empty object": {},
            "empty list": [],
            "nested": {"a": [1, -2, 3.5, 1e300, null, true, false, [[], [{}]]]},
            "escapes": "quote \" backslash \\ newline \n tab \t cr \r bs \u{8} ff \u{c} nul \u{0} us \u{1f} del \u{7f}",
            "non-ASCII": "café ☕ 日本語 \u{2028}",
            "long runs": "0123456789abcdef0123456789\"abcdef0123456789abcdef\\0123456789abcdef\n",
            "${!aws:username}": "Fn::Sub",
            "a key \" with \n escapes": {"and \\ a nested one": [{"\t": 1}]},
        });
        assert_as_serde_json(&value);
        let (pretty, _) = both(&json!({"a": {"b": [1]}, "c": []}));
        assert_eq!(
            pretty,
            "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  },\n  \"c\": []\n}"
        );
    }

    #[test]
    fn a_word_needs_escaping_exactly_when_one_of_its_bytes_does() {
        // Every byte value at every position of a word of otherwise plain bytes, with
        // plain and high (non-ASCII) neighbours, which the borrows could confuse.
        for filler in [b'a', 0x7f, 0x80, 0xe6, 0xff, b' '] {
            for b in 0..=255u8 {
                for at in 0..8 {
                    let mut bytes = [filler; 8];
                    bytes[at] = b;
                    assert_eq!(
                        word_needs_escape(u64::from_le_bytes(bytes)),
                        needs_escape(b),
                        "byte {b:#04x} at {at} among {filler:#04x}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_escape_mask_marks_exactly_the_escaped_bytes() {
        // Two bytes of each pair of values at two places of a word of filler, so that a
        // borrow or carry from one byte to the next would mark a byte wrongly.
        for filler in [b'a', 0x00, 0x1f, b'"', 0x7f, 0x80, 0xff] {
            for first in 0..=255u8 {
                for second in [0x00, 0x1f, 0x20, b'"', b'\\', 0x7f, 0x80, 0xdc, 0xff, b'a'] {
                    for (i, j) in [(0, 1), (3, 4), (6, 7), (0, 7)] {
                        let mut bytes = [filler; 8];
                        bytes[i] = first;
                        bytes[j] = second;
                        let expected = bytes
                            .iter()
                            .enumerate()
                            .filter(|&(_, &b)| needs_escape(b))
                            .fold(0u64, |mask, (k, _)| mask | 0x80 << (8 * k));
                        assert_eq!(
                            escape_mask(u64::from_le_bytes(bytes)),
                            expected,
                            "{bytes:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn escaped_positions_are_the_escaped_bytes_in_order() {
        for len in 0..=20 {
            for at in 0..len {
                for b in [b'\n', b'"', b'\\', 0x01, b'a', 0xc3] {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = b;
                    bytes[len - 1 - at] = b'"';
                    let expected: Vec<usize> =
                        (0..len).filter(|&k| needs_escape(bytes[k])).collect();
                    let mut found = Vec::new();
                    for_each_escaped(&bytes, |k| found.push(k));
                    assert_eq!(found, expected, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn a_string_needs_escaping_exactly_when_one_of_its_bytes_does() {
        // Every length up to past two 16-byte blocks, with each byte value at each place,
        // among plain and high (non-ASCII) neighbours: the tails, the overlapping last
        // block or word, and the unsigned comparison of control characters included.
        // Both ways of checking, whichever this target uses.
        type Check = fn(&[u8]) -> bool;
        let checks: Vec<(&str, Check)> = vec![
            ("used", any_needs_escape),
            ("by words", any_needs_escape_by_words),
            #[cfg(target_arch = "x86_64")]
            ("sse2", any_needs_escape_sse2),
        ];
        for (name, check) in checks {
            for filler in [b'a', b' ', 0x7f, 0x80, 0xff] {
                for len in 0..=40 {
                    let mut bytes = vec![filler; len];
                    assert!(!check(&bytes), "{name}: {len} bytes {filler:#04x}");
                    for at in 0..len {
                        for b in 0..=255u8 {
                            bytes[at] = b;
                            assert_eq!(
                                check(&bytes),
                                needs_escape(b),
                                "{name}: byte {b:#04x} at {at} of {len} among {filler:#04x}"
                            );
                        }
                        bytes[at] = filler;
                    }
                }
            }
        }
    }

    #[test]
    fn append_copies_text_of_every_length_whole() {
        // Every length around the sizes of the fixed moves, ASCII and not, appended to a
        // string with no room left (so that it grows first) and to one with room.
        let text: String = "añ€🦀bcdefghijklmnopqrstuvwxyz0123456789".repeat(5);
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let s = &text[..end];
            for mut out in [String::from("ab"), String::with_capacity(512) + "ab"] {
                append(&mut out, s);
                assert_eq!(out, format!("ab{s}"), "{} bytes", s.len());
            }
        }
    }

    #[test]
    fn lines_deeper_than_the_run_of_spaces_are_indented_fully() {
        let mut deep = json!("leaf");
        for _ in 0..LINE_START.len() {
            deep = json!({"k": [deep]});
        }
        assert_as_serde_json(&deep);
    }

    fn any_value() -> impl Strategy<Value = SerdeValue> {
        let leaf = prop_oneof![
            Just(SerdeValue::Null),
            any::<bool>().prop_map(SerdeValue::Bool),
            any::<i64>().prop_map(SerdeValue::from),
            any::<u64>().prop_map(SerdeValue::from),
            any::<String>().prop_map(SerdeValue::String),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(SerdeValue::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|entries| SerdeValue::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_value_prints_as_serde_json_prints_it(value in any_value()) {
            let (pretty, compact) = both(&value);
            prop_assert_eq!(pretty, serde_json::to_string_pretty(&value).unwrap());
            prop_assert_eq!(compact_len(&Value::from(&value)), compact.len());
            prop_assert_eq!(compact, serde_json::to_string(&value).unwrap());
        }
    }
}
